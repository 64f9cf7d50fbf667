/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_MEMPOOL_PRIVATE_H
#define NTA_MEMPOOL_PRIVATE_H

/*
 * Internals of the mempool driver 'nta', shared by its source files. Not API.
 * Every internal name starts with mpn_ (MPN_ for macros), apart from the
 * library's nta_ names and the public rte_nta_ ones.
 *
 * Who calls whom (no cycle): rte_mempool_nta.c (ops) -> nta_mp_stack.c,
 * nta_mp_telemetry.c, nta_mp_dma.c, nta_mp_proc.c; nta_mp_pool.c ->
 * rte_mempool_nta.c, nta_mp_dma.c; nta_mp_exact.c -> nta_mp_dma.c,
 * nta_mp_proc.c; nta_mp_stack.c -> nta_mp_proc.c; nta_mp_telemetry.c ->
 * nta_mp_stack.c; nta_mp_map.c -> nta_mp_telemetry.c; everyone ->
 * nta_mp_log.c. mpn_pool() is inline here, for all of them.
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
 * Several processes (DPDK multi-process, nta_mp_proc.c): struct mpn_pool and
 * the stacks are in DPDK memory, at one address in every process. Only the
 * threads of the process that created the pool (p->owner) use its lcore
 * stacks; any other process works on the shared stack alone, so lcore ids
 * may overlap between processes. Such a process may still steal from the
 * creator's lcore stacks: its membarrier() must reach the creator's threads,
 * so it uses MEMBARRIER_CMD_GLOBAL_EXPEDITED (every process that loads the
 * driver registers for it) or, failing that, MEMBARRIER_CMD_GLOBAL, and
 * steals nothing when neither works. Arena pointers (arena, data_arena) are
 * valid in the creator only; other processes use views (mpn_proc_arena()).
 *
 * Lock order: steal_lock -> an lcore stack's lock -> the shared stack's lock.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include <nta.h>

#include "rte_mempool_nta.h"

/*
 * Marks the definition of every public rte_nta_* function: the only names
 * the driver's shared object exports when built with hidden visibility.
 */
#define RTE_NTA_EXPORT __attribute__((visibility("default")))

/* Log type pmd.mempool.nta (nta_mp_log.c). */
extern int mpn_logtype;

#define MPN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, mpn_logtype, "nta_mempool: " fmt "\n", ##__VA_ARGS__)

/* Most objects one lcore stack holds. */
#define MPN_LC_MAX 512

/* The stack of one lcore. Only its owner pushes and pops, except a stealer. */
struct mpn_lc {
	uint32_t busy;          /* owner inside an operation (owner writes) */
	uint32_t steal;         /* a stealer wants the stack (stealer writes) */
	uint32_t len;           /* objects in objs[] */
	rte_spinlock_t lock;    /* held by a stealer, or by the owner in slow mode */
	void *objs[MPN_LC_MAX];
} __rte_cache_aligned;

/* The shared stack. */
struct mpn_shared {
	rte_spinlock_t lock;
	uint32_t len;
	uint32_t cap;
	void **objs;
} __rte_cache_aligned;

/* Value of mpn_pool.magic. */
#define MPN_POOL_MAGIC 0x4e54414d50504f4full /* "NTAMPPOO" */

/*
 * Private data of one pool (mp->pool_data), in DPDK memory: every process
 * sees it at the same address.
 */
struct mpn_pool {
	struct mpn_lc *lc[RTE_MAX_LCORE];  /* NULL for lcores without a stack */
	uint64_t owner;                    /* mpn_proc_self of the creator */
	uint32_t lc_cap;                   /* objects an lcore stack may hold */
	bool asym;                         /* membarrier() handshake available */
	bool xbar;                         /* creator registered GLOBAL_EXPEDITED */
	uint64_t magic;                    /* MPN_POOL_MAGIC */
	uint64_t serial;                   /* unique among pools, for attachments */
	int32_t ops_index;                 /* index of ops 'nta' in the creator */
	struct mpn_shared sh;
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
	struct mpn_lc *lc_mem;  /* allocation that holds the lcore stacks */
	TAILQ_ENTRY(mpn_pool) next;     /* telemetry list of the creator */
};

/* Bytes one object of mp takes (header, element, trailer). */
static inline size_t
mpn_total_size(const struct rte_mempool *mp)
{
	return (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

/* Alignment of every object header of a pool with the given mempool flags. */
static inline size_t
mpn_align(unsigned int mp_flags)
{
	return (mp_flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN) ? NTA_UNIT :
		RTE_MAX((size_t)RTE_MEMPOOL_ALIGN, (size_t)NTA_UNIT);
}

/*
 * Bytes one object of total bytes (header, element, trailer) takes in a
 * region: whole allocation units, then whole alignments.
 */
static inline size_t
mpn_stride(size_t total, size_t align)
{
	return RTE_ALIGN_CEIL(RTE_ALIGN_CEIL(total, (size_t)NTA_UNIT), align);
}

/*
 * The pool's private data, or NULL when mp is not an allocated 'nta' pool.
 * Inline, so that every file can ask without calling into the ops' file.
 */
static inline struct mpn_pool *
mpn_pool(const struct rte_mempool *mp)
{
	const struct rte_mempool_ops *ops;

	if (mp == NULL || mp->pool_data == NULL)
		return NULL;
	ops = rte_mempool_get_ops(mp->ops_index);
	if (ops == NULL || strcmp(ops->name, RTE_NTA_MEMPOOL_OPS_NAME) != 0)
		return NULL;
	return mp->pool_data;
}

/* ---- nta_mp_stack.c: the lcore stacks and the shared stack. */

/* Ops callbacks enqueue, dequeue, get_count. */
int mpn_stack_enqueue(struct rte_mempool *mp, void * const *obj_table, unsigned int n);
int mpn_stack_dequeue(struct rte_mempool *mp, void **obj_table, unsigned int n);
unsigned int mpn_stack_count(const struct rte_mempool *mp);
/*
 * Set up the stacks of p (p->mp set): lcore stacks of lc_cap objects (0 for
 * the default), a shared stack for every object. The number of lcore
 * stacks, or -ENOMEM.
 */
int mpn_stack_init(struct mpn_pool *p, uint32_t lc_cap);
/* Free what mpn_stack_init() allocated; safe after a failed init. */
void mpn_stack_fini(struct mpn_pool *p);

/* ---- nta_mp_proc.c: pools seen from several processes. */

/* Non-zero identity of this process, random (set by a constructor). */
extern uint64_t mpn_proc_self __attribute__((visibility("hidden")));

/* Mark p (p->mp set, at alloc) as created by this process. */
void mpn_proc_pool_init(struct mpn_pool *p);
/*
 * In a process that did not create p (p->owner != mpn_proc_self): check
 * once that p is an 'nta' pool whose ops index names 'nta' here too and,
 * when map, that the memory of its objects is mapped here (mapped from the
 * creator's region fds at first use). 0, or a negative errno value
 * (-EPROTO: not an 'nta' pool or ops mismatch; others from attaching), the
 * reason logged once.
 */
int mpn_proc_enter(const struct mpn_pool *p, bool map);
/*
 * The arena of p valid in this process: the creator's own, or a view of it
 * here (attached, and brought up to the creator's regions, at each call).
 * NULL with rte_errno set, the reason logged.
 */
struct nta_arena *mpn_proc_arena(struct mpn_pool *p);
/* True when a is a view made by mpn_proc_arena() in this process. */
bool mpn_proc_is_view(const struct nta_arena *a);
/*
 * Why mp, whose ops index does not name 'nta' here, is refused: EPROTO
 * (logged) when its pool_data is an 'nta' pool (ops registered in another
 * order than in its creator), EINVAL otherwise.
 */
int mpn_proc_why_not(const struct rte_mempool *mp);

/* ---- nta_mp_telemetry.c: the pools listed by /nta/pools. */

void mpn_tel_add(struct mpn_pool *p);
void mpn_tel_remove(struct mpn_pool *p);
/*
 * fn(p, arg) for the listed pool named name, while no pool can be freed
 * (every telemetry command of a pool); what fn returns, or -EINVAL when no pool
 * has that name. fn must not take the list's lock.
 */
int mpn_tel_with_pool(const char *name, int (*fn)(struct mpn_pool *p, void *arg), void *arg);

/*
 * The arena the telemetry of a pool describes: rte_nta_mempool_arena()'s,
 * the data buffers' for a pinned pool.
 */
struct nta_arena *mpn_tel_arena(const struct mpn_pool *p);

struct rte_tel_data;

/*
 * Answer a refused telemetry request with {"error": why} and return 0: DPDK
 * 22.11 answers a failing callback with null, as it does an unknown command.
 * mpn_tel_error() says why for a missing or unknown pool name.
 */
int mpn_tel_refuse(struct rte_tel_data *d, const char *why);
int mpn_tel_error(const char *cmd, const char *params, struct rte_tel_data *d);

#endif /* NTA_MEMPOOL_PRIVATE_H */
