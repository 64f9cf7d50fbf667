/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_MEMPOOL_PRIVATE_H
#define NTA_MEMPOOL_PRIVATE_H

/*
 * Internals of the mempool driver 'nta', shared by its source files. Not API.
 *
 * Free objects are tracked outside the arena (the arena only places them and
 * keeps them allocated for the pool's lifetime):
 *
 *   - one stack per EAL lcore, touched by its owner without any atomic
 *     read-modify-write or fence on the fast path;
 *   - one shared stack under a spinlock, for non-EAL threads, for overflow
 *     of the lcore stacks and for refilling them.
 *
 * Objects left in the stack of an lcore that no longer calls the pool would
 * be lost to the others; a dequeue that cannot be served from its own stack
 * and the shared one steals them. Stealing uses an asymmetric Dekker
 * handshake: the owner announces itself with a plain store to 'busy' and
 * then reads 'steal'; a stealer stores 'steal', runs membarrier() (a full
 * barrier on every CPU that runs a thread of this process) and then reads
 * 'busy'. Either the owner sees 'steal' and falls back to the lcore's lock,
 * or the stealer sees 'busy' and waits. When membarrier() is unavailable,
 * both sides use an ordinary full fence instead.
 *
 * Lock order: steal_lock -> an lcore stack's lock -> the shared stack's lock.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include <nta.h>

#include "rte_mempool_nta.h"

extern int nta_mp_logtype;

#define NTA_MP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, nta_mp_logtype, "nta_mempool: " fmt "\n", ##__VA_ARGS__)

/* Most objects one lcore stack holds. */
#define NTA_LC_MAX 512

/* The stack of one lcore. Only its owner pushes and pops, except a stealer. */
struct nta_lc {
	uint32_t busy;          /* owner inside an operation (owner writes) */
	uint32_t steal;         /* a stealer wants the stack (stealer writes) */
	uint32_t len;           /* objects in objs[] */
	rte_spinlock_t lock;    /* held by a stealer, or by the owner in slow mode */
	void *objs[NTA_LC_MAX];
} __rte_cache_aligned;

/* The shared stack. */
struct nta_shared {
	rte_spinlock_t lock;
	uint32_t len;
	uint32_t cap;
	void **objs;
} __rte_cache_aligned;

/* Private data of one pool (mp->pool_data). */
struct nta_pool {
	struct nta_lc *lc[RTE_MAX_LCORE];  /* NULL for lcores without a stack */
	uint32_t lc_cap;                   /* objects an lcore stack may hold */
	bool asym;                         /* membarrier() handshake available */
	struct nta_shared sh;
	rte_spinlock_t steal_lock __rte_cache_aligned;
	struct rte_mempool *mp;
	struct nta_arena *arena;
	bool external;          /* the arena gets DPDK's chunks as memory */
	bool owns_arena;        /* destroy (and unregister) the arena at free */
	/*
	 * Pinned pools (rte_nta_pktmbuf_pool_create_pinned()): the hugetlbfs
	 * arena of the mbufs' data buffers, owned (unregistered and destroyed
	 * at free); NULL for other pools.
	 */
	struct nta_arena *data_arena;
	size_t align;           /* alignment of every object header */
	size_t total_sz;        /* header + element + trailer */
	size_t stride;          /* bytes one object takes in a region */
	size_t region_size;     /* bytes of a region of an external arena */
	uint64_t foreign;       /* objects refused by the debug check */
	struct nta_lc *lc_mem;  /* allocation that holds the lcore stacks */
	TAILQ_ENTRY(nta_pool) next;
};

/* Bytes one object of mp takes (header, element, trailer). */
static inline size_t
nta_mp_total_size(const struct rte_mempool *mp)
{
	return (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

/* The pool's private data, or NULL when mp is not an allocated 'nta' pool. */
struct nta_pool *nta_mp_pool(const struct rte_mempool *mp);

/* Register the arena's regions with DPDK (rte_nta_arena_dma_register()). */
int nta_mp_arena_register(struct nta_arena *arena, size_t page_size);
/* Undo nta_mp_arena_register() for every region of the arena. */
void nta_mp_arena_unregister(struct nta_arena *arena);

#endif /* NTA_MEMPOOL_PRIVATE_H */
