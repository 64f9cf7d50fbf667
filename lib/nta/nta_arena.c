/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The arena: regions, the allocation and free paths, thread caches, stats and
 * verify.
 *
 * Fast path. nta_alloc() pops a buffer of exactly the requested unit count
 * from the calling thread's cache and marks it used (one atomic OR in the
 * region's used bitmap). nta_free() clears the used bit (one atomic AND, which
 * also catches a double free), reads the buffer's length from the head
 * bitmap and pushes it on the cache. No lock, O(1).
 *
 * Slow path, under the arena lock. An allocation takes the best fit (the
 * smallest free extent that is large enough, the lowest address among equal
 * sizes) from the first region that has one, splits it and re-inserts the
 * rest. A freed buffer (or a flushed cache, in one batch) merges with its free
 * neighbours: the previous block is found through the head bitmap, the next one
 * is the unit right after the buffer; merged neighbours leave the tree and the
 * union goes in. Every step is O(log2 N) in the extents of one region.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nta_private.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define DEFAULT_MAX_REGIONS 64
#define NO_SLOT (-2)

#define CACHE_ENABLED (NTA_CACHE_SIZE > 0 && NTA_CACHE_MAX_UNITS > 0)

/* ---- counters written by one thread, read by stats ---- */

static inline void
cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t
cnt_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* ---- thread slots ---- */

static void forget_cache(void);

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool slot_taken[NTA_MAX_THREADS];
static __thread int my_slot __attribute__((tls_model("initial-exec"))) = -1;

/*
 * A thread that exits gives its slot back; the next thread to take the slot
 * inherits the slot's caches (free buffers, owned by nobody in between).
 */
static void
slot_release(void *arg)
{
	int s = (int)(intptr_t)arg - 1;

	pthread_mutex_lock(&slot_lock);
	slot_taken[s] = false;
	pthread_mutex_unlock(&slot_lock);
	/* Frees from later destructors of this thread bypass the caches. */
	my_slot = NO_SLOT;
	forget_cache();
}

static void
slot_key_create(void)
{
	pthread_key_create(&slot_key, slot_release);
}

static int
slot_take(void)
{
	int s;

	if (my_slot == NO_SLOT)
		return -1;
	pthread_once(&slot_once, slot_key_create);
	pthread_mutex_lock(&slot_lock);
	for (s = 0; s < NTA_MAX_THREADS && slot_taken[s]; s++)
		;
	if (s < NTA_MAX_THREADS)
		slot_taken[s] = true;
	pthread_mutex_unlock(&slot_lock);
	if (s == NTA_MAX_THREADS) {
		my_slot = NO_SLOT;
		return -1;
	}
	pthread_setspecific(slot_key, (void *)(intptr_t)(s + 1));
	my_slot = s;
	return s;
}

static inline int
thread_slot(void)
{
	return likely(my_slot >= 0) ? my_slot : slot_take();
}

int
nta_thread_slot(void)
{
	return thread_slot();
}

/* ---- regions ---- */

/*
 * The used map has one byte per unit, not one bit: a byte is the smallest
 * thing two threads can write side by side without an atomic read-modify-
 * write: allocation marks a byte with a plain store, and only free needs an
 * atomic exchange (to catch two threads freeing one buffer at once).
 */
static inline bool
used_test(const struct nta_region *r, uint64_t u)
{
	return __atomic_load_n(&r->used[u], __ATOMIC_RELAXED) != 0;
}

static inline void
used_set(struct nta_region *r, uint64_t u)
{
	__atomic_store_n(&r->used[u], 1, __ATOMIC_RELAXED);
}

/*
 * Clear the used mark of u; true if it was set. An exchange, so that of two
 * threads freeing the same buffer at the same instant exactly one wins.
 */
static inline bool
used_take(struct nta_region *r, uint64_t u)
{
	return __atomic_exchange_n(&r->used[u], 0, __ATOMIC_RELAXED) != 0;
}

/* Units of the block that starts at u. */
static inline uint64_t
block_units(const struct nta_region *r, uint64_t u)
{
	const uint64_t *w = r->head.lvl[0];
	uint64_t i = u + 1, x;

	/* Most buffers end within this word or the next: look there first. */
	if (likely(i + 64 < r->units)) {
		x = __atomic_load_n(&w[i / 64], __ATOMIC_RELAXED) >> (i % 64);
		if (x != 0)
			return (uint64_t)__builtin_ctzll(x) + 1;
		x = __atomic_load_n(&w[i / 64 + 1], __ATOMIC_RELAXED);
		if (x != 0)
			return 64 - i % 64 + (uint64_t)__builtin_ctzll(x) + 1;
	}
	return nta_bitmap_next(&r->head, i) - u;
}

static inline uint64_t
region_bytes(const struct nta_region *r)
{
	return r->units * NTA_UNIT;
}

static void
update_max_free(struct nta_region *r)
{
	avl_t last = nta_tree_last(&r->tree);

	r->max_free = last != 0 ? nta_node_len(nta_node(&r->tree, last)) : 0;
}

static void
region_delete(struct nta_region *r)
{
	if (r == NULL)
		return;
	nta_backing_unmap(r);
	nta_bitmap_fini(&r->head);
	nta_bitmap_fini(&r->free);
	free(r->used);
	nta_tree_fini(&r->tree);
	free(r);
}

/* Metadata of a region over base[0, units): one free extent. */
static struct nta_region *
region_init(struct nta_region *r, uint64_t units)
{
	r->units = units;
	if (nta_bitmap_init(&r->head, units) != 0 || nta_bitmap_init(&r->free, units) != 0)
		return NULL;
	r->used = calloc(units, 1);
	if (r->used == NULL)
		return NULL;
	/* No two free extents touch, so there are at most ceil(units / 2). */
	if (nta_tree_init(&r->tree, (units + 1) / 2 + 1) != 0 ||
			nta_tree_reserve(&r->tree, 3) != 0)
		return NULL;
	nta_bitmap_set(&r->head, 0);
	nta_bitmap_set(&r->free, 0);
	nta_tree_insert(&r->tree, 0, units);
	r->free_units = units;
	r->max_free = units;
	r->nonfree_blocks = 0;
	return r;
}

/* Publish a new lookup index (sorted by base) with r in it. Under lock. */
static int
index_add(struct nta_arena *a, struct nta_region *r)
{
	struct nta_region_index *old = a->index, *ni;
	uint32_t n = old != NULL ? old->n : 0, i, j;

	ni = malloc(sizeof(*ni) + (n + 1) * sizeof(ni->r[0]));
	if (ni == NULL)
		return -ENOMEM;
	for (i = 0, j = 0; i < n; i++) {
		if (j == i && old->r[i]->base > r->base)
			ni->r[j++] = r;
		ni->r[j++] = old->r[i];
	}
	if (j == n)
		ni->r[j++] = r;
	ni->n = n + 1;
	/* Readers may still walk the old index: keep it until destroy. */
	if (old != NULL)
		a->old_index[a->n_old_index++] = old;
	__atomic_store_n(&a->index, ni, __ATOMIC_RELEASE);
	return 0;
}

static struct nta_region *
region_search(const struct nta_arena *a, const uint8_t *p)
{
	const struct nta_region_index *ix = __atomic_load_n(&a->index, __ATOMIC_ACQUIRE);
	uint32_t lo = 0, hi;

	if (ix == NULL)
		return NULL;
	hi = ix->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		struct nta_region *r = ix->r[mid];

		if (p < r->base)
			hi = mid;
		else if (p >= r->base + region_bytes(r))
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static inline struct nta_region *
region_lookup(const struct nta_arena *a, const void *ptr)
{
	uintptr_t off = (uintptr_t)ptr - a->va_base;
	struct nta_region *r;

	if (likely(off < a->va_len)) {
		r = __atomic_load_n(&a->slot[off >> a->va_shift], __ATOMIC_ACQUIRE);
		if (r != NULL && (const uint8_t *)ptr < r->base + region_bytes(r))
			return r;
		return NULL;
	}
	return region_search(a, ptr);
}

static bool
overlaps(const struct nta_arena *a, const uint8_t *base, size_t len)
{
	uint32_t i;

	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];

		if (base < r->base + region_bytes(r) && r->base < base + len)
			return true;
	}
	return false;
}

/*
 * Add a region: mapped by the backing (base NULL) or at base (external).
 * Under lock (or before the arena is shared). Returns the region or NULL with
 * a negative errno in *err.
 */
static struct nta_region *
region_add(struct nta_arena *a, size_t size, bool jumbo, uint8_t *base, uint64_t iova, int *err)
{
	struct nta_region *r;
	int rc;

	if (a->n_regions == a->max_ids) {
		*err = -ENOSPC;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	r->id = a->n_regions;
	r->jumbo = jumbo;
	r->fd = -1;
	if (base == NULL) {
		uint32_t k = jumbo ? 0 : a->jumbo_slots + a->n_ordinary;
		void *at = NULL;

		if (a->va_len != 0 && k < a->n_slots)
			at = (void *)(a->va_base + ((uintptr_t)k << a->va_shift));
		rc = nta_backing_map(a, r, size, at);
		r->in_reservation = at != NULL;
		if (rc != 0) {
			free(r);
			*err = rc;
			return NULL;
		}
	} else {
		r->base = base;
		r->iova = iova;
	}
	if (region_init(r, size / NTA_UNIT) == NULL || index_add(a, r) != 0) {
		region_delete(r);
		*err = -ENOMEM;
		return NULL;
	}
	a->regions[r->id] = r;
	if (r->in_reservation) {
		uintptr_t k = ((uintptr_t)r->base - a->va_base) >> a->va_shift;
		uintptr_t last = ((uintptr_t)r->base + size - 1 - a->va_base) >> a->va_shift;

		for (; k <= last; k++)
			__atomic_store_n(&a->slot[k], r, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&a->n_regions, r->id + 1, __ATOMIC_RELEASE);
	if (jumbo)
		a->jumbo = (int)r->id;
	else
		a->n_ordinary++;
	return r;
}

/* Units to skip from extent node so that its start is aligned to align. */
static inline uint64_t
align_skip(const struct nta_region *r, const struct nta_node *nd, size_t align)
{
	uintptr_t addr = (uintptr_t)(r->base + (uint64_t)nd->start * NTA_UNIT);

	return (((addr + align - 1) & ~(uintptr_t)(align - 1)) - addr) / NTA_UNIT;
}

/*
 * Take n units aligned to align bytes from free extent node of r, or return
 * NULL if no node can be reserved for the split. Under lock.
 */
static void *
region_take(struct nta_region *r, avl_t node, uint64_t n, size_t align)
{
	struct nta_tree *t = &r->tree;
	struct nta_node *nd = nta_node(t, node);
	uint64_t s = nd->start, len = nta_node_len(nd), pre = 0, post, want;

	/*
	 * Keep enough spare nodes that any sequence of frees finds one: a
	 * region with B used or cached blocks has at most B + 1 free extents.
	 */
	want = r->nonfree_blocks + 3;
	if (want > t->max_nodes - 1)
		want = t->max_nodes - 1;
	if (want > t->count && nta_tree_reserve(t, want - t->count) != 0)
		return NULL;
	if (align > NTA_UNIT)
		pre = align_skip(r, nd, align);
	post = len - pre - n;
	nta_tree_remove(t, s, len);
	if (pre != 0) {
		nta_tree_insert(t, s, pre);
		nta_bitmap_set(&r->head, s + pre);
	} else {
		nta_bitmap_clear(&r->free, s);
	}
	if (post != 0) {
		nta_tree_insert(t, s + pre + n, post);
		nta_bitmap_set(&r->head, s + pre + n);
		nta_bitmap_set(&r->free, s + pre + n);
	}
	used_set(r, s + pre);
	r->free_units -= n;
	r->nonfree_blocks++;
	if (len == r->max_free)     /* the rest is smaller: the largest may have gone */
		update_max_free(r);
	return r->base + (s + pre) * NTA_UNIT;
}

/* Return block [u, u + n) (a cached block) to the tree, merging. Under lock. */
static void
region_give(struct nta_arena *a, struct nta_region *r, uint64_t u, uint64_t n)
{
	struct nta_tree *t = &r->tree;
	uint64_t s = u, len = n, q = u + n;

	if (u > 0) {
		uint64_t p = nta_bitmap_prev(&r->head, u - 1);

		if (nta_bitmap_test(&r->free, p)) {
			nta_tree_remove(t, p, u - p);
			nta_bitmap_clear(&r->head, u);
			len += u - p;
			s = p;
			a->merges++;
		}
	}
	if (q < r->units && nta_bitmap_test(&r->free, q)) {
		uint64_t ql = block_units(r, q);

		nta_tree_remove(t, q, ql);
		nta_bitmap_clear(&r->free, q);
		nta_bitmap_clear(&r->head, q);
		len += ql;
		a->merges++;
	}
	if (s == u)
		nta_bitmap_set(&r->free, u);
	nta_tree_insert(t, s, len);
	r->free_units += n;
	r->nonfree_blocks--;
	if (len > r->max_free)
		r->max_free = len;
}

/* ---- thread caches ---- */

static struct nta_cache *
cache_new(struct nta_arena *a, int slot)
{
	struct nta_cache *c = calloc(1, sizeof(*c));
	uint32_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < NTA_CACHE_CAP; i++)
		c->ent[i].next = (uint16_t)(i + 2 <= NTA_CACHE_CAP ? i + 2 : 0);
	c->spare = 1;
	__atomic_store_n(&a->cache[slot], c, __ATOMIC_RELEASE);
	return c;
}

/*
 * The calling thread's cache of the arena it used last, remembered with the
 * arena's generation (unique per arena ever created, so a new arena at the
 * address of a destroyed one is never mistaken for it).
 */
static __thread uint64_t tl_gen __attribute__((tls_model("initial-exec")));
static __thread struct nta_cache *tl_cache __attribute__((tls_model("initial-exec")));
static uint64_t arena_gen;

static void
forget_cache(void)
{
	tl_gen = 0;
	tl_cache = NULL;
}

static __attribute__((noinline)) struct nta_cache *
my_cache_slow(struct nta_arena *a)
{
	struct nta_cache *c = NULL;
	int s;

	if (CACHE_ENABLED && !(a->cfg.flags & NTA_ARENA_F_NO_CACHE)) {
		s = thread_slot();
		if (s >= 0) {
			c = a->cache[s];
			if (c == NULL)
				c = cache_new(a, s);
		}
	}
	tl_gen = a->gen;
	tl_cache = c;
	return c;
}

static inline struct nta_cache *
my_cache(struct nta_arena *a)
{
	return likely(tl_gen == a->gen) ? tl_cache : my_cache_slow(a);
}

/* Return every buffer of c to the trees, in one lock hold. */
static void
cache_drain(struct nta_arena *a, struct nta_cache *c)
{
	uint32_t n, i;

	pthread_mutex_lock(&a->lock);
	for (n = 1; n < NTA_CACHE_BINS; n++) {
		uint16_t e = c->bin[n];

		while (e != 0) {
			struct nta_cache_ent *ent = &c->ent[e - 1];

			region_give(a, a->regions[ent->region], ent->unit, n);
			e = ent->next;
		}
		c->bin[n] = 0;
	}
	a->tree_frees += c->count;
	pthread_mutex_unlock(&a->lock);
	for (i = 0; i < NTA_CACHE_CAP; i++)
		c->ent[i].next = (uint16_t)(i + 2 <= NTA_CACHE_CAP ? i + 2 : 0);
	c->spare = 1;
	__atomic_store_n(&c->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, 0, __ATOMIC_RELAXED);
	cnt_add(&c->flushes, 1);
}

static inline struct nta_cache_ent *
cache_pop(struct nta_cache *c, uint64_t n)
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
	return ent;
}

static inline void
cache_push(struct nta_cache *c, struct nta_region *r, uint64_t u, uint64_t n)
{
	uint16_t e = c->spare;
	struct nta_cache_ent *ent = &c->ent[e - 1];

	c->spare = ent->next;
	ent->ptr = r->base + u * NTA_UNIT;
	ent->mark = &r->used[u];
	ent->unit = (uint32_t)u;
	ent->region = (uint16_t)r->id;
	ent->next = c->bin[n];
	c->bin[n] = e;
	__atomic_store_n(&c->count, c->count + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->units, c->units + n, __ATOMIC_RELAXED);
}

/* ---- arena ---- */

static int
fail(int err)
{
	nta_errno = err;
	return -1;
}

/*
 * Reserve (PROT_NONE, no memory committed) one address range for all the
 * regions the arena may map, aligned to the region size, so that finding the
 * region of a pointer is a subtraction and a shift. Needs a power-of-two
 * region size; without it, lookups use the sorted index.
 */
static int
reserve_range(struct nta_arena *a)
{
	size_t rs = a->region_size, len;
	uintptr_t base, aligned;
	void *p;

	if (a->cfg.backing == NTA_BACKING_EXTERNAL || (rs & (rs - 1)) != 0)
		return 0;
	a->jumbo_slots = (uint32_t)((a->cfg.jumbo_size + rs - 1) / rs);
	a->n_slots = a->jumbo_slots + a->cfg.max_regions;
	a->slot = calloc(a->n_slots, sizeof(*a->slot));
	if (a->slot == NULL)
		return -1;
	len = (size_t)a->n_slots * rs;
	p = mmap(NULL, len + rs, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	base = (uintptr_t)p;
	aligned = (base + rs - 1) & ~(uintptr_t)(rs - 1);
	if (aligned > base)
		munmap(p, aligned - base);
	if (aligned + len < base + len + rs)
		munmap((void *)(aligned + len), base + len + rs - aligned - len);
	a->va_base = aligned;
	a->va_len = len;
	a->va_shift = (uint32_t)__builtin_ctzll(rs);
	return 0;
}

struct nta_arena *
nta_arena_create(const struct nta_arena_config *cfg)
{
	struct nta_arena_config c = { 0 };
	struct nta_arena *a;
	size_t page;
	unsigned int i;
	bool quiet;
	int err = 0;

	if (cfg != NULL)
		c = *cfg;
	quiet = (c.flags & NTA_ARENA_F_QUIET) != 0;
	if (c.name == NULL)
		c.name = "nta";
	if ((unsigned int)c.backing > NTA_BACKING_EXTERNAL ||
			(c.flags & ~(NTA_ARENA_F_NO_CACHE | NTA_ARENA_F_QUIET)) != 0 ||
			strlen(c.name) >= NTA_NAME_LEN || strchr(c.name, '/') != NULL) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "arena: bad backing, flags or name");
		nta_errno = EINVAL;
		return NULL;
	}
	page = nta_backing_page_size(&c);
	if (page == 0) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "%s: no hugepage size known to libhugetlbfs", c.name);
		nta_errno = ENOENT;
		return NULL;
	}
	if (c.region_size == 0)
		c.region_size = nta_backing_default_region(&c);
	if (c.max_regions == 0)
		c.max_regions = DEFAULT_MAX_REGIONS;
	if (c.initial_regions == 0 && c.backing != NTA_BACKING_EXTERNAL)
		c.initial_regions = 1;
	if (c.region_size % NTA_UNIT != 0 || c.region_size % page != 0 ||
			c.region_size > NTA_REGION_MAX_BYTES || c.region_size < NTA_UNIT ||
			c.max_regions + (c.jumbo_size != 0) > NTA_MAX_REGIONS ||
			c.initial_regions > c.max_regions ||
			(c.backing == NTA_BACKING_EXTERNAL && c.initial_regions != 0) ||
			(c.jumbo_size != 0 && (c.jumbo_size % page != 0 || c.jumbo_size % NTA_UNIT != 0 ||
				c.jumbo_size > NTA_REGION_MAX_BYTES || c.jumbo_size <= c.region_size ||
				c.backing == NTA_BACKING_EXTERNAL))) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "%s: bad region_size %zu, jumbo_size %zu or region "
				"counts (unit %u, page %zu, max region %" PRIu64 " bytes)", c.name,
				c.region_size, c.jumbo_size, NTA_UNIT, page,
				(uint64_t)NTA_REGION_MAX_BYTES);
		nta_errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		nta_errno = ENOMEM;
		return NULL;
	}
	snprintf(a->name, sizeof(a->name), "%s", c.name);
	c.name = a->name;
	a->cfg = c;
	a->jumbo = -1;
	a->gen = __atomic_add_fetch(&arena_gen, 1, __ATOMIC_RELAXED);
	a->region_size = c.region_size;
	a->page_size = page;
	a->region_units = c.region_size / NTA_UNIT;
	a->max_units = c.jumbo_size > c.region_size ? c.jumbo_size / NTA_UNIT : a->region_units;
	pthread_mutex_init(&a->lock, NULL);
	a->max_ids = c.max_regions + (c.jumbo_size != 0);
	a->regions = calloc(a->max_ids, sizeof(*a->regions));
	a->old_index = calloc(a->max_ids, sizeof(*a->old_index));
	if (a->regions == NULL || a->old_index == NULL || reserve_range(a) != 0) {
		err = -ENOMEM;
		goto fail;
	}
	if (c.jumbo_size != 0 && region_add(a, c.jumbo_size, true, NULL, 0, &err) == NULL)
		goto fail;
	for (i = 0; i < c.initial_regions; i++)
		if (region_add(a, c.region_size, false, NULL, 0, &err) == NULL)
			goto fail;
	return a;
fail:
	if (!quiet)
		nta_log(NTA_LOG_ERR, "%s: cannot create regions: %s", c.name, nta_strerror(-err));
	nta_arena_destroy(a);
	nta_errno = -err;
	return NULL;
}

void
nta_arena_destroy(struct nta_arena *a)
{
	uint32_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_regions; i++)
		region_delete(a->regions[i]);
	for (i = 0; i < NTA_MAX_THREADS; i++)
		free(a->cache[i]);
	for (i = 0; i < a->n_old_index; i++)
		free(a->old_index[i]);
	free(a->old_index);
	free(a->regions);
	free(a->index);
	if (a->va_len != 0)
		munmap((void *)a->va_base, a->va_len);
	free(a->slot);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

int
nta_arena_add_memory(struct nta_arena *a, void *addr, size_t len, uint64_t iova)
{
	uint8_t *p = addr;
	int first = -1, err = 0;

	if (a == NULL || addr == NULL || (uintptr_t)addr % NTA_UNIT != 0 || len < NTA_UNIT ||
			a->cfg.backing != NTA_BACKING_EXTERNAL) {
		if (a == NULL || !(a->cfg.flags & NTA_ARENA_F_QUIET))
			nta_log(NTA_LOG_ERR, "add_memory: bad arena, address %p or length %zu",
				addr, len);
		return fail(EINVAL);
	}
	len -= len % NTA_UNIT;
	pthread_mutex_lock(&a->lock);
	if (overlaps(a, p, len)) {
		pthread_mutex_unlock(&a->lock);
		if (!(a->cfg.flags & NTA_ARENA_F_QUIET))
			nta_log(NTA_LOG_ERR, "%s: memory %p+%zu overlaps a region", a->name, addr,
				len);
		return fail(EINVAL);
	}
	while (len > 0) {
		size_t chunk = len < a->region_size ? len : a->region_size;
		struct nta_region *r;

		if (a->n_ordinary >= a->cfg.max_regions) {
			err = -ENOSPC;
			break;
		}
		r = region_add(a, chunk, false, p, iova, &err);
		if (r == NULL)
			break;
		if (first < 0)
			first = (int)r->id;
		p += chunk;
		len -= chunk;
		if (iova != UINT64_MAX)
			iova += chunk;
	}
	pthread_mutex_unlock(&a->lock);
	if (len > 0) {
		if (!(a->cfg.flags & NTA_ARENA_F_QUIET))
			nta_log(NTA_LOG_ERR, "%s: add_memory: %s (%zu bytes not added)", a->name,
				nta_strerror(-err), len);
		return fail(-err);
	}
	return first;
}

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

		if (nta_node_len(nd) >= need || align_skip(r, nd, align) + n <= nta_node_len(nd))
			return i;
	}
	return r->max_free >= need ? nta_tree_best_fit(t, need) : 0;
}

/* Find and take n units aligned to align from some region. Under lock. */
static void *
tree_alloc(struct nta_arena *a, uint64_t n, size_t align)
{
	uint64_t need = n + (align > NTA_UNIT ? align / NTA_UNIT - 1 : 0);
	uint64_t want = align > NTA_UNIT ? n : need;
	uint32_t k, nr = a->n_regions;
	struct nta_region *r;
	void *p;
	int err;

	/*
	 * First region that fits, lowest id first: later regions stay empty as
	 * long as possible (a scattered arena fragments, see nta-bench).
	 */
	for (k = 0; k < nr; k++) {
		uint32_t id = k;

		avl_t node;

		r = a->regions[id];
		if (r->jumbo || r->max_free < want)
			continue;
		node = align > NTA_UNIT ? best_fit_aligned(r, n, align, need) :
			nta_tree_best_fit(&r->tree, n);
		if (node == 0)
			continue;
		p = region_take(r, node, n, align);
		if (p != NULL) {
			a->hint = id;
			return p;
		}
	}
	while (need <= a->region_units && a->cfg.backing != NTA_BACKING_EXTERNAL &&
			a->n_ordinary < a->cfg.max_regions) {
		r = region_add(a, a->region_size, false, NULL, 0, &err);
		if (r == NULL) {
			if (!(a->cfg.flags & NTA_ARENA_F_QUIET))
				nta_log(NTA_LOG_WARNING, "%s: cannot grow: %s", a->name,
					nta_strerror(-err));
			break;
		}
		p = region_take(r, nta_tree_best_fit(&r->tree, need), n, align);
		if (p != NULL) {
			a->hint = r->id;
			return p;
		}
	}
	if (a->jumbo >= 0) {
		avl_t node;

		r = a->regions[a->jumbo];
		if (r->max_free < want)
			return NULL;
		node = align > NTA_UNIT ? best_fit_aligned(r, n, align, need) :
			nta_tree_best_fit(&r->tree, n);
		if (node != 0)
			return region_take(r, node, n, align);
	}
	return NULL;
}

static void *
alloc_slow(struct nta_arena *a, struct nta_cache *c, uint64_t n, size_t align)
{
	void *p;

	pthread_mutex_lock(&a->lock);
	p = tree_alloc(a, n, align);
	if (p != NULL) {
		a->tree_allocs++;
		if (c == NULL)
			a->allocs++;
	}
	pthread_mutex_unlock(&a->lock);
	if (p == NULL && c != NULL && c->count > 0) {
		/* Our own cache may hold what is missing: give it back, retry. */
		cache_drain(a, c);
		return alloc_slow(a, c, n, align);
	}
	if (p != NULL && c != NULL)
		cnt_add(&c->allocs, 1);
	return p;
}

static void *
alloc_fail(struct nta_arena *a, int err, size_t size)
{
	if (a != NULL) {
		__atomic_fetch_add(&a->alloc_fails, 1, __ATOMIC_RELAXED);
		/* Running out of memory is no bad input: no log line for it. */
		if (!(a->cfg.flags & NTA_ARENA_F_QUIET) && err != ENOMEM)
			nta_log(NTA_LOG_ERR, "%s: alloc of %zu bytes: %s", a->name, size,
				nta_strerror(err));
	}
	nta_errno = err;
	return NULL;
}

/* Everything but a cache hit: argument checks, the tree, failures. */
static __attribute__((noinline)) void *
alloc_other(struct nta_arena *a, size_t size)
{
	uint64_t n;
	void *p;

	if (a == NULL || size == 0)
		return alloc_fail(a, EINVAL, size);
	n = size / NTA_UNIT + (size % NTA_UNIT != 0);
	if (n > a->max_units)
		return alloc_fail(a, E2BIG, size);
	p = alloc_slow(a, my_cache(a), n, NTA_UNIT);
	return p != NULL ? p : alloc_fail(a, ENOMEM, size);
}

void *
nta_alloc(struct nta_arena *a, size_t size)
{
	uint64_t n = size / NTA_UNIT + (size % NTA_UNIT != 0);
	struct nta_cache *c;

	if (likely(a != NULL && n - 1 < NTA_CACHE_BINS - 1)) {
		c = my_cache(a);
		if (likely(c != NULL)) {
			struct nta_cache_ent *ent = cache_pop(c, n);

			if (likely(ent != NULL)) {
				__atomic_store_n(ent->mark, 1, __ATOMIC_RELAXED);
				cnt_add(&c->hits, 1);
				return ent->ptr;
			}
		}
	}
	return alloc_other(a, size);
}

void *
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
	p = alloc_slow(a, my_cache(a), n, align);
	return p != NULL ? p : alloc_fail(a, ENOMEM, size);
}

/*
 * Why is ptr (in r, unit u, used bit clear) not an allocated buffer? Under
 * lock, so the head and free bitmaps hold still.
 */
static int
classify(struct nta_arena *a, struct nta_region *r, uint64_t u, const char **why)
{
	int err;

	pthread_mutex_lock(&a->lock);
	if (nta_bitmap_test(&r->head, u)) {
		err = EALREADY;
		*why = nta_bitmap_test(&r->free, u) ? "double free (buffer is in the free tree)" :
			"double free (buffer waits in a thread cache)";
	} else if (nta_bitmap_test(&r->free, nta_bitmap_prev(&r->head, u))) {
		err = EALREADY;
		*why = "points into free memory (double free of a merged buffer?)";
	} else {
		err = EINVAL;
		*why = "interior pointer (not the start of a buffer)";
	}
	pthread_mutex_unlock(&a->lock);
	return err;
}

/*
 * Check that ptr is the start of an allocated buffer without changing
 * anything; on success *rp and *up locate it. On failure sets *why.
 */
static int
locate(const struct nta_arena *a, const void *ptr, struct nta_region **rp, uint64_t *up,
		const char **why)
{
	struct nta_region *r = region_lookup(a, ptr);
	uint64_t off;

	if (r == NULL) {
		*why = "pointer is in no region of this arena";
		return EFAULT;
	}
	off = (uint64_t)((const uint8_t *)ptr - r->base);
	if (off % NTA_UNIT != 0) {
		*why = "misaligned pointer (not on a unit boundary)";
		return EINVAL;
	}
	*rp = r;
	*up = off / NTA_UNIT;
	return 0;
}

static int
free_fail(struct nta_arena *a, const void *ptr, int err, const char *why)
{
	if (a != NULL) {
		__atomic_fetch_add(&a->free_errors, 1, __ATOMIC_RELAXED);
		if (!(a->cfg.flags & NTA_ARENA_F_QUIET))
			nta_log(NTA_LOG_ERR, "%s: free(%p) refused: %s", a->name, ptr, why);
	} else {
		nta_log(NTA_LOG_ERR, "free(%p) refused: %s", ptr, why);
	}
	return fail(err);
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
	err = locate(a, ptr, &r, &u, &why);
	if (err == 0)
		err = classify(a, r, u, &why);
	return free_fail(a, ptr, err, why);
}

/* A valid buffer that no cache takes, or a full cache. */
static __attribute__((noinline)) int
free_other(struct nta_arena *a, struct nta_cache *c, struct nta_region *r, uint64_t u,
		uint64_t n)
{
	if (c != NULL && n < NTA_CACHE_BINS && n <= NTA_CACHE_UNITS_CAP) {
		cache_drain(a, c);
		cache_push(c, r, u, n);
		cnt_add(&c->frees, 1);
		return 0;
	}
	pthread_mutex_lock(&a->lock);
	region_give(a, r, u, n);
	a->frees++;
	a->tree_frees++;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int
nta_free(struct nta_arena *a, void *ptr)
{
	struct nta_region *r;
	struct nta_cache *c;
	uint64_t off, u, n;

	if (ptr == NULL)
		return 0;
	if (unlikely(a == NULL || (r = region_lookup(a, ptr)) == NULL))
		return free_bad(a, ptr);
	off = (uint64_t)((uint8_t *)ptr - r->base);
	u = off / NTA_UNIT;
	if (unlikely(off % NTA_UNIT != 0 || !used_take(r, u)))
		return free_bad(a, ptr);
	n = block_units(r, u);
	c = my_cache(a);
	if (likely(c != NULL && n < NTA_CACHE_BINS && c->count < NTA_CACHE_CAP &&
			c->units + n <= NTA_CACHE_UNITS_CAP)) {
		cache_push(c, r, u, n);
		cnt_add(&c->frees, 1);
		return 0;
	}
	return free_other(a, c, r, u, n);
}

/* Locate an allocated buffer for read-only queries; 0 or an errno. */
static int
query(const struct nta_arena *a, const void *ptr, struct nta_region **rp, uint64_t *up,
		const char **why)
{
	int err;

	if (a == NULL || ptr == NULL) {
		*why = "NULL argument";
		return EINVAL;
	}
	err = locate(a, ptr, rp, up, why);
	if (err != 0)
		return err;
	if (!used_test(*rp, *up))
		return classify((struct nta_arena *)(uintptr_t)a, *rp, *up, why);
	return 0;
}

size_t
nta_size(const struct nta_arena *a, const void *ptr)
{
	struct nta_region *r;
	const char *why;
	uint64_t u;
	int err = query(a, ptr, &r, &u, &why);

	if (err != 0) {
		nta_errno = err;
		return 0;
	}
	return block_units(r, u) * NTA_UNIT;
}

void
nta_cache_flush(struct nta_arena *a)
{
	struct nta_cache *c;
	int s;

	if (a == NULL || (s = thread_slot()) < 0)
		return;
	c = a->cache[s];
	if (c != NULL && c->count > 0)
		cache_drain(a, c);
}

void
nta_cache_flush_all(struct nta_arena *a)
{
	uint32_t s;

	if (a == NULL)
		return;
	for (s = 0; s < NTA_MAX_THREADS; s++)
		if (a->cache[s] != NULL && a->cache[s]->count > 0)
			cache_drain(a, a->cache[s]);
}

/* ---- descriptors ---- */

int
nta_to_desc(const struct nta_arena *a, const void *ptr, uint32_t len, struct nta_desc *desc)
{
	struct nta_region *r;
	const char *why;
	uint64_t u, size;
	int err;

	if (desc == NULL)
		return fail(EINVAL);
	err = query(a, ptr, &r, &u, &why);
	if (err != 0)
		return fail(err);
	size = block_units(r, u) * NTA_UNIT;
	if (len > size)
		return fail(EINVAL);
	desc->region = r->id;
	desc->offset = (uint32_t)(u * NTA_UNIT);
	desc->len = len != 0 ? len : (uint32_t)size;
	return 0;
}

static struct nta_region *
desc_region(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;

	if (d->region >= __atomic_load_n(&a->n_regions, __ATOMIC_ACQUIRE))
		return NULL;
	r = a->regions[d->region];
	if ((uint64_t)d->offset + d->len > region_bytes(r) || d->offset >= region_bytes(r))
		return NULL;
	return r;
}

void *
nta_from_desc(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;

	if (a == NULL || d == NULL) {
		nta_errno = EINVAL;
		return NULL;
	}
	r = desc_region(a, d);
	if (r == NULL) {
		nta_errno = ERANGE;
		return NULL;
	}
	return r->base + d->offset;
}

void *
nta_desc_check(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;
	const char *why;
	uint64_t u;

	if (a == NULL || d == NULL) {
		nta_errno = EINVAL;
		return NULL;
	}
	r = desc_region(a, d);
	if (r == NULL || d->len == 0) {
		nta_errno = ERANGE;
		return NULL;
	}
	if (d->offset % NTA_UNIT != 0) {
		nta_errno = EINVAL;
		return NULL;
	}
	u = d->offset / NTA_UNIT;
	if (!used_test(r, u)) {
		nta_errno = classify((struct nta_arena *)(uintptr_t)a, r, u, &why);
		return NULL;
	}
	if (d->len > block_units(r, u) * NTA_UNIT) {
		nta_errno = ERANGE;
		return NULL;
	}
	return r->base + d->offset;
}

uint64_t
nta_iova(const struct nta_arena *a, const void *ptr)
{
	struct nta_region *r;

	if (a == NULL || (r = region_lookup(a, ptr)) == NULL || r->iova == UINT64_MAX)
		return UINT64_MAX;
	return r->iova + (uint64_t)((const uint8_t *)ptr - r->base);
}

int
nta_region_set_iova(struct nta_arena *a, uint32_t region, uint64_t iova)
{
	if (a == NULL)
		return fail(EINVAL);
	if (region >= nta_region_count(a))
		return fail(ERANGE);
	a->regions[region]->iova = iova;
	return 0;
}

uint32_t
nta_region_count(const struct nta_arena *a)
{
	return a != NULL ? __atomic_load_n(&a->n_regions, __ATOMIC_ACQUIRE) : 0;
}

int
nta_region_info(const struct nta_arena *a, uint32_t id, struct nta_region_info *info)
{
	const struct nta_region *r;

	if (a == NULL || info == NULL)
		return fail(EINVAL);
	if (id >= nta_region_count(a))
		return fail(ERANGE);
	r = a->regions[id];
	info->id = r->id;
	info->jumbo = r->jumbo;
	info->base = r->base;
	info->size = region_bytes(r);
	info->iova = r->iova;
	info->fd = r->fd;
	info->page_size = r->owned ? a->page_size : 0;
	snprintf(info->path, sizeof(info->path), "%s", r->path);
	return 0;
}

int
nta_region_of(const struct nta_arena *a, const void *ptr)
{
	const struct nta_region *r = a != NULL ? region_lookup(a, ptr) : NULL;

	if (r == NULL)
		return fail(EFAULT);
	return (int)r->id;
}

/* ---- stats ---- */

static uint64_t
bitmap_bytes(const struct nta_bitmap *bm)
{
	uint64_t b = 0;
	uint32_t k;

	for (k = 0; k < bm->levels; k++)
		b += bm->words[k] * sizeof(uint64_t);
	return b;
}

int
nta_stats_get(struct nta_arena *a, struct nta_stats *st)
{
	uint64_t nonfree = 0, cached_bufs = 0;
	uint32_t i;

	if (a == NULL || st == NULL)
		return fail(EINVAL);
	memset(st, 0, sizeof(*st));
	st->metadata_bytes = sizeof(*a) + (uint64_t)a->max_ids * 2 * sizeof(void *) +
		(uint64_t)a->n_slots * sizeof(void *);
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];
		uint32_t h = nta_tree_height(&r->tree);

		st->bytes_total += region_bytes(r);
		st->bytes_free += r->free_units * NTA_UNIT;
		if (r->max_free * NTA_UNIT > st->largest_free)
			st->largest_free = r->max_free * NTA_UNIT;
		st->free_extents += r->tree.count;
		if (h > st->tree_height_max)
			st->tree_height_max = h;
		nonfree += r->nonfree_blocks;
		st->metadata_bytes += sizeof(*r) + bitmap_bytes(&r->head) + bitmap_bytes(&r->free) +
			r->units + r->tree.max_chunks * sizeof(void *) +
			(uint64_t)r->tree.n_chunks * NTA_NODE_CHUNK * sizeof(struct nta_node);
	}
	st->regions = a->n_regions;
	st->allocs = a->allocs;
	st->frees = a->frees;
	st->tree_allocs = a->tree_allocs;
	st->tree_frees = a->tree_frees;
	st->merges = a->merges;
	pthread_mutex_unlock(&a->lock);
	for (i = 0; i < NTA_MAX_THREADS; i++) {
		const struct nta_cache *c = __atomic_load_n(&a->cache[i], __ATOMIC_ACQUIRE);

		if (c == NULL)
			continue;
		st->bytes_cached += cnt_get(&c->units) * NTA_UNIT;
		cached_bufs += __atomic_load_n(&c->count, __ATOMIC_RELAXED);
		st->allocs += cnt_get(&c->allocs) + cnt_get(&c->hits);
		st->frees += cnt_get(&c->frees);
		st->cache_hits += cnt_get(&c->hits);
		st->cache_flushes += cnt_get(&c->flushes);
		st->metadata_bytes += sizeof(*c);
	}
	st->alloc_fails = __atomic_load_n(&a->alloc_fails, __ATOMIC_RELAXED);
	st->free_errors = __atomic_load_n(&a->free_errors, __ATOMIC_RELAXED);
	if (st->bytes_free + st->bytes_cached > st->bytes_total)
		st->bytes_cached = st->bytes_total - st->bytes_free;   /* torn cache read */
	st->bytes_used = st->bytes_total - st->bytes_free - st->bytes_cached;
	st->buffers_used = nonfree > cached_bufs ? nonfree - cached_bufs : 0;
	st->fragmentation = st->bytes_free != 0 ?
		1.0 - (double)st->largest_free / (double)st->bytes_free : 0.0;
	return 0;
}

void
nta_dump(FILE *f, struct nta_arena *a, int verbose)
{
	struct nta_stats s;
	uint32_t i;

	if (a == NULL || nta_stats_get(a, &s) != 0)
		return;
	fprintf(f, "arena %s: %u regions, %" PRIu64 " bytes: used %" PRIu64 " (%" PRIu64
		" buffers), cached %" PRIu64 ", free %" PRIu64 " in %" PRIu64
		" extents, largest %" PRIu64 ", fragmentation %.4f, tree height %u\n",
		a->name, s.regions, s.bytes_total, s.bytes_used, s.buffers_used, s.bytes_cached,
		s.bytes_free, s.free_extents, s.largest_free, s.fragmentation, s.tree_height_max);
	fprintf(f, "  allocs %" PRIu64 " (cache %" PRIu64 ", tree %" PRIu64 "), frees %" PRIu64
		" (tree %" PRIu64 ", merges %" PRIu64 "), fails %" PRIu64 ", bad frees %" PRIu64
		", metadata %" PRIu64 " bytes\n", s.allocs, s.cache_hits, s.tree_allocs, s.frees,
		s.tree_frees, s.merges, s.alloc_fails, s.free_errors, s.metadata_bytes);
	if (!verbose)
		return;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];
		avl_t n;

		fprintf(f, "  region %u%s: %p, %" PRIu64 " units, %" PRIu64 " free, height %u:",
			r->id, r->jumbo ? " (jumbo)" : "", (void *)r->base, r->units, r->free_units,
			nta_tree_height(&r->tree));
		for (n = nta_tree_first(&r->tree); n != 0; n = nta_tree_next(&r->tree, n)) {
			const struct nta_node *nd = nta_node(&r->tree, n);

			fprintf(f, " [%u+%" PRIu64 "]", (unsigned int)nd->start, nta_node_len(nd));
		}
		fputc('\n', f);
	}
	pthread_mutex_unlock(&a->lock);
}

/* ---- verify ---- */

struct vctx {
	const char *arena;
	unsigned int bad;
};

static void
violation(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
violation(struct vctx *v, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	v->bad++;
	if (v->bad > 20)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nta_log(NTA_LOG_ERR, "%s: verify: %s", v->arena, msg);
}

static void
tree_report(void *arg, const char *what)
{
	violation(arg, "%s", what);
}

/* Mark cached blocks: held[region] bitmaps of cache entries. */
static void
verify_caches(struct nta_arena *a, struct vctx *v, uint64_t **held)
{
	uint32_t s, n, i;

	for (s = 0; s < NTA_MAX_THREADS; s++) {
		struct nta_cache *c = a->cache[s];
		uint64_t count = 0, units = 0, spares = 0;
		uint8_t *seen;

		if (c == NULL)
			continue;
		seen = calloc(NTA_CACHE_CAP, 1);
		if (seen == NULL) {
			violation(v, "no memory to verify cache %u", s);
			continue;
		}
		for (n = 1; n < NTA_CACHE_BINS; n++) {
			uint16_t e;

			for (e = c->bin[n]; e != 0 && e <= NTA_CACHE_CAP; e = c->ent[e - 1].next) {
				const struct nta_cache_ent *ent = &c->ent[e - 1];
				struct nta_region *r;

				if (seen[e - 1]++) {
					violation(v, "cache %u: entry %u on two lists", s, e - 1);
					break;
				}
				count++;
				units += n;
				if (ent->region >= a->n_regions) {
					violation(v, "cache %u: entry in region %u", s, ent->region);
					continue;
				}
				r = a->regions[ent->region];
				if (ent->unit >= r->units || ent->ptr != r->base + ent->unit * NTA_UNIT) {
					violation(v, "cache %u: entry %p out of its region", s, ent->ptr);
					continue;
				}
				if (!nta_bitmap_test(&r->head, ent->unit) ||
						nta_bitmap_test(&r->free, ent->unit) ||
						used_test(r, ent->unit) ||
						block_units(r, ent->unit) != n) {
					violation(v, "cache %u: %p is not a cached block of %u units",
						s, ent->ptr, n);
					continue;
				}
				if ((held[r->id][ent->unit / 64] >> (ent->unit % 64)) & 1)
					violation(v, "cached block %p held twice", ent->ptr);
				held[r->id][ent->unit / 64] |= UINT64_C(1) << (ent->unit % 64);
			}
		}
		for (i = c->spare; i != 0 && i <= NTA_CACHE_CAP; i = c->ent[i - 1].next) {
			if (seen[i - 1]++) {
				violation(v, "cache %u: spare entry %u also on a list", s, i - 1);
				break;
			}
			spares++;
		}
		if (count != c->count || units != c->units)
			violation(v, "cache %u: count %u/%" PRIu64 " units %" PRIu64 "/%" PRIu64,
				s, c->count, count, c->units, units);
		if (units > NTA_CACHE_UNITS_CAP)
			violation(v, "cache %u: holds %" PRIu64 " units, cap %" PRIu64, s, units,
				(uint64_t)NTA_CACHE_UNITS_CAP);
		if (count + spares != NTA_CACHE_CAP)
			violation(v, "cache %u: %" PRIu64 " entries lost", s,
				NTA_CACHE_CAP - count - spares);
		free(seen);
	}
}

static void
verify_region(struct vctx *v, struct nta_region *r, const uint64_t *held)
{
	uint64_t u = 0, extents = 0, free_sum = 0, largest = 0, heads = 0, w;
	bool prev_free = false;

	if (nta_bitmap_check(&r->head) != 0 || nta_bitmap_check(&r->free) != 0)
		violation(v, "region %u: bitmap summary inconsistent", r->id);
	if (!nta_bitmap_test(&r->head, 0))
		violation(v, "region %u: unit 0 starts no block", r->id);
	for (w = 0; w < (r->units + 63) / 64; w++) {
		uint64_t h = r->head.lvl[0][w], f = r->free.lvl[0][w], us = 0, b;

		for (b = 0; b < 64 && w * 64 + b < r->units; b++)
			us |= (uint64_t)(r->used[w * 64 + b] != 0) << b;

		if ((f & ~h) != 0 || (us & ~h) != 0 || (f & us) != 0)
			violation(v, "region %u: units %" PRIu64 "..: free/used bit off a head or both",
				r->id, w * 64);
		heads += (uint64_t)__builtin_popcountll(h);
	}
	while (u < r->units) {
		uint64_t len = block_units(r, u);
		bool f = nta_bitmap_test(&r->free, u);

		if (f) {
			avl_t n = nta_tree_find(&r->tree, u, len);

			if (n == 0)
				violation(v, "region %u: free extent %" PRIu64 "+%" PRIu64
					" not in the tree", r->id, u, len);
			if (prev_free)
				violation(v, "region %u: free extents adjacent at unit %" PRIu64,
					r->id, u);
			extents++;
			free_sum += len;
			if (len > largest)
				largest = len;
		} else if (!used_test(r, u) && !((held[u / 64] >> (u % 64)) & 1)) {
			violation(v, "region %u: block %" PRIu64 "+%" PRIu64
				" neither free, used nor cached (lost)", r->id, u, len);
		}
		prev_free = f;
		u += len;
	}
	if (u != r->units)
		violation(v, "region %u: blocks cover %" PRIu64 " of %" PRIu64 " units", r->id, u,
			r->units);
	nta_tree_check(&r->tree, tree_report, v);
	if (extents != r->tree.count)
		violation(v, "region %u: %" PRIu64 " free extents, %" PRIu64 " in the tree", r->id,
			extents, r->tree.count);
	if (free_sum != r->free_units || largest != r->max_free)
		violation(v, "region %u: free units %" PRIu64 "/%" PRIu64 ", largest %" PRIu64
			"/%" PRIu64, r->id, free_sum, r->free_units, largest, r->max_free);
	if (heads - extents != r->nonfree_blocks)
		violation(v, "region %u: %" PRIu64 " used+cached blocks, counted %" PRIu64,
			r->id, heads - extents, r->nonfree_blocks);
	if (r->tree.capacity < r->nonfree_blocks + 1 && r->tree.capacity < r->tree.max_nodes - 1)
		violation(v, "region %u: %" PRIu64 " nodes cannot hold the extents of %" PRIu64
			" frees", r->id, r->tree.capacity, r->nonfree_blocks);
}

int
nta_verify(struct nta_arena *a)
{
	struct vctx v = { 0 };
	uint64_t **held;
	uint32_t i;

	if (a == NULL)
		return fail(EINVAL);
	v.arena = a->name;
	held = calloc(a->n_regions + 1, sizeof(*held));
	if (held == NULL)
		return fail(ENOMEM);
	for (i = 0; i < a->n_regions; i++) {
		held[i] = calloc((a->regions[i]->units + 63) / 64, sizeof(uint64_t));
		if (held[i] == NULL) {
			violation(&v, "no memory to verify");
			goto out;
		}
	}
	pthread_mutex_lock(&a->lock);
	verify_caches(a, &v, held);
	for (i = 0; i < a->n_regions; i++)
		verify_region(&v, a->regions[i], held[i]);
	pthread_mutex_unlock(&a->lock);
out:
	for (i = 0; i < a->n_regions; i++)
		free(held[i]);
	free(held);
	return (int)v.bad;
}
