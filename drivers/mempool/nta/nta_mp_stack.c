/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Free objects of an 'nta' pool: the per-lcore stacks, the shared stack and
 * the steal protocol between them (see nta_mempool_private.h). Enqueue and
 * dequeue, fast and slow paths, stay in this one translation unit.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_pause.h>

#include "nta_mempool_private.h"

#define MPN_LC_DEFAULT 256

/* membarrier(PRIVATE_EXPEDITED) registered for this process. */
static bool mpn_membarrier_ok;
/* membarrier(GLOBAL_EXPEDITED) registered: other processes' barriers reach us. */
static bool mpn_membarrier_global_ok;

/* Copy object pointers: inline, a single one without any call. */
static __rte_noinline void
mpn_copy_n(void **dst, void * const *src, unsigned int n)
{
	rte_memcpy(dst, src, (size_t)n * sizeof(void *));
}

static __rte_always_inline void
mpn_copy(void **dst, void * const *src, unsigned int n)
{
	if (likely(n == 1))
		dst[0] = src[0];
	else
		mpn_copy_n(dst, src, n);
}

/*
 * The calling thread's lcore id + 1, cached for EAL threads (whose id never
 * changes): rte_lcore_id() from a shared object costs a __tls_get_addr()
 * call; an initial-exec variable of our own is one load. 0: not known yet.
 */
static __thread uint32_t mpn_self __attribute__((tls_model("initial-exec")));

static __rte_noinline unsigned int
mpn_lcore_slow(void)
{
	unsigned int id = rte_lcore_id();

	if (id < RTE_MAX_LCORE && rte_eal_lcore_role(id) == ROLE_RTE)
		mpn_self = id + 1;
	return id;
}

static __rte_always_inline unsigned int
mpn_lcore(void)
{
	uint32_t s = mpn_self;

	if (likely(s != 0))
		return s - 1;
	return mpn_lcore_slow();
}

/* ---- Asymmetric handshake between an lcore stack's owner and a stealer. */

/*
 * The stealer's barrier. In the pool's creator, a private expedited
 * membarrier() reaches every owner. Elsewhere the owners are threads of
 * another process: a global one is needed (expedited when the creator
 * registered for it). false when no barrier reaches the owners: steal
 * nothing.
 */
static inline bool
mpn_heavy_barrier(const struct mpn_pool *p)
{
	if (p->asym && p->owner == mpn_proc_self) {
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
			return true;
	} else if (p->asym) {
		if (p->xbar && syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0)
			return true;
		return syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0;
	}
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

/*
 * Enter an operation on the own stack: announce it, then (mpn_lc_stolen())
 * check that no stealer is there. The store and the load are ordered by
 * the stealer's membarrier(), or by a fence here without it.
 */
static __rte_always_inline void
mpn_lc_enter(const struct mpn_pool *p, struct mpn_lc *lc)
{
	__atomic_store_n(&lc->busy, 1, __ATOMIC_RELAXED);
	if (likely(p->asym))
		rte_compiler_barrier();
	else
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static __rte_always_inline bool
mpn_lc_stolen(struct mpn_lc *lc)
{
	return __atomic_load_n(&lc->steal, __ATOMIC_ACQUIRE) != 0;
}

static __rte_always_inline void
mpn_lc_exit(struct mpn_lc *lc)
{
	__atomic_store_n(&lc->busy, 0, __ATOMIC_RELEASE);
}

/* ---- Debug check: every enqueued object must be an object of this pool. */

#ifdef NTA_MEMPOOL_DEBUG
static int
mpn_check_objs(struct mpn_pool *p, void * const *obj_table, unsigned int n)
{
	unsigned int i;

	if (p->owner != mpn_proc_self)
		return 0;       /* the arena is the creator's: nothing to check with */
	for (i = 0; i < n; i++) {
		const char *hdr = (const char *)obj_table[i] - p->mp->header_size;
		int saved = nta_errno;
		size_t sz = 0;

		if (obj_table[i] != NULL && nta_region_of(p->arena, hdr) >= 0)
			sz = nta_size(p->arena, hdr);
		nta_errno = saved;
		if (sz < p->total_sz) {
			__atomic_fetch_add(&p->foreign, 1, __ATOMIC_RELAXED);
			MPN_LOG(ERR, "pool %s: enqueue of object %p (%u of %u, lcore %u) "
				"refused: not an object of this pool",
				p->mp->name, obj_table[i], i + 1, n, rte_lcore_id());
			return -EINVAL;
		}
	}
	return 0;
}
#endif

/* ---- The shared stack (callers hold sh.lock). */

static inline void
mpn_sh_push(struct mpn_shared *sh, void * const *objs, unsigned int n)
{
	mpn_copy(&sh->objs[sh->len], objs, n);
	__atomic_store_n(&sh->len, sh->len + n, __ATOMIC_RELAXED);
}

static inline void
mpn_sh_pop(struct mpn_shared *sh, void **objs, unsigned int n)
{
	mpn_copy(objs, &sh->objs[sh->len - n], n);
	__atomic_store_n(&sh->len, sh->len - n, __ATOMIC_RELAXED);
}

/*
 * Move the objects of every other lcore's stack to the shared stack.
 * Returns the number moved.
 */
static unsigned int
mpn_steal(struct mpn_pool *p, unsigned int self)
{
	unsigned int i, moved = 0;

	rte_spinlock_lock(&p->steal_lock);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		struct mpn_lc *lc = p->lc[i];
		uint32_t len;

		if (lc == NULL || i == self || __atomic_load_n(&lc->len, __ATOMIC_RELAXED) == 0)
			continue;
		rte_spinlock_lock(&lc->lock);
		__atomic_store_n(&lc->steal, 1, __ATOMIC_RELAXED);
		if (!mpn_heavy_barrier(p)) {
			__atomic_store_n(&lc->steal, 0, __ATOMIC_RELEASE);
			rte_spinlock_unlock(&lc->lock);
			continue;
		}
		while (__atomic_load_n(&lc->busy, __ATOMIC_ACQUIRE) != 0)
			rte_pause();
		len = lc->len;
		rte_spinlock_lock(&p->sh.lock);
		if (p->sh.len + len <= p->sh.cap) {
			mpn_sh_push(&p->sh, lc->objs, len);
			__atomic_store_n(&lc->len, 0, __ATOMIC_RELAXED);
			moved += len;
		}
		rte_spinlock_unlock(&p->sh.lock);
		__atomic_store_n(&lc->steal, 0, __ATOMIC_RELEASE);
		rte_spinlock_unlock(&lc->lock);
	}
	rte_spinlock_unlock(&p->steal_lock);
	return moved;
}

/* ---- Enqueue. */

static void
mpn_log_overflow(const struct mpn_pool *p, unsigned int n)
{
	MPN_LOG(ERR, "pool %s: enqueue of %u objects overflows the pool (%u objects)",
		p->mp->name, n, p->sh.cap);
}

static int
mpn_shared_enqueue(struct mpn_pool *p, void * const *obj_table, unsigned int n)
{
	int ret = 0;

	if (unlikely(p->owner != mpn_proc_self)) {
		ret = mpn_proc_enter(p, false);
		if (ret != 0)
			return ret;
	}
	rte_spinlock_lock(&p->sh.lock);
	if (likely(p->sh.len + n <= p->sh.cap))
		mpn_sh_push(&p->sh, obj_table, n);
	else
		ret = -ENOBUFS;
	rte_spinlock_unlock(&p->sh.lock);
	if (ret != 0)
		mpn_log_overflow(p, n);
	return ret;
}

/*
 * Slow path of an operation on the own stack: leave the lock-free mode and
 * hold the stack's lock instead, so that stealers wait.
 */
static void
mpn_lc_lock(struct mpn_lc *lc)
{
	__atomic_store_n(&lc->busy, 0, __ATOMIC_RELEASE);
	rte_spinlock_lock(&lc->lock);
}

/* Enqueue that the own stack cannot take as is (or a stealer is there). */
static __rte_noinline int
mpn_enqueue_slow(struct mpn_pool *p, struct mpn_lc *lc, void * const *obj_table,
		unsigned int n)
{
	uint32_t len, keep = p->lc_cap / 2;
	int ret = 0;

	mpn_lc_lock(lc);
	len = lc->len;
	if (len + n <= p->lc_cap) {
		mpn_copy(&lc->objs[len], obj_table, n);
		__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
		rte_spinlock_unlock(&lc->lock);
		return 0;
	}
	/* Keep half of the stack, the rest goes to the shared one. */
	rte_spinlock_lock(&p->sh.lock);
	if (n > keep) {
		if (p->sh.len + n <= p->sh.cap)
			mpn_sh_push(&p->sh, obj_table, n);
		else
			ret = -ENOBUFS;
	} else {
		uint32_t spill = len > keep ? len - keep : 0;

		if (p->sh.len + spill <= p->sh.cap) {
			mpn_sh_push(&p->sh, &lc->objs[len - spill], spill);
			len -= spill;
			mpn_copy(&lc->objs[len], obj_table, n);
			__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
		} else {
			ret = -ENOBUFS;
		}
	}
	rte_spinlock_unlock(&p->sh.lock);
	rte_spinlock_unlock(&lc->lock);
	if (ret != 0)
		mpn_log_overflow(p, n);
	return ret;
}

int
mpn_stack_enqueue(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	struct mpn_pool *p = mp->pool_data;
	unsigned int id = mpn_lcore();
	struct mpn_lc *lc;
	uint32_t len;

#ifdef NTA_MEMPOOL_DEBUG
	if (mpn_check_objs(p, obj_table, n) != 0)
		return -EINVAL;
#endif
	/* Only the creator's threads own lcore stacks. */
	if (unlikely(p->owner != mpn_proc_self || id >= RTE_MAX_LCORE ||
			(lc = p->lc[id]) == NULL))
		return mpn_shared_enqueue(p, obj_table, n);

	mpn_lc_enter(p, lc);
	/* 'steal' first: its acquire orders the read of 'len' after it. */
	if (unlikely(mpn_lc_stolen(lc)))
		return mpn_enqueue_slow(p, lc, obj_table, n);
	len = lc->len;
	if (unlikely(len + n > p->lc_cap))
		return mpn_enqueue_slow(p, lc, obj_table, n);
	mpn_copy(&lc->objs[len], obj_table, n);
	__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
	mpn_lc_exit(lc);
	return 0;
}

/* ---- Dequeue. */

static int
mpn_shared_dequeue(struct mpn_pool *p, void **obj_table, unsigned int n)
{
	int tries, ret;

	if (unlikely(p->owner != mpn_proc_self)) {
		/* The objects' memory must be mapped before the caller touches them. */
		ret = mpn_proc_enter(p, true);
		if (ret != 0)
			return ret;
	}
	for (tries = 0; tries < 2; tries++) {
		rte_spinlock_lock(&p->sh.lock);
		if (p->sh.len >= n) {
			mpn_sh_pop(&p->sh, obj_table, n);
			rte_spinlock_unlock(&p->sh.lock);
			return 0;
		}
		rte_spinlock_unlock(&p->sh.lock);
		if (tries == 0 && mpn_steal(p, RTE_MAX_LCORE) == 0)
			break;
	}
	return -ENOBUFS;
}

/*
 * Dequeue that the own stack cannot serve (or a stealer is there): take the
 * rest from the shared stack and refill; failing that, steal from the other
 * lcores once and start again.
 */
static __rte_noinline int
mpn_dequeue_slow(struct mpn_pool *p, struct mpn_lc *lc, unsigned int id,
		void **obj_table, unsigned int n)
{
	bool stolen = false;
	uint32_t len, refill;

	for (;;) {
		mpn_lc_lock(lc);
		len = lc->len;
		if (n <= len) {
			mpn_copy(obj_table, &lc->objs[len - n], n);
			__atomic_store_n(&lc->len, len - n, __ATOMIC_RELAXED);
			rte_spinlock_unlock(&lc->lock);
			return 0;
		}
		rte_spinlock_lock(&p->sh.lock);
		if (len + p->sh.len >= n) {
			/* All of the own stack, the rest from the shared one, then refill. */
			mpn_copy(obj_table, lc->objs, len);
			mpn_sh_pop(&p->sh, &obj_table[len], n - len);
			refill = RTE_MIN(p->sh.len, p->lc_cap / 2);
			mpn_sh_pop(&p->sh, lc->objs, refill);
			__atomic_store_n(&lc->len, refill, __ATOMIC_RELAXED);
			rte_spinlock_unlock(&p->sh.lock);
			rte_spinlock_unlock(&lc->lock);
			return 0;
		}
		rte_spinlock_unlock(&p->sh.lock);
		rte_spinlock_unlock(&lc->lock);
		if (stolen || mpn_steal(p, id) == 0)
			return -ENOBUFS;
		stolen = true;
	}
}

int
mpn_stack_dequeue(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	struct mpn_pool *p = mp->pool_data;
	unsigned int id = mpn_lcore();
	struct mpn_lc *lc;
	uint32_t len;

	if (unlikely(p->owner != mpn_proc_self || id >= RTE_MAX_LCORE ||
			(lc = p->lc[id]) == NULL))
		return mpn_shared_dequeue(p, obj_table, n);
	mpn_lc_enter(p, lc);
	if (unlikely(mpn_lc_stolen(lc)))
		return mpn_dequeue_slow(p, lc, id, obj_table, n);
	len = lc->len;
	if (unlikely(n > len))
		return mpn_dequeue_slow(p, lc, id, obj_table, n);
	mpn_copy(obj_table, &lc->objs[len - n], n);
	__atomic_store_n(&lc->len, len - n, __ATOMIC_RELAXED);
	mpn_lc_exit(lc);
	return 0;
}

/* ---- Count, set-up and tear-down. */

unsigned int
mpn_stack_count(const struct rte_mempool *mp)
{
	const struct mpn_pool *p = mp->pool_data;
	unsigned int i, count;

	if (p->owner != mpn_proc_self && mpn_proc_enter(p, false) != 0)
		return 0;
	count = __atomic_load_n(&p->sh.len, __ATOMIC_RELAXED);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (p->lc[i] != NULL)
			count += __atomic_load_n(&p->lc[i]->len, __ATOMIC_RELAXED);
	return count;
}

int
mpn_stack_init(struct mpn_pool *p, uint32_t lc_cap)
{
	const struct rte_mempool *mp = p->mp;
	unsigned int i, n_lc = 0, k = 0;

	p->asym = mpn_membarrier_ok;
	p->xbar = mpn_membarrier_global_ok;
	p->lc_cap = lc_cap != 0 ? lc_cap : MPN_LC_DEFAULT;
	if (p->lc_cap < 2)
		p->lc_cap = 2;
	rte_spinlock_init(&p->steal_lock);
	rte_spinlock_init(&p->sh.lock);

	/* Room for every object in the shared stack: enqueue never fails. */
	p->sh.cap = mp->size;
	p->sh.objs = rte_malloc_socket("nta_shared", (size_t)mp->size * sizeof(void *),
			RTE_CACHE_LINE_SIZE, mp->socket_id);
	RTE_LCORE_FOREACH(i)
		n_lc++;
	p->lc_mem = rte_zmalloc_socket("nta_lcores", (size_t)n_lc * sizeof(struct mpn_lc),
			RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (p->sh.objs == NULL || p->lc_mem == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH(i) {
		p->lc[i] = &p->lc_mem[k++];
		rte_spinlock_init(&p->lc[i]->lock);
	}
	return (int)n_lc;
}

void
mpn_stack_fini(struct mpn_pool *p)
{
	rte_free(p->sh.objs);
	p->sh.objs = NULL;
	rte_free(p->lc_mem);
	p->lc_mem = NULL;
	memset(p->lc, 0, sizeof(p->lc));
}

RTE_INIT(mpn_stack_membarrier_init)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		mpn_membarrier_ok = true;
	/* So that a stealer in another process (a secondary) reaches our owners. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0)
		mpn_membarrier_global_ok = true;
}
