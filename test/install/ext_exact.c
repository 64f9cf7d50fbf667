/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * A DPDK application outside the tree, built from installed files only:
 *   cc ext_exact.c $(pkg-config --cflags --libs libnta-dpdk)
 * It links the mempool driver (librte_mempool_nta.so.0) and asks it for
 * exact-size mbufs: a 64-byte and a 9000-byte packet, each one contiguous
 * buffer of exactly its size rounded to the unit. Exit 0 when all holds.
 * Arguments are EAL's (e.g. --no-pci --in-memory --no-huge -m 256).
 */

#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <rte_mempool_nta.h>

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "ext_exact: check failed: %s (line %d): %s\n", #c, __LINE__, \
			rte_strerror(rte_errno)); \
		return 1; \
	} \
} while (0)

static size_t
round_unit(size_t n)
{
	return (n + NTA_UNIT - 1) / NTA_UNIT * NTA_UNIT;
}

int
main(int argc, char **argv)
{
	struct nta_arena_config cfg;
	struct rte_nta_exact *ex;
	struct nta_arena *a;
	struct rte_mbuf *m64, *mj;

	CHECK(rte_eal_init(argc, argv) >= 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "ext-exact";
	cfg.backing = NTA_BACKING_ANON;
	a = nta_arena_create(&cfg);
	CHECK(a != NULL);
	ex = rte_nta_exact_create("extx", a, 64, 0, SOCKET_ID_ANY);
	CHECK(ex != NULL);
	m64 = rte_nta_pktmbuf_alloc_exact(ex, 64 + RTE_PKTMBUF_HEADROOM, RTE_PKTMBUF_HEADROOM);
	mj = rte_nta_pktmbuf_alloc_exact(ex, 9000 + RTE_PKTMBUF_HEADROOM, RTE_PKTMBUF_HEADROOM);
	CHECK(m64 != NULL && mj != NULL);
	CHECK(RTE_MBUF_HAS_EXTBUF(m64) && RTE_MBUF_HAS_EXTBUF(mj));
	CHECK(nta_size(a, m64->buf_addr) == round_unit(64 + RTE_PKTMBUF_HEADROOM));
	CHECK(nta_size(a, mj->buf_addr) == round_unit(9000 + RTE_PKTMBUF_HEADROOM));
	CHECK(rte_pktmbuf_append(mj, 9000) != NULL && mj->nb_segs == 1);
	rte_pktmbuf_free(m64);
	rte_pktmbuf_free(mj);
	nta_cache_flush(a);
	CHECK(rte_nta_exact_free(ex) == 0);
	CHECK(nta_verify(a) == 0);
	nta_arena_destroy(a);
	printf("ext_exact: exact-size mbufs of %zu and %zu bytes from installed files: ok\n",
		round_unit(64 + RTE_PKTMBUF_HEADROOM), round_unit(9000 + RTE_PKTMBUF_HEADROOM));
	rte_eal_cleanup();
	return 0;
}
