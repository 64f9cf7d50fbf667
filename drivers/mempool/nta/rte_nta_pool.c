/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * What the driver offers beyond mempool ops: pktmbuf pools on hugetlbfs
 * memory the arena owns, DMA registration of an arena's regions, mbuf to
 * descriptor, and exact-size mbufs (external buffers from an arena).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stddef.h>
#include <hugetlbfs.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "nta_mempool_private.h"

/* ---- DMA registration of arenas' regions. */

/* Registered regions of one arena. */
struct nta_reg {
	struct nta_arena *arena;
	size_t page_size;
	uint64_t done[NTA_MAX_REGIONS / 64];
	TAILQ_ENTRY(nta_reg) next;
};

static TAILQ_HEAD(, nta_reg) nta_regs = TAILQ_HEAD_INITIALIZER(nta_regs);
static rte_spinlock_t nta_regs_lock = RTE_SPINLOCK_INITIALIZER;

static void
nta_dma_map_all(void *base, uint64_t iova, size_t size, bool map)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_info info;
		int ret;

		if (rte_eth_dev_info_get(port, &info) != 0 || info.device == NULL)
			continue;
		ret = map ? rte_dev_dma_map(info.device, base, iova, size) :
			rte_dev_dma_unmap(info.device, base, iova, size);
		if (ret != 0 && rte_errno != ENOTSUP)
			NTA_MP_LOG(DEBUG, "DMA %smap of %zu bytes at %p for port %u: %s",
				map ? "" : "un", size, base, port, rte_strerror(rte_errno));
	}
}

static int
nta_register_region(struct nta_arena *arena, uint32_t id, size_t pg)
{
	struct nta_region_info ri;
	rte_iova_t *iovas;
	unsigned int n_pages, i;
	bool contig = true;
	char *base;

	if (nta_region_info(arena, id, &ri) != 0) {
		rte_errno = EINVAL;
		return -1;
	}
	base = ri.base;
	if (((uintptr_t)base % pg) != 0 || (ri.size % pg) != 0) {
		NTA_MP_LOG(ERR, "region %u (%p, %zu bytes) is not whole %zu-byte pages",
			id, ri.base, ri.size, pg);
		rte_errno = EINVAL;
		return -1;
	}
	n_pages = ri.size / pg;
	iovas = malloc(n_pages * sizeof(*iovas));
	if (iovas == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n_pages; i++) {
		/* Touch the page so that it has a physical address. */
		*(volatile char *)(base + (size_t)i * pg) = *(volatile char *)(base + (size_t)i * pg);
		iovas[i] = rte_mem_virt2iova(base + (size_t)i * pg);
		if (iovas[i] == RTE_BAD_IOVA || (i > 0 && iovas[i] != iovas[0] + (size_t)i * pg))
			contig = false;
	}
	if (rte_extmem_register(base, ri.size, iovas, n_pages, pg) != 0) {
		int err = rte_errno;

		NTA_MP_LOG(ERR, "rte_extmem_register of region %u (%zu bytes at %p): %s",
			id, ri.size, ri.base, rte_strerror(err));
		free(iovas);
		rte_errno = err;
		return -1;
	}
	nta_region_set_iova(arena, id, contig ? iovas[0] : UINT64_MAX);
	if (contig)
		nta_dma_map_all(base, iovas[0], ri.size, true);
	free(iovas);
	return 0;
}

int
nta_mp_arena_register(struct nta_arena *arena, size_t page_size)
{
	struct nta_reg *r;
	uint32_t i, n;
	int ret = 0;

	if (arena == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	rte_spinlock_lock(&nta_regs_lock);
	TAILQ_FOREACH(r, &nta_regs, next)
		if (r->arena == arena)
			break;
	if (r == NULL) {
		struct nta_region_info ri;

		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			rte_spinlock_unlock(&nta_regs_lock);
			rte_errno = ENOMEM;
			return -1;
		}
		if (page_size == 0) {
			if (nta_region_info(arena, 0, &ri) == 0 && (ri.fd >= 0 || ri.path[0] != '\0'))
				page_size = gethugepagesize();
			else
				page_size = sysconf(_SC_PAGESIZE);
		}
		r->arena = arena;
		r->page_size = page_size;
		TAILQ_INSERT_TAIL(&nta_regs, r, next);
	}
	n = nta_region_count(arena);
	for (i = 0; i < n && ret == 0; i++) {
		if (r->done[i / 64] & (1ull << (i % 64)))
			continue;
		ret = nta_register_region(arena, i, r->page_size);
		if (ret == 0)
			r->done[i / 64] |= 1ull << (i % 64);
	}
	rte_spinlock_unlock(&nta_regs_lock);
	return ret;
}

void
nta_mp_arena_unregister(struct nta_arena *arena)
{
	struct nta_region_info ri;
	struct nta_reg *r;
	uint32_t i;

	if (arena == NULL)
		return;
	rte_spinlock_lock(&nta_regs_lock);
	TAILQ_FOREACH(r, &nta_regs, next)
		if (r->arena == arena)
			break;
	if (r != NULL) {
		for (i = 0; i < NTA_MAX_REGIONS; i++) {
			if (!(r->done[i / 64] & (1ull << (i % 64))))
				continue;
			if (nta_region_info(arena, i, &ri) != 0)
				continue;
			if (ri.iova != UINT64_MAX)
				nta_dma_map_all(ri.base, ri.iova, ri.size, false);
			if (rte_extmem_unregister(ri.base, ri.size) != 0)
				NTA_MP_LOG(WARNING, "rte_extmem_unregister of region %u: %s", i,
					rte_strerror(rte_errno));
		}
		TAILQ_REMOVE(&nta_regs, r, next);
		free(r);
	}
	rte_spinlock_unlock(&nta_regs_lock);
}

int
rte_nta_arena_dma_register(struct nta_arena *arena, size_t page_size)
{
	return nta_mp_arena_register(arena, page_size);
}

void
rte_nta_arena_dma_unregister(struct nta_arena *arena)
{
	nta_mp_arena_unregister(arena);
}

/* ---- Pools on memory the arena owns. */

/*
 * Settings of the hugetlbfs arena that holds n pieces of piece bytes (whole
 * mbufs, or data rooms) for pool name: the caller's cfg (or defaults), the
 * region size checked against the hugepage size and the IOVA mode, and
 * enough regions from the start. *hp gets the hugepage size. 0, or -1 with
 * rte_errno set (ENOENT, EINVAL, ENOMEM) and one line logged.
 */
static int
nta_pool_arena_config(const char *name, const struct nta_arena_config *cfg, unsigned int n,
		size_t piece, struct nta_arena_config *acfg, size_t *hp)
{
	size_t region, per;
	uint32_t nreg;

	memset(acfg, 0, sizeof(*acfg));
	if (cfg != NULL)
		*acfg = *cfg;
	acfg->name = (cfg != NULL && cfg->name != NULL) ? cfg->name : name;
	acfg->backing = NTA_BACKING_HUGETLBFS;
	*hp = acfg->hugepage_size != 0 ? acfg->hugepage_size : (size_t)gethugepagesize();
	if ((ssize_t)*hp <= 0) {
		NTA_MP_LOG(ERR, "pool %s: no hugepage size known (libhugetlbfs)", name);
		rte_errno = ENOENT;
		return -1;
	}
	region = acfg->region_size != 0 ? acfg->region_size :
		RTE_MIN(*hp, (size_t)NTA_REGION_MAX_BYTES);
	if (region > *hp && rte_eal_iova_mode() != RTE_IOVA_VA) {
		NTA_MP_LOG(ERR, "pool %s: region of %zu bytes spans several %zu-byte pages "
			"but IOVA is physical", name, region, *hp);
		rte_errno = EINVAL;
		return -1;
	}
	acfg->region_size = region;
	if (piece > region) {
		NTA_MP_LOG(ERR, "pool %s: an object of %zu bytes does not fit a %zu-byte region",
			name, piece, region);
		rte_errno = EINVAL;
		return -1;
	}
	per = region / piece;
	nreg = (uint32_t)((n + per - 1) / per);
	if (nreg > NTA_MAX_REGIONS) {
		rte_errno = ENOMEM;
		return -1;
	}
	if (acfg->initial_regions < nreg)
		acfg->initial_regions = nreg;
	if (acfg->max_regions < acfg->initial_regions)
		acfg->max_regions = RTE_MAX(acfg->initial_regions, 64u);
	return 0;
}

/* The arena of pool name, or NULL with *err set and one line logged. */
static struct nta_arena *
nta_pool_arena_create(const char *name, const struct nta_arena_config *acfg, int *err)
{
	struct nta_arena *arena = nta_arena_create(acfg);

	if (arena == NULL) {
		*err = nta_errno != 0 ? nta_errno : ENOMEM;
		NTA_MP_LOG(ERR, "pool %s: cannot create a hugetlbfs arena of %u regions of %zu "
			"bytes: %s", name, acfg->initial_regions, acfg->region_size,
			nta_strerror(*err));
	}
	return arena;
}

struct rte_mempool *
rte_nta_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, int socket_id,
		const struct nta_arena_config *cfg)
{
	struct rte_pktmbuf_pool_private mbp_priv = {0};
	struct rte_nta_pool_config pcfg = {0};
	struct nta_arena_config acfg = {0};
	struct rte_mempool_objsz objsz;
	struct nta_arena *arena;
	struct rte_mempool *mp;
	size_t hp, stride;
	uint32_t elt_size, i, nreg;
	int ret;

	if (name == NULL || n == 0 || RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
		NTA_MP_LOG(ERR, "pool create: NULL name, no mbufs, or priv_size %u not a "
			"multiple of %u", priv_size, RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return NULL;
	}
	elt_size = sizeof(struct rte_mbuf) + (unsigned int)priv_size + data_room_size;
	if (rte_mempool_calc_obj_size(elt_size, 0, &objsz) == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	stride = RTE_ALIGN_CEIL(RTE_ALIGN_CEIL((size_t)objsz.total_size, NTA_UNIT),
			RTE_MAX((size_t)RTE_MEMPOOL_ALIGN, (size_t)NTA_UNIT));
	if (nta_pool_arena_config(name, cfg, n, stride, &acfg, &hp) != 0)
		return NULL;

	mp = rte_mempool_create_empty(name, n, elt_size, cache_size,
			sizeof(struct rte_pktmbuf_pool_private), socket_id, 0);
	if (mp == NULL)
		return NULL;
	mbp_priv.mbuf_data_room_size = data_room_size;
	mbp_priv.mbuf_priv_size = priv_size;
	rte_pktmbuf_pool_init(mp, &mbp_priv);

	arena = nta_pool_arena_create(name, &acfg, &ret);
	if (arena == NULL) {
		rte_mempool_free(mp);
		rte_errno = ret;
		return NULL;
	}
	pcfg.magic = RTE_NTA_POOL_CONFIG_MAGIC;
	pcfg.arena = arena;
	pcfg.flags = RTE_NTA_POOL_F_OWN_ARENA;
	ret = rte_mempool_set_ops_byname(mp, RTE_NTA_MEMPOOL_OPS_NAME, &pcfg);
	if (ret != 0) {
		NTA_MP_LOG(ERR, "pool %s: ops 'nta' not usable: %s", name, rte_strerror(-ret));
		nta_arena_destroy(arena);
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	/* From here the pool owns the arena: rte_mempool_free() destroys it. */
	if (nta_mp_arena_register(arena, hp) != 0) {
		ret = rte_errno;
		goto fail_arena;
	}
	nreg = nta_region_count(arena);
	for (i = 0; i < nreg && mp->populated_size < mp->size; i++) {
		struct nta_region_info ri;

		if (nta_region_info(arena, i, &ri) != 0)
			continue;
		ret = rte_mempool_populate_iova(mp, ri.base,
				ri.iova == UINT64_MAX ? RTE_BAD_IOVA : ri.iova, ri.size, NULL, NULL);
		if (ret < 0) {
			ret = -ret;
			NTA_MP_LOG(ERR, "pool %s: populate with region %u: %s", name, i,
				rte_strerror(ret));
			goto fail;
		}
	}
	if (mp->populated_size < mp->size) {
		NTA_MP_LOG(ERR, "pool %s: only %u of %u mbufs fit the arena", name,
			mp->populated_size, mp->size);
		ret = ENOMEM;
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail_arena:
fail:
	if (mp->pool_data == NULL) {
		/* The ops never got the arena (alloc not run or failed). */
		nta_mp_arena_unregister(arena);
		nta_arena_destroy(arena);
	}
	rte_mempool_free(mp);
	rte_errno = ret;
	return NULL;
}

/* ---- Pools of pinned external buffers: headers private, data in the arena. */

/* What the object constructor of a pinned pool needs. */
struct nta_pin_ctx {
	struct nta_arena *arena;
	void **bufs;            /* one data buffer per mbuf, in object order */
	unsigned int next;
};

/*
 * The last reference to a pinned buffer went through another mbuf (a clone
 * freed after its parent): the parent goes back to its pool, buffer attached.
 */
static void
nta_pinned_free_cb(void *addr __rte_unused, void *opaque)
{
	struct rte_mbuf *m = opaque;

	rte_mbuf_ext_refcnt_set(m->shinfo, 1);
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	m->next = NULL;
	m->nb_segs = 1;
	rte_mbuf_raw_free(m);
}

/* Object constructor: header, shared info after the private area, buffer. */
static void
nta_pinned_init(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx __rte_unused)
{
	struct nta_pin_ctx *ctx = opaque;
	struct rte_mbuf_ext_shared_info *shinfo;
	struct rte_mbuf *m = obj;
	uint16_t priv_size = rte_pktmbuf_priv_size(mp);
	size_t hdr = sizeof(struct rte_mbuf) + priv_size;
	void *buf = ctx->bufs[ctx->next++];
	uint64_t iova = nta_iova(ctx->arena, buf);

	memset(m, 0, hdr);
	m->priv_size = priv_size;
	m->buf_addr = buf;
	rte_mbuf_iova_set(m, iova == UINT64_MAX ? RTE_BAD_IOVA : (rte_iova_t)iova);
	m->buf_len = rte_pktmbuf_data_room_size(mp);
	m->data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
	m->pool = mp;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	rte_mbuf_refcnt_set(m, 1);
	m->next = NULL;
	shinfo = RTE_PTR_ADD(m, hdr);
	shinfo->free_cb = nta_pinned_free_cb;
	shinfo->fcb_opaque = m;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	m->shinfo = shinfo;
}

struct rte_mempool *
rte_nta_pktmbuf_pool_create_pinned(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, int socket_id,
		const struct nta_arena_config *cfg)
{
	struct rte_pktmbuf_pool_private mbp_priv = {0};
	struct nta_arena_config acfg = {0};
	struct nta_pin_ctx ctx = {0};
	struct nta_arena *arena = NULL;
	struct rte_mempool *mp;
	struct nta_pool *p;
	size_t hp;
	unsigned int i;
	int ret;

	if (name == NULL || n == 0 || data_room_size == 0 ||
			RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
		NTA_MP_LOG(ERR, "pinned pool create: NULL name, no mbufs, no data room, or "
			"priv_size %u not a multiple of %u", priv_size, RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return NULL;
	}
	if (nta_pool_arena_config(name, cfg, n, RTE_ALIGN_CEIL((size_t)data_room_size, NTA_UNIT),
			&acfg, &hp) != 0)
		return NULL;

	/* Headers: mbuf, private area and the buffer's shared info, in DPDK memory. */
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size +
			sizeof(struct rte_mbuf_ext_shared_info), cache_size,
			sizeof(struct rte_pktmbuf_pool_private), socket_id, 0);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, RTE_NTA_MEMPOOL_OPS_NAME, NULL);
	if (ret != 0) {
		NTA_MP_LOG(ERR, "pool %s: ops 'nta' not usable: %s", name, rte_strerror(-ret));
		ret = -ret;
		goto fail;
	}
	mbp_priv.mbuf_data_room_size = data_room_size;
	mbp_priv.mbuf_priv_size = priv_size;
	mbp_priv.flags = RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF;
	rte_pktmbuf_pool_init(mp, &mbp_priv);

	/* Data: n buffers of the data room, cut by the arena from its regions. */
	arena = nta_pool_arena_create(name, &acfg, &ret);
	if (arena == NULL) {
		goto fail;
	}
	ctx.arena = arena;
	ctx.bufs = malloc((size_t)n * sizeof(*ctx.bufs));
	if (ctx.bufs == NULL) {
		ret = ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		ctx.bufs[i] = nta_alloc(arena, data_room_size);
		if (ctx.bufs[i] == NULL) {
			NTA_MP_LOG(ERR, "pool %s: only %u of %u data buffers fit the arena: %s",
				name, i, n, nta_strerror(nta_errno));
			ret = ENOMEM;
			goto fail;
		}
	}
	/* After every allocation: the arena may have grown. */
	if (nta_mp_arena_register(arena, hp) != 0) {
		ret = rte_errno;
		goto fail;
	}
	ret = rte_mempool_populate_default(mp);
	if (ret < 0) {
		ret = -ret;
		NTA_MP_LOG(ERR, "pool %s: headers: %s", name, rte_strerror(ret));
		goto fail;
	}
	if ((unsigned int)ret < n || (p = nta_mp_pool(mp)) == NULL) {
		ret = ENOMEM;
		goto fail;
	}
	/* From here the pool owns the data arena: rte_mempool_free() destroys it. */
	p->data_arena = arena;
	arena = NULL;
	rte_mempool_obj_iter(mp, nta_pinned_init, &ctx);
	free(ctx.bufs);
	return mp;
fail:
	rte_mempool_free(mp);
	if (arena != NULL) {
		nta_mp_arena_unregister(arena);
		nta_arena_destroy(arena);
	}
	free(ctx.bufs);
	rte_errno = ret;
	return NULL;
}

int
rte_nta_mbuf_to_desc(const struct nta_arena *arena, const struct rte_mbuf *m,
		struct nta_desc *desc)
{
	struct nta_region_info ri;
	const char *data;
	int id;

	if (arena == NULL || m == NULL || desc == NULL || m->buf_addr == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	data = rte_pktmbuf_mtod(m, const char *);
	id = nta_region_of(arena, data);
	if (id < 0 || nta_region_info(arena, (uint32_t)id, &ri) != 0) {
		rte_errno = EFAULT;
		return -1;
	}
	if (data + m->data_len > (const char *)ri.base + ri.size) {
		rte_errno = ERANGE;
		return -1;
	}
	desc->region = (uint32_t)id;
	desc->offset = (uint32_t)(data - (const char *)ri.base);
	desc->len = m->data_len;
	return 0;
}

/* ---- Exact-size mbufs. */

struct rte_nta_exact {
	struct nta_arena *arena;
	struct rte_mempool *hdr_pool;   /* mbuf headers, no data room */
	struct rte_mempool *sh_pool;    /* struct nta_ext */
};

/* Shared info of one external buffer, out of the arena. */
struct nta_ext {
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_nta_exact *ex;
};

static void
nta_ext_free_cb(void *addr, void *opaque)
{
	struct nta_ext *e = opaque;
	struct rte_nta_exact *ex = e->ex;

	if (nta_free(ex->arena, addr) != 0)
		NTA_MP_LOG(ERR, "exact-size buffer %p: nta_free: %s", addr,
			nta_strerror(nta_errno));
	rte_mempool_put(ex->sh_pool, e);
}

struct rte_nta_exact *
rte_nta_exact_create(const char *name, struct nta_arena *arena, unsigned int n,
		unsigned int cache_size, int socket_id)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct rte_nta_exact *ex;
	int err;

	if (name == NULL || arena == NULL || n == 0 ||
			strlen(name) + 4 >= RTE_MEMPOOL_NAMESIZE) {
		rte_errno = EINVAL;
		return NULL;
	}
	ex = rte_zmalloc_socket("nta_exact", sizeof(*ex), 0, socket_id);
	if (ex == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ex->arena = arena;
	snprintf(pname, sizeof(pname), "%s_hd", name);
	ex->hdr_pool = rte_pktmbuf_pool_create(pname, n, cache_size, 0, 0, socket_id);
	if (ex->hdr_pool == NULL)
		goto fail;
	snprintf(pname, sizeof(pname), "%s_sh", name);
	ex->sh_pool = rte_mempool_create(pname, n, sizeof(struct nta_ext), cache_size, 0,
			NULL, NULL, NULL, NULL, socket_id, 0);
	if (ex->sh_pool == NULL)
		goto fail;
	return ex;
fail:
	err = rte_errno;
	rte_mempool_free(ex->hdr_pool);
	rte_free(ex);
	rte_errno = err;
	return NULL;
}

int
rte_nta_exact_free(struct rte_nta_exact *ex)
{
	if (ex == NULL)
		return 0;
	if (rte_mempool_full(ex->hdr_pool) == 0 || rte_mempool_full(ex->sh_pool) == 0) {
		rte_errno = EBUSY;
		return -1;
	}
	rte_mempool_free(ex->sh_pool);
	rte_mempool_free(ex->hdr_pool);
	rte_free(ex);
	return 0;
}

struct nta_arena *
rte_nta_exact_arena(const struct rte_nta_exact *ex)
{
	if (ex == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return ex->arena;
}

struct rte_mbuf *
rte_nta_pktmbuf_alloc_exact(struct rte_nta_exact *ex, uint32_t size, uint16_t headroom)
{
	struct rte_mbuf *m;
	struct nta_ext *e;
	uint64_t iova;
	size_t len;
	void *buf;

	if (ex == NULL || size == 0 || size > (uint32_t)UINT16_MAX + 1 - NTA_UNIT ||
			headroom > size) {
		rte_errno = EINVAL;
		return NULL;
	}
	m = rte_pktmbuf_alloc(ex->hdr_pool);
	if (m == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	if (rte_mempool_get(ex->sh_pool, (void **)&e) != 0) {
		rte_pktmbuf_free(m);
		rte_errno = ENOBUFS;
		return NULL;
	}
	buf = nta_alloc(ex->arena, size);
	if (buf == NULL) {
		rte_errno = nta_errno == E2BIG ? EINVAL : ENOMEM;
		rte_mempool_put(ex->sh_pool, e);
		rte_pktmbuf_free(m);
		return NULL;
	}
	len = RTE_ALIGN_CEIL((size_t)size, NTA_UNIT);
	iova = nta_iova(ex->arena, buf);
	if (iova == UINT64_MAX && nta_mp_arena_register(ex->arena, 0) == 0)
		iova = nta_iova(ex->arena, buf);
	e->ex = ex;
	e->shinfo.free_cb = nta_ext_free_cb;
	e->shinfo.fcb_opaque = e;
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, iova == UINT64_MAX ? RTE_BAD_IOVA : iova,
			(uint16_t)len, &e->shinfo);
	m->data_off = headroom;
	m->data_len = 0;
	m->pkt_len = 0;
	return m;
}
