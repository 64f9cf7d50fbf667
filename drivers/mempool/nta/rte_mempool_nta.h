/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef RTE_MEMPOOL_NTA_H
#define RTE_MEMPOOL_NTA_H

/**
 * @file
 * DPDK mempool driver 'nta': mempool ops on the network tree allocator.
 *
 * Any pool can use the driver by name ("nta": --mbuf-pool-ops-name nta,
 * rte_pktmbuf_pool_create_by_ops(), rte_mempool_set_ops_byname()). Its
 * objects are then placed by an NTA arena in the memory DPDK gives the pool;
 * free objects are tracked by per-lcore stacks and one shared stack, safe
 * for any thread with or without the mempool cache.
 *
 * The functions below add what plain mempool ops cannot express:
 * - pools on memory the arena owns (hugetlbfs files another process can map,
 *   for zero-copy sharing), rte_nta_pktmbuf_pool_create();
 * - the same with only packet data in that memory: mbuf headers in DPDK
 *   memory, each with a pinned external data buffer cut from the arena,
 *   rte_nta_pktmbuf_pool_create_pinned();
 * - exact-size mbufs: a data buffer of exactly the size asked for (rounded up
 *   to NTA_UNIT bytes) attached as a DPDK external buffer and returned to the
 *   arena when its last reference goes, rte_nta_pktmbuf_alloc_exact().
 *
 * Errors follow DPDK: NULL or a negative value, and rte_errno set to one of
 * the codes listed for each function.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nta.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the mempool ops. */
#define RTE_NTA_MEMPOOL_OPS_NAME "nta"

/** Value of rte_nta_pool_config.magic. */
#define RTE_NTA_POOL_CONFIG_MAGIC 0x4e544131u /* "NTA1" */

/** The driver destroys rte_nta_pool_config.arena when the pool is freed. */
#define RTE_NTA_POOL_F_OWN_ARENA 0x1

/**
 * Per-pool settings, passed as pool_config to
 * rte_mempool_set_ops_byname(mp, "nta", &cfg). A NULL pool_config means all
 * defaults. The structure is read when the pool gets its first memory; it
 * need not outlive that.
 */
struct rte_nta_pool_config {
	/** RTE_NTA_POOL_CONFIG_MAGIC, or the pool is refused (EINVAL). */
	uint32_t magic;
	/**
	 * Objects each lcore's stack may hold before it spills to the shared
	 * stack, 0 for the default (256), at most 512.
	 */
	uint32_t lcore_cache;
	/**
	 * NULL (default): the driver creates an NTA_BACKING_EXTERNAL arena and
	 * adds every memory chunk DPDK gives the pool to it. Otherwise an
	 * arena whose regions will be given to the pool as its memory chunks
	 * (rte_mempool_populate_iova() of each region); objects are placed in
	 * the chunk being populated.
	 */
	struct nta_arena *arena;
	/** RTE_NTA_POOL_F_* flags. */
	uint32_t flags;
};

/**
 * Create a pktmbuf pool whose memory is an arena's: hugetlbfs files that
 * another process may map (nta_region_info() gives their fd; the files have
 * no name, so nothing is left in hugetlbfs when the process ends).
 * Modelled on rte_pktmbuf_pool_create_by_ops(). The arena gets as many
 * regions as n mbufs need; each region is registered with
 * rte_extmem_register() (IOVAs from rte_mem_virt2iova() per page) and
 * DMA-mapped with rte_dev_dma_map() for each ethdev port that supports it.
 * The arena lives as long as the pool (rte_mempool_free() destroys it).
 *
 * @param name
 *   Name of the pool (and of the arena, truncated).
 * @param n
 *   Number of mbufs.
 * @param cache_size
 *   Per-lcore mempool cache size, as for rte_pktmbuf_pool_create().
 * @param priv_size
 *   Application private area after each mbuf; a multiple of
 *   RTE_MBUF_PRIV_ALIGN.
 * @param data_room_size
 *   Data buffer of each mbuf, headroom included.
 * @param socket_id
 *   Socket of the pool structure, or SOCKET_ID_ANY.
 * @param cfg
 *   Arena settings (name, region_size, hugepage_size, jumbo_size,
 *   max_regions, flags); NULL for defaults. backing is forced to
 *   NTA_BACKING_HUGETLBFS and initial_regions to what n needs (at least).
 * @return
 *   The pool, or NULL with rte_errno set:
 *   - EINVAL: NULL name, n == 0, priv_size misaligned, an mbuf larger than a
 *     region, a region larger than a hugepage when IOVA is physical, or an
 *     invalid cfg.
 *   - ENOENT: no hugepages of the page size.
 *   - ENOMEM: not enough hugepages or memory.
 *   - EEXIST: a memzone (pool) of that name exists.
 *   - ENOSPC: too many memzones or external memory chunks.
 */
struct rte_mempool *rte_nta_pktmbuf_pool_create(const char *name, unsigned int n,
		unsigned int cache_size, uint16_t priv_size, uint16_t data_room_size,
		int socket_id, const struct nta_arena_config *cfg);

/**
 * Create a pktmbuf pool whose packet data, and nothing else, is in an arena's
 * hugetlbfs files (for sharing them with another process that must see no
 * other memory of this one). The mbuf headers, their private areas and the
 * buffers' shared infos are objects of an ordinary 'nta' pool in DPDK memory;
 * the data buffers are n nta_alloc() of data_room_size bytes (rounded up to
 * NTA_UNIT) from a hugetlbfs arena whose regions are registered with
 * rte_extmem_register() and DMA-mapped (rte_nta_arena_dma_register()). Each
 * buffer is attached to its mbuf when the pool is created and stays attached
 * for the pool's life: the pool has RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, mbufs
 * carry RTE_MBUF_F_EXTERNAL, and freeing an mbuf (or the last clone of it)
 * returns it to the pool with its buffer. The arena lives as long as the pool
 * (rte_mempool_free() destroys it); rte_nta_mempool_arena() gives it, and
 * rte_nta_mbuf_to_desc() describes the mbufs' data in it.
 *
 * Parameters are those of rte_nta_pktmbuf_pool_create(); the arena gets as
 * many regions as n buffers of data_room_size need (at least).
 *
 * @return
 *   The pool, or NULL with rte_errno set:
 *   - EINVAL: NULL name, n == 0, data_room_size == 0, priv_size misaligned,
 *     a data room larger than a region, a region larger than a hugepage when
 *     IOVA is physical, or an invalid cfg.
 *   - ENOENT: no hugepages of the page size.
 *   - ENOMEM: not enough hugepages or memory, or n buffers do not fit the
 *     arena's max_regions.
 *   - EEXIST: a memzone (pool) of that name exists.
 *   - ENOSPC: too many memzones or external memory chunks.
 */
struct rte_mempool *rte_nta_pktmbuf_pool_create_pinned(const char *name, unsigned int n,
		unsigned int cache_size, uint16_t priv_size, uint16_t data_room_size,
		int socket_id, const struct nta_arena_config *cfg);

/**
 * The arena that places a pool's objects.
 *
 * For a pool from rte_nta_pktmbuf_pool_create() it is the hugetlbfs arena to
 * share with other processes; for one from
 * rte_nta_pktmbuf_pool_create_pinned() the hugetlbfs arena of its data
 * buffers (the headers are elsewhere): nta_region_count(), nta_region_info() (fd,
 * path, base, size), rte_nta_mbuf_to_desc(). For any other 'nta' pool it is
 * the external arena over DPDK's memory (not shareable).
 *
 * In a process that did not create the pool (a DPDK secondary process) it
 * is a view of the creator's arena, valid in this process: the same
 * regions, with the same ids, at the same addresses (mapped here from the
 * primary's region fds, obtained over DPDK's multi-process IPC), so that
 * nta_region_count(), nta_region_info() (fd -1: the fds are closed once
 * mapped), nta_from_desc(), nta_region_of(), nta_iova() and
 * rte_nta_mbuf_to_desc() work. Nothing can be allocated from a view
 * (nta_alloc() fails with ENOMEM, rte_nta_exact_create() with ENOTSUP). Each
 * call brings the view up to the regions the creator's arena has then (one
 * IPC round trip): call it again after the arena grew.
 *
 * @return
 *   The arena, or NULL with rte_errno set and, except for EINVAL, one line
 *   logged:
 *   - EINVAL: mp NULL, not an 'nta' pool, or not populated yet.
 *   - EPROTO: the pool was made with ops 'nta' but its ops index names
 *     another driver in this process (mempool drivers registered in another
 *     order than in the pool's creator).
 *   - EEXIST: the primary's address of a region is taken in this process.
 *   - ENOTSUP: a region is memory private to the creator (an anonymous or
 *     caller arena), or the pool was created by a secondary process and
 *     needs memory of its own.
 *   - ETIMEDOUT, EIO, ENOENT: the primary did not answer (driver not loaded
 *     there), could not describe a region, or no longer has the pool.
 *   - ENOMEM: no memory for the view.
 */
struct nta_arena *rte_nta_mempool_arena(const struct rte_mempool *mp);

/**
 * Describe the data of an mbuf segment as a descriptor of its arena:
 * region id, byte offset of the segment's data (rte_pktmbuf_mtod()) from the
 * region start, and data_len. nta_from_desc() in any process that mapped
 * the region gives back the data. Works for mbufs of an 'nta' pool created by
 * rte_nta_pktmbuf_pool_create() or rte_nta_pktmbuf_pool_create_pinned() and
 * for exact-size mbufs.
 *
 * @return
 *   0, or -1 with rte_errno set:
 *   - EINVAL: NULL argument, or an mbuf without data buffer.
 *   - EFAULT: the data is in no region of the arena.
 *   - ERANGE: the data runs past the end of its region.
 */
int rte_nta_mbuf_to_desc(const struct nta_arena *arena, const struct rte_mbuf *m,
		struct nta_desc *desc);

/**
 * Register with DPDK every region of an arena not registered yet:
 * rte_extmem_register() with the IOVA of every page (rte_mem_virt2iova()),
 * nta_region_set_iova(), and rte_dev_dma_map() for each ethdev port whose
 * bus supports it. Idempotent; call again after the arena grew.
 *
 * @param page_size
 *   Page size of the regions' memory; 0 for the default hugepage size when
 *   regions have a backing file, the system page size otherwise.
 * @return
 *   0, or -1 with rte_errno set (a region whose pages are not
 *   IOVA-contiguous is registered all the same, with nta_region_set_iova()
 *   of UINT64_MAX and no DMA mapping, see rte_nta_extmem_register()):
 *   - EINVAL: NULL arena, or a region that is not whole pages.
 *   - ENOSPC: DPDK has no room for more external memory.
 *   - ENOMEM: no memory for the page table.
 */
int rte_nta_arena_dma_register(struct nta_arena *arena, size_t page_size);

/**
 * Undo rte_nta_arena_dma_register() (DMA unmap, rte_extmem_unregister()).
 * Call before nta_arena_destroy() of an arena you registered. NULL does
 * nothing.
 */
void rte_nta_arena_dma_unregister(struct nta_arena *arena);

/**
 * Register memory that is not an arena's with DPDK, as
 * rte_nta_arena_dma_register() does for each region: rte_extmem_register()
 * with the IOVA of every page (rte_mem_virt2iova(), each page touched first,
 * so the memory must be writable), and, when those IOVAs are contiguous,
 * rte_dev_dma_map() for each ethdev port whose bus supports it. Memory
 * whose pages are not IOVA-contiguous (ordinary pages when IOVA is
 * physical) is registered but gets no single IOVA: *iova is UINT64_MAX and
 * nothing is DMA-mapped, so that no device is given base + offset past the
 * first page.
 *
 * @param va
 *   Start of the memory, page-aligned.
 * @param len
 *   Bytes, a whole number of pages.
 * @param page_size
 *   Page size of the memory (e.g. 2 MB for hugepages, the system page size
 *   otherwise).
 * @param iova
 *   Gets the IOVA of va when the whole memory is IOVA-contiguous,
 *   UINT64_MAX (RTE_BAD_IOVA) otherwise.
 * @return
 *   0, or -1 with rte_errno set:
 *   - EINVAL: NULL va or iova, len or page_size 0, va or len not whole
 *     pages; or as rte_extmem_register().
 *   - ENOMEM: no memory for the page table.
 *   - EEXIST: the memory overlaps memory registered before.
 *   - ENOSPC: DPDK has no room for more external memory.
 */
int rte_nta_extmem_register(void *va, size_t len, size_t page_size, uint64_t *iova);

/**
 * Undo rte_nta_extmem_register(): DMA unmap (when iova is not UINT64_MAX)
 * and rte_extmem_unregister().
 *
 * @param va
 *   Start of the memory, as registered.
 * @param len
 *   Bytes, as registered.
 * @param iova
 *   What rte_nta_extmem_register() gave.
 * @return
 *   0, or -1 with rte_errno set:
 *   - EINVAL: NULL va, len 0, or as rte_extmem_unregister().
 *   - ENOENT: the memory is not registered.
 *   - EBUSY: DPDK still uses the memory.
 */
int rte_nta_extmem_unregister(void *va, size_t len, uint64_t iova);

/**
 * Bytes one mbuf takes in the arena of a pool created with the same
 * priv_size and data_room_size: with pinned false, by
 * rte_nta_pktmbuf_pool_create() (the whole object: mempool header, mbuf,
 * private area, data room and trailer, in whole NTA_UNITs and whole cache
 * lines); with pinned true, by rte_nta_pktmbuf_pool_create_pinned() (the
 * data room in whole NTA_UNITs). A region of R bytes holds R / stride mbufs,
 * which lets an application size its arena (initial_regions, max_regions).
 *
 * @return
 *   The stride in bytes; 0 only for pinned with data_room_size 0. Never
 *   fails.
 */
size_t rte_nta_pktmbuf_stride(uint16_t priv_size, uint16_t data_room_size, bool pinned);

/** A source of exact-size mbufs (opaque). */
struct rte_nta_exact;

/**
 * Create a source of exact-size mbufs: data buffers from arena, mbuf headers
 * and external-buffer shared infos from two pools created here (so no
 * metadata is ever written into the arena's memory).
 *
 * @param name
 *   Name prefix of the two pools (at most RTE_MEMPOOL_NAMESIZE - 4 chars).
 * @param arena
 *   Arena of the data buffers, e.g. rte_nta_mempool_arena() of a hugetlbfs
 *   pool, or any arena (its regions are registered with DPDK on first use).
 * @param n
 *   Most exact-size buffers alive at once.
 * @param cache_size
 *   Per-lcore cache of the two pools.
 * @param socket_id
 *   Socket of the two pools, or SOCKET_ID_ANY.
 * @return
 *   The source, or NULL with rte_errno set:
 *   - EINVAL: NULL name or arena, name too long, n == 0.
 *   - ENOTSUP: arena is a view of another process's arena
 *     (rte_nta_mempool_arena() in a secondary process): nothing can be
 *     allocated from a view.
 *   - ENOMEM, EEXIST, ENOSPC: as rte_mempool_create().
 *
 * The source works only in the process that created it: see
 * rte_nta_pktmbuf_alloc_exact().
 */
struct rte_nta_exact *rte_nta_exact_create(const char *name, struct nta_arena *arena,
		unsigned int n, unsigned int cache_size, int socket_id);

/**
 * Free a source of exact-size mbufs. NULL does nothing.
 *
 * @return
 *   0, or -1 with rte_errno set (nothing is freed then):
 *   - EBUSY: some of its mbufs or buffers are still in use.
 *   - ENOTSUP: called in a process other than the one that created ex.
 */
int rte_nta_exact_free(struct rte_nta_exact *ex);

/**
 * Allocate an mbuf with a data buffer of exactly size bytes rounded up to
 * NTA_UNIT: one contiguous nta buffer (a 9000-byte jumbo frame is one
 * segment), attached with rte_pktmbuf_attach_extbuf(); buf_iova is
 * nta_iova() of the buffer. data_off is headroom, data_len 0. Freeing the
 * last reference (rte_pktmbuf_free() of the mbuf, its clones or a chain that
 * holds them) returns the buffer to the arena with nta_free().
 *
 * Multi-process: only the process that created ex may allocate, and an
 * exact-size mbuf must be freed (its last reference) in that process too.
 * The arena's metadata is private to that process, and DPDK runs an external
 * buffer's free callback (a function pointer of the driver, at another
 * address in each process) wherever the last reference goes. Other
 * processes are refused (ENOTSUP, one line logged).
 *
 * @param size
 *   Bytes of the data buffer, headroom included; 1 to
 *   UINT16_MAX + 1 - NTA_UNIT.
 * @param headroom
 *   Initial data offset, at most size.
 * @return
 *   The mbuf, or NULL with rte_errno set:
 *   - EINVAL: ex NULL, size 0 or too large, headroom above size.
 *   - ENOTSUP: ex was created by another process.
 *   - ENOBUFS: no mbuf header or shared info left (n reached).
 *   - ENOMEM: the arena has no free extent of that size.
 */
struct rte_mbuf *rte_nta_pktmbuf_alloc_exact(struct rte_nta_exact *ex, uint32_t size,
		uint16_t headroom);

/**
 * The arena of a source of exact-size mbufs, or NULL with rte_errno EINVAL
 * (ex NULL) or ENOTSUP (ex created by another process).
 */
struct nta_arena *rte_nta_exact_arena(const struct rte_nta_exact *ex);

#ifdef __cplusplus
}
#endif

#endif /* RTE_MEMPOOL_NTA_H */
