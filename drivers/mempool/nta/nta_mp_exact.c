/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * mbufs whose data is an arena buffer: exact-size mbufs (external buffers
 * cut from an arena, returned to it with their last reference), and the
 * descriptor of any such mbuf's data.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "nta_mempool_private.h"

RTE_NTA_EXPORT int
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

/*
 * In DPDK memory, but usable only in the process that created it (owner):
 * the arena's metadata is private to that process, and so are the address
 * of the free callback each buffer carries (DPDK calls shinfo->free_cb in
 * whichever process frees the last reference: a shared object is mapped at
 * another address in every process). Other processes are refused with
 * ENOTSUP rather than crash.
 */
struct rte_nta_exact {
	uint64_t owner;                 /* mpn_proc_self of the creator */
	struct nta_arena *arena;
	struct rte_mempool *hdr_pool;   /* mbuf headers, no data room */
	struct rte_mempool *sh_pool;    /* struct mpn_ext */
};

/* Shared info of one external buffer, out of the arena. */
struct mpn_ext {
	struct rte_mbuf_ext_shared_info shinfo;
	struct rte_nta_exact *ex;
};

/* Whether ex may be used here; if not, rte_errno = ENOTSUP and one line logged. */
static bool
mpn_exact_here(const struct rte_nta_exact *ex, const char *what)
{
	static bool logged;

	if (likely(ex->owner == mpn_proc_self))
		return true;
	if (!__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
		MPN_LOG(ERR, "%s: exact-size mbufs work only in the process that created them "
			"with rte_nta_exact_create() (the arena's metadata and the buffers' free "
			"callback are that process's): refused (ENOTSUP)", what);
	rte_errno = ENOTSUP;
	return false;
}

static void
mpn_ext_free_cb(void *addr, void *opaque)
{
	struct mpn_ext *e = opaque;
	struct rte_nta_exact *ex = e->ex;

	if (nta_free(ex->arena, addr) != 0)
		MPN_LOG(ERR, "exact-size buffer %p: nta_free: %s", addr,
			nta_strerror(nta_errno));
	rte_mempool_put(ex->sh_pool, e);
}

RTE_NTA_EXPORT struct rte_nta_exact *
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
	if (mpn_proc_is_view(arena)) {
		MPN_LOG(ERR, "exact %s: the arena is a view of another process's arena "
			"(rte_nta_mempool_arena() in a secondary): nothing can be allocated "
			"from it here (ENOTSUP); create exact-size mbufs in the process that "
			"owns the arena", name);
		rte_errno = ENOTSUP;
		return NULL;
	}
	ex = rte_zmalloc_socket("nta_exact", sizeof(*ex), 0, socket_id);
	if (ex == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ex->owner = mpn_proc_self;
	ex->arena = arena;
	snprintf(pname, sizeof(pname), "%s_hd", name);
	ex->hdr_pool = rte_pktmbuf_pool_create(pname, n, cache_size, 0, 0, socket_id);
	if (ex->hdr_pool == NULL)
		goto fail;
	snprintf(pname, sizeof(pname), "%s_sh", name);
	ex->sh_pool = rte_mempool_create(pname, n, sizeof(struct mpn_ext), cache_size, 0,
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

RTE_NTA_EXPORT int
rte_nta_exact_free(struct rte_nta_exact *ex)
{
	if (ex == NULL)
		return 0;
	if (!mpn_exact_here(ex, "rte_nta_exact_free"))
		return -1;
	if (rte_mempool_full(ex->hdr_pool) == 0 || rte_mempool_full(ex->sh_pool) == 0) {
		rte_errno = EBUSY;
		return -1;
	}
	rte_mempool_free(ex->sh_pool);
	rte_mempool_free(ex->hdr_pool);
	rte_free(ex);
	return 0;
}

RTE_NTA_EXPORT struct nta_arena *
rte_nta_exact_arena(const struct rte_nta_exact *ex)
{
	if (ex == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (!mpn_exact_here(ex, "rte_nta_exact_arena"))
		return NULL;
	return ex->arena;
}

RTE_NTA_EXPORT struct rte_mbuf *
rte_nta_pktmbuf_alloc_exact(struct rte_nta_exact *ex, uint32_t size, uint16_t headroom)
{
	struct rte_mbuf *m;
	struct mpn_ext *e;
	uint64_t iova;
	size_t len;
	void *buf;

	if (ex == NULL || size == 0 || size > (uint32_t)UINT16_MAX + 1 - NTA_UNIT ||
			headroom > size) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (!mpn_exact_here(ex, "rte_nta_pktmbuf_alloc_exact"))
		return NULL;
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
	if (iova == UINT64_MAX && rte_nta_arena_dma_register(ex->arena, 0) == 0)
		iova = nta_iova(ex->arena, buf);
	e->ex = ex;
	e->shinfo.free_cb = mpn_ext_free_cb;
	e->shinfo.fcb_opaque = e;
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, iova == UINT64_MAX ? RTE_BAD_IOVA : iova,
			(uint16_t)len, &e->shinfo);
	m->data_off = headroom;
	m->data_len = 0;
	m->pkt_len = 0;
	return m;
}
