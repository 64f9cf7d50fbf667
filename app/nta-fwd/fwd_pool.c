/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Packet memory of a consumer slot: an NTA arena of hugetlbfs files, each
 * region registered with DPDK as external memory and holding the data rooms
 * (or whole mbufs) of the slot's pktmbuf pool; plus the slot consumer's
 * transmit region (a hugepage memfd).
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
int
fwd_region_lend(struct fwd_region *r, const struct nta_region_info *info)
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

/* Name of slot s's pool: nta_fwd_pool for slot 0 (as before slots), then _1, _2... */
static void
pool_name(const struct fwd_sess *s, char *name, size_t len)
{
	if (s->id == 0)
		snprintf(name, len, "nta_fwd_pool");
	else
		snprintf(name, len, "nta_fwd_pool_%u", s->id);
}

/* >8 Start of the pool from the nta mempool driver. */
static int
pool_create_driver(struct fwd_sess *s)
{
	struct fwd *f = s->f;
	struct nta_arena_config cfg;
	uint32_t i, n, per_region;
	char name[RTE_MEMPOOL_NAMESIZE];
	size_t stride;

	/* As many 2 MB regions as the pool needs, and no more: the arena must
	 * not grow past them (each region is a hugepage lent to consumers).
	 * Pinned (default): only the data rooms are in the arena. Whole: each
	 * mbuf, header included.
	 */
	stride = rte_nta_pktmbuf_stride(0, f->mbuf_size, !f->whole_pool);
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fwd";        /* unnamed files, shown as nta-fwd-<pid>-<region> in maps */
	cfg.region_size = FWD_HUGEPAGE_SIZE;
	per_region = (uint32_t)(FWD_HUGEPAGE_SIZE / stride);
	cfg.initial_regions = (f->nb_mbufs + per_region - 1) / per_region;
	cfg.max_regions = cfg.initial_regions;
	pool_name(s, name, sizeof(name));
	if (f->whole_pool)
		s->pool = rte_nta_pktmbuf_pool_create(name, f->nb_mbufs,
				FWD_POOL_CACHE, 0, f->mbuf_size, (int)rte_socket_id(),
				&cfg);
	else
		s->pool = rte_nta_pktmbuf_pool_create_pinned(name, f->nb_mbufs,
				FWD_POOL_CACHE, 0, f->mbuf_size, (int)rte_socket_id(),
				&cfg);
	if (s->pool == NULL) {
		fprintf(stderr, "nta-fwd: rte_nta_pktmbuf_pool_create%s: %s (reserve hugepages:"
				" echo 1024 > /proc/sys/vm/nr_hugepages)\n",
				f->whole_pool ? "" : "_pinned", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	s->gen.arena = rte_nta_mempool_arena(s->pool);
	n = nta_region_count(s->gen.arena);
	if (s->gen.arena == NULL || n > FWD_MAX_REGIONS) {
		fprintf(stderr, "nta-fwd: the pool's arena has %u regions (at most %u)\n", n,
				FWD_MAX_REGIONS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct fwd_region *r = &s->gen.region[i];
		struct nta_region_info info;

		if (nta_region_info(s->gen.arena, i, &info) != 0)
			return -EINVAL;
		if (fwd_region_lend(r, &info) != 0)
			return -EIO;
		s->gen.bytes += r->size;
	}
	s->gen.n_regions = n;
	s->gen.owned = 0;        /* the pool's: rte_mempool_free() destroys it */
	return 0;
}
/* >8 End of the pool from the nta mempool driver. */

/*
 * The arena of the ring pool: as many hugepage regions as nb_mbufs objects of
 * elt bytes take, on hugetlbfs, without per-thread caches.
 */
static int
ring_arena_create(struct fwd_sess *s, uint32_t elt)
{
	struct fwd *f = s->f;
	struct rte_mempool_objsz objsz;
	struct nta_arena_config cfg;
	uint32_t per_region;

	rte_mempool_calc_obj_size(elt, 0, &objsz);
	per_region = (uint32_t)(FWD_HUGEPAGE_SIZE / objsz.total_size);
	s->gen.n_regions = (f->nb_mbufs + per_region - 1) / per_region;
	if (s->gen.n_regions > FWD_MAX_REGIONS) {
		fprintf(stderr, "nta-fwd: --nb-mbufs %u needs %u regions, at most %u\n",
				f->nb_mbufs, s->gen.n_regions, FWD_MAX_REGIONS);
		return -EINVAL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fwd";
	cfg.backing = NTA_BACKING_HUGETLBFS;
	cfg.region_size = FWD_HUGEPAGE_SIZE;
	cfg.initial_regions = s->gen.n_regions;
	cfg.max_regions = s->gen.n_regions;
	cfg.flags = NTA_ARENA_F_NO_CACHE;
	s->gen.arena = nta_arena_create(&cfg);
	if (s->gen.arena == NULL) {
		fprintf(stderr, "nta-fwd: cannot create the hugetlbfs arena (%u regions of 2 MB): "
				"%s (reserve hugepages: echo 1024 > /proc/sys/vm/nr_hugepages)\n",
				s->gen.n_regions, nta_strerror(nta_errno));
		return -ENOMEM;
	}
	s->gen.owned = 1;
	return 0;
}

/* An empty pktmbuf pool of elt-byte objects with the ring_mp_mc ops. */
static int
ring_mempool_create(struct fwd_sess *s, uint32_t elt)
{
	struct rte_pktmbuf_pool_private priv;
	char name[RTE_MEMPOOL_NAMESIZE];

	pool_name(s, name, sizeof(name));
	s->pool = rte_mempool_create_empty(name, s->f->nb_mbufs, elt, FWD_POOL_CACHE,
			sizeof(priv), (int)rte_socket_id(), 0);
	if (s->pool == NULL) {
		fprintf(stderr, "nta-fwd: rte_mempool_create_empty: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rte_mempool_set_ops_byname(s->pool, "ring_mp_mc", NULL) != 0) {
		fprintf(stderr, "nta-fwd: mempool ops ring_mp_mc not available\n");
		return -ENOENT;
	}
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = s->f->mbuf_size;
	priv.mbuf_priv_size = 0;
	rte_pktmbuf_pool_init(s->pool, &priv);
	return 0;
}

/* Region i: taken whole from the arena, lent to consumers, filled with mbufs. */
static int
ring_region_populate(struct fwd_sess *s, uint32_t i)
{
	struct fwd_region *r = &s->gen.region[i];
	struct nta_region_info info;
	void *whole;
	int ret;

	if (nta_region_info(s->gen.arena, i, &info) != 0) {
		fprintf(stderr, "nta-fwd: region %u: %s\n", i, nta_strerror(nta_errno));
		return -EINVAL;
	}
	/* The whole region is one buffer of the arena: the mbufs. */
	whole = nta_alloc(s->gen.arena, info.size);
	if (whole == NULL || whole != info.base) {
		fprintf(stderr, "nta-fwd: region %u: cannot take it whole: %s\n", i,
				nta_strerror(nta_errno));
		return -ENOMEM;
	}
	if (fwd_region_lend(r, &info) != 0)
		return -EIO;
	s->gen.bytes += r->size;
	ret = rte_mempool_populate_virt(s->pool, r->base, r->size, FWD_HUGEPAGE_SIZE, NULL,
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
pool_create_ring(struct fwd_sess *s)
{
	uint32_t elt = sizeof(struct rte_mbuf) + s->f->mbuf_size;
	uint32_t i;
	int ret;

	ret = ring_arena_create(s, elt);
	if (ret != 0)
		return ret;
	ret = ring_mempool_create(s, elt);
	if (ret != 0)
		return ret;
	/* Every region as DPDK external memory, DMA-mapped when IOVA-contiguous. */
	if (rte_nta_arena_dma_register(s->gen.arena, FWD_HUGEPAGE_SIZE) != 0) {
		fprintf(stderr, "nta-fwd: cannot register the arena's regions with DPDK: %s\n",
				rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (i = 0; i < s->gen.n_regions; i++) {
		ret = ring_region_populate(s, i);
		if (ret != 0)
			return ret;
		if (s->pool->populated_size >= s->pool->size)
			break;
	}
	s->gen.n_regions = i < s->gen.n_regions ? i + 1 : s->gen.n_regions;
	rte_mempool_obj_iter(s->pool, rte_pktmbuf_init, NULL);
	return 0;
}

int
fwd_pool_create(struct fwd_sess *s)
{
	uint32_t i;

	for (i = 0; i < FWD_MAX_REGIONS; i++)
		s->gen.region[i].ro_fd = s->gen.region[i].rw_fd = -1;
	if (!s->f->ring_pool)
		return pool_create_driver(s);
	return pool_create_ring(s);
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
fwd_tx_region_renew(struct fwd_sess *s)
{
	/*
	 * Our mapping and fds of the old file go: its pages stay only as long
	 * as the old consumer still maps them, and never become the new one's.
	 */
	extra_region_free(&s->tx_region);
	return fwd_extra_region_create(&s->tx_region, FWD_TX_REGION_ID, NTA_SHARE_REGION_TX,
			FWD_TX_REGION_SIZE, 1);
}
/* >8 End of a fresh transmit region. */

int
fwd_copy_region_renew(struct fwd_sess *s)
{
	extra_region_free(&s->copy_region);
	return fwd_extra_region_create(&s->copy_region, FWD_COPY_REGION_ID,
			NTA_SHARE_REGION_COPY,
			RTE_ALIGN_CEIL((size_t)s->f->max_inflight * s->f->copy_slot,
				FWD_HUGEPAGE_SIZE), 0);
}

void
fwd_pool_destroy(struct fwd_sess *s)
{
	if (s->pool != NULL)
		rte_mempool_free(s->pool); /* the driver's pool destroys its arena */
	s->pool = NULL;
	/* Ours (the ring pool's arena, or a later generation) after the pool. */
	fwd_gen_destroy(&s->gen);
	extra_region_free(&s->tx_region);
	extra_region_free(&s->copy_region);
}
