/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The arena: its creation (settings checked, address range reserved, first
 * regions mapped), destruction, and the memory a caller adds to an external
 * arena. Where the rest lives:
 *   nta_alloc.c   allocation and free (fast and slow paths)
 *   nta_cache.c   thread slots and per-thread caches
 *   nta_region.c  regions: lookup, take (split), give (merge)
 *   nta_desc.c    descriptors and address queries
 *   nta_stats.c   statistics and dump
 *   nta_verify.c  the invariant checks
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nta_cache.h"
#include "nta_region.h"

#define DEFAULT_MAX_REGIONS 64

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

/*
 * Complete the settings c with their defaults and check them; *page is the
 * backing's page size. 0, or an errno value (logged unless c is quiet).
 */
static int
config_check(struct nta_arena_config *c, size_t *page)
{
	bool quiet = (c->flags & NTA_ARENA_F_QUIET) != 0;

	if (c->name == NULL)
		c->name = "nta";
	if ((unsigned int)c->backing > NTA_BACKING_EXTERNAL ||
			(c->flags & ~(NTA_ARENA_F_NO_CACHE | NTA_ARENA_F_QUIET)) != 0 ||
			strlen(c->name) >= NTA_NAME_LEN || strchr(c->name, '/') != NULL) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "arena: bad backing, flags or name");
		return EINVAL;
	}
	*page = nta_backing_page_size(c);
	if (*page == 0) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "%s: no hugepage size known to libhugetlbfs", c->name);
		return ENOENT;
	}
	if (c->region_size == 0)
		c->region_size = nta_backing_default_region(c);
	if (c->max_regions == 0)
		c->max_regions = DEFAULT_MAX_REGIONS;
	if (c->initial_regions == 0 && c->backing != NTA_BACKING_EXTERNAL)
		c->initial_regions = 1;
	if (c->region_size % NTA_UNIT != 0 || c->region_size % *page != 0 ||
			c->region_size > NTA_REGION_MAX_BYTES || c->region_size < NTA_UNIT ||
			c->max_regions + (c->jumbo_size != 0) > NTA_MAX_REGIONS ||
			c->initial_regions > c->max_regions ||
			(c->backing == NTA_BACKING_EXTERNAL && c->initial_regions != 0) ||
			(c->jumbo_size != 0 && (c->jumbo_size % *page != 0 ||
				c->jumbo_size % NTA_UNIT != 0 ||
				c->jumbo_size > NTA_REGION_MAX_BYTES ||
				c->jumbo_size <= c->region_size ||
				c->backing == NTA_BACKING_EXTERNAL))) {
		if (!quiet)
			nta_log(NTA_LOG_ERR, "%s: bad region_size %zu, jumbo_size %zu or region "
				"counts (unit %u, page %zu, max region %" PRIu64 " bytes)", c->name,
				c->region_size, c->jumbo_size, NTA_UNIT, *page,
				(uint64_t)NTA_REGION_MAX_BYTES);
		return EINVAL;
	}
	return 0;
}

NTA_EXPORT struct nta_arena *
nta_arena_create(const struct nta_arena_config *cfg)
{
	struct nta_arena_config c = { 0 };
	struct nta_arena *a;
	unsigned int i;
	size_t page;
	int err;

	if (cfg != NULL)
		c = *cfg;
	err = config_check(&c, &page);
	if (err != 0) {
		nta_errno = err;
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
	a->gen = nta_next_gen();
	a->region_size = c.region_size;
	a->page_size = page;
	a->region_units = c.region_size / NTA_UNIT;
	a->max_units = c.jumbo_size > c.region_size ? c.jumbo_size / NTA_UNIT : a->region_units;
	a->lock.v = 0;
	a->max_ids = c.max_regions + (c.jumbo_size != 0);
	a->regions = calloc(a->max_ids, sizeof(*a->regions));
	a->old_index = calloc(a->max_ids, sizeof(*a->old_index));
	a->fit_words = (a->max_ids + 63) / 64;
	a->fit = calloc((size_t)NTA_FIT_CLASSES * a->fit_words, sizeof(*a->fit));
	if (a->regions == NULL || a->old_index == NULL || a->fit == NULL ||
			reserve_range(a) != 0) {
		err = -ENOMEM;
		goto fail;
	}
	if (c.jumbo_size != 0 && nta_region_add(a, c.jumbo_size, true, NULL, 0, &err) == NULL)
		goto fail;
	for (i = 0; i < c.initial_regions; i++)
		if (nta_region_add(a, c.region_size, false, NULL, 0, &err) == NULL)
			goto fail;
	return a;
fail:
	nta_arena_log(a, NTA_LOG_ERR, "%s: cannot create regions: %s", c.name,
		nta_strerror(-err));
	nta_arena_destroy(a);
	nta_errno = -err;
	return NULL;
}

NTA_EXPORT void
nta_arena_destroy(struct nta_arena *a)
{
	uint32_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_regions; i++)
		nta_region_delete(a->regions[i]);
	for (i = 0; i < NTA_CACHE_SLOTS; i++)
		free(a->cache[i]);
	for (i = 0; i < a->n_old_index; i++)
		free(a->old_index[i]);
	free(a->old_index);
	free(a->regions);
	free(a->fit);
	free(a->index);
	if (a->va_len != 0)
		munmap((void *)a->va_base, a->va_len);
	free(a->slot);
	free(a);
}

/*
 * Cut [p, p + len) into n regions and put them in the arena all at once, or
 * none of them. Under lock. 0, or a negative errno.
 */
static int
add_regions(struct nta_arena *a, uint8_t *p, size_t len, size_t n, uint64_t iova)
{
	struct nta_region **rs = calloc(n, sizeof(*rs));
	uint32_t i;
	int err = 0;

	if (rs == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t off = (size_t)i * a->region_size;
		size_t chunk = len - off < a->region_size ? len - off : a->region_size;

		rs[i] = nta_region_new(a, chunk, false, p + off, iova == UINT64_MAX ?
			UINT64_MAX : iova + off, i, &err);
		if (rs[i] == NULL)
			break;
	}
	if (i == n)
		err = nta_region_publish(a, rs, (uint32_t)n);
	if (err != 0)
		while (i-- > 0)
			nta_region_delete(rs[i]);
	free(rs);
	return err;
}

NTA_EXPORT int
nta_arena_add_memory(struct nta_arena *a, void *addr, size_t len, uint64_t iova)
{
	size_t n;
	int first, err;

	if (a == NULL || addr == NULL || (uintptr_t)addr % NTA_UNIT != 0 || len < NTA_UNIT ||
			a->cfg.backing != NTA_BACKING_EXTERNAL) {
		nta_arena_log(a, NTA_LOG_ERR, "add_memory: bad arena, address %p or length %zu",
			addr, len);
		return nta_fail(EINVAL);
	}
	len -= len % NTA_UNIT;
	n = len / a->region_size + (len % a->region_size != 0);
	nta_lock(&a->lock);
	if (nta_region_overlaps(a, addr, len)) {
		nta_unlock(&a->lock);
		nta_arena_log(a, NTA_LOG_ERR, "%s: memory %p+%zu overlaps a region", a->name, addr,
			len);
		return nta_fail(EINVAL);
	}
	/* All or nothing: refuse memory for more regions than may still be added. */
	if (n > a->cfg.max_regions - a->n_ordinary) {
		nta_unlock(&a->lock);
		nta_arena_log(a, NTA_LOG_ERR, "%s: add_memory: %zu bytes need %zu regions, %u "
			"more allowed", a->name, len, n, a->cfg.max_regions - a->n_ordinary);
		return nta_fail(ENOSPC);
	}
	first = (int)a->n_regions;
	err = add_regions(a, addr, len, n, iova);
	nta_unlock(&a->lock);
	if (err != 0) {
		nta_arena_log(a, NTA_LOG_ERR, "%s: add_memory of %zu bytes: %s (nothing added)",
			a->name, len, nta_strerror(-err));
		return nta_fail(-err);
	}
	return first;
}

/* Rounds of the spin before a contended lock sleeps: about a tree operation. */
#define LOCK_SPINS 128

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

void
nta_lock_wait(struct nta_lock *l)
{
	uint32_t v;
	int k;

	/* The holder is likely inside a short tree operation: spin first. */
	for (k = 0; k < LOCK_SPINS; k++) {
		v = __atomic_load_n(&l->v, __ATOMIC_RELAXED);
		if (v == 0 && __atomic_compare_exchange_n(&l->v, &v, 1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
	/*
	 * Sleep. Whoever takes the lock from here on marks it 2 (sleepers
	 * maybe), so that its release wakes the next one.
	 */
	while (__atomic_exchange_n(&l->v, 2, __ATOMIC_ACQUIRE) != 0)
		syscall(SYS_futex, &l->v, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
}

void
nta_lock_wake(struct nta_lock *l)
{
	syscall(SYS_futex, &l->v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
