/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_CACHE_H
#define NTA_CACHE_H

/*
 * Thread slots and per-thread caches inside the library: the fast-path
 * helpers, inline so that nta_alloc() and nta_free() stay one call deep, and
 * the slow paths of nta_cache.c.
 */

#include <stdint.h>

#include "nta_private.h"
#include "nta_region.h"

#define NTA_CACHE_ENABLED (NTA_CACHE_SIZE > 0 && NTA_CACHE_MAX_UNITS > 0)

/* Slot of the calling thread: -1 before it takes one, NTA_NO_SLOT if it cannot. */
#define NTA_NO_SLOT (-2)
extern __thread int nta_my_slot __attribute__((tls_model("initial-exec")));

/* Take a slot for the calling thread; -1 if none is left (or it is exiting). */
int nta_slot_take(void);

/* Slot of the calling thread for per-thread caches, -1 if none is left. */
static inline int
nta_thread_slot(void)
{
	return likely(nta_my_slot >= 0) ? nta_my_slot : nta_slot_take();
}

/*
 * The calling thread's cache of the arena it used last, remembered with the
 * arena's generation (unique per arena ever created, so a new arena at the
 * address of a destroyed one is never mistaken for it).
 */
extern __thread uint64_t nta_tl_gen __attribute__((tls_model("initial-exec")));
extern __thread struct nta_cache *nta_tl_cache __attribute__((tls_model("initial-exec")));

/* Generation of the next arena (nta_arena_create()). */
uint64_t nta_next_gen(void);

/* The calling thread's cache of a (NULL if it has none), remembered. */
struct nta_cache *nta_my_cache_slow(struct nta_arena *a);

static inline struct nta_cache *
nta_my_cache(struct nta_arena *a)
{
	return likely(nta_tl_gen == a->gen) ? nta_tl_cache : nta_my_cache_slow(a);
}

/* Return every buffer of c to the trees, in one lock hold. */
void nta_cache_drain(struct nta_arena *a, struct nta_cache *c);
/*
 * c is full: return the older half of each size to the trees, in one lock
 * hold, so that every size keeps the buffers most recently freed (a full
 * drain leaves every size empty, and the misses that follow come in a
 * burst). All of it if that leaves no room for a block of n units (n <=
 * NTA_CACHE_UNITS_MIN) under the new limit.
 */
void nta_cache_trim(struct nta_arena *a, struct nta_cache *c, uint64_t n);

/*
 * c, the calling thread's full cache, goes to the depot for another thread
 * that ran short; the thread gets an empty cache, returned. NULL: no hand-over
 * (nobody else is short, the depot is taken, or no memory); c is unchanged.
 */
struct nta_cache *nta_cache_hand_over(struct nta_arena *a, struct nta_cache *c);

/*
 * The calling thread's cache c has nothing of n units: take the depot's
 * cache if it has, c drained to the trees becoming the spare. The entry
 * popped (n units), or NULL (no depot cache of that size; the thread is then
 * marked short, for the next hand-over).
 */
struct nta_cache_ent *nta_cache_take_depot(struct nta_arena *a, struct nta_cache *c, uint64_t n);

/*
 * nta_cache_take_depot() for a cache miss. Until the arena's first hand-over
 * the depot is empty: then only mark the thread short, inline, reading
 * nothing but the line of a->gen that the fast path has just read.
 */
static inline struct nta_cache_ent *
nta_cache_miss(struct nta_arena *a, struct nta_cache *c, uint64_t n)
{
	int h = nta_my_slot + 1;

	if (likely(__atomic_load_n(&a->handed, __ATOMIC_RELAXED) == 0)) {
		if (__atomic_load_n(&a->hungry, __ATOMIC_RELAXED) != h)
			__atomic_store_n(&a->hungry, h, __ATOMIC_RELAXED);
		return NULL;
	}
	return nta_cache_take_depot(a, c, n);
}

static inline struct nta_cache_ent *
nta_cache_pop(struct nta_cache *c, uint64_t n)
{
	uint16_t e = c->bin[n];
	struct nta_cache_ent *ent;

	if (e == 0)
		return NULL;
	ent = &c->ent[e - 1];
	c->bin[n] = ent->next;
	ent->next = c->spare;
	c->spare = e;
	__atomic_store_n(&c->count, c->count - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, c->units - n, __ATOMIC_RELAXED);
	nta_unpoison(ent->ptr, n * NTA_UNIT);
	return ent;
}

/* Cache block [u, u + n) of r; the cache must have a spare entry. */
static inline void
nta_cache_push(struct nta_cache *c, struct nta_region *r, uint64_t u, uint64_t n)
{
	uint16_t e = c->spare;
	struct nta_cache_ent *ent = &c->ent[e - 1];

	NTA_ASSERT(e != 0, "cache_push on a full cache would write ent[-1]");
	NTA_ASSERT(n > 0 && n < NTA_CACHE_BINS, "no bin for a block of this size");
	c->spare = ent->next;
	ent->ptr = r->base + u * NTA_UNIT;
	ent->mark = &r->used[u];
	ent->unit = (uint32_t)u;
	ent->region = (uint16_t)r->id;
	ent->next = c->bin[n];
	c->bin[n] = e;
	__atomic_store_n(&c->count, c->count + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, c->units + n, __ATOMIC_RELAXED);
	nta_poison(ent->ptr, n * NTA_UNIT);
}

#endif /* NTA_CACHE_H */
