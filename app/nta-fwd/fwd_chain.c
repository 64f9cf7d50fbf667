/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Data path, chained frames: a frame received in several mbufs (a jumbo
 * frame with scatter, or a chain an application built) is lent as one chain
 * of descriptors, one per segment in order, NTA_SHARE_F_MORE on all but the
 * last, enqueued at once; each segment takes a slot of its own (linked by
 * fwd_slot.next), the head slot holds the mbuf chain. It comes back as a
 * unit: every descriptor the one lent, in order, with the same verdict, or
 * the whole run is refused and counted and the frame stays lent (taken back
 * with the session). With --copy, a chain is copied into one slot when it
 * fits, else dropped and counted.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "nta.h"
#include "nta_share.h"
#include "fwd.h"

/* Largest frame a port is configured for when mbufs are smaller (MTU). */
#define CHAIN_MTU (FWD_TX_MAX_LEN - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN)

void
fwd_chain_port_conf(const struct fwd *f, const struct rte_eth_dev_info *info,
		struct rte_eth_conf *conf)
{
	if (!f->jumbo)
		return;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	conf->rxmode.mtu = RTE_MIN((uint32_t)CHAIN_MTU, (uint32_t)info->max_mtu);
}

/* The frame m is not lent: freed, counted in *counter. */
static void
chain_drop(struct rte_mbuf *m, uint64_t *counter)
{
	(*counter)++;
	rte_pktmbuf_free(m);
}

/* Segment seg as a descriptor of a receive region; -1 when it is not in one. */
static int
seg_desc(const struct fwd_sess *s, const struct rte_mbuf *seg, struct nta_desc *d)
{
	const uint8_t *data = rte_pktmbuf_mtod(seg, const uint8_t *);
	int id = nta_region_of(s->gen.arena, data);

	if (id < 0 || (uint32_t)id >= s->gen.n_regions)
		return -1;
	d->region = (uint32_t)id;
	d->offset = (uint32_t)(data - (const uint8_t *)s->gen.region[id].base);
	d->len = seg->data_len;
	return 0;
}

/* Lend slot si: what it holds, its descriptor on the wire in *w. */
static void
slot_lend(struct fwd_sess *s, uint32_t si, struct rte_mbuf *m, uint16_t port, uint8_t seg,
		uint32_t next, struct nta_share_desc *w)
{
	struct fwd_slot *sl = &s->slot[si];

	sl->m = m;
	sl->gen++;
	sl->desc = w->desc;
	sl->port = port;
	sl->in_use = 1;
	sl->seg = seg;
	sl->next = next;
	w->flags = port | (next != FWD_SLOT_END ? NTA_SHARE_F_MORE : 0);
	w->cookie = ((uint64_t)sl->gen << 32) | si;
}

/* Give slot si back (the mbufs are the caller's). */
static void
slot_release(struct fwd_sess *s, uint32_t si)
{
	struct fwd_slot *sl = &s->slot[si];

	sl->m = NULL;
	sl->in_use = 0;
	sl->seg = FWD_SEG_NONE;
	s->free_slot[s->n_free_slot++] = si;
}

static void
chain_trace(struct fwd_sess *s, uint16_t port, const struct rte_mbuf *seg,
		const struct nta_share_desc *w, unsigned int k, unsigned int nb)
{
	fprintf(s->f->trace, "lend seq=%" PRIu64 " port=%u region=%u offset=%u len=%u"
			" data=%p region_base=%p seg=%u/%u\n", s->f->trace_seq++, port,
			w->desc.region, w->desc.offset, w->desc.len, rte_pktmbuf_mtod(seg, void *),
			fwd_region_by_id(s, w->desc.region)->base, k, nb);
}

/* Enqueue the n descriptors of w (slots idx) whole, or take them all back. */
static void
chain_enqueue(struct fwd_sess *s, struct rte_mbuf *m, const struct nta_share_desc *w,
		const uint32_t *idx, unsigned int n)
{
	int q = nta_share_ring_end_enqueue(&s->end[NTA_SHARE_RING_RX], w, n);
	unsigned int k;

	if (q == (int)n) {
		s->st.to_consumer++;
		nta_share_wake(s->ring_base);
		return;
	}
	/* Room was checked: only a ring the consumer corrupted gets here. */
	if (q < 0)
		s->corrupt = 1;
	for (k = 0; k < n; k++)
		slot_release(s, idx[k]);
	chain_drop(m, &s->st.dropped_ring);
}

/* 1 when the RX ring has room for n more descriptors. */
static int
ring_room(struct fwd_sess *s, unsigned int n)
{
	int64_t used = nta_share_ring_end_used(&s->end[NTA_SHARE_RING_RX]);

	if (used < 0) {
		s->corrupt = 1;
		return 0;
	}
	return s->f->ring_size - (uint64_t)used >= n;
}

/* --copy: the whole chain into one copy slot when it fits. */
static void
chain_copy(struct fwd_sess *s, uint16_t port, struct rte_mbuf *m)
{
	struct nta_share_desc w;
	const struct rte_mbuf *seg;
	uint8_t *dst;
	uint32_t si;

	if (m->pkt_len > s->f->copy_slot) {
		chain_drop(m, &s->st.dropped_chain);
		return;
	}
	if (s->n_free_slot == 0) {
		chain_drop(m, &s->st.dropped_full);
		return;
	}
	if (!ring_room(s, 1)) {
		chain_drop(m, &s->st.dropped_ring);
		return;
	}
	si = s->free_slot[--s->n_free_slot];
	w.desc.region = FWD_COPY_REGION_ID;
	w.desc.offset = si * s->f->copy_slot;
	w.desc.len = m->pkt_len;
	dst = (uint8_t *)s->copy_region.base + w.desc.offset;
	for (seg = m; seg != NULL; seg = seg->next) {
		memcpy(dst, rte_pktmbuf_mtod(seg, const uint8_t *), seg->data_len);
		dst += seg->data_len;
	}
	s->st.copied_bytes += m->pkt_len;
	slot_lend(s, si, m, port, FWD_SEG_NONE, FWD_SLOT_END, &w);
	chain_enqueue(s, m, &w, &si, 1);
}

/* >8 Start of lending a chained frame. */
static void
chain_lend(struct fwd_sess *s, uint16_t port, struct rte_mbuf *m)
{
	struct nta_share_desc w[NTA_SHARE_MAX_SEGS];
	uint32_t idx[NTA_SHARE_MAX_SEGS];
	unsigned int nb = m->nb_segs, k;
	struct rte_mbuf *seg;

	s->st.chains++;
	if (s->f->copy_mode) {
		chain_copy(s, port, m);
		return;
	}
	if (nb > NTA_SHARE_MAX_SEGS) {
		chain_drop(m, &s->st.dropped_chain);
		return;
	}
	if (s->n_free_slot < nb) {
		chain_drop(m, &s->st.dropped_full);
		return;
	}
	/* Whole on the ring or not at all: the consumer never sees half. */
	if (!ring_room(s, nb)) {
		chain_drop(m, &s->st.dropped_ring);
		return;
	}
	for (seg = m, k = 0; k < nb; seg = seg->next, k++) {
		if (seg == NULL || seg_desc(s, seg, &w[k].desc) < 0) {
			chain_drop(m, &s->st.dropped_other);
			return;
		}
	}
	for (k = 0; k < nb; k++)
		idx[k] = s->free_slot[--s->n_free_slot];
	for (seg = m, k = 0; k < nb; seg = seg->next, k++) {
		slot_lend(s, idx[k], k == 0 ? m : NULL, port,
				k == 0 ? FWD_SEG_HEAD : FWD_SEG_BODY,
				k + 1 < nb ? idx[k + 1] : FWD_SLOT_END, &w[k]);
		if (s->f->trace != NULL)
			chain_trace(s, port, seg, &w[k], k, nb);
	}
	chain_enqueue(s, m, w, idx, nb);
}
/* >8 End of lending a chained frame. */

void
fwd_chain_lend(struct fwd_sess *s, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	chain_lend(s, port, pkts[0]);
	if (n > 1)
		fwd_lend_burst(s, port, &pkts[1], n - 1);
}

/*
 * The run v[0..n) (the last one without NTA_SHARE_F_MORE): the head slot of
 * the chain it returns whole, or NULL (refused, counted; nothing changes).
 */
static struct fwd_slot *
chain_accept(struct fwd_sess *s, const struct nta_share_desc *v, unsigned int n)
{
	const uint32_t verdict = v[0].flags & (NTA_SHARE_F_FORWARD | NTA_SHARE_F_DROP);
	struct fwd_slot *sl, *head = NULL;
	uint32_t expect = 0;
	unsigned int k;

	for (k = 0; k < n; k++) {
		sl = fwd_verdict_check(s, &v[k]);
		if (sl == NULL ||
				(v[k].flags & (NTA_SHARE_F_FORWARD | NTA_SHARE_F_DROP)) != verdict ||
				sl->seg != (k == 0 ? FWD_SEG_HEAD : FWD_SEG_BODY) ||
				(k > 0 && (uint32_t)(sl - s->slot) != expect) ||
				(k + 1 == n) != (sl->next == FWD_SLOT_END)) {
			s->st.refused_chain++;
			return NULL;
		}
		if (k == 0)
			head = sl;
		expect = sl->next;
	}
	/* Well formed: the segments' slots go back, the head is the packet. */
	for (expect = head->next; expect != FWD_SLOT_END; expect = s->slot[expect].next)
		slot_release(s, expect);
	head->seg = FWD_SEG_NONE;
	return head;
}

struct fwd_slot *
fwd_chain_verdict(struct fwd_sess *s, const struct nta_share_desc *v)
{
	unsigned int n;

	if (s->vchain_n == NTA_SHARE_MAX_SEGS) {
		/* Longer than any chain lent: what was gathered is refused. */
		s->st.refused_chain++;
		s->vchain_n = 0;
	}
	s->vchain[s->vchain_n++] = *v;
	if (v->flags & NTA_SHARE_F_MORE)
		return NULL;
	n = s->vchain_n;
	s->vchain_n = 0;
	return chain_accept(s, s->vchain, n);
}
