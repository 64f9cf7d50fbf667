/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Allocation and free.
 *
 * Fast path. nta_alloc() pops a buffer of exactly the requested unit count
 * from the calling thread's cache and marks it used (one store in the
 * region's used map). nta_free() clears the used mark (one atomic exchange,
 * which also catches a double free and returns the buffer's length code, so
 * that only long buffers read the head bitmap) and pushes it on the cache.
 * No lock, O(1).
 *
 * Slow path, under the arena lock. An allocation takes the best fit (the
 * smallest free extent that is large enough, the lowest address among equal
 * sizes) from the first region that has one (nta_region_take()); a free that
 * no cache takes merges at once (nta_region_give()).
 */

#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "nta_cache.h"
#include "nta_region.h"

/* At most one "cannot grow" warning per arena in this many nanoseconds. */
#define GROW_WARN_INTERVAL_NS UINT64_C(1000000000)

/*
 * Best fit for n units at an aligned start. The extents of at least
 * n + align/unit - 1 units always fit; smaller ones may fit too if their
 * start happens to be aligned. Look at the first few extents of at least n
 * units for one (a bounded walk keeps the operation O(log2 N)), then take
 * the best fit among those that always fit.
 */
#define ALIGN_PROBES 16

static avl_t
best_fit_aligned(const struct nta_region *r, uint64_t n, size_t align, uint64_t need)
{
	const struct nta_tree *t = &r->tree;
	avl_t i = nta_tree_best_fit(t, n);
	unsigned int k;

	for (k = 0; i != 0 && k < ALIGN_PROBES; k++, i = nta_tree_next(t, i)) {
		const struct nta_node *nd = nta_node(t, i);

		if (nta_node_len(nd) >= need ||
				nta_align_skip(r, nd, align) + n <= nta_node_len(nd))
			return i;
	}
	return r->max_free >= need ? nta_tree_best_fit(t, need) : 0;
}

/* Node of the extent that serves n units aligned to align in r, 0 if none. */
static inline avl_t
region_fit(const struct nta_region *r, uint64_t n, size_t align, uint64_t need)
{
	return align > NTA_UNIT ? best_fit_aligned(r, n, align, need) :
		nta_tree_best_fit(&r->tree, n);
}

/*
 * The arena cannot grow (hugepages exhausted, say): tell once, then at most
 * once a second with the number of failures not told, so that an allocation
 * loop under memory pressure does not flood the log. Under lock.
 */
static void
grow_warn(struct nta_arena *a, int err)
{
	struct timespec ts;
	uint64_t now;

	if (a->cfg.flags & NTA_ARENA_F_QUIET)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	if (a->grow_warn_ns != 0 && now - a->grow_warn_ns < GROW_WARN_INTERVAL_NS) {
		a->grow_warn_quiet++;
		return;
	}
	if (a->grow_warn_quiet != 0)
		nta_log(NTA_LOG_WARNING, "%s: cannot grow: %s (%" PRIu64 " more since the last "
			"warning)", a->name, nta_strerror(-err), a->grow_warn_quiet);
	else
		nta_log(NTA_LOG_WARNING, "%s: cannot grow: %s", a->name, nta_strerror(-err));
	a->grow_warn_ns = now != 0 ? now : 1;
	a->grow_warn_quiet = 0;
}

/*
 * Units a new region may have to skip so that a buffer starts aligned to
 * align. Regions mapped in the arena's reserved range start on a multiple of
 * the region size (reserve_range() aligns the range to it); others start
 * where mmap() puts them, on a page of the backing. Only the alignment
 * beyond that may cost units.
 */
static uint64_t
grow_skip(const struct nta_arena *a, size_t align)
{
	size_t base_align = a->va_len != 0 ? a->region_size : a->page_size;

	return align > base_align ? (align - base_align) / NTA_UNIT : 0;
}

/* n units aligned to align from ordinary region r, or NULL. Under lock. */
static inline void *
region_try(struct nta_arena *a, struct nta_region *r, uint64_t n, size_t align, uint64_t need,
		uint64_t want)
{
	avl_t node;
	void *p;

	if (r->max_free < want)
		return NULL;
	node = region_fit(r, n, align, need);
	if (node == 0)
		return NULL;
	p = nta_region_take(r, node, n, align);
	if (p != NULL)
		nta_region_fit_update(a, r);
	return p;
}

/* Find and take n units aligned to align from some region. Under lock. */
static void *
tree_alloc(struct nta_arena *a, uint64_t n, size_t align)
{
	uint64_t need = n + (align > NTA_UNIT ? align / NTA_UNIT - 1 : 0);
	uint64_t want = align > NTA_UNIT ? n : need;
	uint32_t w, first = a->jumbo == 0;   /* a jumbo region is made first */
	const uint64_t *fw;
	struct nta_region *r;
	avl_t node;
	uint64_t x;
	void *p;
	int err;

	/*
	 * First region that fits, lowest id first: later regions stay empty as
	 * long as possible (a scattered arena fragments, see nta-bench). The
	 * lowest region serves most requests: try it first. Then the fit
	 * index: the ordinary regions with an extent of at least
	 * 2^floor(log2(want)) units, lowest id first.
	 */
	if (first < a->n_regions) {
		p = region_try(a, a->regions[first], n, align, need, want);
		if (p != NULL)
			return p;
	}
	if (want < (UINT64_C(1) << NTA_FIT_CLASSES)) {
		fw = &a->fit[(size_t)(63 - __builtin_clzll(want)) * a->fit_words];
		for (w = 0; w < a->fit_words; w++) {
			for (x = fw[w] & ~(w == 0 ? UINT64_C(1) << first : 0); x != 0; x &= x - 1) {
				r = a->regions[w * 64 + (uint32_t)__builtin_ctzll(x)];
				p = region_try(a, r, n, align, need, want);
				if (p != NULL)
					return p;
			}
		}
	}
	/*
	 * Grow only when the new region is sure to serve the request: a refused
	 * allocation adds no region. Its one free extent then fits.
	 */
	if (n + grow_skip(a, align) <= a->region_units && a->cfg.backing != NTA_BACKING_EXTERNAL &&
			a->n_ordinary < a->cfg.max_regions) {
		r = nta_region_add(a, a->region_size, false, NULL, 0, &err);
		if (r == NULL) {
			grow_warn(a, err);
		} else {
			node = region_fit(r, n, align, need);
			NTA_ASSERT(node != 0, "a new region serves what it was added for");
			p = node != 0 ? nta_region_take(r, node, n, align) : NULL;
			if (p != NULL) {
				nta_region_fit_update(a, r);
				return p;
			}
		}
	}
	if (a->jumbo >= 0) {
		r = a->regions[a->jumbo];
		if (r->max_free < want)
			return NULL;
		node = region_fit(r, n, align, need);
		if (node != 0)
			return nta_region_take(r, node, n, align);
	}
	return NULL;
}

static void *
alloc_slow(struct nta_arena *a, struct nta_cache *c, uint64_t n, size_t align)
{
	void *p;

	nta_lock(&a->lock);
	p = tree_alloc(a, n, align);
	if (p != NULL) {
		a->tree_allocs++;
		if (c == NULL)
			a->allocs++;
		NTA_VERIFY_MUTATION(a, nta_region_lookup(a, p), c, "tree allocation");
	}
	nta_unlock(&a->lock);
	if (p == NULL && c != NULL && c->count > 0) {
		/* Our own cache may hold what is missing: give it back, retry. */
		nta_cache_drain(a, c);
		return alloc_slow(a, c, n, align);
	}
	if (p != NULL && c != NULL)
		nta_cnt_add(&c->allocs, 1);
	return p;
}

static void *
alloc_fail(struct nta_arena *a, int err, size_t size)
{
	if (a != NULL) {
		__atomic_fetch_add(&a->alloc_fails, 1, __ATOMIC_RELAXED);
		/* Running out of memory is no bad input: no log line for it. */
		if (err != ENOMEM)
			nta_arena_log(a, NTA_LOG_ERR, "%s: alloc of %zu bytes: %s", a->name, size,
				nta_strerror(err));
	}
	nta_errno = err;
	return NULL;
}

/* Cache entry ent (n units) goes to the caller: marked used. */
static inline void *
cache_hit(const struct nta_cache_ent *ent, uint64_t n)
{
	__atomic_store_n(ent->mark, nta_used_code(n), __ATOMIC_RELAXED);
	return ent->ptr;
}

/* Everything but a cache hit: argument checks, the depot, the tree, failures. */
static __attribute__((noinline)) void *
alloc_other(struct nta_arena *a, size_t size)
{
	struct nta_cache *c;
	uint64_t n;
	void *p;

	if (a == NULL || size == 0)
		return alloc_fail(a, EINVAL, size);
	n = size / NTA_UNIT + (size % NTA_UNIT != 0);
	if (n > a->max_units)
		return alloc_fail(a, E2BIG, size);
	c = nta_my_cache(a);
	if (c != NULL && n < NTA_CACHE_BINS) {
		/* A hit after all (the thread's first call for this arena)? */
		struct nta_cache_ent *ent = nta_cache_pop(c, n);

		if (ent != NULL)
			return cache_hit(ent, n);
		/* Another thread's freed cacheful may be waiting in the depot. */
		ent = nta_cache_miss(a, c, n);
		if (ent != NULL)
			return cache_hit(ent, n);
	}
	p = alloc_slow(a, c, n, NTA_UNIT);
	return p != NULL ? p : alloc_fail(a, ENOMEM, size);
}

NTA_EXPORT void *
nta_alloc(struct nta_arena *a, size_t size)
{
	uint64_t n = size / NTA_UNIT + (size % NTA_UNIT != 0);
	struct nta_cache *c;

	/*
	 * The hit path calls nothing (every other case is a tail call), so
	 * that it needs no stack frame.
	 */
	if (likely(a != NULL && n - 1 < NTA_CACHE_BINS - 1 && nta_tl_gen == a->gen)) {
		c = nta_tl_cache;
		if (likely(c != NULL)) {
			struct nta_cache_ent *ent = nta_cache_pop(c, n);

			if (likely(ent != NULL))
				return cache_hit(ent, n);
		}
	}
	return alloc_other(a, size);
}

NTA_EXPORT void *
nta_alloc_aligned(struct nta_arena *a, size_t size, size_t align)
{
	uint64_t n;
	void *p;

	if (align <= NTA_UNIT && align != 0 && (align & (align - 1)) == 0)
		return nta_alloc(a, size);
	if (a == NULL || size == 0 || align == 0 || (align & (align - 1)) != 0 ||
			align > a->region_size)
		return alloc_fail(a, EINVAL, size);
	n = (size + NTA_UNIT - 1) / NTA_UNIT;
	if (n > a->max_units || size > SIZE_MAX - NTA_UNIT)
		return alloc_fail(a, E2BIG, size);
	p = alloc_slow(a, nta_my_cache(a), n, align);
	return p != NULL ? p : alloc_fail(a, ENOMEM, size);
}

static int
free_fail(struct nta_arena *a, const void *ptr, int err, const char *why)
{
	if (a != NULL) {
		__atomic_fetch_add(&a->free_errors, 1, __ATOMIC_RELAXED);
		nta_arena_log(a, NTA_LOG_ERR, "%s: free(%p) refused: %s", a->name, ptr, why);
	} else {
		nta_log(NTA_LOG_ERR, "free(%p) refused: %s", ptr, why);
	}
	return nta_fail(err);
}

/* A free that is refused: find out why, count it, log it. */
static __attribute__((noinline)) int
free_bad(struct nta_arena *a, void *ptr)
{
	struct nta_region *r = NULL;
	const char *why = NULL;
	uint64_t u = 0;
	int err;

	if (a == NULL)
		return free_fail(a, ptr, EINVAL, "NULL arena");
	err = nta_region_locate(a, ptr, &r, &u, &why);
	if (err == 0)
		err = nta_region_classify(a, r, u, &why);
	return free_fail(a, ptr, err, why);
}

/*
 * A valid buffer (its used mark just taken: code) that the inline path did not
 * cache: a long one, the thread's first free in this arena, no cache, a full
 * cache.
 */
static __attribute__((noinline)) int
free_other(struct nta_arena *a, struct nta_region *r, uint64_t u, uint8_t code)
{
	uint64_t n = code != NTA_USED_LONG ? code : nta_block_units(r, u);
	struct nta_cache *c = nta_my_cache(a);

	if (c != NULL && n < NTA_CACHE_BINS && c->count < NTA_CACHE_CAP &&
			c->units + n <= c->limit) {
		nta_cache_push(c, r, u, n);
		nta_cnt_add(&c->frees, 1);
		return 0;
	}
	/*
	 * n <= NTA_CACHE_UNITS_MIN: the block fits an emptied cache (always
	 * with the default options; not when cache_max_bytes is set below
	 * four of the largest cacheable blocks).
	 */
	if (c != NULL && n < NTA_CACHE_BINS && n <= NTA_CACHE_UNITS_MIN) {
		/* Full: to another thread that runs short, else to the trees. */
		struct nta_cache *e = nta_cache_hand_over(a, c);

		if (e != NULL)
			c = e;
		else
			nta_cache_trim(a, c, n);
		nta_cache_push(c, r, u, n);
		nta_cnt_add(&c->frees, 1);
		return 0;
	}
	nta_lock(&a->lock);
	nta_region_give(a, r, u, n);
	a->frees++;
	a->tree_frees++;
	NTA_VERIFY_MUTATION(a, r, c, "free to a tree");
	nta_unlock(&a->lock);
	return 0;
}

NTA_EXPORT int
nta_free(struct nta_arena *a, void *ptr)
{
	struct nta_region *r;
	struct nta_cache *c;
	uint64_t off, u, n;
	uint8_t code;

	if (ptr == NULL)
		return 0;
	if (unlikely(a == NULL || (r = nta_region_lookup(a, ptr)) == NULL))
		return free_bad(a, ptr);
	off = (uint64_t)((uint8_t *)ptr - r->base);
	u = off / NTA_UNIT;
	if (unlikely(off % NTA_UNIT != 0 || (code = nta_used_take(r, u)) == 0))
		return free_bad(a, ptr);
	/* As in nta_alloc(), the path that caches calls nothing. */
	n = likely(code != NTA_USED_LONG) ? code : nta_block_units_near(r, u);
	c = nta_tl_cache;
	if (likely(n != 0 && nta_tl_gen == a->gen && c != NULL && n < NTA_CACHE_BINS &&
			c->count < NTA_CACHE_CAP && c->units + n <= c->limit)) {
		nta_cache_push(c, r, u, n);
		nta_cnt_add(&c->frees, 1);
		return 0;
	}
	return free_other(a, r, u, code);
}

NTA_EXPORT size_t
nta_size(const struct nta_arena *a, const void *ptr)
{
	struct nta_region *r;
	const char *why;
	uint64_t u;
	int err = nta_region_query(a, ptr, &r, &u, &why);

	if (err != 0) {
		nta_errno = err;
		return 0;
	}
	return nta_block_units(r, u) * NTA_UNIT;
}
