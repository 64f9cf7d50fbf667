/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * pktmbuf pools on hugetlbfs memory an arena owns: whole mbufs in the arena
 * (rte_nta_pktmbuf_pool_create()), or only their data rooms, as pinned
 * external buffers (rte_nta_pktmbuf_pool_create_pinned()). Both check their
 * arguments in mpn_pool_start() and fail through mpn_pool_fail().
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hugetlbfs.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "nta_mempool_private.h"

/* What a pool constructor was asked for. */
struct mpn_pool_req {
	const char *name;
	unsigned int n;
	unsigned int cache_size;
	uint16_t priv_size;
	uint16_t data_room_size;
	int socket_id;
	const struct nta_arena_config *cfg;
	bool pinned;            /* only the data rooms in the arena */
};

RTE_NTA_EXPORT size_t
rte_nta_pktmbuf_stride(uint16_t priv_size, uint16_t data_room_size, bool pinned)
{
	struct rte_mempool_objsz objsz;
	uint32_t elt_size = sizeof(struct rte_mbuf) + (uint32_t)priv_size + data_room_size;

	if (pinned)
		return RTE_ALIGN_CEIL((size_t)data_room_size, (size_t)NTA_UNIT);
	return mpn_stride(rte_mempool_calc_obj_size(elt_size, 0, &objsz), mpn_align(0));
}

/*
 * The one validation of both constructors: the arguments, then the settings
 * of the hugetlbfs arena that holds n mbufs (or data rooms) - the caller's
 * cfg (or defaults), the region size checked against the hugepage size and
 * the IOVA mode, and enough regions from the start. *hp gets the hugepage
 * size. 0, or -1 with rte_errno set (EINVAL, ENOENT, ENOMEM) and one line
 * logged.
 */
static int
mpn_pool_check(const struct mpn_pool_req *req, struct nta_arena_config *acfg, size_t *hp)
{
	const struct nta_arena_config *cfg = req->cfg;
	size_t piece, region, per;
	uint32_t nreg;

	if (req->name == NULL || req->n == 0 || (req->pinned && req->data_room_size == 0) ||
			RTE_ALIGN(req->priv_size, RTE_MBUF_PRIV_ALIGN) != req->priv_size) {
		MPN_LOG(ERR, "%spool create: NULL name, no mbufs, %sor priv_size %u not a "
			"multiple of %u", req->pinned ? "pinned " : "",
			req->pinned ? "no data room, " : "", req->priv_size, RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return -1;
	}
	memset(acfg, 0, sizeof(*acfg));
	if (cfg != NULL)
		*acfg = *cfg;
	acfg->name = (cfg != NULL && cfg->name != NULL) ? cfg->name : req->name;
	acfg->backing = NTA_BACKING_HUGETLBFS;
	*hp = acfg->hugepage_size != 0 ? acfg->hugepage_size : (size_t)gethugepagesize();
	if ((ssize_t)*hp <= 0) {
		MPN_LOG(ERR, "pool %s: no hugepage size known (libhugetlbfs)", req->name);
		rte_errno = ENOENT;
		return -1;
	}
	region = acfg->region_size != 0 ? acfg->region_size :
		RTE_MIN(*hp, (size_t)NTA_REGION_MAX_BYTES);
	if (region > *hp && rte_eal_iova_mode() != RTE_IOVA_VA) {
		MPN_LOG(ERR, "pool %s: region of %zu bytes spans several %zu-byte pages "
			"but IOVA is physical", req->name, region, *hp);
		rte_errno = EINVAL;
		return -1;
	}
	acfg->region_size = region;
	piece = rte_nta_pktmbuf_stride(req->priv_size, req->data_room_size, req->pinned);
	if (piece > region) {
		MPN_LOG(ERR, "pool %s: an object of %zu bytes does not fit a %zu-byte region",
			req->name, piece, region);
		rte_errno = EINVAL;
		return -1;
	}
	per = region / piece;
	nreg = (uint32_t)((req->n + per - 1) / per);
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

/*
 * The one failure path of both constructors: free the pool and, unless the
 * pool took the arena, unregister and destroy the arena. NULL, with
 * rte_errno = err.
 */
static struct rte_mempool *
mpn_pool_fail(struct rte_mempool *mp, struct nta_arena *arena, int err)
{
	const struct mpn_pool *p = mpn_pool(mp);

	if (p != NULL && p->owns_arena && p->arena == arena)
		arena = NULL;   /* rte_mempool_free() destroys it */
	rte_mempool_free(mp);
	if (arena != NULL) {
		rte_nta_arena_dma_unregister(arena);
		nta_arena_destroy(arena);
	}
	rte_errno = err;
	return NULL;
}

/*
 * What both constructors start with: the request checked, an empty pool with
 * its pktmbuf private data, the hugetlbfs arena (*arena, not registered yet)
 * and the ops 'nta' with pcfg (NULL for defaults; its arena is set here, and
 * it must live until the pool is populated). The pool, or NULL with
 * rte_errno set and nothing left behind.
 */
static struct rte_mempool *
mpn_pool_start(const struct mpn_pool_req *req, struct rte_nta_pool_config *pcfg,
		struct nta_arena **arena, size_t *hp)
{
	struct rte_pktmbuf_pool_private mbp_priv = {0};
	struct nta_arena_config acfg;
	struct rte_mempool *mp;
	uint32_t elt_size;
	int err;

	if (mpn_pool_check(req, &acfg, hp) != 0)
		return NULL;
	/* Pinned: mbuf, private area and the buffer's shared info, in DPDK memory. */
	elt_size = sizeof(struct rte_mbuf) + (uint32_t)req->priv_size + (req->pinned ?
		(uint32_t)sizeof(struct rte_mbuf_ext_shared_info) : req->data_room_size);
	mp = rte_mempool_create_empty(req->name, req->n, elt_size, req->cache_size,
			sizeof(struct rte_pktmbuf_pool_private), req->socket_id, 0);
	if (mp == NULL)
		return NULL;
	mbp_priv.mbuf_data_room_size = req->data_room_size;
	mbp_priv.mbuf_priv_size = req->priv_size;
	mbp_priv.flags = req->pinned ? RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF : 0;
	rte_pktmbuf_pool_init(mp, &mbp_priv);

	*arena = nta_arena_create(&acfg);
	if (*arena == NULL) {
		err = nta_errno != 0 ? nta_errno : ENOMEM;
		MPN_LOG(ERR, "pool %s: cannot create a hugetlbfs arena of %u regions of %zu "
			"bytes: %s", req->name, acfg.initial_regions, acfg.region_size,
			nta_strerror(err));
		return mpn_pool_fail(mp, NULL, err);
	}
	if (pcfg != NULL)
		pcfg->arena = *arena;
	err = rte_mempool_set_ops_byname(mp, RTE_NTA_MEMPOOL_OPS_NAME, pcfg);
	if (err != 0) {
		MPN_LOG(ERR, "pool %s: ops 'nta' not usable: %s", req->name, rte_strerror(-err));
		return mpn_pool_fail(mp, *arena, -err);
	}
	return mp;
}

/* Give every region of arena to mp as a memory chunk. 0, or an errno value. */
static int
mpn_pool_populate_regions(struct rte_mempool *mp, struct nta_arena *arena)
{
	uint32_t i, nreg = nta_region_count(arena);
	int ret;

	for (i = 0; i < nreg && mp->populated_size < mp->size; i++) {
		struct nta_region_info ri;

		if (nta_region_info(arena, i, &ri) != 0)
			continue;
		ret = rte_mempool_populate_iova(mp, ri.base, ri.iova == UINT64_MAX ?
				RTE_BAD_IOVA : ri.iova, ri.size, NULL, NULL);
		if (ret < 0) {
			MPN_LOG(ERR, "pool %s: populate with region %u: %s", mp->name, i,
				rte_strerror(-ret));
			return -ret;
		}
	}
	if (mp->populated_size < mp->size) {
		MPN_LOG(ERR, "pool %s: only %u of %u mbufs fit the arena", mp->name,
			mp->populated_size, mp->size);
		return ENOMEM;
	}
	return 0;
}

RTE_NTA_EXPORT struct rte_mempool *
rte_nta_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, int socket_id,
		const struct nta_arena_config *cfg)
{
	const struct mpn_pool_req req = {
		.name = name, .n = n, .cache_size = cache_size, .priv_size = priv_size,
		.data_room_size = data_room_size, .socket_id = socket_id, .cfg = cfg,
		.pinned = false,
	};
	/* The pool takes the arena when it gets its first memory. */
	struct rte_nta_pool_config pcfg = {
		.magic = RTE_NTA_POOL_CONFIG_MAGIC,
		.flags = RTE_NTA_POOL_F_OWN_ARENA,
	};
	struct nta_arena *arena;
	struct rte_mempool *mp;
	size_t hp;
	int ret;

	mp = mpn_pool_start(&req, &pcfg, &arena, &hp);
	if (mp == NULL)
		return NULL;
	if (rte_nta_arena_dma_register(arena, hp) != 0) {
		ret = rte_errno;
		goto fail;
	}
	ret = mpn_pool_populate_regions(mp, arena);
	if (ret != 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	return mpn_pool_fail(mp, arena, ret);
}

/* ---- Pools of pinned external buffers: headers private, data in the arena. */

/* What the object constructor of a pinned pool needs. */
struct mpn_pin_ctx {
	struct nta_arena *arena;
	void **bufs;            /* one data buffer per mbuf, in object order */
	unsigned int next;
};

/*
 * The last reference to a pinned buffer went through another mbuf (a clone
 * freed after its parent): the parent goes back to its pool, buffer attached.
 */
static void
mpn_pinned_free_cb(void *addr __rte_unused, void *opaque)
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
mpn_pinned_init(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx __rte_unused)
{
	struct mpn_pin_ctx *ctx = opaque;
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
	shinfo->free_cb = mpn_pinned_free_cb;
	shinfo->fcb_opaque = m;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	m->shinfo = shinfo;
}

/* n data buffers of size bytes from arena, into bufs. 0, or ENOMEM. */
static int
mpn_pinned_bufs(const char *name, struct nta_arena *arena, void **bufs, unsigned int n,
		size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bufs[i] = nta_alloc(arena, size);
		if (bufs[i] == NULL) {
			MPN_LOG(ERR, "pool %s: only %u of %u data buffers fit the arena: %s",
				name, i, n, nta_strerror(nta_errno));
			return ENOMEM;
		}
	}
	return 0;
}

RTE_NTA_EXPORT struct rte_mempool *
rte_nta_pktmbuf_pool_create_pinned(const char *name, unsigned int n, unsigned int cache_size,
		uint16_t priv_size, uint16_t data_room_size, int socket_id,
		const struct nta_arena_config *cfg)
{
	const struct mpn_pool_req req = {
		.name = name, .n = n, .cache_size = cache_size, .priv_size = priv_size,
		.data_room_size = data_room_size, .socket_id = socket_id, .cfg = cfg,
		.pinned = true,
	};
	struct mpn_pin_ctx ctx = {0};
	struct nta_arena *arena;
	struct rte_mempool *mp;
	struct mpn_pool *p;
	size_t hp;
	int ret;

	mp = mpn_pool_start(&req, NULL, &arena, &hp);
	if (mp == NULL)
		return NULL;
	/* Data: n buffers of the data room, cut by the arena from its regions. */
	ctx.arena = arena;
	ctx.bufs = malloc((size_t)n * sizeof(*ctx.bufs));
	ret = ctx.bufs == NULL ? ENOMEM : mpn_pinned_bufs(name, arena, ctx.bufs, n,
			data_room_size);
	if (ret != 0)
		goto fail;
	/* After every allocation: the arena may have grown. */
	if (rte_nta_arena_dma_register(arena, hp) != 0) {
		ret = rte_errno;
		goto fail;
	}
	ret = rte_mempool_populate_default(mp);
	if (ret < 0) {
		ret = -ret;
		MPN_LOG(ERR, "pool %s: headers: %s", name, rte_strerror(ret));
		goto fail;
	}
	if ((unsigned int)ret < n || (p = mpn_pool(mp)) == NULL) {
		ret = ENOMEM;
		goto fail;
	}
	/* From here the pool owns the data arena: rte_mempool_free() destroys it. */
	__atomic_store_n(&p->data_arena, arena, __ATOMIC_RELEASE);  /* telemetry reads it */
	rte_mempool_obj_iter(mp, mpn_pinned_init, &ctx);
	free(ctx.bufs);
	return mp;
fail:
	free(ctx.bufs);
	return mpn_pool_fail(mp, arena, ret);
}
