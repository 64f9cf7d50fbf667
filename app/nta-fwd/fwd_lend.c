/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Data path, lending (one consumer slot, struct fwd_sess): each packet
 * received on the slot's queues is lent to the slot's consumer by
 * descriptor on the RX ring, and leaves (or is dropped) by the verdict the
 * consumer returns on the VERDICT ring. Every verdict is checked against what
 * was lent before it is acted on.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "nta.h"
#include "nta_share.h"
#include "fwd.h"

/*
 * Where the packet's bytes are, as a descriptor of a region lent to
 * consumers: its own region (found by the allocator), or in copy mode a
 * copy in the copy region at slot si. -1 when it cannot be lent.
 */
static inline int
lend_desc(struct fwd_sess *s, const struct rte_mbuf *m, uint32_t si, struct nta_desc *d)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	int id;

	/* >8 Start of describing a packet. */
	if (m->nb_segs != 1)
		return -1;
	d->len = m->data_len;
	if (s->f->copy_mode) {
		if (m->data_len > s->f->copy_slot)
			return -1;
		d->region = FWD_COPY_REGION_ID;
		d->offset = si * s->f->copy_slot;
		memcpy((uint8_t *)s->copy_region.base + d->offset, data, m->data_len);
		s->st.copied_bytes += m->data_len;
		return 0;
	}
	id = nta_region_of(s->gen.arena, data);
	if (id < 0 || (uint32_t)id >= s->gen.n_regions)
		return -1;
	d->region = (uint32_t)id;
	d->offset = (uint32_t)(data - (const uint8_t *)s->gen.region[id].base);
	/* >8 End of describing a packet. */
	return 0;
}

void
fwd_rx_prefetch(struct fwd_sess *s)
{
	struct rte_mempool_cache *c = rte_mempool_default_cache(s->pool, rte_lcore_id());
	uint32_t i;

	if (c == NULL)
		return;
	/* The next mbufs a receive takes are the top of the cache (LIFO). */
	for (i = 1; i <= 2 * FWD_BURST && i <= c->len; i++) {
		struct rte_mbuf *m = c->objs[c->len - i];

		rte_prefetch0_write((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM);
	}
}

/* Take back the packets of slots idx[0..n) that the RX ring had no room for. */
static void
lend_undo(struct fwd_sess *s, const uint32_t *idx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct fwd_slot *sl = &s->slot[idx[i]];

		rte_pktmbuf_free(sl->m);
		sl->m = NULL;
		sl->in_use = 0;
		s->free_slot[s->n_free_slot++] = idx[i];
		s->st.dropped_ring++;
	}
}

static void
lend_trace(struct fwd_sess *s, uint16_t port, const struct rte_mbuf *m, const struct nta_desc *d)
{
	fprintf(s->f->trace, "lend seq=%" PRIu64 " port=%u region=%u offset=%u len=%u"
			" data=%p region_base=%p\n", s->f->trace_seq++, port, d->region, d->offset,
			d->len, rte_pktmbuf_mtod(m, void *), fwd_region_by_id(s, d->region)->base);
}

void
fwd_lend_burst(struct fwd_sess *s, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct nta_share_desc d[FWD_BURST];
	uint32_t idx[FWD_BURST];
	uint16_t i, k = 0;
	int q;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fwd_slot *sl;
		uint32_t si;

		if (s->n_free_slot == 0) {
			s->st.dropped_full++;
			rte_pktmbuf_free(m);
			continue;
		}
		si = s->free_slot[s->n_free_slot - 1];
		if (lend_desc(s, m, si, &d[k].desc) < 0) {
			if (unlikely(m->nb_segs != 1))
				break; /* a chained frame: lent after those before it */
			s->st.dropped_other++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* >8 Start of lending a packet. */
		s->n_free_slot--;
		sl = &s->slot[si];
		sl->m = m;
		sl->gen++;
		sl->desc = d[k].desc;
		sl->port = port;
		sl->in_use = 1;
		d[k].flags = port;
		d[k].cookie = ((uint64_t)sl->gen << 32) | si;
		idx[k++] = si;
		/* >8 End of lending a packet. */
		if (s->f->trace != NULL)
			lend_trace(s, port, m, &sl->desc);
	}
	q = nta_share_ring_end_enqueue(&s->end[NTA_SHARE_RING_RX], d, k);
	if (q < 0) {
		s->corrupt = 1;
		q = 0;
	}
	s->st.to_consumer += (uint64_t)q;
	lend_undo(s, &idx[q], k - (unsigned int)q);
	if (q > 0)
		nta_share_wake(s->ring_base);
	if (unlikely(i < n))
		fwd_chain_lend(s, port, &pkts[i], n - i);
}

/*
 * The slot a verdict names, after checking every field against what was lent;
 * NULL (and the cause counted) when it is refused.
 */
static inline struct fwd_slot *
verdict_check(struct fwd_sess *s, const struct nta_share_desc *v)
{
	const struct fwd_region *r = fwd_region_by_id(s, v->desc.region);
	uint32_t si = (uint32_t)v->cookie;
	uint32_t gen = (uint32_t)(v->cookie >> 32);
	uint32_t verdict = v->flags & (NTA_SHARE_F_FORWARD | NTA_SHARE_F_DROP);
	struct fwd_slot *sl;

	/* >8 Start of checking a verdict. */
	if (r == NULL || r->flags & NTA_SHARE_REGION_TX) {
		s->st.refused_region++;
		return NULL;
	}
	if (v->desc.offset >= r->size || v->desc.len > r->size - v->desc.offset) {
		s->st.refused_range++;
		return NULL;
	}
	if (si >= s->f->max_inflight) {
		s->st.refused_not_held++;
		return NULL;
	}
	sl = &s->slot[si];
	if (gen != sl->gen) {
		s->st.refused_stale++;
		return NULL;
	}
	if (!sl->in_use) {
		s->st.refused_dup++;
		return NULL;
	}
	if (sl->desc.region != v->desc.region || sl->desc.offset != v->desc.offset ||
			sl->desc.len != v->desc.len) {
		s->st.refused_not_held++;
		return NULL;
	}
	if (verdict != NTA_SHARE_F_FORWARD && verdict != NTA_SHARE_F_DROP) {
		s->st.refused_verdict++;
		return NULL;
	}
	/* >8 End of checking a verdict. */
	return sl;
}

struct fwd_slot *
fwd_verdict_check(struct fwd_sess *s, const struct nta_share_desc *v)
{
	return verdict_check(s, v);
}

void
fwd_verdicts_poll(struct fwd_sess *s)
{
	struct rte_mbuf *out[2][64];
	struct nta_share_desc d[64];
	uint16_t nout[2] = { 0, 0 };
	int n, i;

	n = nta_share_ring_end_dequeue(&s->end[NTA_SHARE_RING_VERDICT], d, 64);
	if (n < 0) {
		s->corrupt = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		struct fwd_slot *sl = unlikely((d[i].flags & NTA_SHARE_F_MORE) | s->vchain_n) ?
			fwd_chain_verdict(s, &d[i]) : verdict_check(s, &d[i]);

		if (sl == NULL)
			continue;
		if (unlikely(sl->seg != FWD_SEG_NONE)) {
			s->st.refused_chain++; /* one segment of a chain, alone */
			continue;
		}
		sl->in_use = 0;
		s->free_slot[s->n_free_slot++] = (uint32_t)(sl - s->slot);
		if (d[i].flags & NTA_SHARE_F_DROP) {
			s->st.verdict_drop++;
			rte_pktmbuf_free(sl->m);
		} else {
			uint16_t p = sl->port ^ 1;

			s->st.verdict_fwd++;
			rte_prefetch0(rte_pktmbuf_mtod(sl->m, void *));
			out[p][nout[p]++] = sl->m;
		}
		sl->m = NULL;
	}
	fwd_tx_burst(s, s->f->ports[0], out[0], nout[0]);
	fwd_tx_burst(s, s->f->ports[1], out[1], nout[1]);
}
