/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_REGION_H
#define NTA_REGION_H

/*
 * Regions inside the library: the helpers of the fast paths (used map, block
 * length, address lookup), inline so that nta_alloc() and nta_free() stay
 * one call deep, and the slow-path operations of nta_region.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nta_private.h"

#if defined(__SANITIZE_ADDRESS__)
#define NTA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTA_ASAN 1
#endif
#endif

#ifdef NTA_ASAN
#include <sanitizer/asan_interface.h>
#endif

/*
 * Under AddressSanitizer, units of a region that no caller holds (free in a
 * tree, or waiting in a cache) are poisoned, so that a use after free inside
 * a region is reported; a region's memory is unpoisoned again before it goes
 * back to its owner. No-ops otherwise.
 */
static inline void
nta_poison(const void *p, size_t len)
{
#ifdef NTA_ASAN
	ASAN_POISON_MEMORY_REGION(p, len);
#else
	(void)p;
	(void)len;
#endif
}

static inline void
nta_unpoison(const void *p, size_t len)
{
#ifdef NTA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, len);
#else
	(void)p;
	(void)len;
#endif
}

/*
 * The used map has one byte per unit, not one bit: a byte is the smallest
 * thing two threads can write side by side without an atomic read-modify-
 * write: allocation marks a byte with a plain store, and only free needs an
 * atomic exchange (to catch two threads freeing one buffer at once).
 *
 * The mark of a used buffer is its length code, nta_used_code(units): the
 * units themselves below NTA_USED_LONG, NTA_USED_LONG for longer buffers. A
 * free learns the length from the byte it exchanges anyway, without reading
 * the head bitmap (one cache line fewer) unless the buffer is long.
 */
#define NTA_USED_LONG 255

static inline uint8_t
nta_used_code(uint64_t units)
{
	return units < NTA_USED_LONG ? (uint8_t)units : NTA_USED_LONG;
}

static inline bool
nta_used_test(const struct nta_region *r, uint64_t u)
{
	return __atomic_load_n(&r->used[u], __ATOMIC_RELAXED) != 0;
}

/* Mark the buffer of n units at u used. */
static inline void
nta_used_set(struct nta_region *r, uint64_t u, uint64_t n)
{
	__atomic_store_n(&r->used[u], nta_used_code(n), __ATOMIC_RELAXED);
}

/*
 * Clear the used mark of u; its length code, 0 if it was not set. An
 * exchange, so that of two threads freeing the same buffer at the same
 * instant exactly one wins.
 */
static inline uint8_t
nta_used_take(struct nta_region *r, uint64_t u)
{
	return __atomic_exchange_n(&r->used[u], 0, __ATOMIC_RELAXED);
}

/*
 * Units of the block that starts at u if the head bitmap's word of u + 1 or
 * the words after it that the same level-1 summary word covers (up to the
 * next multiple of 64 words, 4096 units) show where it ends, else 0: a
 * block that reaches past that (rare even among the longest cacheable ones,
 * 320 units) is left to nta_block_units(). Calls nothing.
 */
static inline uint64_t
nta_block_units_near(const struct nta_region *r, uint64_t u)
{
	const uint64_t *w = r->head.lvl[0];
	uint64_t i = u + 1, x, k;

	/*
	 * Most buffers end within this word; longer ones (a jumbo frame spans
	 * five words) within the 64 words the summary word above covers.
	 */
	if (likely(i < r->units)) {
		x = __atomic_load_n(&w[i / 64], __ATOMIC_RELAXED) >> (i % 64);
		if (x != 0)
			return (uint64_t)__builtin_ctzll(x) + 1;
		k = i / 64 + 1;
		if (r->head.levels > 1 && k < r->head.words[0]) {
			x = __atomic_load_n(&r->head.lvl[1][k / 64], __ATOMIC_RELAXED) >> (k % 64);
			if (x != 0) {
				k += (uint64_t)__builtin_ctzll(x);
				x = __atomic_load_n(&w[k], __ATOMIC_RELAXED);
				if (x != 0)    /* else a writer emptied it meanwhile */
					return k * 64 + (uint64_t)__builtin_ctzll(x) - u;
			}
		}
	}
	return 0;
}

/* Units of the block that starts at u. */
static inline uint64_t
nta_block_units(const struct nta_region *r, uint64_t u)
{
	uint64_t n = nta_block_units_near(r, u);

	return n != 0 ? n : nta_bitmap_next(&r->head, u + 1) - u;
}

/* First unit of the block that holds unit i (the last head bit <= i). */
static inline uint64_t
nta_block_head(const struct nta_region *r, uint64_t i)
{
	uint64_t x = __atomic_load_n(&r->head.lvl[0][i / 64], __ATOMIC_RELAXED) &
		(~UINT64_C(0) >> (63 - i % 64));

	uint64_t k = i / 64;

	/* Most blocks start within this word: look there first. */
	if (likely(x != 0))
		return (i & ~UINT64_C(63)) + 63 - (uint64_t)__builtin_clzll(x);
	/* Longer ones (a jumbo frame spans five words) within its summary word. */
	if (r->head.levels > 1 && k % 64 != 0) {
		x = __atomic_load_n(&r->head.lvl[1][k / 64], __ATOMIC_RELAXED) &
			(~UINT64_C(0) >> (64 - k % 64));
		if (x != 0) {
			k = (k & ~UINT64_C(63)) + 63 - (uint64_t)__builtin_clzll(x);
			x = __atomic_load_n(&r->head.lvl[0][k], __ATOMIC_RELAXED);
			if (x != 0)    /* else a writer emptied it meanwhile */
				return k * 64 + 63 - (uint64_t)__builtin_clzll(x);
		}
	}
	return nta_bitmap_prev(&r->head, i);
}

static inline uint64_t
nta_region_bytes(const struct nta_region *r)
{
	return r->units * NTA_UNIT;
}

/* IO address of r's base (UINT64_MAX: unknown); see nta_region_set_iova(). */
static inline uint64_t
nta_region_iova(const struct nta_region *r)
{
	return __atomic_load_n(&r->iova, __ATOMIC_ACQUIRE);
}

/* Region of p among the regions not in the arena's reserved range. */
struct nta_region *nta_region_search(const struct nta_arena *a, const uint8_t *p);

/* Region that holds ptr, NULL if none. Lock-free. */
static inline struct nta_region *
nta_region_lookup(const struct nta_arena *a, const void *ptr)
{
	uintptr_t off = (uintptr_t)ptr - a->va_base;
	struct nta_region *r;

	if (likely(off < a->va_len)) {
		r = __atomic_load_n(&a->slot[off >> a->va_shift], __ATOMIC_ACQUIRE);
		if (r != NULL && (const uint8_t *)ptr < r->base + nta_region_bytes(r))
			return r;
		return NULL;
	}
	return nta_region_search(a, ptr);
}

void nta_region_fit_move(struct nta_arena *a, struct nta_region *r, uint32_t classes);

/* Bring r's place in the arena's fit index up to date with r->max_free. Under lock. */
static inline void
nta_region_fit_update(struct nta_arena *a, struct nta_region *r)
{
	uint32_t classes = r->max_free != 0 ? 64 - (uint32_t)__builtin_clzll(r->max_free) : 0;

	if (classes != r->fit_classes && !r->jumbo)
		nta_region_fit_move(a, r, classes);
}

/* Units to skip from extent nd so that its start is aligned to align. */
static inline uint64_t
nta_align_skip(const struct nta_region *r, const struct nta_node *nd, size_t align)
{
	uintptr_t addr = (uintptr_t)(r->base + (uint64_t)nd->start * NTA_UNIT);

	return (((addr + align - 1) & ~(uintptr_t)(align - 1)) - addr) / NTA_UNIT;
}

/*
 * A region not yet in the arena: mapped by the backing (base NULL) or at
 * base (external), its metadata ready, id the ahead-th after the arena's
 * regions (so that a call can make several before it publishes them).
 * Nothing of the arena changes. Under lock. The region, or NULL with a
 * negative errno in *err; nta_region_delete() undoes it.
 */
struct nta_region *nta_region_new(struct nta_arena *a, size_t size, bool jumbo, uint8_t *base,
		uint64_t iova, uint32_t ahead, int *err);
/*
 * Put regions rs[0, n) from nta_region_new() (ahead 0 to n - 1) in the
 * arena, all at once: 0, or -ENOMEM with the arena unchanged (the regions
 * are still the caller's). Under lock.
 */
int nta_region_publish(struct nta_arena *a, struct nta_region *const *rs, uint32_t n);
/* nta_region_new() and nta_region_publish() of one region. */
struct nta_region *nta_region_add(struct nta_arena *a, size_t size, bool jumbo, uint8_t *base,
		uint64_t iova, int *err);
/* Unmap a region (if the arena mapped it) and free its metadata; NULL is ignored. */
void nta_region_delete(struct nta_region *r);
/* True if [base, base + len) overlaps a region of a. Under lock. */
bool nta_region_overlaps(const struct nta_arena *a, const uint8_t *base, size_t len);
/*
 * Take n units aligned to align bytes from free extent node of r, or return
 * NULL if no node can be reserved for the split. Under lock.
 */
void *nta_region_take(struct nta_region *r, avl_t node, uint64_t n, size_t align);
/* Return block [u, u + n) (used or cached) to the tree, merging. Under lock. */
void nta_region_give(struct nta_arena *a, struct nta_region *r, uint64_t u, uint64_t n);

/*
 * Why is unit u of r (used mark clear) not an allocated buffer? EALREADY or
 * EINVAL, with a reason in *why. Takes the lock, so the bitmaps hold still.
 */
int nta_region_classify(struct nta_arena *a, struct nta_region *r, uint64_t u,
		const char **why);
/*
 * Region and unit of ptr, without changing anything: 0, or EFAULT (in no
 * region) or EINVAL (misaligned) with a reason in *why.
 */
int nta_region_locate(const struct nta_arena *a, const void *ptr, struct nta_region **rp,
		uint64_t *up, const char **why);
/* Like nta_region_locate(), and the buffer at ptr must be allocated (queries). */
int nta_region_query(const struct nta_arena *a, const void *ptr, struct nta_region **rp,
		uint64_t *up, const char **why);

#endif /* NTA_REGION_H */
