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
 * consumers (the e2e tests check it against the mappings). Slot 0's pool.
 */
void
fwd_print_header_span(const struct fwd *f)
{
	const struct fwd_sess *s = f->sess[0];
	struct hdr_span sp = { 0, 0, 0 };
	const char *where = "private memory";
	uint32_t i;

	rte_mempool_obj_iter(s->pool, hdr_span_add, &sp);
	for (i = 0; i < s->gen.n_regions; i++) {
		uintptr_t b = (uintptr_t)s->gen.region[i].base;

		if (sp.lo < b + s->gen.region[i].size && b < sp.hi)
			where = "shared regions";
	}
	printf("nta-fwd: mbuf headers: pool=%p n=%u span=%#" PRIxPTR "-%#" PRIxPTR " in %s\n",
			(void *)s->pool, sp.n, sp.lo, sp.hi, where);
}

void
fwd_stats_add(struct fwd_stats *a, const struct fwd_stats *b)
{
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;
	size_t i;

	RTE_BUILD_BUG_ON(sizeof(*a) % sizeof(uint64_t) != 0);
	for (i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

void
fwd_stats_total(const struct fwd *f, struct fwd_stats *t)
{
	uint32_t k;

	*t = f->st;
	for (k = 0; k < f->n_consumers; k++)
		fwd_stats_add(t, &f->sess[k]->st);
}

uint32_t
fwd_pool_in_use(const struct fwd *f)
{
	uint32_t k, n = 0;

	for (k = 0; k < f->n_consumers; k++)
		n += rte_mempool_in_use_count(f->sess[k]->pool);
	return n;
}

static uint64_t
refused(const struct fwd_stats *s)
{
	return s->refused_region + s->refused_range + s->refused_not_held + s->refused_dup +
		s->refused_stale + s->refused_verdict + s->refused_unsealed + s->refused_chain;
}

/* Busy cycles per packet received; 0 when nothing was received. */
static double
cycles_per_pkt(uint64_t cycles, uint64_t pkts)
{
	return pkts == 0 ? 0.0 : (double)cycles / (double)pkts;
}

/* One line per slot (only with several): what its consumer is lent and returns. */
static void
print_slots(const struct fwd *f)
{
	uint32_t k;

	for (k = 0; k < f->n_consumers && f->n_consumers > 1; k++) {
		const struct fwd_sess *s = f->sess[k];

		printf("nta-fwd: slot %u: rx=%" PRIu64 " to_consumer=%" PRIu64 " verdict_fwd=%"
			PRIu64 " verdict_drop=%" PRIu64 " refused=%" PRIu64 " inflight=%u"
			" pool_in_use=%u gen=%u attached=%d pid=%d cycles_per_pkt=%.1f\n", k, s->st.rx,
			s->st.to_consumer, s->st.verdict_fwd, s->st.verdict_drop,
			refused(&s->st) + s->st.refused_tx, fwd_inflight(s),
			rte_mempool_in_use_count(s->pool), s->gen.number,
			s->attached ? 1 : (s->retiring ? -1 : 0), s->pid,
			cycles_per_pkt(s->st.busy_cycles, s->st.rx));
	}
}

/*
 * The stats lines. cycles_per_pkt: busy cycles per packet received since the
 * previous stats line (tag "stats:"), or over the whole run ("final:").
 */
void
fwd_print_stats(struct fwd *f, const char *tag)
{
	struct fwd_stats t;
	uint32_t k, inflight = 0, tx_inflight = 0, attached = 0;
	double cpp;

	fwd_stats_total(f, &t);
	cpp = tag[0] == 'f' ? cycles_per_pkt(t.busy_cycles, t.rx) :
		cycles_per_pkt(t.busy_cycles - f->last_busy, t.rx - f->last_rx);
	for (k = 0; k < f->n_consumers; k++) {
		inflight += fwd_inflight(f->sess[k]);
		tx_inflight += fwd_tx_inflight(f->sess[k]);
		attached += f->sess[k]->attached != 0;
	}
	print_slots(f);
	printf("nta-fwd: %s rx=%" PRIu64 " tx=%" PRIu64 " to_consumer=%" PRIu64
		" verdict_fwd=%" PRIu64 " verdict_drop=%" PRIu64 " consumer_tx=%" PRIu64
		" completions=%" PRIu64 " dropped=%" PRIu64 " inflight=%u tx_inflight=%u"
		" refused=%" PRIu64 " copied_bytes=%" PRIu64 " pool_in_use=%u attached=%u"
		" rotations=%" PRIu64 " retired_mb=%" PRIu64 " busy_cycles=%" PRIu64
		" cycles_per_pkt=%.1f\n",
		tag, t.rx, t.tx, t.to_consumer, t.verdict_fwd, t.verdict_drop,
		t.consumer_tx, t.completions,
		t.dropped_full + t.dropped_ring + t.dropped_tx + t.dropped_other +
		t.dropped_chain,
		inflight, tx_inflight, refused(&t), t.copied_bytes, fwd_pool_in_use(f), attached,
		t.rotations, (f->retired_bytes + (1u << 20) - 1) >> 20, t.busy_cycles, cpp);
	f->last_busy = t.busy_cycles;
	f->last_rx = t.rx;
	fflush(stdout);
}

void
fwd_print_final(struct fwd *f)
{
	struct fwd_stats t;
	const struct fwd_stats *s = &t;

	fwd_stats_total(f, &t);
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
