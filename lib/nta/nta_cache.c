/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Thread slots and per-thread caches.
 *
 * A thread takes a slot (0 .. NTA_MAX_THREADS - 1) the first time it needs a
 * cache; slot s of every arena has its own cache, created on first use. A
 * cache keeps freed buffers binned by exact unit count, so that a later
 * allocation of the same size is a pop (nta_alloc(), nta_free()); when it is
 * full the older half of each size goes back to the trees in one lock hold
 * (nta_cache_trim()): what was freed last stays, so that the allocations
 * after a trim still hit.
 *
 * Across threads (one thread allocates, another frees, as an RX core and a
 * worker do) the freeing thread's cache fills and the allocating thread's
 * stays empty. Then a full cache is handed over whole instead: the freeing
 * thread puts it in the arena's depot and takes the spare (empty) cache; the
 * allocating thread, on a miss, takes a depot cache and leaves its own,
 * drained, as a spare. The depot holds NTA_DEPOT_MAX caches (beyond that
 * the freeing thread drains). Two pointer swaps under the lock per cacheful,
 * instead of a tree operation per buffer on each side. Only when a thread
 * other than the freeing one missed (arena->hungry): a single thread keeps
 * draining its own cache as before.
 */

#include <stdlib.h>

#include "nta_cache.h"

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool slot_taken[NTA_MAX_THREADS];
__thread int nta_my_slot __attribute__((tls_model("initial-exec"))) = -1;

__thread uint64_t nta_tl_gen __attribute__((tls_model("initial-exec")));
__thread struct nta_cache *nta_tl_cache __attribute__((tls_model("initial-exec")));
static uint64_t arena_gen;

uint64_t
nta_next_gen(void)
{
	return __atomic_add_fetch(&arena_gen, 1, __ATOMIC_RELAXED);
}

static void
forget_cache(void)
{
	nta_tl_gen = 0;
	nta_tl_cache = NULL;
}

/*
 * A thread that exits gives its slot back; the next thread to take the slot
 * inherits the slot's caches (free buffers that no thread uses in between).
 */
static void
slot_release(void *arg)
{
	int s = (int)(intptr_t)arg - 1;

	pthread_mutex_lock(&slot_lock);
	slot_taken[s] = false;
	pthread_mutex_unlock(&slot_lock);
	/* Frees from later destructors of this thread bypass the caches. */
	nta_my_slot = NTA_NO_SLOT;
	forget_cache();
}

static void
slot_key_create(void)
{
	pthread_key_create(&slot_key, slot_release);
}

int
nta_slot_take(void)
{
	int s;

	if (nta_my_slot == NTA_NO_SLOT)
		return -1;
	pthread_once(&slot_once, slot_key_create);
	pthread_mutex_lock(&slot_lock);
	for (s = 0; s < NTA_MAX_THREADS && slot_taken[s]; s++)
		;
	if (s < NTA_MAX_THREADS)
		slot_taken[s] = true;
	pthread_mutex_unlock(&slot_lock);
	if (s == NTA_MAX_THREADS) {
		nta_my_slot = NTA_NO_SLOT;
		return -1;
	}
	pthread_setspecific(slot_key, (void *)(intptr_t)(s + 1));
	nta_my_slot = s;
	return s;
}

/* Chain every entry of c on its spare list. */
static void
cache_reset_entries(struct nta_cache *c)
{
	uint32_t i;

	for (i = 0; i < NTA_CACHE_CAP; i++)
		c->ent[i].next = (uint16_t)(i + 2 <= NTA_CACHE_CAP ? i + 2 : 0);
	c->spare = 1;
}

static struct nta_cache *
cache_alloc(void)
{
	struct nta_cache *c = calloc(1, sizeof(*c));

	if (c != NULL) {
		cache_reset_entries(c);
		c->limit = NTA_CACHE_UNITS_MIN;
	}
	return c;
}

static struct nta_cache *
cache_new(struct nta_arena *a, int slot)
{
	struct nta_cache *c = cache_alloc();

	if (c != NULL)
		__atomic_store_n(&a->cache[slot], c, __ATOMIC_RELEASE);
	return c;
}

__attribute__((noinline)) struct nta_cache *
nta_my_cache_slow(struct nta_arena *a)
{
	struct nta_cache *c = NULL;
	int s;

	if (NTA_CACHE_ENABLED && !(a->cfg.flags & NTA_ARENA_F_NO_CACHE)) {
		s = nta_thread_slot();
		if (s >= 0) {
			c = a->cache[s];
			if (c == NULL)
				c = cache_new(a, s);
		}
	}
	nta_tl_gen = a->gen;
	nta_tl_cache = c;
	return c;
}

/* What an emptied cache may hold: a share of the units out of a's trees. Under lock. */
static uint64_t
cache_limit(const struct nta_arena *a)
{
	uint64_t out = 0, lim;
	uint32_t i;

	for (i = 0; i < a->n_regions; i++)
		out += a->regions[i]->units - a->regions[i]->free_units;
	lim = out >> NTA_CACHE_LIVE_SHIFT;
	if (lim < NTA_CACHE_UNITS_MIN)
		return NTA_CACHE_UNITS_MIN;
	return lim < NTA_CACHE_UNITS_CAP ? lim : NTA_CACHE_UNITS_CAP;
}

/* Give every block of c to the trees and empty c; its new limit. Under lock. */
static void
cache_give_all(struct nta_arena *a, struct nta_cache *c)
{
	uint32_t n;

	for (n = 1; n < NTA_CACHE_BINS; n++) {
		uint16_t e = c->bin[n];

		while (e != 0) {
			struct nta_cache_ent *ent = &c->ent[e - 1];

			nta_region_give(a, a->regions[ent->region], ent->unit, n);
			e = ent->next;
		}
		c->bin[n] = 0;
	}
	a->tree_frees += c->count;
	nta_cnt_add(&c->given, c->count);
	cache_reset_entries(c);
	__atomic_store_n(&c->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, 0, __ATOMIC_RELAXED);
	c->limit = cache_limit(a);
	nta_cnt_add(&c->flushes, 1);
}

/*
 * Give the older half of every bin of c to the trees (a bin is a stack: the
 * entries below its first ceil(len / 2) are the older ones), and all of it
 * if c would still have no room for one more block of n units under its new
 * limit. Under lock.
 */
static void
cache_give_older(struct nta_arena *a, struct nta_cache *c, uint64_t n)
{
	uint64_t units = c->units;
	uint32_t b, count = c->count, given = 0;

	for (b = 1; b < NTA_CACHE_BINS; b++) {
		uint16_t e = c->bin[b], keep = 0, k;

		for (k = e; k != 0; k = c->ent[k - 1].next)
			keep++;
		keep = (uint16_t)((keep + 1) / 2);
		for (k = 1; k < keep; k++)
			e = c->ent[e - 1].next;
		if (keep == 0)
			continue;
		k = c->ent[e - 1].next;
		c->ent[e - 1].next = 0;
		while (k != 0) {
			struct nta_cache_ent *ent = &c->ent[k - 1];
			uint16_t next = ent->next;

			nta_region_give(a, a->regions[ent->region], ent->unit, b);
			ent->next = c->spare;
			c->spare = k;
			units -= b;
			given++;
			k = next;
		}
	}
	a->tree_frees += given;
	nta_cnt_add(&c->given, given);
	__atomic_store_n(&c->count, count - given, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, units, __ATOMIC_RELAXED);
	c->limit = cache_limit(a);
	/* One flush either way: a drain that follows counts it. */
	if (count - given == NTA_CACHE_CAP || units + n > c->limit)
		cache_give_all(a, c);
	else
		nta_cnt_add(&c->flushes, 1);
}

void
nta_cache_trim(struct nta_arena *a, struct nta_cache *c, uint64_t n)
{
	nta_lock(&a->lock);
	cache_give_older(a, c, n);
	NTA_VERIFY_MUTATION(a, NULL, c, "cache trim");
	nta_unlock(&a->lock);
}

void
nta_cache_drain(struct nta_arena *a, struct nta_cache *c)
{
	nta_lock(&a->lock);
	cache_give_all(a, c);
	NTA_VERIFY_MUTATION(a, NULL, c, "cache drain");
	nta_unlock(&a->lock);
}

/* The calling thread (slot s) now works with cache c. Under lock. */
static void
cache_switch(struct nta_arena *a, int s, struct nta_cache *c)
{
	__atomic_store_n(&a->cache[s], c, __ATOMIC_RELEASE);
	nta_tl_cache = c;
}

/* Put c in place i of a. Under lock (or before anyone else can see a). */
static void
place(struct nta_arena *a, uint32_t i, struct nta_cache *c)
{
	__atomic_store_n(&a->cache[i], c, __ATOMIC_RELEASE);
}

/* First place in [from, from + NTA_DEPOT_MAX) that is (full) taken or free. */
static int
find_place(const struct nta_arena *a, uint32_t from, bool full)
{
	uint32_t i;

	for (i = from; i < from + NTA_DEPOT_MAX; i++)
		if ((__atomic_load_n(&a->cache[i], __ATOMIC_RELAXED) != NULL) == full)
			return (int)i;
	return -1;
}

struct nta_cache *
nta_cache_hand_over(struct nta_arena *a, struct nta_cache *c)
{
	int s = nta_my_slot, h = __atomic_load_n(&a->hungry, __ATOMIC_RELAXED), di, si;
	struct nta_cache *fresh = NULL, *e = NULL;

	/* Only for another thread that runs short: alone, a thread drains. */
	if (h == 0 || h == s + 1 || find_place(a, NTA_CACHE_DEPOT, false) < 0)
		return NULL;
	if (find_place(a, NTA_CACHE_SPARE, true) < 0) {
		fresh = cache_alloc();     /* not under the lock */
		if (fresh == NULL)
			return NULL;
	}
	nta_lock(&a->lock);
	di = find_place(a, NTA_CACHE_DEPOT, false);
	si = find_place(a, NTA_CACHE_SPARE, true);
	if (di >= 0 && (si >= 0 || fresh != NULL)) {
		if (si >= 0) {
			e = a->cache[si];
			place(a, (uint32_t)si, NULL);
		} else {
			e = fresh;
			fresh = NULL;
		}
		if (a->handed == 0)
			__atomic_store_n(&a->handed, 1, __ATOMIC_RELAXED);
		/*
		 * What this thread frees now goes to the thread that allocates,
		 * not back to the trees: the cache may fill to the absolute cap
		 * (fewer, larger hand-overs) instead of the share of the live set.
		 */
		e->limit = NTA_CACHE_UNITS_CAP;
		place(a, (uint32_t)di, c);
		cache_switch(a, s, e);
		NTA_VERIFY_MUTATION(a, NULL, e, "cache hand-over");
	}
	if (fresh != NULL && (si = find_place(a, NTA_CACHE_SPARE, false)) >= 0) {
		place(a, (uint32_t)si, fresh);
		fresh = NULL;
	}
	nta_unlock(&a->lock);
	free(fresh);          /* never used: no counters lost */
	return e;
}

struct nta_cache_ent *
nta_cache_take_depot(struct nta_arena *a, struct nta_cache *c, uint64_t n)
{
	int s = nta_my_slot, di = -1, si;
	struct nta_cache_ent *ent = NULL;
	struct nta_cache *d;
	uint32_t i;

	if (find_place(a, NTA_CACHE_DEPOT, true) < 0) {
		if (__atomic_load_n(&a->hungry, __ATOMIC_RELAXED) != s + 1)
			__atomic_store_n(&a->hungry, s + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	nta_lock(&a->lock);
	/* The most recent cacheful first (its memory is the warmest). */
	for (i = NTA_CACHE_SPARE; i-- > NTA_CACHE_DEPOT && di < 0;)
		if (a->cache[i] != NULL && a->cache[i]->bin[n] != 0)
			di = (int)i;
	si = find_place(a, NTA_CACHE_SPARE, false);
	/* Our own cache goes back to the trees and becomes a spare. */
	if (di >= 0 && si >= 0) {
		d = a->cache[di];
		if (c->count > 0)
			cache_give_all(a, c);
		place(a, (uint32_t)si, c);
		place(a, (uint32_t)di, NULL);
		cache_switch(a, s, d);
		ent = nta_cache_pop(d, n);
		NTA_VERIFY_MUTATION(a, NULL, d, "cache from the depot");
	}
	nta_unlock(&a->lock);
	return ent;
}

NTA_EXPORT void
nta_cache_flush(struct nta_arena *a)
{
	struct nta_cache *c;
	int s;

	if (a == NULL || (s = nta_thread_slot()) < 0)
		return;
	c = a->cache[s];
	if (c != NULL && c->count > 0)
		nta_cache_drain(a, c);
}

NTA_EXPORT void
nta_cache_flush_all(struct nta_arena *a)
{
	uint32_t s;

	if (a == NULL)
		return;
	for (s = 0; s < NTA_CACHE_SLOTS; s++)
		if (a->cache[s] != NULL && a->cache[s]->count > 0)
			nta_cache_drain(a, a->cache[s]);
	/* Emptied depot caches are spares: the next hand-overs may use them. */
	nta_lock(&a->lock);
	for (s = NTA_CACHE_DEPOT; s < NTA_CACHE_SPARE; s++) {
		int si = find_place(a, NTA_CACHE_SPARE, false);

		if (a->cache[s] != NULL && si >= 0) {
			place(a, (uint32_t)si, a->cache[s]);
			place(a, s, NULL);
		}
	}
	nta_unlock(&a->lock);
}
