/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Mempool ops 'nta': objects placed by an NTA arena, free objects tracked by
 * per-lcore stacks and a shared stack (see nta_mempool_private.h).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_pause.h>
#include <rte_telemetry.h>

#include "nta_mempool_private.h"

RTE_LOG_REGISTER_DEFAULT(nta_mp_logtype, NOTICE);

#define NTA_LC_DEFAULT 256

/* membarrier(PRIVATE_EXPEDITED) registered for this process. */
static bool nta_membarrier_ok;

/* Every allocated pool, for telemetry. */
static TAILQ_HEAD(, nta_pool) nta_pools = TAILQ_HEAD_INITIALIZER(nta_pools);
static rte_spinlock_t nta_pools_lock = RTE_SPINLOCK_INITIALIZER;

static struct rte_mempool_ops ops_nta;

/* Copy object pointers: inline, a single one without any call. */
static __rte_noinline void
nta_copy_n(void **dst, void * const *src, unsigned int n)
{
	rte_memcpy(dst, src, (size_t)n * sizeof(void *));
}

static __rte_always_inline void
nta_copy(void **dst, void * const *src, unsigned int n)
{
	if (likely(n == 1))
		dst[0] = src[0];
	else
		nta_copy_n(dst, src, n);
}

/*
 * The calling thread's lcore id + 1, cached for EAL threads (whose id never
 * changes): rte_lcore_id() from a shared object costs a __tls_get_addr()
 * call; an initial-exec variable of our own is one load. 0: not known yet.
 */
static __thread uint32_t nta_self __attribute__((tls_model("initial-exec")));

static __rte_noinline unsigned int
nta_lcore_slow(void)
{
	unsigned int id = rte_lcore_id();

	if (id < RTE_MAX_LCORE && rte_eal_lcore_role(id) == ROLE_RTE)
		nta_self = id + 1;
	return id;
}

static __rte_always_inline unsigned int
nta_lcore(void)
{
	uint32_t s = nta_self;

	if (likely(s != 0))
		return s - 1;
	return nta_lcore_slow();
}

/* ---- Asymmetric handshake between an lcore stack's owner and a stealer. */

static inline void
nta_heavy_barrier(const struct nta_pool *p)
{
	if (p->asym) {
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
			return;
	}
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Enter an operation on the own stack: announce it, then (nta_lc_stolen())
 * check that no stealer is there. The store and the load are ordered by
 * the stealer's membarrier(), or by a fence here without it.
 */
static __rte_always_inline void
nta_lc_enter(const struct nta_pool *p, struct nta_lc *lc)
{
	__atomic_store_n(&lc->busy, 1, __ATOMIC_RELAXED);
	if (likely(p->asym))
		rte_compiler_barrier();
	else
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static __rte_always_inline bool
nta_lc_stolen(struct nta_lc *lc)
{
	return __atomic_load_n(&lc->steal, __ATOMIC_ACQUIRE) != 0;
}

static __rte_always_inline void
nta_lc_exit(struct nta_lc *lc)
{
	__atomic_store_n(&lc->busy, 0, __ATOMIC_RELEASE);
}

/* ---- Debug check: every enqueued object must be an object of this pool. */

#ifdef NTA_MEMPOOL_DEBUG
static int
nta_check_objs(struct nta_pool *p, void * const *obj_table, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *hdr = (const char *)obj_table[i] - p->mp->header_size;
		int saved = nta_errno;
		size_t sz = 0;

		if (obj_table[i] != NULL && nta_region_of(p->arena, hdr) >= 0)
			sz = nta_size(p->arena, hdr);
		nta_errno = saved;
		if (sz < p->total_sz) {
			__atomic_fetch_add(&p->foreign, 1, __ATOMIC_RELAXED);
			NTA_MP_LOG(ERR, "pool %s: enqueue of object %p (%u of %u, lcore %u) "
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
nta_sh_push(struct nta_shared *sh, void * const *objs, unsigned int n)
{
	nta_copy(&sh->objs[sh->len], objs, n);
	__atomic_store_n(&sh->len, sh->len + n, __ATOMIC_RELAXED);
}

static inline void
nta_sh_pop(struct nta_shared *sh, void **objs, unsigned int n)
{
	nta_copy(objs, &sh->objs[sh->len - n], n);
	__atomic_store_n(&sh->len, sh->len - n, __ATOMIC_RELAXED);
}

/*
 * Move the objects of every other lcore's stack to the shared stack.
 * Returns the number moved.
 */
static unsigned int
nta_steal(struct nta_pool *p, unsigned int self)
{
	unsigned int i, moved = 0;

	rte_spinlock_lock(&p->steal_lock);
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		struct nta_lc *lc = p->lc[i];
		uint32_t len;

		if (lc == NULL || i == self || __atomic_load_n(&lc->len, __ATOMIC_RELAXED) == 0)
			continue;
		rte_spinlock_lock(&lc->lock);
		__atomic_store_n(&lc->steal, 1, __ATOMIC_RELAXED);
		nta_heavy_barrier(p);
		while (__atomic_load_n(&lc->busy, __ATOMIC_ACQUIRE) != 0)
			rte_pause();
		len = lc->len;
		rte_spinlock_lock(&p->sh.lock);
		if (p->sh.len + len <= p->sh.cap) {
			nta_sh_push(&p->sh, lc->objs, len);
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

/* ---- Ops. */

static int
nta_shared_enqueue(struct nta_pool *p, void * const *obj_table, unsigned int n)
{
	int ret = 0;

	rte_spinlock_lock(&p->sh.lock);
	if (likely(p->sh.len + n <= p->sh.cap))
		nta_sh_push(&p->sh, obj_table, n);
	else
		ret = -ENOBUFS;
	rte_spinlock_unlock(&p->sh.lock);
	if (ret != 0)
		NTA_MP_LOG(ERR, "pool %s: enqueue of %u objects overflows the pool (%u objects)",
			p->mp->name, n, p->sh.cap);
	return ret;
}

/*
 * Slow path of an operation on the own stack: leave the lock-free mode and
 * hold the stack's lock instead, so that stealers wait.
 */
static void
nta_lc_lock(struct nta_lc *lc)
{
	__atomic_store_n(&lc->busy, 0, __ATOMIC_RELEASE);
	rte_spinlock_lock(&lc->lock);
}

/* Enqueue that the own stack cannot take as is (or a stealer is there). */
static __rte_noinline int
nta_enqueue_slow(struct nta_pool *p, struct nta_lc *lc, void * const *obj_table,
		unsigned int n)
{
	uint32_t len, keep = p->lc_cap / 2;
	int ret = 0;

	nta_lc_lock(lc);
	len = lc->len;
	if (len + n <= p->lc_cap) {
		nta_copy(&lc->objs[len], obj_table, n);
		__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
		rte_spinlock_unlock(&lc->lock);
		return 0;
	}
	/* Keep half of the stack, the rest goes to the shared one. */
	rte_spinlock_lock(&p->sh.lock);
	if (n > keep) {
		if (p->sh.len + n <= p->sh.cap)
			nta_sh_push(&p->sh, obj_table, n);
		else
			ret = -ENOBUFS;
	} else {
		uint32_t spill = len > keep ? len - keep : 0;

		if (p->sh.len + spill <= p->sh.cap) {
			nta_sh_push(&p->sh, &lc->objs[len - spill], spill);
			len -= spill;
			nta_copy(&lc->objs[len], obj_table, n);
			__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
		} else {
			ret = -ENOBUFS;
		}
	}
	rte_spinlock_unlock(&p->sh.lock);
	rte_spinlock_unlock(&lc->lock);
	if (ret != 0)
		NTA_MP_LOG(ERR, "pool %s: enqueue of %u objects overflows the pool (%u objects)",
			p->mp->name, n, p->sh.cap);
	return ret;
}

static int
nta_mp_enqueue(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	struct nta_pool *p = mp->pool_data;
	unsigned int id = nta_lcore();
	struct nta_lc *lc;
	uint32_t len;

#ifdef NTA_MEMPOOL_DEBUG
	if (nta_check_objs(p, obj_table, n) != 0)
		return -EINVAL;
#endif
	if (unlikely(id >= RTE_MAX_LCORE || (lc = p->lc[id]) == NULL))
		return nta_shared_enqueue(p, obj_table, n);

	nta_lc_enter(p, lc);
	/* 'steal' first: its acquire orders the read of 'len' after it. */
	if (unlikely(nta_lc_stolen(lc)))
		return nta_enqueue_slow(p, lc, obj_table, n);
	len = lc->len;
	if (unlikely(len + n > p->lc_cap))
		return nta_enqueue_slow(p, lc, obj_table, n);
	nta_copy(&lc->objs[len], obj_table, n);
	__atomic_store_n(&lc->len, len + n, __ATOMIC_RELAXED);
	nta_lc_exit(lc);
	return 0;
}

static int
nta_shared_dequeue(struct nta_pool *p, void **obj_table, unsigned int n)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		rte_spinlock_lock(&p->sh.lock);
		if (p->sh.len >= n) {
			nta_sh_pop(&p->sh, obj_table, n);
			rte_spinlock_unlock(&p->sh.lock);
			return 0;
		}
		rte_spinlock_unlock(&p->sh.lock);
		if (tries == 0 && nta_steal(p, RTE_MAX_LCORE) == 0)
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
nta_dequeue_slow(struct nta_pool *p, struct nta_lc *lc, unsigned int id,
		void **obj_table, unsigned int n)
{
	bool stolen = false;
	uint32_t len, refill;

	for (;;) {
		nta_lc_lock(lc);
		len = lc->len;
		if (n <= len) {
			nta_copy(obj_table, &lc->objs[len - n], n);
			__atomic_store_n(&lc->len, len - n, __ATOMIC_RELAXED);
			rte_spinlock_unlock(&lc->lock);
			return 0;
		}
		rte_spinlock_lock(&p->sh.lock);
		if (len + p->sh.len >= n) {
			/* All of the own stack, the rest from the shared one, then refill. */
			nta_copy(obj_table, lc->objs, len);
			nta_sh_pop(&p->sh, &obj_table[len], n - len);
			refill = RTE_MIN(p->sh.len, p->lc_cap / 2);
			nta_sh_pop(&p->sh, lc->objs, refill);
			__atomic_store_n(&lc->len, refill, __ATOMIC_RELAXED);
			rte_spinlock_unlock(&p->sh.lock);
			rte_spinlock_unlock(&lc->lock);
			return 0;
		}
		rte_spinlock_unlock(&p->sh.lock);
		rte_spinlock_unlock(&lc->lock);
		if (stolen || nta_steal(p, id) == 0)
			return -ENOBUFS;
		stolen = true;
	}
}

static int
nta_mp_dequeue(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	struct nta_pool *p = mp->pool_data;
	unsigned int id = nta_lcore();
	struct nta_lc *lc;
	uint32_t len;

	if (unlikely(id >= RTE_MAX_LCORE || (lc = p->lc[id]) == NULL))
		return nta_shared_dequeue(p, obj_table, n);
	nta_lc_enter(p, lc);
	if (unlikely(nta_lc_stolen(lc)))
		return nta_dequeue_slow(p, lc, id, obj_table, n);
	len = lc->len;
	if (unlikely(n > len))
		return nta_dequeue_slow(p, lc, id, obj_table, n);
	nta_copy(obj_table, &lc->objs[len - n], n);
	__atomic_store_n(&lc->len, len - n, __ATOMIC_RELAXED);
	nta_lc_exit(lc);
	return 0;
}

static unsigned int
nta_mp_get_count(const struct rte_mempool *mp)
{
	const struct nta_pool *p = mp->pool_data;
	unsigned int i, count;

	count = __atomic_load_n(&p->sh.len, __ATOMIC_RELAXED);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (p->lc[i] != NULL)
			count += __atomic_load_n(&p->lc[i]->len, __ATOMIC_RELAXED);
	return count;
}

/* Object size, alignment, stride and region size of a pool. */
static void
nta_geometry(const struct rte_mempool *mp, struct nta_pool *p)
{
	p->total_sz = nta_mp_total_size(mp);
	p->align = (mp->flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN) ? NTA_UNIT :
		RTE_MAX((size_t)RTE_MEMPOOL_ALIGN, (size_t)NTA_UNIT);
	p->stride = RTE_ALIGN_CEIL(RTE_ALIGN_CEIL(p->total_sz, NTA_UNIT), p->align);
	p->region_size = RTE_ALIGN_FLOOR((size_t)NTA_REGION_MAX_BYTES, p->align);
}

static void
nta_pool_destroy(struct nta_pool *p)
{
	if (p == NULL)
		return;
	if (p->owns_arena) {
		nta_mp_arena_unregister(p->arena);
		nta_arena_destroy(p->arena);
	}
	if (p->data_arena != NULL) {
		nta_mp_arena_unregister(p->data_arena);
		nta_arena_destroy(p->data_arena);
	}
	rte_free(p->sh.objs);
	rte_free(p->lc_mem);
	rte_free(p);
}

static int
nta_mp_alloc(struct rte_mempool *mp)
{
	const struct rte_nta_pool_config *cfg = mp->pool_config;
	size_t total = nta_mp_total_size(mp);
	struct nta_pool *p;
	unsigned int i, n_lc = 0, k = 0;
	int ret;

	if (cfg != NULL && cfg->magic != RTE_NTA_POOL_CONFIG_MAGIC) {
		NTA_MP_LOG(ERR, "pool %s: pool_config is not a struct rte_nta_pool_config",
			mp->name);
		return -EINVAL;
	}
	if (cfg != NULL && (cfg->lcore_cache > NTA_LC_MAX ||
			(cfg->flags & ~RTE_NTA_POOL_F_OWN_ARENA) != 0)) {
		NTA_MP_LOG(ERR, "pool %s: lcore_cache %u above %u or unknown flags 0x%x",
			mp->name, cfg->lcore_cache, NTA_LC_MAX, cfg->flags);
		return -EINVAL;
	}
	if (total == 0 || total > NTA_REGION_MAX_BYTES) {
		NTA_MP_LOG(ERR, "pool %s: object of %zu bytes (header, element, trailer) "
			"does not fit a region (at most %llu bytes)", mp->name, total,
			(unsigned long long)NTA_REGION_MAX_BYTES);
		return -EINVAL;
	}

	p = rte_zmalloc_socket("nta_pool", sizeof(*p), RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (p == NULL)
		return -ENOMEM;
	p->mp = mp;
	p->asym = nta_membarrier_ok;
	p->lc_cap = (cfg != NULL && cfg->lcore_cache != 0) ? cfg->lcore_cache : NTA_LC_DEFAULT;
	if (p->lc_cap < 2)
		p->lc_cap = 2;
	rte_spinlock_init(&p->steal_lock);
	rte_spinlock_init(&p->sh.lock);
	nta_geometry(mp, p);

	/* Room for every object in the shared stack: enqueue never fails. */
	p->sh.cap = mp->size;
	p->sh.objs = rte_malloc_socket("nta_shared", (size_t)mp->size * sizeof(void *),
			RTE_CACHE_LINE_SIZE, mp->socket_id);
	RTE_LCORE_FOREACH(i)
		n_lc++;
	p->lc_mem = rte_zmalloc_socket("nta_lcores", (size_t)n_lc * sizeof(struct nta_lc),
			RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (p->sh.objs == NULL || p->lc_mem == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	RTE_LCORE_FOREACH(i) {
		p->lc[i] = &p->lc_mem[k++];
		rte_spinlock_init(&p->lc[i]->lock);
	}

	if (cfg != NULL && cfg->arena != NULL) {
		p->arena = cfg->arena;
		p->external = false;
		p->owns_arena = (cfg->flags & RTE_NTA_POOL_F_OWN_ARENA) != 0;
	} else {
		struct nta_arena_config acfg = {
			.name = mp->name,
			.backing = NTA_BACKING_EXTERNAL,
			.region_size = p->region_size,
			.initial_regions = 0,
			.max_regions = NTA_MAX_REGIONS - 1,
			.flags = NTA_ARENA_F_NO_CACHE,
		};

		p->arena = nta_arena_create(&acfg);
		if (p->arena == NULL) {
			ret = -nta_errno;
			NTA_MP_LOG(ERR, "pool %s: cannot create the arena: %s", mp->name,
				nta_strerror(nta_errno));
			if (ret == 0)
				ret = -ENOMEM;
			goto fail;
		}
		p->external = true;
		p->owns_arena = true;
	}
	mp->pool_data = p;
	rte_spinlock_lock(&nta_pools_lock);
	TAILQ_INSERT_TAIL(&nta_pools, p, next);
	rte_spinlock_unlock(&nta_pools_lock);
	NTA_MP_LOG(DEBUG, "pool %s: %u objects of %zu bytes (stride %zu, align %zu), "
		"%u lcore stacks of %u", mp->name, mp->size, total, p->stride, p->align,
		n_lc, p->lc_cap);
	return 0;
fail:
	nta_pool_destroy(p);
	return ret;
}

static void
nta_mp_free(struct rte_mempool *mp)
{
	struct nta_pool *p = mp->pool_data;

	if (p == NULL)
		return;
	rte_spinlock_lock(&nta_pools_lock);
	TAILQ_REMOVE(&nta_pools, p, next);
	rte_spinlock_unlock(&nta_pools_lock);
	mp->pool_data = NULL;
	nta_pool_destroy(p);
}

/*
 * Memory for obj_num objects: regions of at most region_size bytes (one
 * region per page when pages are smaller and IOVA is physical), each holding
 * whole objects at the stride.
 */
static ssize_t
nta_mp_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
		size_t *min_chunk_size, size_t *align)
{
	const struct nta_pool *p = mp->pool_data;
	struct nta_pool geo;
	size_t slice, per, full, rem;

	if (p == NULL) {
		/* Called before alloc: the geometry alone. */
		nta_geometry(mp, &geo);
		p = &geo;
	}
	slice = p->region_size;
	if (pg_shift != 0 && pg_shift < 63 && ((size_t)1 << pg_shift) < slice)
		slice = (size_t)1 << pg_shift;
	if (p->stride > slice) {
		NTA_MP_LOG(ERR, "pool %s: object stride %zu above the %zu-byte slice",
			mp->name, p->stride, slice);
		return -EINVAL;
	}
	per = slice / p->stride;
	full = obj_num / per;
	rem = obj_num % per;
	*min_chunk_size = p->stride;
	*align = (pg_shift != 0 && slice == ((size_t)1 << pg_shift)) ? slice : p->align;
	return (ssize_t)(full * slice + rem * p->stride);
}

/* Park a misplaced buffer on a list threaded through the buffers. */
static void
nta_park(void **head, void *buf)
{
	*(void **)buf = *head;
	*head = buf;
}

static void
nta_unpark(struct nta_arena *arena, void *head)
{
	while (head != NULL) {
		void *next = *(void **)head;

		nta_free(arena, head);
		head = next;
	}
}

static int
nta_mp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr, rte_iova_t iova,
		size_t len, rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	struct nta_pool *p = mp->pool_data;
	char *start = vaddr, *end = (char *)vaddr + len;
	void *parked = NULL;
	unsigned int i;

	if (p == NULL)
		return -EINVAL;
	if (p->external) {
		char *va = RTE_PTR_ALIGN_CEIL(start, NTA_UNIT);
		size_t skip = (size_t)(va - start);
		int first;

		if (skip >= len || len - skip < p->stride)
			return 0;
		first = nta_arena_add_memory(p->arena, va, len - skip,
				iova == RTE_BAD_IOVA ? UINT64_MAX : iova + skip);
		if (first < 0) {
			int err = nta_errno != 0 ? nta_errno : EINVAL;

			NTA_MP_LOG(ERR, "pool %s: cannot add %zu bytes at %p to the arena: %s",
				mp->name, len - skip, (void *)va, nta_strerror(err));
			return -err;
		}
	}
	for (i = 0; i < max_objs; ) {
		char *hdr = nta_alloc_aligned(p->arena, p->total_sz, p->align);
		uint64_t obj_iova;
		void *obj;

		if (hdr == NULL) {
			/*
			 * An aligned search may skip an extent that fits exactly
			 * and happens to be aligned: try a plain allocation.
			 */
			hdr = nta_alloc(p->arena, p->total_sz);
			if (hdr != NULL && ((uintptr_t)hdr % p->align) != 0) {
				nta_free(p->arena, hdr);
				hdr = NULL;
			}
			if (hdr == NULL)
				break;
		}
		if (!p->external && (hdr < start || hdr + p->total_sz > end)) {
			/* An owned arena: the object must be in the chunk being added. */
			nta_park(&parked, hdr);
			continue;
		}
		obj = hdr + mp->header_size;
		obj_iova = nta_iova(p->arena, obj);
		if (obj_iova == UINT64_MAX)
			obj_iova = RTE_BAD_IOVA;
		obj_cb(mp, obj_cb_arg, obj, obj_iova);
		rte_mempool_ops_enqueue_bulk(mp, &obj, 1);
		i++;
	}
	nta_unpark(p->arena, parked);
	NTA_MP_LOG(DEBUG, "pool %s: chunk of %zu bytes at %p: %u of %u objects placed",
		mp->name, len, vaddr, i, max_objs);
	return i;
}

static int
nta_mp_get_info(const struct rte_mempool *mp, struct rte_mempool_info *info)
{
	RTE_SET_USED(mp);
	info->contig_block_size = 0;
	return 0;
}

static struct rte_mempool_ops ops_nta = {
	.name = RTE_NTA_MEMPOOL_OPS_NAME,
	.alloc = nta_mp_alloc,
	.free = nta_mp_free,
	.enqueue = nta_mp_enqueue,
	.dequeue = nta_mp_dequeue,
	.get_count = nta_mp_get_count,
	.calc_mem_size = nta_mp_calc_mem_size,
	.populate = nta_mp_populate,
	.get_info = nta_mp_get_info,
};

RTE_MEMPOOL_REGISTER_OPS(ops_nta);

struct nta_pool *
nta_mp_pool(const struct rte_mempool *mp)
{
	const struct rte_mempool_ops *ops;

	if (mp == NULL || mp->pool_data == NULL)
		return NULL;
	ops = rte_mempool_get_ops(mp->ops_index);
	if (ops == NULL || strcmp(ops->name, RTE_NTA_MEMPOOL_OPS_NAME) != 0)
		return NULL;
	return mp->pool_data;
}

struct nta_arena *
rte_nta_mempool_arena(const struct rte_mempool *mp)
{
	struct nta_pool *p = nta_mp_pool(mp);

	if (p == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return p->data_arena != NULL ? p->data_arena : p->arena;
}

/* ---- Telemetry: /nta/pools, /nta/stats,<pool>, /nta/regions,<pool>. */

static struct nta_pool *
nta_tel_find(const char *params)
{
	struct nta_pool *p;

	if (params == NULL)
		return NULL;
	TAILQ_FOREACH(p, &nta_pools, next)
		if (strcmp(p->mp->name, params) == 0)
			return p;
	return NULL;
}

static int
nta_tel_pools(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct nta_pool *p;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	rte_spinlock_lock(&nta_pools_lock);
	TAILQ_FOREACH(p, &nta_pools, next)
		rte_tel_data_add_array_string(d, p->mp->name);
	rte_spinlock_unlock(&nta_pools_lock);
	return 0;
}

static int
nta_tel_stats(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct nta_stats st;
	struct nta_pool *p;
	char frag[32];
	int ret = -EINVAL;

	rte_spinlock_lock(&nta_pools_lock);
	p = nta_tel_find(params);
	if (p != NULL && nta_stats_get(p->arena, &st) == 0) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "pool", p->mp->name);
		rte_tel_data_add_dict_u64(d, "objects", p->mp->size);
		rte_tel_data_add_dict_u64(d, "objects_free", nta_mp_get_count(p->mp));
		rte_tel_data_add_dict_u64(d, "regions", st.regions);
		rte_tel_data_add_dict_u64(d, "bytes_total", st.bytes_total);
		rte_tel_data_add_dict_u64(d, "bytes_used", st.bytes_used);
		rte_tel_data_add_dict_u64(d, "bytes_free", st.bytes_free);
		rte_tel_data_add_dict_u64(d, "bytes_cached", st.bytes_cached);
		rte_tel_data_add_dict_u64(d, "largest_free", st.largest_free);
		rte_tel_data_add_dict_u64(d, "free_extents", st.free_extents);
		snprintf(frag, sizeof(frag), "%.6f", st.fragmentation);
		rte_tel_data_add_dict_string(d, "fragmentation", frag);
		rte_tel_data_add_dict_u64(d, "tree_height_max", st.tree_height_max);
		rte_tel_data_add_dict_u64(d, "metadata_bytes", st.metadata_bytes);
		rte_tel_data_add_dict_u64(d, "allocs", st.allocs);
		rte_tel_data_add_dict_u64(d, "frees", st.frees);
		rte_tel_data_add_dict_u64(d, "foreign_objects", p->foreign);
		ret = 0;
	}
	rte_spinlock_unlock(&nta_pools_lock);
	return ret;
}

static int
nta_tel_regions(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct nta_region_info ri;
	struct nta_pool *p;
	uint32_t i, n;
	int ret = -EINVAL;

	rte_spinlock_lock(&nta_pools_lock);
	p = nta_tel_find(params);
	if (p != NULL) {
		rte_tel_data_start_dict(d);
		n = nta_region_count(p->arena);
		for (i = 0; i < n; i++) {
			struct rte_tel_data *r;
			char key[16], addr[32];

			if (nta_region_info(p->arena, i, &ri) != 0)
				continue;
			r = rte_tel_data_alloc();
			if (r == NULL)
				break;
			rte_tel_data_start_dict(r);
			snprintf(addr, sizeof(addr), "%p", ri.base);
			rte_tel_data_add_dict_string(r, "base", addr);
			rte_tel_data_add_dict_u64(r, "size", ri.size);
			rte_tel_data_add_dict_u64(r, "iova", ri.iova);
			rte_tel_data_add_dict_int(r, "jumbo", ri.jumbo);
			rte_tel_data_add_dict_string(r, "path", ri.path);
			snprintf(key, sizeof(key), "%u", ri.id);
			rte_tel_data_add_dict_container(d, key, r, 0);
		}
		ret = 0;
	}
	rte_spinlock_unlock(&nta_pools_lock);
	return ret;
}

/* lib/nta logs through the driver's log type once the driver is loaded. */
static void
nta_mp_lib_log(int level, const char *msg)
{
	uint32_t l = level <= NTA_LOG_ERR ? RTE_LOG_ERR :
		level == NTA_LOG_WARNING ? RTE_LOG_WARNING :
		level <= NTA_LOG_INFO ? RTE_LOG_INFO : RTE_LOG_DEBUG;
	size_t n = strlen(msg);

	rte_log(l, nta_mp_logtype, "nta: %s%s", msg, (n > 0 && msg[n - 1] == '\n') ? "" : "\n");
}

RTE_INIT(nta_mempool_init)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		nta_membarrier_ok = true;
	nta_set_log(nta_mp_lib_log);
	rte_telemetry_register_cmd("/nta/pools", nta_tel_pools,
		"Mempools using the nta ops. No parameters");
	rte_telemetry_register_cmd("/nta/stats", nta_tel_stats,
		"Arena stats of an nta mempool. Parameters: pool name");
	rte_telemetry_register_cmd("/nta/regions", nta_tel_regions,
		"Regions of an nta mempool's arena. Parameters: pool name");
}
