/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* dpdk-nta-fwd's output: where the mbuf headers are, stats lines. */

#include <inttypes.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fwd.h"

/* Address span of the mbuf headers of a pool. */
struct hdr_span {
	uintptr_t lo, hi;
	uint32_t n;
};

static void
hdr_span_add(struct rte_mempool *mp __rte_unused, void *arg, void *obj,
		unsigned int idx __rte_unused)
{
	struct hdr_span *s = arg;
	uintptr_t a = (uintptr_t)obj;

	if (s->n == 0 || a < s->lo)
		s->lo = a;
	if (s->n == 0 || a + sizeof(struct rte_mbuf) > s->hi)
		s->hi = a + sizeof(struct rte_mbuf);
	s->n++;
}

/*
 * Where the mbuf headers are: the pool pointer every header holds, the
 * address span of the headers, and whether that span meets a region lent to
 * consumers (the e2e tests check it against the mappings).
 */
void
fwd_print_header_span(const struct fwd *f)
{
	struct hdr_span s = { 0, 0, 0 };
	const char *where = "private memory";
	uint32_t i;

	rte_mempool_obj_iter(f->pool, hdr_span_add, &s);
	for (i = 0; i < f->n_regions; i++) {
		uintptr_t b = (uintptr_t)f->region[i].base;

		if (s.lo < b + f->region[i].size && b < s.hi)
			where = "shared regions";
	}
	printf("nta-fwd: mbuf headers: pool=%p n=%u span=%#" PRIxPTR "-%#" PRIxPTR " in %s\n",
			(void *)f->pool, s.n, s.lo, s.hi, where);
}

static uint64_t
refused(const struct fwd_stats *s)
{
	return s->refused_region + s->refused_range + s->refused_not_held + s->refused_dup +
		s->refused_stale + s->refused_verdict + s->refused_unsealed + s->refused_chain;
}

void
fwd_print_stats(struct fwd *f, const char *tag)
{
	const struct fwd_stats *s = &f->st;

	printf("nta-fwd: %s rx=%" PRIu64 " tx=%" PRIu64 " to_consumer=%" PRIu64
		" verdict_fwd=%" PRIu64 " verdict_drop=%" PRIu64 " consumer_tx=%" PRIu64
		" completions=%" PRIu64 " dropped=%" PRIu64 " inflight=%u tx_inflight=%u"
		" refused=%" PRIu64 " copied_bytes=%" PRIu64 " pool_in_use=%u attached=%d\n",
		tag, s->rx, s->tx, s->to_consumer, s->verdict_fwd, s->verdict_drop,
		s->consumer_tx, s->completions,
		s->dropped_full + s->dropped_ring + s->dropped_tx + s->dropped_other +
		s->dropped_chain,
		fwd_inflight(f), fwd_tx_inflight(f), refused(s), s->copied_bytes,
		rte_mempool_in_use_count(f->pool), f->attached);
	fflush(stdout);
}

void
fwd_print_final(struct fwd *f)
{
	const struct fwd_stats *s = &f->st;

	fwd_print_stats(f, "final:");
	printf("nta-fwd: final: dropped_full=%" PRIu64 " dropped_ring=%" PRIu64
		" dropped_tx=%" PRIu64 " dropped_other=%" PRIu64 " tx_failed=%" PRIu64 "\n",
		s->dropped_full, s->dropped_ring, s->dropped_tx, s->dropped_other, s->tx_failed);
	printf("nta-fwd: final: refused_region=%" PRIu64 " refused_range=%" PRIu64
		" refused_not_held=%" PRIu64 " refused_dup=%" PRIu64 " refused_stale=%" PRIu64
		" refused_verdict=%" PRIu64 " refused_tx=%" PRIu64 "\n",
		s->refused_region, s->refused_range, s->refused_not_held, s->refused_dup,
		s->refused_stale, s->refused_verdict, s->refused_tx);
	printf("nta-fwd: final: consumers=%" PRIu64 " consumers_refused=%" PRIu64
		" consumers_denied=%" PRIu64 " protocol_errors=%" PRIu64 " reclaimed=%" PRIu64
		" rx_bytes=%" PRIu64 "\n",
		s->consumers, s->consumers_refused, s->consumers_denied, s->protocol_errors,
		s->reclaimed, s->rx_bytes);
	printf("nta-fwd: final: tx_sealed=%" PRIu64 " tx_expelled=%" PRIu64
		" refused_unsealed=%" PRIu64 "\n", s->tx_sealed, s->tx_expelled,
		s->refused_unsealed);
	printf("nta-fwd: final: chains=%" PRIu64 " refused_chain=%" PRIu64
		" dropped_chain=%" PRIu64 "\n", s->chains, s->refused_chain, s->dropped_chain);
	fflush(stdout);
}
