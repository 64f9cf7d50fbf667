/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Data path, the consumer's transmit: buffers the consumer filled in its
 * transmit region come on the TX ring, are checked, attached to mbuf headers
 * as external buffers and sent; when the NIC is done with one, its
 * descriptor goes back on the COMPL ring.
 */

#include <rte_common.h>
#include <rte_mbuf.h>

#include "nta.h"
#include "nta_share.h"
#include "fwd.h"

/* Shortest frame a consumer may send: an Ethernet header. */
#define TX_MIN_LEN 14

void
fwd_tx_slots_init(struct fwd_sess *s)
{
	uint32_t i;

	for (i = 0; i < FWD_TX_SLOTS; i++) {
		s->tx_slot[i].index = i;
		s->tx_slot[i].s = s;
		s->tx_free[FWD_TX_SLOTS - 1 - i] = i;
	}
	s->n_tx_free = FWD_TX_SLOTS;
}

static inline int
tx_unit_busy(const struct fwd_sess *s, uint32_t unit)
{
	return (s->tx_busy[unit / 64] & (1ull << (unit % 64))) != 0;
}

/* >8 Start of completing a consumer buffer. */
static void
tx_done(void *addr __rte_unused, void *opaque)
{
	struct fwd_tx_slot *ts = opaque;
	struct fwd_sess *s = ts->s;
	uint32_t unit = ts->d.desc.offset / NTA_UNIT;

	s->tx_busy[unit / 64] &= ~(1ull << (unit % 64));
	/* The ring has room: admission counted this buffer (fwd_tx_poll). */
	if (s->attached && !s->corrupt) {
		int r = nta_share_ring_end_enqueue(&s->end[NTA_SHARE_RING_COMPL], &ts->d, 1);

		if (r == 1)
			s->st.completions++;
		else if (r < 0)
			s->corrupt = 1;
	}
	ts->in_use = 0;
	s->tx_free[s->n_tx_free++] = ts->index;
}
/* >8 End of completing a consumer buffer. */

/* 0 when the transmit descriptor v may be sent, -1 (cause counted) if not. */
static inline int
tx_check(struct fwd_sess *s, const struct nta_share_desc *v)
{
	const struct fwd_region *r = &s->tx_region;
	uint16_t port = v->flags & NTA_SHARE_F_PORT_MASK;

	if (!s->tx_sealed) {
		/* Not sealed yet: a hole may still be punched in it. */
		s->st.refused_tx++;
		s->st.refused_unsealed++;
		return -1;
	}
	if (v->flags & NTA_SHARE_F_MORE) {
		/* Chains are for received frames: a buffer of the TX region holds a whole frame. */
		s->st.refused_tx++;
		s->st.refused_chain++;
		return -1;
	}
	if (v->desc.region != FWD_TX_REGION_ID || r->base == NULL) {
		s->st.refused_tx++;
		s->st.refused_region++;
		return -1;
	}
	if (v->desc.offset >= r->size || v->desc.len < TX_MIN_LEN ||
			v->desc.len > FWD_TX_MAX_LEN || v->desc.len > r->size - v->desc.offset ||
			v->desc.offset % NTA_UNIT != 0 || port > 1) {
		s->st.refused_tx++;
		s->st.refused_range++;
		return -1;
	}
	if (tx_unit_busy(s, v->desc.offset / NTA_UNIT)) {
		s->st.refused_tx++;
		s->st.refused_dup++;
		return -1;
	}
	return 0;
}

/* Give v straight back on the COMPL ring as not sent. */
static void
tx_fail(struct fwd_sess *s, const struct nta_share_desc *v)
{
	struct nta_share_desc c = *v;

	c.flags |= NTA_SHARE_F_TX_FAILED;
	if (nta_share_ring_end_enqueue(&s->end[NTA_SHARE_RING_COMPL], &c, 1) < 0)
		s->corrupt = 1;
	s->st.dropped_tx++;
}

/* Most descriptors to take from the TX ring now: what can be completed. */
static inline int
tx_room(struct fwd_sess *s)
{
	int64_t compl = nta_share_ring_end_used(&s->end[NTA_SHARE_RING_COMPL]);
	uint32_t used, room;

	if (compl < 0) {
		s->corrupt = 1;
		return 0;
	}
	used = fwd_tx_inflight(s) + (uint32_t)compl;
	room = s->f->ring_size > used ? s->f->ring_size - used : 0;
	room = RTE_MIN(room, s->n_tx_free);
	return (int)RTE_MIN(room, 64u);
}

void
fwd_tx_poll(struct fwd_sess *s)
{
	struct rte_mbuf *out[2][64];
	struct nta_share_desc d[64];
	uint16_t nout[2] = { 0, 0 };
	const struct fwd_region *r = &s->tx_region;
	int n, i, want;

	/* Take only what can be completed: the COMPL ring never overflows. */
	want = tx_room(s);
	if (want == 0)
		return;
	n = nta_share_ring_end_dequeue(&s->end[NTA_SHARE_RING_TX], d, (unsigned int)want);
	if (n < 0) {
		s->corrupt = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct nta_share_desc *v = &d[i];
		uint32_t unit = v->desc.offset / NTA_UNIT;
		uint16_t port = v->flags & NTA_SHARE_F_PORT_MASK;
		struct fwd_tx_slot *ts;
		struct rte_mbuf *m;

		if (tx_check(s, v) < 0)
			continue;
		m = rte_pktmbuf_alloc(s->f->hdr_pool);
		if (m == NULL) {
			tx_fail(s, v); /* cannot send now */
			continue;
		}
		/* >8 Start of sending a consumer buffer. */
		ts = &s->tx_slot[s->tx_free[--s->n_tx_free]];
		ts->in_use = 1;
		ts->d = *v;
		ts->shinfo.free_cb = tx_done;
		ts->shinfo.fcb_opaque = ts;
		rte_mbuf_ext_refcnt_set(&ts->shinfo, 1);
		s->tx_busy[unit / 64] |= 1ull << (unit % 64);
		rte_pktmbuf_attach_extbuf(m, (uint8_t *)r->base + v->desc.offset,
				r->iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : r->iova + v->desc.offset,
				(uint16_t)v->desc.len, &ts->shinfo);
		m->data_len = (uint16_t)v->desc.len;
		m->pkt_len = v->desc.len;
		s->st.consumer_tx++;
		out[port][nout[port]++] = m;
		/* >8 End of sending a consumer buffer. */
	}
	fwd_tx_burst(s, s->f->ports[0], out[0], nout[0]);
	fwd_tx_burst(s, s->f->ports[1], out[1], nout[1]);
}
