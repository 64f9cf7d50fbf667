/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Randomized test of the allocator against a reference model.
 *
 * The model keeps every live buffer (address, requested size, nta_size(), id)
 * in an array sorted by address. Each operation is an allocation (nta_alloc()
 * or, sometimes, nta_alloc_aligned()) or a free (a random live buffer, or the
 * most recent one). On every allocation the test checks alignment, that
 * nta_size() is the request rounded up to whole units, that the buffer
 * overlaps neither neighbour in the model, and that its descriptor
 * round-trips; it then fills the whole buffer with a pattern derived from the
 * id. On every free it checks that the pattern is intact.
 *
 * Sizes: mostly 64 B to 9 KB, some up to a whole 64 KB ordinary region, and a
 * few above it up to the jumbo region's size, so the jumbo region is used.
 *
 * nta_verify() runs after EVERY operation for the first --verify-first
 * operations (200 000 by default, 100 000 under ASan where it costs five
 * times more) and then every --verify-period (1 000)
 * operations; NTA_TEST_VERIFY_EVERY=1 makes it run after every operation of
 * the run. At the end everything is freed, caches flushed, and the stats
 * must show every region as one free extent.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nta.h"
#include "nta_test.h"

#define REGION_SIZE (64 * 1024)
#define MAX_REGIONS 256
#define JUMBO_SIZE ((size_t)2 * 1024 * 1024 < NTA_REGION_MAX_BYTES ? \
		(size_t)2 * 1024 * 1024 : (size_t)NTA_REGION_MAX_BYTES)
#define LIVE_MAX 500
/* A progress line every PROGRESS_OPS operations of a random run. */
#define PROGRESS_OPS 100000

/*
 * Under ASan nta_verify() costs about 5 times more (0.9 ms with ~170
 * regions): verify every op for the first 100 000 ops there, so that the
 * sanitized unit suite stays within its time budget.
 */
#if defined(__SANITIZE_ADDRESS__)
#define NTA_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTA_TEST_SANITIZED 1
#endif
#endif
#ifdef NTA_TEST_SANITIZED
#define VERIFY_FIRST_DEFAULT 100000
#else
#define VERIFY_FIRST_DEFAULT 200000
#endif

static uint64_t opt_ops = 1000000;
static uint64_t opt_verify_first = VERIFY_FIRST_DEFAULT;
static uint64_t opt_verify_period = 1000;

struct live {
	uint8_t *p;
	size_t req;
	size_t size;
	uint64_t id;
};

struct model {
	struct nta_arena *a;
	struct live *lv;
	size_t n;
	uint64_t next_id;
	uint8_t *last;          /* most recent allocation, maybe freed since */
	uint64_t allocs;        /* successful allocations */
	uint64_t frees;         /* successful frees */
	uint64_t fails;         /* refused allocations (ENOMEM) and refused frees */
	uint64_t enomem_ord;
	uint64_t enomem_jumbo;
	uint64_t aligned;
	uint64_t jumbos;
	uint64_t verifies;
	uint64_t used_bytes;    /* sum of nta_size() of live buffers */
};

static size_t
round_unit(size_t n)
{
	return (n + NTA_UNIT - 1) / NTA_UNIT * NTA_UNIT;
}

/* Index of the first live buffer whose address is >= p. */
static size_t
lower_bound(const struct model *m, const uint8_t *p)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->lv[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
check_desc(const struct model *m, const struct live *l)
{
	struct nta_desc d;
	void *q;

	TEST_ASSERT_EQUAL(nta_to_desc(m->a, l->p, 0, &d), 0, "to_desc errno %d", nta_errno);
	TEST_ASSERT_EQUAL(d.len, l->size, "whole-buffer descriptor length");
	TEST_ASSERT_EQUAL(d.region, nta_region_of(m->a, l->p), "descriptor region");
	q = nta_from_desc(m->a, &d);
	TEST_ASSERT(q == l->p, "from_desc %p != %p (errno %d)", q, (void *)l->p, nta_errno);
	q = nta_desc_check(m->a, &d);
	TEST_ASSERT(q == l->p, "desc_check %p != %p (errno %d)", q, (void *)l->p, nta_errno);
	TEST_ASSERT_EQUAL(nta_to_desc(m->a, l->p, (uint32_t)l->req, &d), 0, "to_desc(len)");
	TEST_ASSERT_EQUAL(d.len, l->req, "partial descriptor length");
	q = nta_desc_check(m->a, &d);
	TEST_ASSERT(q == l->p, "desc_check(partial) %p != %p", q, (void *)l->p);
	return TEST_SUCCESS;
}

static size_t
pick_size(struct nta_rng *r, int *jumbo)
{
	uint64_t x = nta_rng_below(r, 1000);

	*jumbo = 0;
	if (x < 960)
		return nta_rng_range(r, 64, 9216);
	if (x < 995)
		return nta_rng_range(r, 9217, REGION_SIZE);
	*jumbo = 1;
	if (nta_rng_below(r, 20) == 0)
		return nta_rng_range(r, REGION_SIZE + 1, JUMBO_SIZE);
	return nta_rng_range(r, REGION_SIZE + 1, JUMBO_SIZE / 4);
}

static int
do_alloc(struct model *m, struct nta_rng *r)
{
	struct nta_stats st;
	struct live l;
	size_t align = NTA_UNIT, pos;
	int jumbo;

	l.req = pick_size(r, &jumbo);
	if (nta_rng_below(r, 20) == 0) {
		align = (size_t)NTA_UNIT << nta_rng_below(r, 8);
		if (align > REGION_SIZE)
			align = REGION_SIZE;
		l.p = nta_alloc_aligned(m->a, l.req, align);
	} else {
		l.p = nta_alloc(m->a, l.req);
	}
	if (l.p == NULL) {
		TEST_ASSERT_EQUAL(nta_errno, ENOMEM, "alloc(%zu, align %zu) failed", l.req, align);
		m->fails++;
		TEST_ASSERT_EQUAL(nta_stats_get(m->a, &st), 0, "stats");
		if (jumbo) {
			/* Only the jumbo region can hold it: no extent was big enough. */
			m->enomem_jumbo++;
			if (align == NTA_UNIT)
				TEST_ASSERT(st.largest_free < round_unit(l.req),
					"ENOMEM for %zu B but largest free extent is %" PRIu64 " B",
					l.req, st.largest_free);
		} else {
			/* Ordinary size: the arena must have been unable to grow. */
			m->enomem_ord++;
			TEST_ASSERT_EQUAL(st.regions, MAX_REGIONS + 1,
				"ENOMEM for %zu B while the arena can still grow", l.req);
		}
		return TEST_SUCCESS;
	}
	if (align != NTA_UNIT)
		m->aligned++;
	if (jumbo)
		m->jumbos++;
	m->allocs++;
	TEST_ASSERT(((uintptr_t)l.p % align) == 0, "buffer %p not aligned to %zu",
		(void *)l.p, align);
	l.size = nta_size(m->a, l.p);
	TEST_ASSERT_EQUAL(l.size, round_unit(l.req), "nta_size of a %zu B request", l.req);
	l.id = m->next_id++;
	pos = lower_bound(m, l.p);
	if (pos < m->n)
		TEST_ASSERT(l.p + l.size <= m->lv[pos].p,
			"new buffer %p+%zu overlaps live buffer %p (id %" PRIu64 ")",
			(void *)l.p, l.size, (void *)m->lv[pos].p, m->lv[pos].id);
	if (pos > 0)
		TEST_ASSERT(m->lv[pos - 1].p + m->lv[pos - 1].size <= l.p,
			"live buffer %p+%zu (id %" PRIu64 ") overlaps new buffer %p",
			(void *)m->lv[pos - 1].p, m->lv[pos - 1].size, m->lv[pos - 1].id,
			(void *)l.p);
	if (check_desc(m, &l) != TEST_SUCCESS)
		return TEST_FAILED;
	nta_test_fill(l.p, l.size, l.id);
	memmove(&m->lv[pos + 1], &m->lv[pos], (m->n - pos) * sizeof(m->lv[0]));
	m->lv[pos] = l;
	m->n++;
	m->last = l.p;
	m->used_bytes += l.size;
	return TEST_SUCCESS;
}

static int
do_free(struct model *m, struct nta_rng *r)
{
	struct nta_stats before, after;
	struct nta_desc d;
	struct live l;
	size_t pos, off;

	pos = m->n;
	if (m->last != NULL && nta_rng_below(r, 10) < 3) {
		pos = lower_bound(m, m->last);
		if (pos < m->n && m->lv[pos].p != m->last)
			pos = m->n;
	}
	if (pos >= m->n)
		pos = nta_rng_below(r, m->n);
	l = m->lv[pos];
	off = nta_test_check(l.p, l.size, l.id);
	TEST_ASSERT_EQUAL(off, l.size, "buffer id %" PRIu64 " at %p (%zu B) corrupted at offset",
		l.id, (void *)l.p, l.size);
	TEST_ASSERT_EQUAL(nta_size(m->a, l.p), l.size, "nta_size at free");
	if (check_desc(m, &l) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(nta_to_desc(m->a, l.p, 0, &d), 0, "to_desc");
	TEST_ASSERT_EQUAL(nta_free(m->a, l.p), 0, "free of live buffer %p: errno %d",
		(void *)l.p, nta_errno);
	m->frees++;
	m->used_bytes -= l.size;
	memmove(&m->lv[pos], &m->lv[pos + 1], (m->n - pos - 1) * sizeof(m->lv[0]));
	m->n--;
	if (l.p == m->last)
		m->last = NULL;
	/* The old descriptor must now be refused. */
	TEST_ASSERT_NULL(nta_desc_check(m->a, &d), "desc_check accepts a freed buffer");
	TEST_ASSERT(nta_errno == EALREADY || nta_errno == EINVAL,
		"desc_check of a freed buffer: errno %d", nta_errno);
	/* Now and then, a double free: refused, nothing changes. */
	if (nta_rng_below(r, 100) == 0) {
		TEST_ASSERT_EQUAL(nta_stats_get(m->a, &before), 0, "stats");
		TEST_ASSERT_EQUAL(nta_free(m->a, l.p), -1, "double free accepted");
		TEST_ASSERT(nta_errno == EALREADY || nta_errno == EINVAL,
			"double free: errno %d", nta_errno);
		m->fails++;
		TEST_ASSERT_EQUAL(nta_stats_get(m->a, &after), 0, "stats");
		TEST_ASSERT_EQUAL(after.bytes_used, before.bytes_used, "double free changed use");
		TEST_ASSERT_EQUAL(after.bytes_free, before.bytes_free, "double free changed free");
		TEST_ASSERT_EQUAL(after.bytes_cached, before.bytes_cached, "double free changed cache");
		TEST_ASSERT_EQUAL(after.free_extents, before.free_extents, "double free: extents");
	}
	return TEST_SUCCESS;
}

static int
check_stats(const struct model *m)
{
	struct nta_stats st;

	TEST_ASSERT_EQUAL(nta_stats_get(m->a, &st), 0, "stats");
	TEST_ASSERT_EQUAL(st.bytes_used, m->used_bytes, "bytes_used vs model");
	TEST_ASSERT_EQUAL(st.buffers_used, m->n, "buffers_used vs model");
	TEST_ASSERT_EQUAL(st.allocs, m->allocs, "allocs vs model");
	TEST_ASSERT_EQUAL(st.frees, m->frees, "frees vs model");
	TEST_ASSERT_EQUAL(st.bytes_used + st.bytes_cached + st.bytes_free, st.bytes_total,
		"used + cached + free != total");
	TEST_ASSERT(st.tree_height_max <= 1.44 * log2((double)st.free_extents + 2) + 1e-9,
		"tree height %u above the AVL bound for %" PRIu64 " extents",
		st.tree_height_max, st.free_extents);
	return TEST_SUCCESS;
}

static int
run_random(unsigned int flags, uint64_t seed)
{
	struct nta_arena_config cfg = {
		.name = "random",
		.backing = NTA_BACKING_ANON,
		.region_size = REGION_SIZE,
		.initial_regions = 1,
		.max_regions = MAX_REGIONS,
		.jumbo_size = JUMBO_SIZE,
		.flags = flags | NTA_ARENA_F_QUIET,
	};
	struct model m = { 0 };
	struct nta_stats st;
	struct nta_rng rng;
	uint64_t op, target = 0, verify_first = opt_verify_first;
	int rc = TEST_FAILED, v;
	double t0 = nta_test_now();

	if (nta_test_env_u64("NTA_TEST_VERIFY_EVERY", 0) != 0)
		verify_first = opt_ops;
	printf("%s: %" PRIu64 " ops, verify after every op for the first %" PRIu64
		" ops, then every %" PRIu64 "\n", flags & NTA_ARENA_F_NO_CACHE ? "no cache" :
		"caches on", opt_ops, verify_first, opt_verify_period);
	nta_rng_seed(&rng, seed);
	m.lv = calloc(LIVE_MAX + 1, sizeof(*m.lv));
	TEST_ASSERT_NOT_NULL(m.lv, "out of memory");
	m.a = nta_arena_create(&cfg);
	if (m.a == NULL) {
		free(m.lv);
		TEST_ASSERT(0, "nta_arena_create: errno %d", nta_errno);
	}
	for (op = 0; op < opt_ops; op++) {
		int do_a;

		if (op % 10000 == 0)
			target = nta_rng_below(&rng, LIVE_MAX);
		if (m.n == 0)
			do_a = 1;
		else if (m.n >= LIVE_MAX)
			do_a = 0;
		else
			do_a = nta_rng_below(&rng, 100) < (m.n < target ? 60u : 40u);
		if ((do_a ? do_alloc(&m, &rng) : do_free(&m, &rng)) != TEST_SUCCESS) {
			printf("failed at op %" PRIu64 " (%s)\n", op, do_a ? "alloc" : "free");
			goto out;
		}
		if (op < verify_first || op % opt_verify_period == 0) {
			m.verifies++;
			v = nta_verify(m.a);
			if (v != 0) {
				printf("nta_verify() = %d after op %" PRIu64 " (%s)\n", v, op,
					do_a ? "alloc" : "free");
				goto out;
			}
		}
		if (op % 997 == 0 && check_stats(&m) != TEST_SUCCESS) {
			printf("stats mismatch after op %" PRIu64 "\n", op);
			goto out;
		}
		if ((op + 1) % PROGRESS_OPS == 0) {
			/* Flushed: meson's verbose log shows a long run as it goes. */
			printf("  %" PRIu64 " of %" PRIu64 " ops, %.1f s, %zu live buffers\n",
				op + 1, opt_ops, nta_test_now() - t0, m.n);
			fflush(stdout);
		}
	}
	printf("%" PRIu64 " allocs (%" PRIu64 " aligned, %" PRIu64 " jumbo), %" PRIu64
		" frees, %" PRIu64 " ENOMEM (ordinary %" PRIu64 ", jumbo %" PRIu64 "), %" PRIu64
		" verifies, %.1f s\n", m.allocs, m.aligned, m.jumbos, m.frees,
		m.enomem_ord + m.enomem_jumbo, m.enomem_ord, m.enomem_jumbo, m.verifies,
		nta_test_now() - t0);
	if (check_stats(&m) != TEST_SUCCESS)
		goto out;
	/* Free everything, in random order. */
	while (m.n > 0)
		if (do_free(&m, &rng) != TEST_SUCCESS)
			goto out;
	nta_cache_flush(m.a);
	v = nta_verify(m.a);
	if (v != 0) {
		printf("nta_verify() = %d after freeing everything\n", v);
		goto out;
	}
	if (nta_stats_get(m.a, &st) != 0 || check_stats(&m) != TEST_SUCCESS)
		goto out;
	nta_dump(stdout, m.a, 0);
	if (st.bytes_used != 0 || st.buffers_used != 0 || st.bytes_cached != 0 ||
			st.bytes_free != st.bytes_total) {
		printf("after freeing all: used %" PRIu64 " (%" PRIu64 " buffers), cached %"
			PRIu64 ", free %" PRIu64 " of %" PRIu64 "\n", st.bytes_used,
			st.buffers_used, st.bytes_cached, st.bytes_free, st.bytes_total);
		goto out;
	}
	if (st.free_extents != st.regions) {
		printf("after freeing all: %" PRIu64 " free extents in %u regions (not merged)\n",
			st.free_extents, st.regions);
		goto out;
	}
	/*
	 * Every region is one free extent; the largest is the jumbo region, so
	 * fragmentation (1 - largest / free) is what the region sizes make it:
	 * 0 within each region.
	 */
	if (st.largest_free != JUMBO_SIZE ||
			fabs(st.fragmentation - (1.0 - (double)JUMBO_SIZE / st.bytes_free)) > 1e-9) {
		printf("after freeing all: largest free %" PRIu64 " (want %zu), fragmentation %f"
			" (want %f)\n", st.largest_free, JUMBO_SIZE, st.fragmentation,
			1.0 - (double)JUMBO_SIZE / st.bytes_free);
		goto out;
	}
	TEST_ASSERT_EQUAL(st.bytes_total, (uint64_t)(st.regions - 1) * REGION_SIZE + JUMBO_SIZE,
		"bytes_total");
	rc = TEST_SUCCESS;
out:
	nta_arena_destroy(m.a);
	free(m.lv);
	return rc;
}

static uint64_t seed;

static int
test_random_cache(void)
{
	return run_random(0, seed);
}

static int
test_random_no_cache(void)
{
	return run_random(NTA_ARENA_F_NO_CACHE, seed + 1);
}

/*
 * One region and no jumbo region: after a random churn and freeing all, the
 * region is one extent and fragmentation is exactly 0.
 */
static int
test_single_region_merge(void)
{
	struct nta_arena_config cfg = {
		.name = "merge", .region_size = REGION_SIZE, .initial_regions = 1,
		.max_regions = 1, .flags = NTA_ARENA_F_QUIET,
	};
	void *p[64] = { NULL };
	struct nta_stats st;
	struct nta_arena *a;
	struct nta_rng rng;
	unsigned int i, k;

	nta_rng_seed(&rng, seed + 2);
	a = nta_arena_create(&cfg);
	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	for (i = 0; i < 20000; i++) {
		k = nta_rng_below(&rng, 64);
		if (p[k] != NULL) {
			if (nta_free(a, p[k]) != 0) {
				nta_arena_destroy(a);
				TEST_ASSERT(0, "free: errno %d", nta_errno);
			}
			p[k] = NULL;
		} else {
			p[k] = nta_alloc(a, nta_rng_range(&rng, 1, 2048));
		}
	}
	for (k = 0; k < 64; k++)
		if (p[k] != NULL && nta_free(a, p[k]) != 0) {
			nta_arena_destroy(a);
			TEST_ASSERT(0, "free: errno %d", nta_errno);
		}
	nta_cache_flush(a);
	i = nta_verify(a);
	nta_stats_get(a, &st);
	nta_arena_destroy(a);
	TEST_ASSERT_EQUAL(i, 0, "nta_verify");
	TEST_ASSERT_EQUAL(st.free_extents, 1, "free extents");
	TEST_ASSERT_EQUAL(st.bytes_free, REGION_SIZE, "bytes free");
	TEST_ASSERT_EQUAL(st.largest_free, REGION_SIZE, "largest free");
	TEST_ASSERT(st.fragmentation == 0.0, "fragmentation %f", st.fragmentation);
	return TEST_SUCCESS;
}

/*
 * Regions above 2 MB (65536 units) need avl_bits=32: then an 8 MB region and
 * a 32 MB jumbo region hold buffers of several MB and many extents; with
 * 16-bit avl_t such a config must be refused (EINVAL).
 */
static int
test_wide_region(void)
{
	struct nta_arena_config cfg = {
		.name = "wide", .region_size = 8 << 20, .initial_regions = 1,
		.max_regions = 2, .jumbo_size = 32 << 20, .flags = NTA_ARENA_F_QUIET,
	};
	static uint8_t *p[512];
	static size_t sz[512];
	struct nta_stats st;
	struct nta_arena *a;
	struct nta_rng rng;
	unsigned int i, k;
	int v;

	a = nta_arena_create(&cfg);
	if (NTA_REGION_MAX_BYTES < cfg.region_size) {
		nta_arena_destroy(a);
		TEST_ASSERT_NULL(a, "8 MB region accepted with %d-bit avl_t", NTA_AVL_BITS);
		TEST_ASSERT_EQUAL(nta_errno, EINVAL, "8 MB region with 16-bit avl_t");
		return TEST_SUCCESS;
	}
	TEST_ASSERT_NOT_NULL(a, "create 8 MB regions: errno %d", nta_errno);
	nta_rng_seed(&rng, seed + 3);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 20000; i++) {
		k = nta_rng_below(&rng, 512);
		if (p[k] != NULL) {
			if (nta_test_check(p[k], sz[k], k) != sz[k] || nta_free(a, p[k]) != 0)
				goto fail;
			p[k] = NULL;
			continue;
		}
		sz[k] = nta_rng_below(&rng, 50) == 0 ? nta_rng_range(&rng, 2 << 20, 12 << 20) :
			nta_rng_range(&rng, 64, 65536);
		p[k] = nta_alloc(a, sz[k]);
		if (p[k] == NULL) {
			if (nta_errno != ENOMEM)
				goto fail;
			continue;
		}
		if (nta_size(a, p[k]) != round_unit(sz[k]))
			goto fail;
		nta_test_fill(p[k], sz[k], k);
		if (i % 500 == 0 && nta_verify(a) != 0)
			goto fail;
	}
	for (k = 0; k < 512; k++)
		if (p[k] != NULL && (nta_test_check(p[k], sz[k], k) != sz[k] ||
				nta_free(a, p[k]) != 0))
			goto fail;
	nta_cache_flush(a);
	v = nta_verify(a);
	nta_stats_get(a, &st);
	nta_arena_destroy(a);
	TEST_ASSERT_EQUAL(v, 0, "verify");
	TEST_ASSERT_EQUAL(st.bytes_used, 0, "bytes used");
	TEST_ASSERT_EQUAL(st.free_extents, st.regions, "free extents");
	TEST_ASSERT_EQUAL(st.largest_free, 32 << 20, "largest free");
	return TEST_SUCCESS;
fail:
	printf("op %u slot %u size %zu: errno %d, verify %d\n", i, k, sz[k], nta_errno,
		nta_verify(a));
	nta_arena_destroy(a);
	return TEST_FAILED;
}

/*
 * Three arenas used in turn from one thread, caches on: a buffer of one is
 * refused by the others (EFAULT) and nothing leaks between their caches.
 * The middle arena is destroyed and created again halfway (its thread
 * cache must not survive into the new arena).
 */
static int
test_three_arenas(void)
{
	struct nta_arena_config cfg = {
		.name = "multi", .region_size = REGION_SIZE, .initial_regions = 1,
		.max_regions = 16, .flags = NTA_ARENA_F_QUIET,
	};
	struct nta_arena *a[3] = { NULL, NULL, NULL };
	static uint8_t *p[3][128];
	static size_t sz[3][128];
	struct nta_stats st;
	struct nta_rng rng;
	unsigned int i = 0, k, j, o;
	int rc = TEST_FAILED;

	nta_rng_seed(&rng, seed + 4);
	memset(p, 0, sizeof(p));
	for (j = 0; j < 3; j++)
		if ((a[j] = nta_arena_create(&cfg)) == NULL)
			goto out;
	for (i = 0; i < 200000; i++) {
		if (i == 100000) {
			/* Free the middle arena's buffers, destroy it, make a new one. */
			for (k = 0; k < 128; k++)
				if (p[1][k] != NULL && nta_free(a[1], p[1][k]) != 0)
					goto out;
			memset(p[1], 0, sizeof(p[1]));
			nta_arena_destroy(a[1]);
			if ((a[1] = nta_arena_create(&cfg)) == NULL)
				goto out;
		}
		j = nta_rng_below(&rng, 3);
		k = nta_rng_below(&rng, 128);
		if (p[j][k] == NULL) {
			sz[j][k] = nta_rng_range(&rng, 1, 4000);
			p[j][k] = nta_alloc(a[j], sz[j][k]);
			if (p[j][k] == NULL)
				goto out;
			nta_test_fill(p[j][k], sz[j][k], j * 1000 + k);
			continue;
		}
		if (nta_test_check(p[j][k], sz[j][k], j * 1000 + k) != sz[j][k]) {
			printf("arena %u buffer %u corrupted\n", j, k);
			goto out;
		}
		o = (j + 1 + nta_rng_below(&rng, 2)) % 3;
		nta_errno = 0;
		if (nta_free(a[o], p[j][k]) != -1 || nta_errno != EFAULT) {
			printf("arena %u accepted (or misreported, errno %d) arena %u's buffer\n",
				o, nta_errno, j);
			goto out;
		}
		if (nta_free(a[j], p[j][k]) != 0)
			goto out;
		p[j][k] = NULL;
		if (i % 5000 == 0 && (nta_verify(a[0]) != 0 || nta_verify(a[1]) != 0 ||
				nta_verify(a[2]) != 0)) {
			printf("verify failed at op %u\n", i);
			goto out;
		}
	}
	for (j = 0; j < 3; j++) {
		for (k = 0; k < 128; k++)
			if (p[j][k] != NULL && nta_free(a[j], p[j][k]) != 0)
				goto out;
		nta_cache_flush(a[j]);
		if (nta_verify(a[j]) != 0 || nta_stats_get(a[j], &st) != 0 ||
				st.bytes_used != 0 || st.bytes_cached != 0 ||
				st.free_extents != st.regions) {
			printf("arena %u not empty at the end\n", j);
			goto out;
		}
	}
	rc = TEST_SUCCESS;
out:
	if (rc != TEST_SUCCESS)
		printf("three arenas failed at op %u: errno %d\n", i, nta_errno);
	for (j = 0; j < 3; j++)
		nta_arena_destroy(a[j]);
	return rc;
}

static int
parse_opt(int argc, char **argv, int *i)
{
	uint64_t *dst = NULL;

	if (strcmp(argv[*i], "--ops") == 0)
		dst = &opt_ops;
	else if (strcmp(argv[*i], "--verify-first") == 0)
		dst = &opt_verify_first;
	else if (strcmp(argv[*i], "--verify-period") == 0)
		dst = &opt_verify_period;
	else
		return 0;
	if (*i + 1 >= argc || nta_test_parse_u64(argv[*i + 1], dst) < 0 ||
			(dst == &opt_verify_period && *dst == 0)) {
		fprintf(stderr, "%s: %s needs a positive number\n", argv[0], argv[*i]);
		return -1;
	}
	(*i)++;
	return 1;
}

static int
setup(void)
{
	opt_ops = nta_test_env_u64("NTA_TEST_OPS", opt_ops);
	seed = nta_test_seed(20261125);
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "random_cache", test_random_cache },
	{ "random_no_cache", test_random_no_cache },
	{ "single_region_merge", test_single_region_merge },
	{ "wide_region", test_wide_region },
	{ "three_arenas", test_three_arenas },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta random vs reference model",
	.usage = "  --ops N            operations per random case (1000000; env NTA_TEST_OPS)\n"
		"  --verify-first N   nta_verify() after every op for the first N ops\n"
		"                     (200000; 100000 under ASan)\n"
		"  --verify-period N  then after every N ops (1000)\n"
		"Env NTA_TEST_VERIFY_EVERY=1: nta_verify() after every operation of the run.\n",
	.parse_opt = parse_opt,
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
