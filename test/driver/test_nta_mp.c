/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * 'nta' pools in DPDK's multi-process model.
 *
 * Usage: test_nta_mp [EAL options, not --in-memory]
 * The primary creates three pools with the ops 'nta' - one from
 * rte_nta_pktmbuf_pool_create() (hugetlbfs memory the arena owns), one
 * pinned (data in such memory) and one ordinary (DPDK memory) - leaves part
 * of the first pool's objects in its own lcore stack, then runs itself again
 * as a secondary (same EAL options, --proc-type=secondary, same lcores) and
 * waits. The secondary:
 *   - gets every mbuf of each pool (stealing from the primary's lcore stack
 *     across processes), writes a pattern into each one's data, records the
 *     mbufs in a memzone, and puts them back;
 *   - gets a view of each pool's arena from rte_nta_mempool_arena(): same
 *     region count and bases as the primary's, descriptors round-trip;
 *   - is refused exact-size mbufs with ENOTSUP (from the primary's source,
 *     and from a view);
 *   - sees refusals instead of another driver's ops: an 'nta' pool whose
 *     ops index is made to name another driver here (EPROTO from
 *     rte_nta_mempool_arena()), and a ring pool whose index is made to name
 *     'nta' (rte_mempool_get() fails).
 * Then the primary checks the pattern in every mbuf and that every object is
 * back. Exit status 0 when every check passed in both processes, 1
 * otherwise.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include <nta.h>
#include <rte_mempool_nta.h>

#include "drv_check.h"

#define N_MBUFS 1024
#define N_POOLS 3
#define MZ_NAME "nta_t_mp"

static const char *const pool_names[N_POOLS] = { "t_mp_huge", "t_mp_pinned", "t_mp_dflt" };

/* What the primary tells the secondary and the secondary hands back. */
struct shared {
	struct rte_nta_exact *ex;               /* primary's exact-size source */
	uint32_t regions[N_POOLS];              /* region count of each arena */
	void *base0[N_POOLS];                   /* base of each arena's region 0 */
	struct rte_mbuf *got[N_POOLS][N_MBUFS]; /* mbufs the secondary had */
	unsigned int n_got[N_POOLS];
	unsigned int sec_checks, sec_failures;
};

unsigned int failures;
unsigned int checks;

static uint8_t
pattern(unsigned int pool, unsigned int i, unsigned int k)
{
	return (uint8_t)(pool * 31 + i * 7 + k);
}

/* ---- Secondary. */

static void
sec_get_put(struct shared *sh, unsigned int k, struct rte_mempool *mp)
{
	unsigned int i, n = 0;
	struct rte_mbuf *m;

	while (n < N_MBUFS && (m = rte_pktmbuf_alloc(mp)) != NULL) {
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 64);

		CHECK(d != NULL, "pool %s: 64 bytes in mbuf %u", mp->name, n);
		for (i = 0; d != NULL && i < 64; i++)
			d[i] = pattern(k, n, i);
		sh->got[k][n++] = m;
	}
	sh->n_got[k] = n;
	CHECK(n == N_MBUFS, "pool %s: the secondary got %u of %u mbufs", mp->name, n, N_MBUFS);
	CHECK(rte_pktmbuf_alloc(mp) == NULL, "pool %s: empty", mp->name);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(sh->got[k][i]);
	CHECK(rte_mempool_avail_count(mp) == N_MBUFS, "pool %s: %u back", mp->name,
		rte_mempool_avail_count(mp));
}

static void
sec_view(struct shared *sh, unsigned int k, struct rte_mempool *mp)
{
	struct nta_arena *a = rte_nta_mempool_arena(mp);
	struct nta_region_info ri;
	struct rte_mbuf *m;
	struct nta_desc d;

	CHECK(a != NULL, "pool %s: a view here (%s)", mp->name, rte_strerror(rte_errno));
	if (a == NULL)
		return;
	CHECK(rte_nta_mempool_arena(mp) == a, "pool %s: the same view again", mp->name);
	CHECK(nta_region_count(a) == sh->regions[k], "pool %s: %u regions, primary %u",
		mp->name, nta_region_count(a), sh->regions[k]);
	CHECK(nta_region_info(a, 0, &ri) == 0 && ri.base == sh->base0[k],
		"pool %s: region 0 at the primary's address", mp->name);
	CHECK(nta_alloc(a, 64) == NULL, "pool %s: nothing allocated from a view", mp->name);
	m = rte_pktmbuf_alloc(mp);
	CHECK(m != NULL, "pool %s: an mbuf", mp->name);
	if (m == NULL)
		return;
	rte_pktmbuf_append(m, 100);
	CHECK(rte_nta_mbuf_to_desc(a, m, &d) == 0 &&
		nta_from_desc(a, &d) == rte_pktmbuf_mtod(m, void *),
		"pool %s: descriptor round trip in the view", mp->name);
	CHECK(nta_iova(a, rte_pktmbuf_mtod(m, void *)) == ri.iova +
		(uint64_t)(rte_pktmbuf_mtod(m, char *) - (char *)ri.base) || ri.iova == UINT64_MAX ||
		d.region != 0, "pool %s: IOVA as in the primary", mp->name);
	rte_pktmbuf_free(m);
}

static void
sec_exact(struct shared *sh, struct rte_mempool *huge)
{
	struct nta_arena *a = rte_nta_mempool_arena(huge);

	rte_errno = 0;
	CHECK(rte_nta_pktmbuf_alloc_exact(sh->ex, 100, 0) == NULL && rte_errno == ENOTSUP,
		"exact-size from the primary's source: ENOTSUP, got %d", rte_errno);
	rte_errno = 0;
	CHECK(rte_nta_exact_arena(sh->ex) == NULL && rte_errno == ENOTSUP,
		"the primary's source's arena: ENOTSUP");
	rte_errno = 0;
	CHECK(rte_nta_exact_create("t_mp_sx", a, 16, 0, SOCKET_ID_ANY) == NULL &&
		rte_errno == ENOTSUP, "exact-size source on a view: ENOTSUP, got %d", rte_errno);
}

/* Index of ops name here. */
static int
ops_index(const char *name)
{
	unsigned int i;

	for (i = 0; i < rte_mempool_ops_table.num_ops; i++)
		if (strcmp(rte_mempool_ops_table.ops[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Drivers registered in another order than in the creator: simulated by
 * changing a pool's ops index for a moment (the primary is waiting).
 */
static void
sec_mismatch(struct rte_mempool *nta_pool)
{
	struct rte_mempool *ring = rte_mempool_lookup("t_mp_ring");
	int32_t saved;
	void *obj = NULL;

	saved = nta_pool->ops_index;
	nta_pool->ops_index = ops_index("ring_mp_mc");
	rte_errno = 0;
	CHECK(rte_nta_mempool_arena(nta_pool) == NULL && rte_errno == EPROTO,
		"an nta pool whose index names ring_mp_mc here: EPROTO, got %d", rte_errno);
	nta_pool->ops_index = saved;

	CHECK(ring != NULL, "the primary's ring pool");
	if (ring == NULL)
		return;
	saved = ring->ops_index;
	ring->ops_index = ops_index("nta");
	CHECK(rte_mempool_get(ring, &obj) != 0, "a ring pool whose index names nta here: "
		"refused, not run");
	ring->ops_index = saved;
	CHECK(rte_mempool_get(ring, &obj) == 0, "the ring pool with its own index");
	if (obj != NULL)
		rte_mempool_put(ring, obj);
}

static int
secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MZ_NAME);
	struct rte_mempool *mp[N_POOLS];
	struct shared *sh;
	unsigned int k;

	if (mz == NULL) {
		printf("FAIL: no memzone %s\n", MZ_NAME);
		return 1;
	}
	sh = mz->addr;
	for (k = 0; k < N_POOLS; k++) {
		mp[k] = rte_mempool_lookup(pool_names[k]);
		CHECK(mp[k] != NULL, "pool %s", pool_names[k]);
		if (mp[k] == NULL)
			return 1;
	}
	for (k = 0; k < N_POOLS; k++) {
		sec_get_put(sh, k, mp[k]);
		sec_view(sh, k, mp[k]);
	}
	sec_exact(sh, mp[0]);
	sec_mismatch(mp[0]);
	sh->sec_checks = checks;
	sh->sec_failures = failures;
	printf("secondary: %u checks, %u failed\n", checks, failures);
	return failures != 0;
}

/* ---- Primary. */

static int
run_secondary(int eal_argc, char **argv)
{
	char **args = calloc((size_t)eal_argc + 4, sizeof(*args));
	int i, n = 0, status;
	pid_t pid;

	if (args == NULL)
		return -1;
	for (i = 0; i < eal_argc; i++)
		if (strcmp(argv[i], "--") != 0)
			args[n++] = argv[i];
	args[n++] = (char *)"--proc-type=secondary";
	args[n++] = (char *)"--";
	args[n++] = (char *)"secondary";
	args[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", args);
		_exit(127);
	}
	free(args);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
primary(int eal_argc, char **argv)
{
	const struct rte_memzone *mz;
	struct rte_mempool *mp[N_POOLS], *ring;
	struct rte_mbuf *held[200];
	struct shared *sh;
	unsigned int k, i, j;
	int st;

	mz = rte_memzone_reserve(MZ_NAME, sizeof(*sh), SOCKET_ID_ANY, 0);
	CHECK(mz != NULL, "memzone: %s", rte_strerror(rte_errno));
	if (mz == NULL)
		return 1;
	sh = mz->addr;
	memset(sh, 0, sizeof(*sh));
	mp[0] = rte_nta_pktmbuf_pool_create(pool_names[0], N_MBUFS, 0, 0, 2048, SOCKET_ID_ANY,
			NULL);
	mp[1] = rte_nta_pktmbuf_pool_create_pinned(pool_names[1], N_MBUFS, 0, 0, 2048,
			SOCKET_ID_ANY, NULL);
	mp[2] = rte_pktmbuf_pool_create_by_ops(pool_names[2], N_MBUFS, 0, 0, 2048,
			SOCKET_ID_ANY, RTE_NTA_MEMPOOL_OPS_NAME);
	ring = rte_mempool_create("t_mp_ring", 64, 64, 0, 0, NULL, NULL, NULL, NULL,
			SOCKET_ID_ANY, 0);
	CHECK(ring != NULL && strcmp(rte_mempool_get_ops(ring->ops_index)->name, "nta") != 0,
		"a pool of another driver");
	for (k = 0; k < N_POOLS; k++) {
		struct nta_arena *a;
		struct nta_region_info ri;

		CHECK(mp[k] != NULL, "pool %s: %s", pool_names[k], rte_strerror(rte_errno));
		if (mp[k] == NULL)
			return 1;
		a = rte_nta_mempool_arena(mp[k]);
		sh->regions[k] = nta_region_count(a);
		if (nta_region_info(a, 0, &ri) == 0)
			sh->base0[k] = ri.base;
	}
	sh->ex = rte_nta_exact_create("t_mp_ex", rte_nta_mempool_arena(mp[0]), 16, 0,
			SOCKET_ID_ANY);
	CHECK(sh->ex != NULL, "exact-size source: %s", rte_strerror(rte_errno));
	/* Objects in this process's lcore stack: the secondary must steal them. */
	for (i = 0; i < RTE_DIM(held); i++)
		held[i] = rte_pktmbuf_alloc(mp[0]);
	for (i = 0; i < RTE_DIM(held); i++)
		rte_pktmbuf_free(held[i]);

	st = run_secondary(eal_argc, argv);
	CHECK(st == 0, "the secondary exited with %d", st);
	checks += sh->sec_checks;

	for (k = 0; k < N_POOLS; k++) {
		unsigned int bad = 0;

		CHECK(sh->n_got[k] == N_MBUFS, "pool %s: secondary had %u", pool_names[k],
			sh->n_got[k]);
		for (i = 0; i < sh->n_got[k]; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(sh->got[k][i], const uint8_t *);

			for (j = 0; j < 64; j++)
				bad += d[j] != pattern(k, i, j);
		}
		CHECK(bad == 0, "pool %s: %u bytes the secondary wrote differ here",
			pool_names[k], bad);
		CHECK(rte_mempool_avail_count(mp[k]) == N_MBUFS, "pool %s: all %u back, %u",
			pool_names[k], N_MBUFS, rte_mempool_avail_count(mp[k]));
	}
	CHECK(rte_nta_exact_free(sh->ex) == 0, "exact-size source freed");
	for (k = 0; k < N_POOLS; k++)
		rte_mempool_free(mp[k]);
	rte_mempool_free(ring);
	rte_memzone_free(mz);
	printf("%u checks, %u failed (secondary: %u)\n", checks, failures, sh->sec_failures);
	return failures != 0;
}

int
main(int argc, char **argv)
{
	/* rte_eal_init() rewrites argv: keep the EAL options for the secondary. */
	char **orig = calloc((size_t)argc + 1, sizeof(*orig));
	bool is_secondary;
	int ret, eal_argc;

	if (orig == NULL)
		return 1;
	memcpy(orig, argv, (size_t)argc * sizeof(*orig));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot init EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	eal_argc = ret + 1;     /* the program and its EAL options */
	is_secondary = rte_eal_process_type() == RTE_PROC_SECONDARY;
	if (is_secondary)
		ret = secondary();
	else
		ret = primary(eal_argc, orig);
	rte_eal_cleanup();
	free(orig);
	return ret;
}
