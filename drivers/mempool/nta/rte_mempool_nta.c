/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Mempool ops 'nta': objects placed by an NTA arena, free objects tracked by
 * per-lcore stacks and a shared stack (nta_mp_stack.c). This file holds the
 * ops table and the callbacks that create, size, populate and free a pool.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "nta_mempool_private.h"

/* Object size, alignment, stride and region size of a pool. */
static void
mpn_geometry(const struct rte_mempool *mp, struct mpn_pool *p)
{
	p->total_sz = mpn_total_size(mp);
	p->align = mpn_align(mp->flags);
	p->stride = mpn_stride(p->total_sz, p->align);
	p->region_size = RTE_ALIGN_FLOOR((size_t)NTA_REGION_MAX_BYTES, p->align);
}

static void
mpn_pool_destroy(struct mpn_pool *p)
{
	if (p == NULL)
		return;
	if (p->owns_arena) {
		rte_nta_arena_dma_unregister(p->arena);
		nta_arena_destroy(p->arena);
	}
	if (p->data_arena != NULL) {
		rte_nta_arena_dma_unregister(p->data_arena);
		nta_arena_destroy(p->data_arena);
	}
	mpn_stack_fini(p);
	rte_free(p);
}

/* The pool_config of mp, checked: 0, or -EINVAL with one line logged. */
static int
mpn_config_check(const struct rte_mempool *mp, const struct rte_nta_pool_config *cfg)
{
	size_t total = mpn_total_size(mp);

	if (cfg != NULL && cfg->magic != RTE_NTA_POOL_CONFIG_MAGIC) {
		MPN_LOG(ERR, "pool %s: pool_config is not a struct rte_nta_pool_config",
			mp->name);
		return -EINVAL;
	}
	if (cfg != NULL && (cfg->lcore_cache > MPN_LC_MAX ||
			(cfg->flags & ~RTE_NTA_POOL_F_OWN_ARENA) != 0)) {
		MPN_LOG(ERR, "pool %s: lcore_cache %u above %u or unknown flags 0x%x",
			mp->name, cfg->lcore_cache, MPN_LC_MAX, cfg->flags);
		return -EINVAL;
	}
	if (total == 0 || total > NTA_REGION_MAX_BYTES) {
		MPN_LOG(ERR, "pool %s: object of %zu bytes (header, element, trailer) "
			"does not fit a region (at most %llu bytes)", mp->name, total,
			(unsigned long long)NTA_REGION_MAX_BYTES);
		return -EINVAL;
	}
	return 0;
}

/* The arena of p: the caller's, or an external one over DPDK's chunks. */
static int
mpn_pool_arena(struct mpn_pool *p, const struct rte_nta_pool_config *cfg)
{
	struct nta_arena_config acfg = {
		.name = p->mp->name,
		.backing = NTA_BACKING_EXTERNAL,
		.region_size = p->region_size,
		.initial_regions = 0,
		.max_regions = NTA_MAX_REGIONS - 1,
		.flags = NTA_ARENA_F_NO_CACHE,
	};

	if (cfg != NULL && cfg->arena != NULL) {
		p->arena = cfg->arena;
		p->external = false;
		p->owns_arena = (cfg->flags & RTE_NTA_POOL_F_OWN_ARENA) != 0;
		return 0;
	}
	p->arena = nta_arena_create(&acfg);
	if (p->arena == NULL) {
		int err = nta_errno != 0 ? nta_errno : ENOMEM;

		MPN_LOG(ERR, "pool %s: cannot create the arena: %s", p->mp->name,
			nta_strerror(err));
		return -err;
	}
	p->external = true;
	p->owns_arena = true;
	return 0;
}

static int
mpn_mp_alloc(struct rte_mempool *mp)
{
	const struct rte_nta_pool_config *cfg = mp->pool_config;
	struct mpn_pool *p;
	int ret, n_lc;

	ret = mpn_config_check(mp, cfg);
	if (ret != 0)
		return ret;
	p = rte_zmalloc_socket("nta_pool", sizeof(*p), RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (p == NULL)
		return -ENOMEM;
	p->mp = mp;
	mpn_proc_pool_init(p);
	mpn_geometry(mp, p);
	n_lc = mpn_stack_init(p, cfg != NULL ? cfg->lcore_cache : 0);
	if (n_lc < 0) {
		ret = n_lc;
		goto fail;
	}
	ret = mpn_pool_arena(p, cfg);
	if (ret != 0)
		goto fail;
	mp->pool_data = p;
	mpn_tel_add(p);
	MPN_LOG(DEBUG, "pool %s: %u objects of %zu bytes (stride %zu, align %zu), "
		"%d lcore stacks of %u", mp->name, mp->size, p->total_sz, p->stride, p->align,
		n_lc, p->lc_cap);
	return 0;
fail:
	mpn_pool_destroy(p);
	return ret;
}

static void
mpn_mp_free(struct rte_mempool *mp)
{
	struct mpn_pool *p = mp->pool_data;

	if (p == NULL)
		return;
	mp->pool_data = NULL;
	if (p->owner != mpn_proc_self) {
		/* The arenas are the creator's: only the shared parts can go. */
		MPN_LOG(WARNING, "pool %s freed by a process that did not create it: "
			"its arena stays allocated in the creator", mp->name);
		mpn_stack_fini(p);
		rte_free(p);
		return;
	}
	mpn_tel_remove(p);
	mpn_pool_destroy(p);
}

/*
 * Memory for obj_num objects: regions of at most region_size bytes (one
 * region per page when pages are smaller and IOVA is physical), each holding
 * whole objects at the stride.
 */
static ssize_t
mpn_mp_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
		size_t *min_chunk_size, size_t *align)
{
	const struct mpn_pool *p = mp->pool_data;
	struct mpn_pool geo;
	size_t slice, per, full, rem;

	if (p == NULL) {
		/* Called before alloc: the geometry alone. */
		mpn_geometry(mp, &geo);
		p = &geo;
	}
	slice = p->region_size;
	if (pg_shift != 0 && pg_shift < 63 && ((size_t)1 << pg_shift) < slice)
		slice = (size_t)1 << pg_shift;
	if (p->stride > slice) {
		MPN_LOG(ERR, "pool %s: object stride %zu above the %zu-byte slice",
			mp->name, p->stride, slice);
		return -EINVAL;
	}
	per = slice / p->stride;
	full = obj_num / per;
	rem = obj_num % per;
	*min_chunk_size = p->stride;
	*align = (pg_shift != 0 && slice == ((size_t)1 << pg_shift)) ? slice : p->align;
	return (ssize_t)(full * slice + rem * p->stride);
}

/* Park a misplaced buffer on a list threaded through the buffers. */
static void
mpn_park(void **head, void *buf)
{
	*(void **)buf = *head;
	*head = buf;
}

static void
mpn_unpark(struct nta_arena *arena, void *head)
{
	while (head != NULL) {
		void *next = *(void **)head;

		nta_free(arena, head);
		head = next;
	}
}

/* Give a chunk DPDK populates an external arena with. 0, or -errno. */
static int
mpn_add_chunk(struct mpn_pool *p, char *start, rte_iova_t iova, size_t len)
{
	char *va = RTE_PTR_ALIGN_CEIL(start, NTA_UNIT);
	size_t skip = (size_t)(va - start);
	int err;

	if (skip >= len || len - skip < p->stride)
		return 0;
	if (nta_arena_add_memory(p->arena, va, len - skip,
			iova == RTE_BAD_IOVA ? UINT64_MAX : iova + skip) >= 0)
		return 0;
	err = nta_errno != 0 ? nta_errno : EINVAL;
	MPN_LOG(ERR, "pool %s: cannot add %zu bytes at %p to the arena: %s",
		p->mp->name, len - skip, (void *)va, nta_strerror(err));
	return -err;
}

/* One object header from the arena, aligned, or NULL. */
static char *
mpn_obj_alloc(struct mpn_pool *p)
{
	char *hdr = nta_alloc_aligned(p->arena, p->total_sz, p->align);

	if (hdr != NULL)
		return hdr;
	/*
	 * An aligned search may skip an extent that fits exactly and happens
	 * to be aligned: try a plain allocation.
	 */
	hdr = nta_alloc(p->arena, p->total_sz);
	if (hdr != NULL && ((uintptr_t)hdr % p->align) != 0) {
		nta_free(p->arena, hdr);
		hdr = NULL;
	}
	return hdr;
}

/* Objects of p that fit [start, start + len) at the stride, aligned. */
static unsigned int
mpn_chunk_room(const struct mpn_pool *p, char *start, size_t len)
{
	char *first = RTE_PTR_ALIGN_CEIL(start, p->align);
	size_t sz = RTE_ALIGN_CEIL(p->total_sz, (size_t)NTA_UNIT);
	size_t skip = (size_t)(first - start);

	if (skip >= len || len - skip < sz)
		return 0;
	return (unsigned int)RTE_MIN((len - skip - sz) / p->stride + 1, (size_t)UINT_MAX);
}

static int
mpn_mp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr, rte_iova_t iova,
		size_t len, rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	struct mpn_pool *p = mp->pool_data;
	char *start = vaddr, *end = (char *)vaddr + len;
	void *parked = NULL;
	uint32_t nreg;
	unsigned int i;
	int ret;

	if (p == NULL)
		return -EINVAL;
	if (p->external) {
		ret = mpn_add_chunk(p, start, iova, len);
		if (ret != 0)
			return ret;
	} else {
		/*
		 * An owned arena: its objects must be in the chunk being added
		 * (one of its regions). Asking for more than the chunk holds
		 * would fill every other region and grow the arena up to its
		 * max_regions, regions the pool then keeps for nothing.
		 */
		max_objs = RTE_MIN(max_objs, mpn_chunk_room(p, start, len));
	}
	nreg = nta_region_count(p->arena);
	for (i = 0; i < max_objs; ) {
		char *hdr = mpn_obj_alloc(p);
		uint64_t obj_iova;
		void *obj;

		if (hdr == NULL)
			break;
		if (!p->external && (hdr < start || hdr + p->total_sz > end)) {
			mpn_park(&parked, hdr);
			/* The chunk is full (or taken): grow no further. */
			if (nta_region_count(p->arena) > nreg)
				break;
			continue;
		}
		obj = hdr + mp->header_size;
		obj_iova = nta_iova(p->arena, obj);
		if (obj_iova == UINT64_MAX)
			obj_iova = RTE_BAD_IOVA;
		obj_cb(mp, obj_cb_arg, obj, obj_iova);
		rte_mempool_ops_enqueue_bulk(mp, &obj, 1);
		i++;
	}
	mpn_unpark(p->arena, parked);
	MPN_LOG(DEBUG, "pool %s: chunk of %zu bytes at %p: %u of %u objects placed",
		mp->name, len, vaddr, i, max_objs);
	return i;
}

static int
mpn_mp_get_info(const struct rte_mempool *mp __rte_unused, struct rte_mempool_info *info)
{
	info->contig_block_size = 0;
	return 0;
}

static struct rte_mempool_ops mpn_ops = {
	.name = RTE_NTA_MEMPOOL_OPS_NAME,
	.alloc = mpn_mp_alloc,
	.free = mpn_mp_free,
	.enqueue = mpn_stack_enqueue,
	.dequeue = mpn_stack_dequeue,
	.get_count = mpn_stack_count,
	.calc_mem_size = mpn_mp_calc_mem_size,
	.populate = mpn_mp_populate,
	.get_info = mpn_mp_get_info,
};

RTE_MEMPOOL_REGISTER_OPS(mpn_ops);

RTE_NTA_EXPORT struct nta_arena *
rte_nta_mempool_arena(const struct rte_mempool *mp)
{
	struct mpn_pool *p = mpn_pool(mp);

	if (p == NULL) {
		rte_errno = mp != NULL ? mpn_proc_why_not(mp) : EINVAL;
		return NULL;
	}
	return mpn_proc_arena(p);
}
