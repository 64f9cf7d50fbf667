/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * NTA behind the nta-bench interface, with and without the per-thread
 * caches: one arena per case, sized to fit the live set (throughput,
 * memory) or of exactly the fixed size (fragmentation).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nta.h>

#include "bench.h"

struct nta_ctx {
	struct nta_arena *arena;
};

static bool bench_hugetlbfs;

void
bench_nta_set_hugetlbfs(bool on)
{
	bench_hugetlbfs = on;
}

static int
nta_init_flags(struct bench_alloc *a, const struct bench_params *p, unsigned int flags)
{
	struct nta_arena_config cfg;
	size_t region = NTA_REGION_MAX_BYTES < (2u << 20) ? NTA_REGION_MAX_BYTES : (2u << 20);
	size_t regions, max_regions;
	struct nta_ctx *c;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "nta-bench";
	cfg.backing = bench_hugetlbfs ? NTA_BACKING_HUGETLBFS : NTA_BACKING_ANON;
	cfg.flags = flags;
	if (p->fixed) {
		/* Exactly capacity bytes: whole regions of at most 2 MB. */
		if (p->capacity < region)
			region = p->capacity;
		regions = p->capacity / region;
		cfg.flags |= NTA_ARENA_F_QUIET; /* a full arena refuses on purpose */
		max_regions = regions;
	} else {
		/*
		 * Sized to fit: regions for the expected live set plus a
		 * quarter (caches, fragmentation) made at once, so that the
		 * timed runs never grow the arena; room to grow up to the
		 * worst case (every buffer of the largest size) all the same.
		 */
		regions = (p->expected + p->expected / 4 + region - 1) / region + 1;
		max_regions = (p->capacity + region - 1) / region + 2;
		if (max_regions < regions)
			max_regions = regions;
	}
	if (max_regions > NTA_MAX_REGIONS) {
		snprintf(a->why, sizeof(a->why), "needs %zu regions, NTA_MAX_REGIONS is %d",
				max_regions, NTA_MAX_REGIONS);
		return -1;
	}
	cfg.region_size = region;
	cfg.initial_regions = (unsigned int)regions;
	cfg.max_regions = (unsigned int)max_regions;
	if (p->max_size > region)
		cfg.jumbo_size = (p->max_size + region - 1) / region * region;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(a->why, sizeof(a->why), "out of memory");
		return -1;
	}
	c->arena = nta_arena_create(&cfg);
	if (c->arena == NULL) {
		snprintf(a->why, sizeof(a->why), "nta_arena_create: %s%s",
				nta_strerror(nta_errno), bench_hugetlbfs ?
				" (hugetlbfs; --anonymous: anonymous memory)" : "");
		free(c);
		return -1;
	}
	a->ctx = c;
	return 0;
}

static int
nta_init_cached(struct bench_alloc *a, const struct bench_params *p)
{
	return nta_init_flags(a, p, 0);
}

static int
nta_init_nocache(struct bench_alloc *a, const struct bench_params *p)
{
	return nta_init_flags(a, p, NTA_ARENA_F_NO_CACHE);
}

static void *
nta_b_alloc(void *ctx, size_t size)
{
	return nta_alloc(((struct nta_ctx *)ctx)->arena, size);
}

static void
nta_b_free(void *ctx, void *ptr)
{
	nta_free(((struct nta_ctx *)ctx)->arena, ptr);
}

static void
nta_b_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	struct nta_ctx *c = a->ctx;
	struct nta_stats st;
	void *big;

	(void)live;
	(void)sizes;
	(void)n;
	if (nta_stats_get(c->arena, &st) != 0)
		return;
	/* Freed buffers in a cache are still taken from the arena. */
	m->reserved = (int64_t)(st.bytes_used + st.bytes_cached);
	m->in_use = (int64_t)st.bytes_used;
	m->metadata = (int64_t)st.metadata_bytes;
	m->total = (int64_t)st.bytes_total;
	/* Free space as the trees see it: caches returned first. */
	nta_cache_flush(c->arena);
	if (nta_stats_get(c->arena, &st) != 0)
		return;
	m->free_bytes = (int64_t)st.bytes_free;
	m->largest_free = (int64_t)st.largest_free;
	m->extents = (int64_t)st.free_extents;
	m->largest_ok = 0;
	if (st.largest_free > 0) {
		big = nta_alloc(c->arena, st.largest_free);
		if (big != NULL) {
			m->largest_ok = 1;
			nta_free(c->arena, big);
			nta_cache_flush(c->arena);
		}
	}
}

static void
nta_b_fini(struct bench_alloc *a)
{
	struct nta_ctx *c = a->ctx;

	if (c == NULL)
		return;
	nta_arena_destroy(c->arena);
	free(c);
	a->ctx = NULL;
}

static int
nta_b_map(struct bench_alloc *a, FILE *f)
{
	struct nta_ctx *c = a->ctx;

	if (nta_dump_map(f, c->arena) != 0) {
		snprintf(a->why, sizeof(a->why), "nta_dump_map: %s", nta_strerror(nta_errno));
		return -1;
	}
	return 0;
}

const struct bench_alloc_ops bench_nta_ops = {
	.init = nta_init_cached, .alloc = nta_b_alloc, .free = nta_b_free, .mem = nta_b_mem,
	.fini = nta_b_fini, .map = nta_b_map,
};

const struct bench_alloc_ops bench_nta_nocache_ops = {
	.init = nta_init_nocache, .alloc = nta_b_alloc, .free = nta_b_free, .mem = nta_b_mem,
	.fini = nta_b_fini, .map = nta_b_map,
};
