/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * DMA registration: memory given to DPDK as external memory with the IOVA of
 * every page, and DMA-mapped on every ethdev port when its IOVAs are
 * contiguous (rte_nta_extmem_register()); and the registry of arenas whose
 * regions were registered that way (rte_nta_arena_dma_register()).
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <hugetlbfs.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memory.h>

#include "nta_mempool_private.h"

/* DMA map (or unmap) [base, base + size) at iova on every port's device. */
static void
mpn_dma_map_all(void *base, uint64_t iova, size_t size, bool map)
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
			MPN_LOG(DEBUG, "DMA %smap of %zu bytes at %p for port %u: %s",
				map ? "" : "un", size, base, port, rte_strerror(rte_errno));
	}
}

RTE_NTA_EXPORT int
rte_nta_extmem_register(void *va, size_t len, size_t page_size, uint64_t *iova)
{
	char *base = va;
	rte_iova_t *iovas;
	size_t n_pages, i;
	bool contig = true;

	if (va == NULL || iova == NULL || page_size == 0 || len == 0 ||
			((uintptr_t)va % page_size) != 0 || (len % page_size) != 0) {
		MPN_LOG(ERR, "extmem register: %zu bytes at %p are not whole %zu-byte pages",
			len, va, page_size);
		rte_errno = EINVAL;
		return -1;
	}
	n_pages = len / page_size;
	if (n_pages > UINT_MAX) {
		rte_errno = EINVAL;
		return -1;
	}
	iovas = malloc(n_pages * sizeof(*iovas));
	if (iovas == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n_pages; i++) {
		char *page = base + i * page_size;

		/* Touch the page so that it has a physical address. */
		*(volatile char *)page = *(volatile char *)page;
		iovas[i] = rte_mem_virt2iova(page);
		if (iovas[i] == RTE_BAD_IOVA || (i > 0 && iovas[i] != iovas[0] + i * page_size))
			contig = false;
	}
	if (rte_extmem_register(va, len, iovas, (unsigned int)n_pages, page_size) != 0) {
		int err = rte_errno;

		MPN_LOG(ERR, "rte_extmem_register of %zu bytes at %p: %s", len, va,
			rte_strerror(err));
		free(iovas);
		rte_errno = err;
		return -1;
	}
	*iova = contig ? iovas[0] : UINT64_MAX;
	if (contig)
		mpn_dma_map_all(va, iovas[0], len, true);
	free(iovas);
	return 0;
}

RTE_NTA_EXPORT int
rte_nta_extmem_unregister(void *va, size_t len, uint64_t iova)
{
	if (va == NULL || len == 0) {
		rte_errno = EINVAL;
		return -1;
	}
	if (iova != UINT64_MAX)
		mpn_dma_map_all(va, iova, len, false);
	if (rte_extmem_unregister(va, len) != 0) {
		MPN_LOG(WARNING, "rte_extmem_unregister of %zu bytes at %p: %s", len, va,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* ---- The registry of arenas whose regions are registered. */

/* Registered regions of one arena. */
struct mpn_reg {
	struct nta_arena *arena;
	size_t page_size;
	uint64_t done[(NTA_MAX_REGIONS + 63) / 64];  /* bit per registered region id */
	TAILQ_ENTRY(mpn_reg) next;
};

_Static_assert(sizeof(((struct mpn_reg *)NULL)->done) * CHAR_BIT >= NTA_MAX_REGIONS,
	"mpn_reg.done must have a bit for every region id below NTA_MAX_REGIONS");

static TAILQ_HEAD(, mpn_reg) mpn_regs = TAILQ_HEAD_INITIALIZER(mpn_regs);
static rte_spinlock_t mpn_regs_lock = RTE_SPINLOCK_INITIALIZER;

static bool
mpn_reg_done(const struct mpn_reg *r, uint32_t id)
{
	return (r->done[id / 64] & (1ull << (id % 64))) != 0;
}

/* Register region id of arena and record its IOVA in the arena. */
static int
mpn_register_region(struct nta_arena *arena, uint32_t id, size_t pg)
{
	struct nta_region_info ri;
	uint64_t iova;

	if (nta_region_info(arena, id, &ri) != 0) {
		rte_errno = EINVAL;
		return -1;
	}
	if (rte_nta_extmem_register(ri.base, ri.size, pg, &iova) != 0) {
		MPN_LOG(ERR, "region %u (%zu bytes at %p) not registered", id, ri.size, ri.base);
		return -1;
	}
	nta_region_set_iova(arena, id, iova);
	return 0;
}

/* The registry entry of arena, created if need be (lock held), or NULL. */
static struct mpn_reg *
mpn_reg_get(struct nta_arena *arena, size_t page_size)
{
	struct nta_region_info ri;
	struct mpn_reg *r;

	TAILQ_FOREACH(r, &mpn_regs, next)
		if (r->arena == arena)
			return r;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	if (page_size == 0) {
		if (nta_region_info(arena, 0, &ri) == 0 && ri.fd >= 0)
			page_size = gethugepagesize();
		else
			page_size = sysconf(_SC_PAGESIZE);
	}
	r->arena = arena;
	r->page_size = page_size;
	TAILQ_INSERT_TAIL(&mpn_regs, r, next);
	return r;
}

RTE_NTA_EXPORT int
rte_nta_arena_dma_register(struct nta_arena *arena, size_t page_size)
{
	struct mpn_reg *r;
	uint32_t i, n;
	int ret = 0;

	if (arena == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	rte_spinlock_lock(&mpn_regs_lock);
	r = mpn_reg_get(arena, page_size);
	if (r == NULL) {
		rte_spinlock_unlock(&mpn_regs_lock);
		rte_errno = ENOMEM;
		return -1;
	}
	n = nta_region_count(arena);
	for (i = 0; i < n && ret == 0; i++) {
		if (mpn_reg_done(r, i))
			continue;
		ret = mpn_register_region(arena, i, r->page_size);
		if (ret == 0)
			r->done[i / 64] |= 1ull << (i % 64);
	}
	rte_spinlock_unlock(&mpn_regs_lock);
	return ret;
}

RTE_NTA_EXPORT void
rte_nta_arena_dma_unregister(struct nta_arena *arena)
{
	struct nta_region_info ri;
	struct mpn_reg *r;
	uint32_t i;

	if (arena == NULL)
		return;
	rte_spinlock_lock(&mpn_regs_lock);
	TAILQ_FOREACH(r, &mpn_regs, next)
		if (r->arena == arena)
			break;
	if (r != NULL) {
		for (i = 0; i < NTA_MAX_REGIONS; i++) {
			if (!mpn_reg_done(r, i) || nta_region_info(arena, i, &ri) != 0)
				continue;
			if (rte_nta_extmem_unregister(ri.base, ri.size, ri.iova) != 0)
				MPN_LOG(WARNING, "region %u stays registered", i);
		}
		TAILQ_REMOVE(&mpn_regs, r, next);
		free(r);
	}
	rte_spinlock_unlock(&mpn_regs_lock);
}
