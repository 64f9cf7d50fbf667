/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Bad input, one case each: the call must fail with the exact nta_errno code
 * that nta.h documents, the arena must stay sound (nta_verify() == 0), and
 * its stats (bytes used, cached, free, free extents, buffers) must be
 * unchanged while the refusal counters go up by one.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nta.h"
#include "nta_test.h"

#define REGION_SIZE (64 * 1024)
/* The default region size: 2 MB, or the largest this build allows (unit_size=8: 512 KB). */
#define BIG_REGION ((size_t)2 * 1024 * 1024 < NTA_REGION_MAX_BYTES ? \
		(size_t)2 * 1024 * 1024 : (size_t)NTA_REGION_MAX_BYTES)
/* 1 MB, or the largest region this build allows. */
#define JUMBO_SIZE ((size_t)1024 * 1024 < NTA_REGION_MAX_BYTES ? \
		(size_t)1024 * 1024 : (size_t)NTA_REGION_MAX_BYTES)

static struct nta_arena *
make_arena(unsigned int flags, unsigned int max_regions, size_t jumbo)
{
	struct nta_arena_config cfg = {
		.name = "errors",
		.backing = NTA_BACKING_ANON,
		.region_size = REGION_SIZE,
		.initial_regions = 1,
		.max_regions = max_regions,
		.jumbo_size = jumbo,
		.flags = flags,
	};
	struct nta_arena *a = nta_arena_create(&cfg);

	if (a == NULL)
		printf("nta_arena_create: errno %d (%s)\n", nta_errno, nta_strerror(nta_errno));
	return a;
}

/* Stats that a refused call must not change. */
static int
same_state(struct nta_arena *a, const struct nta_stats *b, uint64_t alloc_fails,
	uint64_t free_errors)
{
	struct nta_stats s;
	int v;

	v = nta_verify(a);
	TEST_ASSERT_EQUAL(v, 0, "nta_verify after a refused call");
	TEST_ASSERT_EQUAL(nta_stats_get(a, &s), 0, "stats");
	TEST_ASSERT_EQUAL(s.bytes_used, b->bytes_used, "bytes_used changed");
	TEST_ASSERT_EQUAL(s.bytes_cached, b->bytes_cached, "bytes_cached changed");
	TEST_ASSERT_EQUAL(s.bytes_free, b->bytes_free, "bytes_free changed");
	TEST_ASSERT_EQUAL(s.free_extents, b->free_extents, "free_extents changed");
	TEST_ASSERT_EQUAL(s.buffers_used, b->buffers_used, "buffers_used changed");
	TEST_ASSERT_EQUAL(s.regions, b->regions, "regions changed");
	TEST_ASSERT_EQUAL(s.allocs, b->allocs, "allocs changed");
	TEST_ASSERT_EQUAL(s.frees, b->frees, "frees changed");
	TEST_ASSERT_EQUAL(s.alloc_fails, b->alloc_fails + alloc_fails, "alloc_fails");
	TEST_ASSERT_EQUAL(s.free_errors, b->free_errors + free_errors, "free_errors");
	return TEST_SUCCESS;
}

/* Expect nta_free(a, p) to fail with code err, changing nothing. */
static int
refuse_free(struct nta_arena *a, void *p, int err)
{
	struct nta_stats b;

	TEST_ASSERT_EQUAL(nta_stats_get(a, &b), 0, "stats");
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_free(a, p), -1, "nta_free(%p) accepted", p);
	TEST_ASSERT_EQUAL(nta_errno, err, "nta_free(%p) errno", p);
	if (same_state(a, &b, 0, 1) != TEST_SUCCESS)
		return TEST_FAILED;
	/* nta_size() refuses the same pointer with the same code. */
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_size(a, p), 0, "nta_size(%p)", p);
	TEST_ASSERT_EQUAL(nta_errno, err, "nta_size(%p) errno", p);
	return TEST_SUCCESS;
}

/* Expect an allocation to fail with code err, changing nothing. */
static int
refuse_alloc(struct nta_arena *a, size_t size, size_t align, int err)
{
	struct nta_stats b;
	void *p;

	TEST_ASSERT_EQUAL(nta_stats_get(a, &b), 0, "stats");
	nta_errno = 0;
	p = align == 0 ? nta_alloc(a, size) : nta_alloc_aligned(a, size, align);
	TEST_ASSERT_NULL(p, "alloc(%zu, align %zu) accepted", size, align);
	TEST_ASSERT_EQUAL(nta_errno, err, "alloc(%zu, align %zu) errno", size, align);
	return same_state(a, &b, 1, 0);
}

#define CHECK(x) do { if ((x) != TEST_SUCCESS) goto fail; } while (0)

/*
 * Three adjacent buffers lo, mid, hi from a fresh region (best fit, lowest
 * address first makes them adjacent), so that mid, once freed, is a block
 * of its own: nothing merges with it.
 */
static int
three(struct nta_arena *a, uint8_t **lo, uint8_t **mid, uint8_t **hi)
{
	*lo = nta_alloc(a, 256);
	*mid = nta_alloc(a, 256);
	*hi = nta_alloc(a, 256);
	TEST_ASSERT(*lo != NULL && *mid != NULL && *hi != NULL, "alloc: errno %d", nta_errno);
	TEST_ASSERT(*lo + 256 == *mid && *mid + 256 == *hi,
		"fresh region not allocated lowest address first: %p %p %p",
		(void *)*lo, (void *)*mid, (void *)*hi);
	return TEST_SUCCESS;
}

static int
test_double_free_cached(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint8_t *lo, *mid, *hi;
	struct nta_stats s;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	if (nta_free(a, mid) != 0)
		goto fail;
	/* 256 B is well under the cache limit: it waits in this thread's cache. */
	nta_stats_get(a, &s);
	if (NTA_CACHE_SIZE > 0 && NTA_CACHE_MAX_UNITS * NTA_UNIT >= 256 &&
			s.bytes_cached != 256) {
		printf("freed buffer not in the cache (cached %" PRIu64 ")\n", s.bytes_cached);
		goto fail;
	}
	CHECK(refuse_free(a, mid, EALREADY));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_double_free_tree(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint8_t *lo, *mid, *hi;
	struct nta_stats s;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	if (nta_free(a, mid) != 0)
		goto fail;
	nta_cache_flush(a);
	nta_stats_get(a, &s);
	if (s.bytes_cached != 0 || s.free_extents != 2) {
		printf("after flush: cached %" PRIu64 ", %" PRIu64 " extents (want 0, 2)\n",
			s.bytes_cached, s.free_extents);
		goto fail;
	}
	CHECK(refuse_free(a, mid, EALREADY));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_double_free_no_cache(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET | NTA_ARENA_F_NO_CACHE, 4, 0);
	uint8_t *lo, *mid, *hi;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	if (nta_free(a, mid) != 0)
		goto fail;
	CHECK(refuse_free(a, mid, EALREADY));
	/*
	 * Freed and merged with its free neighbours: hi is no longer a block
	 * start, but it points into free memory, which the core reports as a
	 * double free (EALREADY), not as an interior pointer.
	 */
	if (nta_free(a, hi) != 0)
		goto fail;
	CHECK(refuse_free(a, hi, EALREADY));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_foreign_pointer(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	struct nta_arena *other = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint64_t on_stack[4] = { 0 };
	uint8_t *heap = malloc(256), *p = NULL, *q = NULL;

	TEST_ASSERT(a != NULL && other != NULL && heap != NULL, "setup");
	p = nta_alloc(a, 128);
	q = nta_alloc(other, 128);
	if (p == NULL || q == NULL)
		goto fail;
	CHECK(refuse_free(a, on_stack, EFAULT));
	CHECK(refuse_free(a, heap, EFAULT));
	CHECK(refuse_free(a, (void *)(uintptr_t)0x1000, EFAULT));
	/* A buffer of another arena is not this arena's. */
	CHECK(refuse_free(a, q, EFAULT));
	nta_errno = 0;
	if (nta_region_of(a, heap) != -1 || nta_errno != EFAULT) {
		printf("nta_region_of(heap) errno %d\n", nta_errno);
		goto fail;
	}
	if (nta_iova(a, heap) != UINT64_MAX) {
		printf("nta_iova of a foreign pointer\n");
		goto fail;
	}
	free(heap);
	nta_arena_destroy(a);
	nta_arena_destroy(other);
	return TEST_SUCCESS;
fail:
	free(heap);
	nta_arena_destroy(a);
	nta_arena_destroy(other);
	return TEST_FAILED;
}

static int
test_interior_pointer(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint8_t *lo, *mid, *hi;
	struct nta_region_info ri;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	CHECK(refuse_free(a, mid + NTA_UNIT, EINVAL));
	CHECK(refuse_free(a, mid + 256 - NTA_UNIT, EINVAL));
	CHECK(refuse_free(a, lo + 3 * NTA_UNIT, EINVAL));
	/*
	 * Inside the free rest of the region: not a buffer start, but free
	 * memory, reported as EALREADY (a double free of a merged buffer is
	 * what usually points there).
	 */
	if (nta_region_info(a, 0, &ri) != 0)
		goto fail;
	CHECK(refuse_free(a, (uint8_t *)ri.base + ri.size - NTA_UNIT, EALREADY));
	CHECK(refuse_free(a, hi + 256 + 4 * NTA_UNIT, EALREADY));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_misaligned_pointer(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint8_t *lo, *mid, *hi;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	CHECK(refuse_free(a, mid + 1, EINVAL));
	CHECK(refuse_free(a, mid + 8, EINVAL));
	CHECK(refuse_free(a, mid - 1, EINVAL));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_size_zero(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(refuse_alloc(a, 0, 0, EINVAL));
	CHECK(refuse_alloc(a, 0, 64, EINVAL));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_bad_align(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint8_t *p;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(refuse_alloc(a, 100, 3 * NTA_UNIT, EINVAL));
	CHECK(refuse_alloc(a, 100, NTA_UNIT + 1, EINVAL));
	CHECK(refuse_alloc(a, 100, (size_t)REGION_SIZE * 2, EINVAL));
	/*
	 * An aligned request that fits an extent exactly at an aligned start
	 * is served: a whole empty region (page-aligned base) as one buffer
	 * aligned to 4 KB.
	 */
	{
		struct nta_region_info ri;
		uint8_t *w;

		if (nta_region_info(a, 0, &ri) != 0 || ((uintptr_t)ri.base & 4095) != 0) {
			printf("region 0 base %p not page-aligned\n", ri.base);
			goto fail;
		}
		w = nta_alloc_aligned(a, REGION_SIZE, 4096);
		if (w == NULL || ((uintptr_t)w & 4095) != 0 || nta_size(a, w) != REGION_SIZE ||
				nta_verify(a) != 0 || nta_free(a, w) != 0) {
			printf("aligned whole-region alloc: %p errno %d\n", (void *)w, nta_errno);
			goto fail;
		}
	}
	/* A good alignment works and skips units without using them. */
	p = nta_alloc_aligned(a, 100, 4096);
	if (p == NULL || ((uintptr_t)p & 4095) != 0 ||
			nta_size(a, p) != (100 + NTA_UNIT - 1) / NTA_UNIT * NTA_UNIT ||
			nta_verify(a) != 0) {
		printf("aligned alloc: %p errno %d\n", (void *)p, nta_errno);
		goto fail;
	}
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_too_big(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	struct nta_arena *j = make_arena(NTA_ARENA_F_QUIET, 4, JUMBO_SIZE);
	void *p;

	TEST_ASSERT(a != NULL && j != NULL, "create");
	/* No jumbo region: the region size is the limit. */
	CHECK(refuse_alloc(a, REGION_SIZE + 1, 0, E2BIG));
	CHECK(refuse_alloc(a, REGION_SIZE + 1, 64, E2BIG));
	CHECK(refuse_alloc(a, SIZE_MAX, 0, E2BIG));
	CHECK(refuse_alloc(a, SIZE_MAX - NTA_UNIT + 2, 0, E2BIG));
	/* With one, its size is; exactly that much works. */
	CHECK(refuse_alloc(j, JUMBO_SIZE + 1, 0, E2BIG));
	CHECK(refuse_alloc(j, SIZE_MAX, 0, E2BIG));
	p = nta_alloc(j, JUMBO_SIZE);
	if (p == NULL || nta_size(j, p) != JUMBO_SIZE) {
		printf("jumbo-size alloc failed: errno %d\n", nta_errno);
		goto fail;
	}
	/* The jumbo region is now full: ENOMEM, not E2BIG. */
	CHECK(refuse_alloc(j, REGION_SIZE + 1, 0, ENOMEM));
	if (nta_free(j, p) != 0 || nta_verify(j) != 0)
		goto fail;
	nta_arena_destroy(a);
	nta_arena_destroy(j);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	nta_arena_destroy(j);
	return TEST_FAILED;
}

static int
run_enomem(unsigned int flags)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET | flags, 1, 0);
	void *p[REGION_SIZE / 1024 + 1];
	unsigned int n = 0, i;

	TEST_ASSERT_NOT_NULL(a, "create");
	while (n <= REGION_SIZE / 1024) {
		p[n] = nta_alloc(a, 1024);
		if (p[n] == NULL)
			break;
		n++;
	}
	if (n != REGION_SIZE / 1024 || nta_errno != ENOMEM) {
		printf("%u allocations of 1 KB in a 64 KB arena (want 64), errno %d\n", n,
			nta_errno);
		goto fail;
	}
	CHECK(refuse_alloc(a, 1024, 0, ENOMEM));
	CHECK(refuse_alloc(a, 32, 0, ENOMEM));
	CHECK(refuse_alloc(a, 32, 64, ENOMEM));
	/* Free one: exactly that room comes back. */
	if (nta_free(a, p[10]) != 0 || (p[10] = nta_alloc(a, 1024)) == NULL) {
		printf("alloc after free: errno %d\n", nta_errno);
		goto fail;
	}
	CHECK(refuse_alloc(a, 32, 0, ENOMEM));
	for (i = 0; i < n; i++)
		if (nta_free(a, p[i]) != 0)
			goto fail;
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_enomem(void)
{
	return run_enomem(NTA_ARENA_F_NO_CACHE);
}

static int
test_enomem_cache(void)
{
	return run_enomem(0);
}

static int
test_free_null(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	struct nta_stats b;

	TEST_ASSERT_NOT_NULL(a, "create");
	nta_stats_get(a, &b);
	nta_errno = 0;
	if (nta_free(a, NULL) != 0 || nta_errno != 0) {
		printf("nta_free(NULL) failed: errno %d\n", nta_errno);
		goto fail;
	}
	/* Not an error: no counter moves. */
	CHECK(same_state(a, &b, 0, 0));
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

static int
test_null_arena(void)
{
	struct nta_stats s;
	struct nta_desc d = { 0 };
	uint64_t x;

	nta_errno = 0;
	TEST_ASSERT_NULL(nta_alloc(NULL, 64), "alloc");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "alloc(NULL arena)");
	nta_errno = 0;
	TEST_ASSERT_NULL(nta_alloc_aligned(NULL, 64, 64), "alloc_aligned");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "alloc_aligned(NULL arena)");
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_free(NULL, &x), -1, "free");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "free(NULL arena)");
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_verify(NULL), -1, "verify");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "verify(NULL)");
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_stats_get(NULL, &s), -1, "stats_get");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "stats_get(NULL)");
	nta_errno = 0;
	TEST_ASSERT_NULL(nta_from_desc(NULL, &d), "from_desc");
	TEST_ASSERT_EQUAL(nta_errno, EINVAL, "from_desc(NULL)");
	TEST_ASSERT_EQUAL(nta_region_count(NULL), 0, "region_count(NULL)");
	nta_arena_destroy(NULL);
	return TEST_SUCCESS;
}

static int
test_bad_config(void)
{
	static const struct {
		const char *what;
		struct nta_arena_config cfg;
	} bad[] = {
		{ "region_size not a multiple of the unit",
			{ .region_size = REGION_SIZE + 1 } },
		{ "region_size not a multiple of the page size",
			{ .region_size = 4096 + NTA_UNIT } },
		{ "region_size above NTA_REGION_MAX_BYTES",
			{ .region_size = NTA_REGION_MAX_BYTES + 65536 } },
		{ "max_regions above NTA_MAX_REGIONS",
			{ .region_size = REGION_SIZE, .max_regions = NTA_MAX_REGIONS + 1 } },
		{ "jumbo_size above NTA_REGION_MAX_BYTES",
			{ .region_size = REGION_SIZE, .jumbo_size = NTA_REGION_MAX_BYTES + 65536 } },
		{ "unknown backing", { .backing = (enum nta_backing)42 } },
		{ "unknown flag", { .flags = 0x80000000u } },
		{ "initial_regions above max_regions",
			{ .region_size = REGION_SIZE, .initial_regions = 5, .max_regions = 4 } },
	};
	struct nta_arena *a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nta_arena_config c = bad[i].cfg;

		c.flags |= NTA_ARENA_F_QUIET;
		nta_errno = 0;
		a = nta_arena_create(&c);
		if (a != NULL)
			nta_arena_destroy(a);
		TEST_ASSERT(a == NULL, "config accepted: %s", bad[i].what);
		TEST_ASSERT_EQUAL(nta_errno, EINVAL, "errno for %s", bad[i].what);
	}
	/* The boundary: NTA_MAX_REGIONS regions in all, the jumbo one included. */
	{
		struct nta_arena_config c = {
			.region_size = REGION_SIZE, .max_regions = NTA_MAX_REGIONS,
			.jumbo_size = REGION_SIZE * 2, .flags = NTA_ARENA_F_QUIET,
		};

		nta_errno = 0;
		a = nta_arena_create(&c);
		if (a != NULL)
			nta_arena_destroy(a);
		TEST_ASSERT(a == NULL && nta_errno == EINVAL,
			"NTA_MAX_REGIONS ordinary regions plus a jumbo one accepted (errno %d)",
			nta_errno);
		c.max_regions = NTA_MAX_REGIONS - 1;
		a = nta_arena_create(&c);
		TEST_ASSERT_NOT_NULL(a, "NTA_MAX_REGIONS - 1 plus jumbo refused: errno %d",
			nta_errno);
		nta_arena_destroy(a);
		c.max_regions = NTA_MAX_REGIONS;
		c.jumbo_size = 0;
		a = nta_arena_create(&c);
		TEST_ASSERT_NOT_NULL(a, "NTA_MAX_REGIONS without jumbo refused: errno %d",
			nta_errno);
		nta_arena_destroy(a);
	}
	/* The defaults work. */
	a = nta_arena_create(NULL);
	TEST_ASSERT_NOT_NULL(a, "nta_arena_create(NULL): errno %d", nta_errno);
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

static int
test_forged_desc(void)
{
	struct nta_arena *a = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	struct nta_desc good, d;
	struct nta_stats b;
	uint8_t *lo, *mid, *hi;
	struct {
		const char *what;
		uint32_t region, offset, len;
		int err;
	} bad[8];
	unsigned int i, nb = 0;

	TEST_ASSERT_NOT_NULL(a, "create");
	CHECK(three(a, &lo, &mid, &hi));
	if (nta_to_desc(a, mid, 0, &good) != 0 || good.len != 256)
		goto fail;
#define BAD(w, r, o, l, e) do { bad[nb].what = (w); bad[nb].region = (r); \
	bad[nb].offset = (o); bad[nb].len = (l); bad[nb].err = (e); nb++; } while (0)
	BAD("unknown region", 4096, good.offset, 256, ERANGE);
	BAD("region past the last", nta_region_count(a), good.offset, 256, ERANGE);
	BAD("offset past the region", good.region, REGION_SIZE, 32, ERANGE);
	BAD("offset + len past the region", good.region, REGION_SIZE - 32, 64, ERANGE);
	BAD("len past the buffer", good.region, good.offset, 257, ERANGE);
	BAD("interior offset", good.region, good.offset + NTA_UNIT, 32, EINVAL);
	BAD("misaligned offset", good.region, good.offset + 1, 32, EINVAL);
#undef BAD
	nta_stats_get(a, &b);
	for (i = 0; i < nb; i++) {
		d.region = bad[i].region;
		d.offset = bad[i].offset;
		d.len = bad[i].len;
		nta_errno = 0;
		if (nta_desc_check(a, &d) != NULL || nta_errno != bad[i].err) {
			printf("nta_desc_check(%s): errno %d, want %d\n", bad[i].what, nta_errno,
				bad[i].err);
			goto fail;
		}
	}
	/* from_desc checks bounds only. */
	d = good;
	d.region = 4096;
	nta_errno = 0;
	if (nta_from_desc(a, &d) != NULL || nta_errno != ERANGE)
		goto fail_msg;
	d = good;
	d.offset = REGION_SIZE - 32;
	d.len = 64;
	nta_errno = 0;
	if (nta_from_desc(a, &d) != NULL || nta_errno != ERANGE)
		goto fail_msg;
	nta_errno = 0;
	if (nta_from_desc(a, NULL) != NULL || nta_errno != EINVAL)
		goto fail_msg;
	nta_errno = 0;
	if (nta_desc_check(a, NULL) != NULL || nta_errno != EINVAL)
		goto fail_msg;
	/* to_desc: len above the buffer, NULL desc. */
	nta_errno = 0;
	if (nta_to_desc(a, mid, 257, &d) != -1 || nta_errno != EINVAL)
		goto fail_msg;
	nta_errno = 0;
	if (nta_to_desc(a, mid, 0, NULL) != -1 || nta_errno != EINVAL)
		goto fail_msg;
	nta_errno = 0;
	if (nta_to_desc(a, &d, 0, &d) != -1 || nta_errno != EFAULT)
		goto fail_msg;
	CHECK(same_state(a, &b, 0, 0));
	/* The good one works; once the buffer is freed (and in the tree), EALREADY. */
	if (nta_desc_check(a, &good) != mid || nta_free(a, mid) != 0)
		goto fail_msg;
	nta_cache_flush(a);
	nta_errno = 0;
	if (nta_desc_check(a, &good) != NULL || nta_errno != EALREADY)
		goto fail_msg;
	/* Region info / iova for a region that does not exist. */
	{
		struct nta_region_info ri;

		nta_errno = 0;
		if (nta_region_info(a, 4096, &ri) != -1 || nta_errno != ERANGE)
			goto fail_msg;
		nta_errno = 0;
		if (nta_region_set_iova(a, 4096, 0) != -1 || nta_errno != ERANGE)
			goto fail_msg;
	}
	nta_arena_destroy(a);
	return TEST_SUCCESS;
fail_msg:
	printf("unexpected result, errno %d (%s)\n", nta_errno, nta_strerror(nta_errno));
fail:
	nta_arena_destroy(a);
	return TEST_FAILED;
}

/*
 * An external arena: memory given by the caller. Bad add_memory calls are
 * refused with EINVAL (misaligned, too short, overlapping, wrong backing)
 * and the memory that was added works and is never written by the arena
 * outside the buffers (a canary after the added length stays intact).
 */
static int
test_external_memory(void)
{
	struct nta_arena_config cfg = {
		.name = "ext", .backing = NTA_BACKING_EXTERNAL, .region_size = REGION_SIZE,
		.max_regions = 8, .flags = NTA_ARENA_F_QUIET,
	};
	struct nta_arena *a, *anon;
	struct nta_stats st;
	uint8_t *mem, *p[8];
	size_t len = 2 * REGION_SIZE + 100;
	unsigned int i;
	int id;

	mem = aligned_alloc(4096, 4 * REGION_SIZE);
	TEST_ASSERT_NOT_NULL(mem, "oom");
	memset(mem, 0xa5, 4 * REGION_SIZE);
	a = nta_arena_create(&cfg);
	anon = make_arena(NTA_ARENA_F_QUIET, 2, 0);
	if (a == NULL || anon == NULL) {
		printf("create: errno %d\n", nta_errno);
		goto fail;
	}
	/* Nothing to allocate from yet. */
	nta_errno = 0;
	if (nta_alloc(a, 64) != NULL || nta_errno != ENOMEM) {
		printf("alloc from an empty external arena: errno %d\n", nta_errno);
		goto fail;
	}
#define REFUSE_ADD(ar, ad, l, e) do { nta_errno = 0; \
	if (nta_arena_add_memory((ar), (ad), (l), UINT64_MAX) != -1 || nta_errno != (e)) { \
		printf("add_memory(%p, %zu) errno %d want %d\n", (void *)(ad), (size_t)(l), \
			nta_errno, (e)); goto fail; } } while (0)
	REFUSE_ADD(a, NULL, len, EINVAL);
	REFUSE_ADD(a, mem + 1, len, EINVAL);
	REFUSE_ADD(a, mem, NTA_UNIT - 1, EINVAL);
	REFUSE_ADD(anon, mem, len, EINVAL);
	id = nta_arena_add_memory(a, mem, len, 0x100000);
	if (id < 0) {
		printf("add_memory: errno %d\n", nta_errno);
		goto fail;
	}
	REFUSE_ADD(a, mem + REGION_SIZE, REGION_SIZE, EINVAL);
#undef REFUSE_ADD
	/* Cut into regions of at most the region size; the partial unit unused. */
	nta_stats_get(a, &st);
	if (st.bytes_total != len / NTA_UNIT * NTA_UNIT || st.regions != 3) {
		printf("external: %" PRIu64 " bytes in %u regions (want %zu in 3)\n",
			st.bytes_total, st.regions, len / NTA_UNIT * NTA_UNIT);
		goto fail;
	}
	for (i = 0; i < 8; i++) {
		p[i] = nta_alloc(a, 9000);
		if (p[i] == NULL || p[i] < mem || p[i] + 9000 > mem + len) {
			printf("alloc %u from external memory: %p errno %d\n", i, (void *)p[i],
				nta_errno);
			goto fail;
		}
		memset(p[i], i, 9000);
	}
	if (nta_iova(a, mem) != 0x100000 || nta_iova(a, p[3]) != 0x100000 +
			(uint64_t)(p[3] - mem)) {
		printf("iova of external memory\n");
		goto fail;
	}
	for (i = 0; i < 8; i++)
		if (nta_free(a, p[i]) != 0)
			goto fail;
	nta_cache_flush(a);
	if (nta_verify(a) != 0)
		goto fail;
	nta_arena_destroy(a);
	a = NULL;
	/* Past the added length, and after destroy: untouched. */
	for (i = len; i < 4 * REGION_SIZE; i++)
		if (mem[i] != 0xa5) {
			printf("byte %u after the external memory was written\n", i);
			goto fail;
		}
	nta_arena_destroy(anon);
	free(mem);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	nta_arena_destroy(anon);
	free(mem);
	return TEST_FAILED;
}

/* Expect nta_arena_add_memory() to fail with code err, changing nothing. */
static int
refuse_add(struct nta_arena *a, void *addr, size_t len, int err)
{
	struct nta_stats b;

	TEST_ASSERT_EQUAL(nta_stats_get(a, &b), 0, "stats");
	nta_errno = 0;
	TEST_ASSERT_EQUAL(nta_arena_add_memory(a, addr, len, UINT64_MAX), -1,
		"add_memory(%p, %zu) accepted", addr, len);
	TEST_ASSERT_EQUAL(nta_errno, err, "add_memory(%p, %zu) errno", addr, len);
	return same_state(a, &b, 0, 0);
}

/* Expect nta_arena_add_memory() to add len bytes as regions first, first + 1, ... */
static int
accept_add(struct nta_arena *a, void *addr, size_t len, int first, uint32_t regions)
{
	struct nta_stats b, s;
	int id;

	TEST_ASSERT_EQUAL(nta_stats_get(a, &b), 0, "stats");
	nta_errno = 0;
	id = nta_arena_add_memory(a, addr, len, UINT64_MAX);
	TEST_ASSERT_EQUAL(id, first, "add_memory(%p, %zu): errno %d (%s)", addr, len, nta_errno,
		nta_strerror(nta_errno));
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "nta_verify after add_memory");
	TEST_ASSERT_EQUAL(nta_stats_get(a, &s), 0, "stats");
	TEST_ASSERT_EQUAL(s.regions, b.regions + regions, "regions added");
	TEST_ASSERT_EQUAL(s.bytes_total, b.bytes_total + len / NTA_UNIT * NTA_UNIT,
		"bytes added");
	TEST_ASSERT_EQUAL(s.bytes_free, b.bytes_free + len / NTA_UNIT * NTA_UNIT,
		"free bytes added");
	return TEST_SUCCESS;
}

static struct nta_arena *
make_external(size_t region_size, unsigned int max_regions)
{
	struct nta_arena_config cfg = {
		.name = "ext", .backing = NTA_BACKING_EXTERNAL, .region_size = region_size,
		.max_regions = max_regions, .flags = NTA_ARENA_F_QUIET,
	};
	struct nta_arena *a = nta_arena_create(&cfg);

	if (a == NULL)
		printf("nta_arena_create(external): errno %d (%s)\n", nta_errno,
			nta_strerror(nta_errno));
	return a;
}

/* End of a test with arena a and the caller's memory mem: rc. */
static int
finish(struct nta_arena *a, void *mem, int rc)
{
	nta_arena_destroy(a);
	free(mem);
	return rc;
}

/* Allocate size bytes from a, which must come from region id; verify. */
static int
alloc_in(struct nta_arena *a, size_t size, int id, void **p)
{
	*p = nta_alloc(a, size);
	TEST_ASSERT_NOT_NULL(*p, "alloc(%zu): errno %d", size, nta_errno);
	TEST_ASSERT_EQUAL(nta_region_of(a, *p), id, "region of a %zu-byte buffer", size);
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "nta_verify after alloc(%zu)", size);
	return TEST_SUCCESS;
}

/*
 * Regions of one and two units are regions like the others: added, served
 * and merged (their free-extent tree has fewer nodes than a larger region
 * keeps spare).
 */
static int
test_add_memory_tiny(void)
{
	struct nta_arena *a = make_external(REGION_SIZE, 8);
	struct nta_arena *u = make_external(NTA_UNIT, 8);
	uint8_t *mem = aligned_alloc(4096, 4096);
	uint8_t *big = aligned_alloc(4096, 2 * REGION_SIZE);
	void *p[4];
	unsigned int i;

	TEST_ASSERT(a != NULL && u != NULL && mem != NULL && big != NULL, "setup");
	CHECK(accept_add(a, mem, NTA_UNIT, 0, 1));
	CHECK(accept_add(a, mem + 2 * NTA_UNIT, 2 * NTA_UNIT, 1, 1));
	/* A region and one unit: two regions, the unit the second. */
	CHECK(accept_add(a, big, REGION_SIZE + NTA_UNIT, 2, 2));
	/* First region that fits, lowest id first: 32 B in region 0, 64 B in region 1. */
	CHECK(alloc_in(a, NTA_UNIT, 0, &p[0]));
	CHECK(alloc_in(a, NTA_UNIT, 1, &p[1]));
	CHECK(alloc_in(a, NTA_UNIT, 1, &p[2]));
	for (i = 0; i < 3; i++)
		if (nta_free(a, p[i]) != 0 || nta_verify(a) != 0)
			goto fail;
	nta_cache_flush(a);
	CHECK(alloc_in(a, 2 * NTA_UNIT, 1, &p[3]));
	if (nta_free(a, p[3]) != 0 || nta_verify(a) != 0)
		goto fail;
	/* An arena whose region size is one unit: three units are three regions. */
	CHECK(accept_add(u, mem + 5 * NTA_UNIT, 3 * NTA_UNIT, 0, 3));
	for (i = 0; i < 3; i++)
		CHECK(alloc_in(u, NTA_UNIT, (int)i, &p[i]));
	CHECK(refuse_alloc(u, NTA_UNIT, 0, ENOMEM));
	for (i = 0; i < 3; i++)
		if (nta_free(u, p[i]) != 0 || nta_verify(u) != 0)
			goto fail;
	nta_arena_destroy(a);
	nta_arena_destroy(u);
	free(mem);
	free(big);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	nta_arena_destroy(u);
	free(mem);
	free(big);
	return TEST_FAILED;
}

/*
 * Memory of one region and a unit: all of it is taken (two regions), or
 * none of it (the arena as it was), never the first region alone behind a
 * refusal.
 */
static int
test_add_memory_tail(void)
{
	size_t rs = BIG_REGION;
	struct nta_arena *a = make_external(rs, 8);
	uint8_t *mem = aligned_alloc(4096, rs + 4096);
	struct nta_stats b;
	void *p;
	int id;

	TEST_ASSERT(a != NULL && mem != NULL, "setup");
	if (nta_stats_get(a, &b) != 0)
		goto fail;
	nta_errno = 0;
	id = nta_arena_add_memory(a, mem, rs + NTA_UNIT, UINT64_MAX);
	if (id < 0) {
		printf("  2 MB + 32 B refused: errno %d (%s)\n", nta_errno,
			nta_strerror(nta_errno));
		CHECK(same_state(a, &b, 0, 0));
		CHECK(refuse_alloc(a, NTA_UNIT, 0, ENOMEM));
	} else {
		/* Accepted: the whole first region, then the unit after it. */
		TEST_ASSERT_EQUAL(nta_verify(a), 0, "nta_verify after add_memory");
		if (id != 0 || nta_stats_get(a, &b) != 0 || b.regions != 2 ||
				b.bytes_total != rs + NTA_UNIT) {
			printf("2 MB + 32 B: id %d, %u regions, %" PRIu64 " bytes\n", id,
				b.regions, b.bytes_total);
			goto fail;
		}
		CHECK(alloc_in(a, rs, 0, &p));
		CHECK(alloc_in(a, NTA_UNIT, 1, &p));
		CHECK(refuse_alloc(a, NTA_UNIT, 0, ENOMEM));
	}
	return finish(a, mem, TEST_SUCCESS);
fail:
	return finish(a, mem, TEST_FAILED);
}

/*
 * max_regions is 2: memory for three regions is refused whole, with the
 * arena empty or with one region already in; what fits goes in.
 */
static int
test_add_memory_enospc(void)
{
	struct nta_arena *a = make_external(REGION_SIZE, 2);
	uint8_t *mem = aligned_alloc(4096, 4 * REGION_SIZE);
	void *p[2];

	TEST_ASSERT(a != NULL && mem != NULL, "setup");
	CHECK(refuse_add(a, mem, 3 * REGION_SIZE, ENOSPC));
	CHECK(refuse_add(a, mem, 2 * REGION_SIZE + NTA_UNIT, ENOSPC));
	CHECK(refuse_alloc(a, NTA_UNIT, 0, ENOMEM));
	CHECK(accept_add(a, mem, REGION_SIZE, 0, 1));
	CHECK(refuse_add(a, mem + REGION_SIZE, 2 * REGION_SIZE, ENOSPC));
	CHECK(refuse_add(a, mem + REGION_SIZE, REGION_SIZE + NTA_UNIT, ENOSPC));
	CHECK(accept_add(a, mem + 2 * REGION_SIZE, REGION_SIZE, 1, 1));
	CHECK(refuse_add(a, mem + REGION_SIZE, NTA_UNIT, ENOSPC));
	/* Both regions are the caller's memory, whole. */
	CHECK(alloc_in(a, REGION_SIZE, 0, &p[0]));
	CHECK(alloc_in(a, REGION_SIZE, 1, &p[1]));
	if (p[0] != mem || p[1] != mem + 2 * REGION_SIZE) {
		printf("buffers at %p %p, memory at %p\n", p[0], p[1], (void *)mem);
		goto fail;
	}
	CHECK(refuse_alloc(a, NTA_UNIT, 0, ENOMEM));
	if (nta_free(a, p[0]) != 0 || nta_free(a, p[1]) != 0 || nta_verify(a) != 0)
		goto fail;
	return finish(a, mem, TEST_SUCCESS);
fail:
	return finish(a, mem, TEST_FAILED);
}

/* An aligned allocation that only a new region can serve: it grows. */
static int
grow_aligned(struct nta_arena *a, size_t size, size_t align, int id)
{
	struct nta_stats b;
	uint8_t *p;

	TEST_ASSERT_EQUAL(nta_stats_get(a, &b), 0, "stats");
	p = nta_alloc_aligned(a, size, align);
	TEST_ASSERT_NOT_NULL(p, "alloc_aligned(%zu, %zu): errno %d (%s)", size, align, nta_errno,
		nta_strerror(nta_errno));
	TEST_ASSERT_EQUAL((uintptr_t)p % align, 0, "alignment of %p", (void *)p);
	TEST_ASSERT_EQUAL(nta_region_of(a, p), id, "region of the aligned buffer");
	TEST_ASSERT(nta_size(a, p) >= size, "size %zu", nta_size(a, p));
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "nta_verify after alloc_aligned");
	return TEST_SUCCESS;
}

/*
 * A new region starts aligned to the region size (in the arena's reserved
 * range) or to the page size (elsewhere): growth is needed and done for an
 * aligned buffer up to that alignment, and refused (arena unchanged) beyond.
 */
static int
test_aligned_growth(void)
{
	size_t rs = BIG_REGION, odd = 3 * REGION_SIZE;
	struct nta_arena_config cfg = { .name = "grow", .flags = NTA_ARENA_F_QUIET };
	struct nta_arena *a = nta_arena_create(&cfg), *o = NULL;
	struct nta_stats s;
	void *p, *q;

	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	if (nta_stats_get(a, &s) != 0 || s.bytes_total != rs) {
		printf("default arena: %" PRIu64 " bytes (want one region of %zu)\n", s.bytes_total,
			rs);
		goto fail;
	}
	p = nta_alloc(a, 64);
	if (p == NULL)
		goto fail;
	CHECK(grow_aligned(a, 64, rs, 1));
	CHECK(grow_aligned(a, rs, rs, 2));
	CHECK(grow_aligned(a, rs - NTA_UNIT, 4096, 3));
	/* Region size not a power of two: no reserved range, page-aligned regions. */
	cfg.region_size = odd;
	cfg.max_regions = 3;
	o = nta_arena_create(&cfg);
	/* 8 KB used at its start: region 0 cannot serve the requests below. */
	if (o == NULL || (q = nta_alloc(o, 8192)) == NULL)
		goto fail;
	CHECK(grow_aligned(o, odd, 4096, 1));
	CHECK(refuse_alloc(o, odd, 8192, ENOMEM));
	CHECK(refuse_alloc(o, odd - 4096 + NTA_UNIT, 8192, ENOMEM));
	CHECK(grow_aligned(o, odd - 4096, 8192, 2));
	nta_arena_destroy(a);
	nta_arena_destroy(o);
	return TEST_SUCCESS;
fail:
	nta_arena_destroy(a);
	nta_arena_destroy(o);
	return TEST_FAILED;
}

/* Log capture. */
static unsigned int log_lines;
static int log_level;
static char log_msg[512];

static void
capture_log(int level, const char *msg)
{
	log_lines++;
	log_level = level;
	snprintf(log_msg, sizeof(log_msg), "%s", msg);
}

static int
test_log_line(void)
{
	struct nta_arena *a = make_arena(0, 4, 0);
	struct nta_arena *q = make_arena(NTA_ARENA_F_QUIET, 4, 0);
	uint64_t on_stack = 0;
	unsigned int n;
	int rc = TEST_FAILED;

	TEST_ASSERT(a != NULL && q != NULL, "create");
	nta_set_log(capture_log);
	log_lines = 0;
	log_msg[0] = '\0';
	if (nta_free(a, &on_stack) != -1 || nta_errno != EFAULT)
		goto out;
	n = log_lines;
	if (n != 1 || strlen(log_msg) == 0 ||
			(log_level != NTA_LOG_ERR && log_level != NTA_LOG_WARNING)) {
		printf("refused free logged %u lines (want 1), level %d, \"%s\"\n", n, log_level,
			log_msg);
		goto out;
	}
	printf("  logged: level %d \"%s\"\n", log_level, log_msg);
	/* A quiet arena logs nothing for the same refusal. */
	log_lines = 0;
	if (nta_free(q, &on_stack) != -1 || nta_errno != EFAULT)
		goto out;
	if (log_lines != 0) {
		printf("quiet arena logged %u lines: \"%s\"\n", log_lines, log_msg);
		goto out;
	}
	rc = TEST_SUCCESS;
out:
	nta_set_log(NULL);
	nta_arena_destroy(a);
	nta_arena_destroy(q);
	return rc;
}

static const struct nta_test_case cases[] = {
	{ "double_free_cached", test_double_free_cached },
	{ "double_free_tree", test_double_free_tree },
	{ "double_free_no_cache", test_double_free_no_cache },
	{ "foreign_pointer", test_foreign_pointer },
	{ "interior_pointer", test_interior_pointer },
	{ "misaligned_pointer", test_misaligned_pointer },
	{ "size_zero", test_size_zero },
	{ "bad_align", test_bad_align },
	{ "too_big", test_too_big },
	{ "enomem", test_enomem },
	{ "enomem_cache", test_enomem_cache },
	{ "free_null", test_free_null },
	{ "null_arena", test_null_arena },
	{ "bad_config", test_bad_config },
	{ "forged_desc", test_forged_desc },
	{ "external_memory", test_external_memory },
	{ "add_memory_tiny", test_add_memory_tiny },
	{ "add_memory_tail", test_add_memory_tail },
	{ "add_memory_enospc", test_add_memory_enospc },
	{ "aligned_growth", test_aligned_growth },
	{ "log_line", test_log_line },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta bad input",
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
