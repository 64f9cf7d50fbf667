/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * 'nta' pools in DPDK's multi-process model.
 *
 * A pool's shared state (struct mpn_pool and its stacks) is in DPDK memory,
 * at the same address in every process. Its arena is not: the arena object
 * is private to the process that created the pool (p->owner), and so is the
 * mapping of an arena that owns its regions (hugetlbfs files). Another
 * process that uses the pool attaches to it, once:
 *   - it checks that pool_data is an 'nta' pool (magic) and that the pool's
 *     ops index names 'nta' here as in the creator (DPDK stores only the
 *     index: drivers registered in another order run another driver's ops);
 *   - when the objects' memory is not DPDK's (rte_nta_pktmbuf_pool_create(),
 *     pinned pools' data), it asks the primary over DPDK's multi-process IPC
 *     for the regions of the pool's arena with their fds, MPN_IPC_REGS at a
 *     time, and maps each at the primary's address (MAP_FIXED_NOREPLACE:
 *     buffer addresses in mbufs are the primary's);
 *   - rte_nta_mempool_arena() gets a view: an external arena over the same
 *     memory whose regions have the same ids, each held by one allocation,
 *     so that descriptors, nta_region_info() and nta_iova() work and nothing
 *     can be allocated from it. Each call brings the view up to the regions
 *     the primary has then.
 * Attachments, mappings and views live until the process exits.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_string_fns.h>

#include "nta_mempool_private.h"

#define MPN_IPC_NAME "nta_mp_regions"
/* Regions described by one message: one fd each at most. */
#define MPN_IPC_REGS RTE_MP_MAX_FD_NUM
/* How long a secondary waits for the primary's answer. */
#define MPN_IPC_TIMEOUT_S 5

/* Which arena of a pool an attachment is about. */
enum { MPN_ARENA_OBJ, MPN_ARENA_DATA };

/* Request: the regions of a pool's arena from id 'first' on. */
struct mpn_ipc_req {
	char pool[RTE_MEMPOOL_NAMESIZE];
	uint64_t serial;        /* the pool's, so that a re-created pool is not taken */
	uint32_t which;         /* MPN_ARENA_* */
	uint32_t first;
};

struct mpn_ipc_reg {
	uint64_t base;          /* address in the primary */
	uint64_t size;
	uint64_t iova;          /* UINT64_MAX when unknown */
};

/* Answer: regions first .. first + n - 1 of count; fds in the message. */
struct mpn_ipc_rep {
	int32_t err;            /* 0 or an errno value */
	uint32_t count;
	uint32_t first;
	uint32_t n;
	uint32_t fd_mask;       /* bit i: reg[i] comes with the message's next fd */
	uint32_t pad;
	struct mpn_ipc_reg reg[MPN_IPC_REGS];
};

_Static_assert(sizeof(struct mpn_ipc_req) <= RTE_MP_MAX_PARAM_LEN, "request fits a message");
_Static_assert(sizeof(struct mpn_ipc_rep) <= RTE_MP_MAX_PARAM_LEN, "answer fits a message");

/*
 * This process's attachment to a pool it did not create. Published once on
 * mpn_atts (never removed); the fields below 'serial' change under
 * mpn_att_lock only, 'state' is also read without it.
 */
struct mpn_att {
	struct mpn_att *next;
	const struct mpn_pool *p;
	uint64_t serial;
	int err;                /* 0: the pool is usable here; else an errno value */
	bool ready;             /* the objects' memory is usable here */
	int map_err;            /* errno value of a failed first mapping, or 0 */
	uint32_t mapped;        /* regions 0 .. mapped - 1 are usable here */
	struct nta_arena *view; /* regions 0 .. count - 1 of the view; NULL: none */
};

uint64_t mpn_proc_self;
static uint64_t mpn_serial_next;
static struct mpn_att *mpn_atts;
static pthread_mutex_t mpn_att_lock = PTHREAD_MUTEX_INITIALIZER;
static bool mpn_ipc_registered;

/* Index of ops 'nta' in this process, or -1. */
static int32_t
mpn_ops_index_here(void)
{
	uint32_t i;

	for (i = 0; i < rte_mempool_ops_table.num_ops; i++)
		if (strcmp(rte_mempool_ops_table.ops[i].name, RTE_NTA_MEMPOOL_OPS_NAME) == 0)
			return (int32_t)i;
	return -1;
}

/* ---- Primary: answer secondaries' requests. */

struct mpn_ipc_ctx {
	const struct mpn_ipc_req *req;
	struct rte_mp_msg *out;
	struct mpn_ipc_rep *rep;
	bool found;
};

/* Fill the answer for the pool of the request (mempool list read-locked). */
static void
mpn_ipc_fill(struct mpn_ipc_ctx *c, const struct mpn_pool *p)
{
	const struct nta_arena *arena = c->req->which == MPN_ARENA_DATA ? p->data_arena : p->arena;
	struct mpn_ipc_rep *rep = c->rep;
	uint32_t i;

	if (arena == NULL) {
		rep->err = ENOENT;
		return;
	}
	rep->count = nta_region_count(arena);
	rep->first = c->req->first;
	for (i = c->req->first; i < rep->count && rep->n < MPN_IPC_REGS; i++) {
		struct nta_region_info ri;
		struct mpn_ipc_reg *r = &rep->reg[rep->n];

		if (nta_region_info(arena, i, &ri) != 0) {
			rep->err = EIO;
			return;
		}
		r->base = (uint64_t)(uintptr_t)ri.base;
		r->size = ri.size;
		r->iova = ri.iova;
		if (ri.fd >= 0) {
			rep->fd_mask |= 1u << rep->n;
			c->out->fds[c->out->num_fds++] = ri.fd;
		}
		rep->n++;
	}
}

static void
mpn_ipc_walk(struct rte_mempool *mp, void *arg)
{
	struct mpn_ipc_ctx *c = arg;
	const struct mpn_pool *p;

	if (c->found || strcmp(mp->name, c->req->pool) != 0)
		return;
	c->found = true;
	p = mpn_pool(mp);
	if (p == NULL || p->owner != mpn_proc_self || p->serial != c->req->serial) {
		c->rep->err = ENOENT;
		return;
	}
	mpn_ipc_fill(c, p);
}

static int
mpn_ipc_handle(const struct rte_mp_msg *msg, const void *peer)
{
	struct mpn_ipc_req req;
	struct rte_mp_msg out;
	struct mpn_ipc_ctx c = { .req = &req, .out = &out };

	memset(&out, 0, sizeof(out));
	rte_strlcpy(out.name, MPN_IPC_NAME, sizeof(out.name));
	out.len_param = sizeof(struct mpn_ipc_rep);
	c.rep = (struct mpn_ipc_rep *)out.param;
	if (msg->len_param != (int)sizeof(req)) {
		c.rep->err = EINVAL;
	} else {
		memcpy(&req, msg->param, sizeof(req));
		req.pool[sizeof(req.pool) - 1] = '\0';
		/* Under the mempool list's read lock: the pool can't be freed meanwhile. */
		rte_mempool_walk(mpn_ipc_walk, &c);
		if (!c.found)
			c.rep->err = ENOENT;
	}
	if (c.rep->err != 0)
		out.num_fds = 0;
	return rte_mp_reply(&out, peer);
}

void
mpn_proc_pool_init(struct mpn_pool *p)
{
	p->magic = MPN_POOL_MAGIC;
	p->owner = mpn_proc_self;
	p->serial = mpn_proc_self + __atomic_add_fetch(&mpn_serial_next, 1, __ATOMIC_RELAXED);
	p->ops_index = p->mp->ops_index;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY ||
			__atomic_load_n(&mpn_ipc_registered, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&mpn_att_lock);
	if (!mpn_ipc_registered) {
		/* ENOTSUP: no shared config (--in-memory), so no secondaries either. */
		if (rte_mp_action_register(MPN_IPC_NAME, mpn_ipc_handle) == 0 ||
				rte_errno == EEXIST || rte_errno == ENOTSUP)
			__atomic_store_n(&mpn_ipc_registered, true, __ATOMIC_RELEASE);
		else
			MPN_LOG(WARNING, "cannot register IPC action %s: %s; secondary "
				"processes will not map nta pools' arenas", MPN_IPC_NAME,
				rte_strerror(rte_errno));
	}
	pthread_mutex_unlock(&mpn_att_lock);
}

/* ---- Secondary (any process but the creator): attach. */

/* This process's attachment to p, or NULL. Lock-free. */
static struct mpn_att *
mpn_att_find(const struct mpn_pool *p)
{
	struct mpn_att *a;

	for (a = __atomic_load_n(&mpn_atts, __ATOMIC_ACQUIRE); a != NULL; a = a->next)
		if (a->p == p && a->serial == p->serial)
			return a;
	return NULL;
}

/* Check p and publish an attachment (mpn_att_lock held). NULL: no memory. */
static struct mpn_att *
mpn_att_new(const struct mpn_pool *p)
{
	struct mpn_att *a = calloc(1, sizeof(*a));
	int32_t here = mpn_ops_index_here();

	if (a == NULL)
		return NULL;
	a->p = p;
	if (p->magic != MPN_POOL_MAGIC) {
		MPN_LOG(ERR, "a pool whose ops index %d names 'nta' in this process is another "
			"driver's pool in the process that created it: refused; mempool drivers "
			"must be registered in the same order in every process (same -d options, "
			"same order)", here);
		a->err = EPROTO;
	} else if (p->ops_index != here) {
		MPN_LOG(ERR, "pool %s: ops 'nta' has index %d in the process that created it "
			"and %d here: mempool drivers must be registered in the same order in "
			"every process (same -d options, same order)", p->mp->name, p->ops_index, here);
		a->err = EPROTO;
	}
	a->serial = p->serial;
	a->next = mpn_atts;
	__atomic_store_n(&mpn_atts, a, __ATOMIC_RELEASE);
	return a;
}

/* Ask the primary for regions first.. of arena which of p. 0, or an errno value. */
static int
mpn_ipc_ask(const struct mpn_pool *p, uint32_t which, uint32_t first, struct rte_mp_msg *ans)
{
	struct timespec ts = { .tv_sec = MPN_IPC_TIMEOUT_S };
	struct rte_mp_reply reply = { 0 };
	struct rte_mp_msg msg;
	struct mpn_ipc_req *req = (struct mpn_ipc_req *)msg.param;
	int err = 0;

	memset(&msg, 0, sizeof(msg));
	rte_strlcpy(msg.name, MPN_IPC_NAME, sizeof(msg.name));
	msg.len_param = sizeof(*req);
	rte_strlcpy(req->pool, p->mp->name, sizeof(req->pool));
	req->serial = p->serial;
	req->which = which;
	req->first = first;
	if (rte_mp_request_sync(&msg, &reply, &ts) != 0 || reply.nb_received != 1) {
		err = rte_errno != 0 ? rte_errno : ETIMEDOUT;
		MPN_LOG(ERR, "pool %s: no answer from the primary to %s (%s): is the nta "
			"driver loaded there?", p->mp->name, MPN_IPC_NAME, rte_strerror(err));
		free(reply.msgs);
		return err;
	}
	*ans = reply.msgs[0];
	free(reply.msgs);
	if (ans->len_param != (int)sizeof(struct mpn_ipc_rep)) {
		MPN_LOG(ERR, "pool %s: malformed answer from the primary", p->mp->name);
		for (int i = 0; i < ans->num_fds; i++)
			close(ans->fds[i]);
		return EPROTO;
	}
	return 0;
}

/*
 * Make region r (id) of pool p usable here: map its fd at the primary's
 * address, or check that fd-less memory is DPDK memory mapped here. 0, or
 * an errno value (logged).
 */
static int
mpn_att_map_region(const struct mpn_pool *p, uint32_t id, const struct mpn_ipc_reg *r, int fd)
{
	void *base = (void *)(uintptr_t)r->base, *va;
	const struct rte_memseg_list *msl;

	if (fd < 0) {
		msl = rte_mem_virt2memseg_list(base);
		if (msl != NULL && !msl->external)
			return 0;
		MPN_LOG(ERR, "pool %s: region %u (%p, %zu bytes) is memory private to the "
			"primary (no file, not DPDK memory): it can't be used here",
			p->mp->name, id, base, (size_t)r->size);
		return ENOTSUP;
	}
	va = mmap(base, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (va == MAP_FAILED || va != base) {
		int err = va == MAP_FAILED ? errno : EEXIST;

		if (va != MAP_FAILED)
			munmap(va, r->size);
		MPN_LOG(ERR, "pool %s: cannot map region %u at the primary's address %p "
			"(%zu bytes): %s%s", p->mp->name, id, base, (size_t)r->size, strerror(err),
			err == EEXIST ? " (the range is taken in this process)" : "");
		return err;
	}
	/* Lets DPDK translate these addresses here too (when the primary registered them). */
	if (rte_extmem_attach(base, r->size) != 0)
		MPN_LOG(DEBUG, "pool %s: region %u not attached as external memory: %s",
			p->mp->name, id, rte_strerror(rte_errno));
	return 0;
}

/* The view of a, created empty if need be. NULL: no memory (logged). */
static struct nta_arena *
mpn_att_view(struct mpn_att *a)
{
	struct nta_arena_config cfg = {
		.name = "nta-view",
		.backing = NTA_BACKING_EXTERNAL,
		.region_size = NTA_REGION_MAX_BYTES,    /* every region fits one */
		.max_regions = NTA_MAX_REGIONS,
		.flags = NTA_ARENA_F_NO_CACHE | NTA_ARENA_F_QUIET,
	};

	if (a->view == NULL) {
		a->view = nta_arena_create(&cfg);
		if (a->view == NULL)
			MPN_LOG(ERR, "pool %s: no arena view: %s", a->p->mp->name,
				nta_strerror(nta_errno));
	}
	return a->view;
}

/* Add region id to the view, held by one allocation. 0, or an errno value. */
static int
mpn_att_view_add(struct mpn_att *a, uint32_t id, const struct mpn_ipc_reg *r)
{
	struct nta_arena *v = mpn_att_view(a);
	void *base = (void *)(uintptr_t)r->base;

	if (v == NULL)
		return ENOMEM;
	if (nta_arena_add_memory(v, base, r->size, r->iova) != (int)id ||
			nta_alloc(v, r->size) != base) {
		MPN_LOG(ERR, "pool %s: region %u (%p, %zu bytes) does not fit the view: %s",
			a->p->mp->name, id, base, (size_t)r->size, nta_strerror(nta_errno));
		return EPROTO;
	}
	return 0;
}

/*
 * Bring the attachment up to the primary's regions of the pool's arena
 * (mpn_att_lock held): make the new ones usable here and, when view, add
 * them to the view (view count <= mapped, always). 0, or an errno value
 * (logged).
 */
static int
mpn_att_sync(struct mpn_att *a, bool view)
{
	const struct mpn_pool *p = a->p;
	uint32_t which = p->data_arena != NULL ? MPN_ARENA_DATA : MPN_ARENA_OBJ;
	uint32_t next;
	int err = 0;

	if (view && mpn_att_view(a) == NULL)
		return ENOMEM;
	next = view ? nta_region_count(a->view) : a->mapped;
	for (;;) {
		struct rte_mp_msg ans;
		const struct mpn_ipc_rep *rep = (const struct mpn_ipc_rep *)ans.param;
		uint32_t i;
		int k = 0;

		err = mpn_ipc_ask(p, which, next, &ans);
		if (err != 0)
			return err;
		if (rep->err != 0 || rep->first != next || rep->n > MPN_IPC_REGS) {
			err = rep->err != 0 ? rep->err : EPROTO;
			MPN_LOG(ERR, "pool %s: the primary refused its regions from %u on: %s",
				p->mp->name, next, strerror(err));
		}
		for (i = 0; err == 0 && i < rep->n; i++) {
			uint32_t id = next + i;
			int fd = -1;

			if ((rep->fd_mask & (1u << i)) != 0) {
				if (k >= ans.num_fds) {
					err = EPROTO;
					break;
				}
				fd = ans.fds[k++];
			}
			if (id >= a->mapped) {
				err = mpn_att_map_region(p, id, &rep->reg[i], fd);
				if (err == 0)
					a->mapped = id + 1;
			}
			if (err == 0 && view)
				err = mpn_att_view_add(a, id, &rep->reg[i]);
		}
		for (k = 0; k < ans.num_fds; k++)
			close(ans.fds[k]);
		if (err != 0)
			return err;
		next += rep->n;
		if (rep->n == 0 || next >= rep->count)
			return 0;
	}
}

/* Whether p's objects are in memory DPDK does not map in every process. */
static bool
mpn_needs_map(const struct mpn_pool *p)
{
	return p->data_arena != NULL || !p->external;
}

/* This process's attachment to p, checked (and mapped when map) (lock held). */
static int
mpn_att_get(const struct mpn_pool *p, bool map, struct mpn_att **out)
{
	struct mpn_att *a = mpn_att_find(p);

	if (a == NULL)
		a = mpn_att_new(p);
	*out = a;
	if (a == NULL)
		return ENOMEM;
	if (a->err != 0)
		return a->err;
	if (!map || a->ready)
		return 0;
	if (a->map_err != 0)
		return a->map_err;
	if (mpn_needs_map(p) && rte_eal_process_type() == RTE_PROC_PRIMARY) {
		MPN_LOG(ERR, "pool %s: created by a secondary process with memory of its own: "
			"the primary can't map it", p->mp->name);
		a->map_err = ENOTSUP;
	} else if (mpn_needs_map(p)) {
		a->map_err = mpn_att_sync(a, false);
	}
	if (a->map_err == 0)
		__atomic_store_n(&a->ready, true, __ATOMIC_RELEASE);
	return a->map_err;
}

int
mpn_proc_enter(const struct mpn_pool *p, bool map)
{
	struct mpn_att *a = mpn_att_find(p);
	int err;

	if (likely(a != NULL && a->err == 0 && (!map || __atomic_load_n(&a->ready,
			__ATOMIC_ACQUIRE))))
		return 0;
	pthread_mutex_lock(&mpn_att_lock);
	err = mpn_att_get(p, map, &a);
	pthread_mutex_unlock(&mpn_att_lock);
	return -err;
}

struct nta_arena *
mpn_proc_arena(struct mpn_pool *p)
{
	struct nta_arena *view = NULL;
	struct mpn_att *a;
	int err;

	if (p->owner == mpn_proc_self)
		return p->data_arena != NULL ? p->data_arena : p->arena;
	pthread_mutex_lock(&mpn_att_lock);
	err = mpn_att_get(p, true, &a);
	if (err == 0)
		err = mpn_att_sync(a, true);
	if (err == 0)
		view = a->view;
	pthread_mutex_unlock(&mpn_att_lock);
	if (view == NULL)
		rte_errno = err;
	return view;
}

bool
mpn_proc_is_view(const struct nta_arena *arena)
{
	const struct mpn_att *a;

	for (a = __atomic_load_n(&mpn_atts, __ATOMIC_ACQUIRE); a != NULL; a = a->next)
		if (arena != NULL && a->view == arena)
			return true;
	return false;
}

int
mpn_proc_why_not(const struct rte_mempool *mp)
{
	const struct mpn_pool *p = mp->pool_data;
	const struct rte_memseg_list *msl;
	const struct rte_mempool_ops *ops;

	if (p == NULL)
		return EINVAL;
	/* Read pool_data only when it is DPDK memory (another driver's is, usually). */
	msl = rte_mem_virt2memseg_list(p);
	if (msl == NULL || msl->external || p->magic != MPN_POOL_MAGIC)
		return EINVAL;
	ops = rte_mempool_get_ops(mp->ops_index);
	MPN_LOG(ERR, "pool %s: made with ops 'nta' (index %d in the process that created "
		"it) but index %d names '%s' here: mempool drivers must be registered in the "
		"same order in every process (same -d options, same order)", mp->name,
		p->ops_index, mp->ops_index, ops != NULL ? ops->name : "?");
	return EPROTO;
}

RTE_INIT(mpn_proc_init)
{
	uint64_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = ((uint64_t)getpid() << 32) ^ rte_rdtsc();
	mpn_proc_self = id != 0 ? id : 1;
}
