/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Packet memory of the forwarder: an NTA arena of hugetlbfs files, each
 * region registered with DPDK as external memory and holding the mbufs of a
 * pktmbuf pool; plus the consumer's transmit region (a hugepage memfd).
 * Registration with DPDK (and DMA mapping) is the mempool driver's:
 * rte_nta_arena_dma_register() for the arena, rte_nta_extmem_register() for
 * the memfd regions.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nta.h"
#include "nta_share.h"
#include "rte_mempool_nta.h"
#include "fwd.h"

/*
 * Seal the file fd, lent read-only, once our own writable mapping of it is
 * made: through any fd, even one a consumer reopens O_RDWR from
 * /proc/<pid>/fd, no new writable shared mapping (nor mprotect() of a
 * read-only one to writable), no write(), no hole punched, no resize, no
 * more seals. F_SEAL_FUTURE_WRITE leaves the mappings made before it
 * writable: ours, and the device's DMA through it. Mode 0600 too, so that
 * another uid cannot even reopen it. 0, or -1 with errno set.
 */
static int
seal_read_only(int fd)
{
	if (fchmod(fd, 0600) < 0)
		return -1;
	return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
			F_SEAL_SEAL);
}

/*
 * Lend the arena's region described by info to consumers as r, a receive
 * region: a read-only fd of its file, the file sealed against writes (the
 * arena's files have no name, so that none survives us, even after SIGKILL).
 */
static int
region_lend(struct fwd_region *r, const struct nta_region_info *info)
{
	r->id = info->id;
	r->base = info->base;
	r->size = info->size;
	r->iova = info->iova;
	r->flags = NTA_SHARE_REGION_RX;
	if (seal_read_only(info->fd) < 0) {
		fprintf(stderr, "nta-fwd: region %u: cannot seal it read-only: %s\n", info->id,
				strerror(errno));
		return -errno;
	}
	r->ro_fd = nta_share_reopen_ro(info->fd);
	if (r->ro_fd < 0) {
		fprintf(stderr, "nta-fwd: region %u: read-only fd: %s\n", info->id,
				strerror(errno));
		return -errno;
	}
	return 0;
}

/* >8 Start of the pool from the nta mempool driver. */
static int
pool_create_driver(struct fwd *f)
{
	struct nta_arena_config cfg;
	uint32_t i, n, per_region;
	size_t stride;

	/* As many 2 MB regions as the pool needs, and no more: the arena must
	 * not grow past them (each region is a hugepage lent to consumers).
	 * Pinned (default): only the data rooms are in the arena. Whole: each
	 * mbuf, header included.
	 */
	stride = rte_nta_pktmbuf_stride(0, fwd_data_room(f), !f->whole_pool);
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fwd";        /* unnamed files, shown as nta-fwd-<pid>-<region> in maps */
	cfg.region_size = FWD_HUGEPAGE_SIZE;
	per_region = (uint32_t)(FWD_HUGEPAGE_SIZE / stride);
	cfg.initial_regions = (f->nb_mbufs + per_region - 1) / per_region;
	cfg.max_regions = cfg.initial_regions;
	if (f->whole_pool)
		f->pool = rte_nta_pktmbuf_pool_create("nta_fwd_pool", f->nb_mbufs,
				FWD_POOL_CACHE, 0, fwd_data_room(f), (int)rte_socket_id(),
				&cfg);
	else
		f->pool = rte_nta_pktmbuf_pool_create_pinned("nta_fwd_pool", f->nb_mbufs,
				FWD_POOL_CACHE, 0, fwd_data_room(f), (int)rte_socket_id(),
				&cfg);
	if (f->pool == NULL) {
		fprintf(stderr, "nta-fwd: rte_nta_pktmbuf_pool_create%s: %s (reserve hugepages:"
				" echo 1024 > /proc/sys/vm/nr_hugepages)\n",
				f->whole_pool ? "" : "_pinned", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	f->arena = rte_nta_mempool_arena(f->pool);
	n = nta_region_count(f->arena);
	if (f->arena == NULL || n > FWD_MAX_REGIONS) {
		fprintf(stderr, "nta-fwd: the pool's arena has %u regions (at most %u)\n", n,
				FWD_MAX_REGIONS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct fwd_region *r = &f->region[i];
		struct nta_region_info info;

		if (nta_region_info(f->arena, i, &info) != 0)
			return -EINVAL;
		if (region_lend(r, &info) != 0)
			return -EIO;
	}
	f->n_regions = n;
	f->pool_owns_arena = 1;
	return 0;
}
/* >8 End of the pool from the nta mempool driver. */

/*
 * The arena of the ring pool: as many hugepage regions as nb_mbufs objects of
 * elt bytes take, on hugetlbfs, without per-thread caches.
 */
static int
ring_arena_create(struct fwd *f, uint32_t elt)
{
	struct rte_mempool_objsz objsz;
	struct nta_arena_config cfg;
	uint32_t per_region;

	rte_mempool_calc_obj_size(elt, 0, &objsz);
	per_region = (uint32_t)(FWD_HUGEPAGE_SIZE / objsz.total_size);
	f->n_regions = (f->nb_mbufs + per_region - 1) / per_region;
	if (f->n_regions > FWD_MAX_REGIONS) {
		fprintf(stderr, "nta-fwd: --nb-mbufs %u needs %u regions, at most %u\n",
				f->nb_mbufs, f->n_regions, FWD_MAX_REGIONS);
		return -EINVAL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fwd";
	cfg.backing = NTA_BACKING_HUGETLBFS;
	cfg.region_size = FWD_HUGEPAGE_SIZE;
	cfg.initial_regions = f->n_regions;
	cfg.max_regions = f->n_regions;
	cfg.flags = NTA_ARENA_F_NO_CACHE;
	f->arena = nta_arena_create(&cfg);
	if (f->arena == NULL) {
		fprintf(stderr, "nta-fwd: cannot create the hugetlbfs arena (%u regions of 2 MB): "
				"%s (reserve hugepages: echo 1024 > /proc/sys/vm/nr_hugepages)\n",
				f->n_regions, nta_strerror(nta_errno));
		return -ENOMEM;
	}
	return 0;
}

/* An empty pktmbuf pool of elt-byte objects with the ring_mp_mc ops. */
static int
ring_mempool_create(struct fwd *f, uint32_t elt)
{
	struct rte_pktmbuf_pool_private priv;

	f->pool = rte_mempool_create_empty("nta_fwd_pool", f->nb_mbufs, elt, FWD_POOL_CACHE,
			sizeof(priv), (int)rte_socket_id(), 0);
	if (f->pool == NULL) {
		fprintf(stderr, "nta-fwd: rte_mempool_create_empty: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rte_mempool_set_ops_byname(f->pool, "ring_mp_mc", NULL) != 0) {
		fprintf(stderr, "nta-fwd: mempool ops ring_mp_mc not available\n");
		return -ENOENT;
	}
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = fwd_data_room(f);
	priv.mbuf_priv_size = 0;
	rte_pktmbuf_pool_init(f->pool, &priv);
	return 0;
}

/* Region i: taken whole from the arena, lent to consumers, filled with mbufs. */
static int
ring_region_populate(struct fwd *f, uint32_t i)
{
	struct fwd_region *r = &f->region[i];
	struct nta_region_info info;
	void *whole;
	int ret;

	if (nta_region_info(f->arena, i, &info) != 0) {
		fprintf(stderr, "nta-fwd: region %u: %s\n", i, nta_strerror(nta_errno));
		return -EINVAL;
	}
	/* The whole region is one buffer of the arena: the mbufs. */
	whole = nta_alloc(f->arena, info.size);
	if (whole == NULL || whole != info.base) {
		fprintf(stderr, "nta-fwd: region %u: cannot take it whole: %s\n", i,
				nta_strerror(nta_errno));
		return -ENOMEM;
	}
	if (region_lend(r, &info) != 0)
		return -EIO;
	ret = rte_mempool_populate_virt(f->pool, r->base, r->size, FWD_HUGEPAGE_SIZE, NULL,
			NULL);
	if (ret < 0) {
		fprintf(stderr, "nta-fwd: rte_mempool_populate_virt region %u: %s\n", i,
				rte_strerror(-ret));
		return ret;
	}
	return 0;
}

/* The same pool built here: ring_mp_mc ops on the arena's regions. */
static int
pool_create_ring(struct fwd *f)
{
	uint32_t elt = sizeof(struct rte_mbuf) + fwd_data_room(f);
	uint32_t i;
	int ret;

	ret = ring_arena_create(f, elt);
	if (ret != 0)
		return ret;
	ret = ring_mempool_create(f, elt);
	if (ret != 0)
		return ret;
	/* Every region as DPDK external memory, DMA-mapped when IOVA-contiguous. */
	if (rte_nta_arena_dma_register(f->arena, FWD_HUGEPAGE_SIZE) != 0) {
		fprintf(stderr, "nta-fwd: cannot register the arena's regions with DPDK: %s\n",
				rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (i = 0; i < f->n_regions; i++) {
		ret = ring_region_populate(f, i);
		if (ret != 0)
			return ret;
		if (f->pool->populated_size >= f->pool->size)
			break;
	}
	f->n_regions = i < f->n_regions ? i + 1 : f->n_regions;
	rte_mempool_obj_iter(f->pool, rte_pktmbuf_init, NULL);
	return 0;
}

int
fwd_pool_create(struct fwd *f)
{
	uint32_t i;

	for (i = 0; i < FWD_MAX_REGIONS; i++)
		f->region[i].ro_fd = f->region[i].rw_fd = -1;
	if (!f->ring_pool)
		return pool_create_driver(f);
	return pool_create_ring(f);
}

/*
 * A shared memfd of size bytes, sealed against resizing (the consumer gets
 * an fd to it), and against writes but through our mapping when lent
 * read-only (ro), mapped here: hugepages when some are free, ordinary pages
 * otherwise. Lent writable, it is left open to more seals: the consumer maps
 * it, then fwd_seal.c seals it (F_SEAL_FUTURE_WRITE and the rest).
 */
static int
shared_memfd(const char *name, size_t size, int huge, int ro, void **map)
{
	int fd, e;
	void *p;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | (huge ? MFD_HUGETLB : 0));
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0 ||
			fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		goto fail;
	/* MAP_POPULATE: no SIGBUS later for lack of hugepages. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	if (ro && seal_read_only(fd) < 0) {
		e = errno;
		munmap(p, size);
		errno = e;
		goto fail;
	}
	*map = p;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
fwd_extra_region_create(struct fwd_region *r, uint32_t id, uint32_t flags, size_t size,
		int writable)
{
	const char *name = flags & NTA_SHARE_REGION_TX ? "nta-tx" : "nta-copy";
	size_t pg;
	int huge = 1;
	void *p = NULL;

	r->rw_fd = shared_memfd(name, size, 1, !writable, &p);
	if (r->rw_fd < 0) {
		huge = 0;
		r->rw_fd = shared_memfd(name, size, 0, !writable, &p);
	}
	if (r->rw_fd < 0) {
		fprintf(stderr, "nta-fwd: memfd for region %#x: %s\n", id, strerror(errno));
		return -errno;
	}
	r->base = p;
	r->size = size;
	r->id = id;
	r->flags = flags;
	/*
	 * Ordinary pages (no hugepage free) are not IOVA-contiguous when IOVA
	 * is physical: r->iova is then RTE_BAD_IOVA, never base + offset.
	 */
	pg = huge ? FWD_HUGEPAGE_SIZE : (size_t)sysconf(_SC_PAGESIZE);
	r->registered = rte_nta_extmem_register(p, size, pg, &r->iova) == 0;
	if (!r->registered) {
		fprintf(stderr, "nta-fwd: warning: region %#x not registered with DPDK: %s\n",
				id, rte_strerror(rte_errno));
		r->iova = RTE_BAD_IOVA;
	}
	r->ro_fd = writable ? -1 : nta_share_reopen_ro(r->rw_fd);
	return 0;
}

/* Unregister, unmap and close an extra region; nothing when it has none. */
static void
extra_region_free(struct fwd_region *r)
{
	if (r->base == NULL)
		return;
	if (r->registered)
		rte_nta_extmem_unregister(r->base, r->size, r->iova);
	munmap(r->base, r->size);
	if (r->ro_fd >= 0)
		close(r->ro_fd);
	if (r->rw_fd >= 0)
		close(r->rw_fd);
	r->base = NULL;
	r->ro_fd = r->rw_fd = -1;
	r->registered = 0;
}

/* >8 Start of a fresh transmit region. */
int
fwd_tx_region_renew(struct fwd *f)
{
	/*
	 * Our mapping and fds of the old file go: its pages stay only as long
	 * as the old consumer still maps them, and never become the new one's.
	 */
	extra_region_free(&f->tx_region);
	return fwd_extra_region_create(&f->tx_region, FWD_TX_REGION_ID, NTA_SHARE_REGION_TX,
			FWD_TX_REGION_SIZE, 1);
}
/* >8 End of a fresh transmit region. */

void
fwd_pool_destroy(struct fwd *f)
{
	uint32_t i;

	if (f->pool != NULL)
		rte_mempool_free(f->pool); /* the driver's pool destroys its arena */
	for (i = 0; i < f->n_regions; i++) {
		struct fwd_region *r = &f->region[i];

		if (r->ro_fd >= 0)
			close(r->ro_fd);
	}
	if (!f->pool_owns_arena) {
		rte_nta_arena_dma_unregister(f->arena);
		nta_arena_destroy(f->arena);
	}
	f->arena = NULL;
	extra_region_free(&f->tx_region);
	extra_region_free(&f->copy_region);
}
