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
 * full it is drained to the trees in one lock hold.
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
cache_new(struct nta_arena *a, int slot)
{
	struct nta_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	cache_reset_entries(c);
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

void
nta_cache_drain(struct nta_arena *a, struct nta_cache *c)
{
	uint32_t n;

	nta_lock(&a->lock);
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
	/* c still lists the blocks just given back: not checked here. */
	NTA_VERIFY_MUTATION(a, NULL, NULL, "cache drain");
	nta_unlock(&a->lock);
	cache_reset_entries(c);
	__atomic_store_n(&c->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, 0, __ATOMIC_RELAXED);
	nta_cnt_add(&c->flushes, 1);
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
	for (s = 0; s < NTA_MAX_THREADS; s++)
		if (a->cache[s] != NULL && a->cache[s]->count > 0)
			nta_cache_drain(a, a->cache[s]);
}
