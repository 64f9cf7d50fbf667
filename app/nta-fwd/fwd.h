/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_FWD_H
#define NTA_FWD_H

/*
 * dpdk-nta-fwd's shared state and the files that work on it:
 *   main.c         EAL, ports, the main loop
 *   fwd_args.c     command line
 *   fwd_pool.c     packet memory: a slot's pool and arena, the extra regions
 *   fwd_retire.c   retirement: a slot's pool moved to fresh regions after
 *                  its consumer left; retired memory old consumers still map
 *   fwd_session.c  the consumer socket: handshake by slot, session start and end
 *   fwd_seal.c     the session step after the handshake: sealing the
 *                  transmit region once the consumer has mapped it
 *   fwd_lend.c     data path: lending received packets, taking verdicts
 *   fwd_tx.c       data path: the consumer's transmit buffers, completions
 *   fwd_chain.c    data path: chained (multi-segment) frames, lent and
 *                  returned as one chain of descriptors
 *   fwd_stats.c    stats lines
 *   fwd_telemetry.c  telemetry /nta_fwd/consumers (nta-top), /nta_fwd/regions
 *
 * Slot k (0 <= k < --consumers) owns receive and transmit queue k of both
 * ports, a pool and a session (struct fwd_sess): the data path of a slot
 * never touches another slot's memory.
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "nta.h"
#include "nta_share.h"

#define FWD_MAX_REGIONS 64
#define FWD_POOL_CACHE 256
#define FWD_BURST 32
#define FWD_RX_DESC 512
#define FWD_TX_DESC 512
#define FWD_HUGEPAGE_SIZE (2u * 1024 * 1024)
#define FWD_TX_REGION_ID 0x8000u
#define FWD_COPY_REGION_ID 0x8001u
#define FWD_TX_REGION_SIZE FWD_HUGEPAGE_SIZE
#define FWD_COPY_SLOT 2048u      /* smallest copy slot; more for --mbuf-size */
#define FWD_TX_SLOTS 1024u
#define FWD_TX_MAX_LEN 9216u
#define FWD_PENDING 4
#define FWD_MAX_ALLOW 16         /* --allow-uid, --allow-gid: most of each */
/*
 * --mbuf-size: the data room of each mbuf, headroom included (as testpmd's):
 * a largest frame (FWD_TX_MAX_LEN) in at most NTA_SHARE_MAX_SEGS segments of
 * at least 256 packet bytes, up to one mbuf.
 */
#define FWD_MBUF_SIZE_MIN (256u + RTE_PKTMBUF_HEADROOM)
#define FWD_MBUF_SIZE_MAX UINT16_MAX
#define FWD_MAX_RETIRED_MB_DEFAULT 512

#define FWD_MAX_CONSUMERS NTA_SHARE_MAX_CONSUMERS
#define FWD_MAX_RETIRED 64       /* retired generations tracked at once */
#define FWD_ROTATE_WARN_MS 5000  /* a queue stopped this long is logged */
#define FWD_ROTATE_RETRY_MS 100  /* a fresh generation that failed is retried after */

/* One region lent to consumers. */
struct fwd_region {
	uint32_t id;
	uint32_t flags;          /* NTA_SHARE_REGION_* */
	void *base;
	size_t size;
	uint64_t iova;
	int ro_fd;               /* read-only fd handed to consumers, or -1 */
	int rw_fd;               /* read-write fd (memfd regions), or -1 */
	int registered;          /* TX, copy: rte_nta_extmem_register() done */
};

/*
 * One generation of a slot's packet memory: the hugetlbfs regions where its
 * pool's data rooms are. Generation 0 is the pool's own arena (the mempool
 * driver's, freed with the pool); each later one is an arena of ours, made
 * when the slot's consumer left, and destroyed (DMA unmapped, unregistered,
 * unmapped, closed) when the next one replaces it. Invariant: every mbuf of
 * the slot's pool has its data room in this generation's regions.
 */
struct fwd_gen {
	struct nta_arena *arena;
	int owned;               /* ours to destroy (not generation 0 of the pool) */
	uint32_t number;         /* 0, 1, ... */
	uint32_t n_regions;
	size_t bytes;            /* of all its regions */
	struct fwd_region region[FWD_MAX_REGIONS];
};

/*
 * A retired generation that an old consumer may still map: its hugepages
 * stay pinned until that process unmaps them or exits (pidfd readable).
 */
struct fwd_retired {
	int pidfd;               /* -1: free entry */
	int pid;
	uint32_t slot, gen;
	size_t bytes;
};

/* fwd_slot.seg: what a slot lends. */
#define FWD_SEG_NONE 0           /* a frame in one buffer */
#define FWD_SEG_HEAD 1           /* the first segment of a chained frame */
#define FWD_SEG_BODY 2           /* a later segment of a chained frame */
#define FWD_SLOT_END UINT32_MAX  /* fwd_slot.next of a chain's last segment */

/*
 * A packet lent to the consumer, or one segment of a chained frame: one
 * slot per descriptor. A chain's head slot holds the mbuf chain (m), its
 * other slots none (m NULL); next links the chain's slots in order. seg and
 * next are FWD_SEG_NONE and unused on any slot not lending a chain.
 */
struct fwd_slot {
	struct rte_mbuf *m;
	uint32_t gen;            /* bumped each time the slot is lent */
	struct nta_desc desc;    /* what was lent: a verdict must name exactly this */
	uint16_t port;
	uint8_t in_use;
	uint8_t seg;             /* FWD_SEG_* */
	uint32_t next;           /* chains: slot of the next segment, or FWD_SLOT_END */
};

struct fwd_sess;

/* A consumer buffer being transmitted. */
struct fwd_tx_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	struct nta_share_desc d;
	struct fwd_sess *s;
	uint32_t index;
	uint8_t in_use;
};

/* A client that connected and has not been answered yet. */
struct fwd_pending {
	int fd;                  /* -1: free */
	int refuse;              /* 0, or the status it gets (EACCES: peer not allowed) */
	int have_hello;          /* hello read: want is the slot asked for */
	uint32_t want;
	int pid;                 /* SO_PEERCRED */
	uint64_t deadline;       /* TSC after which it is dropped */
};

/* Counters; only uint64_t fields (fwd_stats_add() adds them as an array). */
struct fwd_stats {
	uint64_t rx, tx, rx_bytes;
	uint64_t to_consumer, verdict_fwd, verdict_drop;
	uint64_t consumer_tx, completions, tx_failed;
	uint64_t dropped_full, dropped_ring, dropped_tx, dropped_other;
	uint64_t refused_region, refused_range, refused_not_held, refused_dup;
	uint64_t refused_stale, refused_verdict, refused_tx;
	uint64_t copied_bytes;
	uint64_t reclaimed, consumers, consumers_refused, protocol_errors;
	uint64_t consumers_denied;       /* peers whose uid and gid are not allowed */
	uint64_t rotations;              /* generations retired */
	/*
	 * TSC cycles of the loop iterations that moved a packet of the slot
	 * (received, verdict, consumer transmit or completion), as testpmd's
	 * --record-core-cycles: busy_cycles / rx is cycles per packet.
	 */
	uint64_t busy_cycles;
	uint64_t refused_unsealed;       /* TX descriptors before the TX region's seal */
	uint64_t tx_sealed;              /* sessions whose TX region was sealed */
	uint64_t tx_expelled;            /* consumers expelled: TX region not sealable */
	uint64_t chains;                 /* chained frames lent */
	uint64_t refused_chain;          /* chains returned malformed (or one segment alone) */
	uint64_t dropped_chain;          /* chains too long to lend, or to copy (--copy) */
};

/*
 * Consumer slot k: receive queue k and transmit queue k of both ports, the
 * pool those receive queues fill (its data rooms in gen), and the session of
 * the consumer attached to it, if any. The data path of the slot works on
 * this struct only.
 */
struct fwd_sess {
	struct fwd *f;
	uint16_t id;

	/* memory */
	struct rte_mempool *pool;
	struct fwd_gen gen;
	struct fwd_region tx_region;    /* lent writable: a new one for each session */
	int tx_lent;             /* tx_region was handed to a consumer */
	struct fwd_region copy_region;  /* --copy: a new one for each session */
	int copy_lent;

	/* retirement: set when the session ends, until a fresh generation is in */
	int retiring;
	uint64_t retire_since;   /* TSC */
	int retire_warned;
	int retire_failed;       /* a fresh generation failed (logged once) */
	uint64_t retire_next;    /* TSC of the next try after a failure */
	int dirty;               /* the generation was lent to a consumer */
	int old_pid;             /* the consumer that mapped it */
	uint8_t rxq_stopped[2];  /* rte_eth_dev_rx_queue_stop() done on port 0, 1 */

	/* session */
	int conn_fd;
	int pid;
	int attached;
	void *ring_base;
	size_t ring_file_size;
	struct nta_share_ring_end end[NTA_SHARE_RING_COUNT]; /* our indices, private */
	int corrupt;             /* the consumer wrote impossible ring indices */
	/*
	 * The TX region is sealed (fwd_seal.c): no page of it can be freed any
	 * more. Transmit descriptors are taken only while it is 1.
	 */
	int tx_sealed;
	/* A chain being returned: its verdicts so far (fwd_chain.c). */
	struct nta_share_desc vchain[NTA_SHARE_MAX_SEGS];
	uint32_t vchain_n;

	/* lent packets */
	struct fwd_slot *slot;
	uint32_t *free_slot;
	uint32_t n_free_slot;

	/* consumer TX */
	struct fwd_tx_slot tx_slot[FWD_TX_SLOTS];
	uint32_t tx_free[FWD_TX_SLOTS];
	uint32_t n_tx_free;
	uint64_t *tx_busy;               /* bit per unit of the TX region */

	struct fwd_stats st;
};

struct fwd {
	/* options */
	const char *socket_path;
	uint32_t socket_mode;    /* mode of the socket file (default 0600) */
	uint32_t n_allow_uid, n_allow_gid;
	uint32_t allow_uid[FWD_MAX_ALLOW]; /* besides root and our own uid */
	uint32_t allow_gid[FWD_MAX_ALLOW];
	uint32_t max_inflight;   /* per consumer */
	uint32_t nb_mbufs;       /* per slot */
	uint16_t mbuf_size;      /* data room of each mbuf, headroom included */
	int jumbo;               /* --mbuf-size given: scatter and jumbo MTU on the ports */
	uint32_t copy_slot;      /* bytes of a slot of the copy region (--copy) */
	uint32_t n_consumers;    /* slots: queues per port */
	uint64_t max_retired;    /* bytes of retired memory old consumers may pin */
	int retire;              /* 0: --retire off (tests, measurements) */
	int copy_mode;
	int ring_pool;           /* --pool ring: ring_mp_mc on the arena, not the driver */
	int whole_pool;          /* --pool whole: whole mbufs (headers too) in the arena */
	int wait_when_full;
	int wait_consumer;
	int stats_ms;
	const char *trace_path;
	FILE *trace;
	uint64_t trace_seq;

	struct rte_mempool *hdr_pool;   /* mbuf headers for consumer TX buffers */
	struct fwd_sess *sess[FWD_MAX_CONSUMERS];
	uint32_t ring_size;

	/* retired generations still mapped by old consumers */
	struct fwd_retired retired[FWD_MAX_RETIRED];
	uint64_t retired_bytes;

	/* ports */
	uint16_t ports[2];

	/* control */
	int listen_fd;
	struct fwd_pending pending[FWD_PENDING]; /* connected, not answered yet */

	struct fwd_stats st;     /* control path counters (consumers, refused...) */
	uint64_t last_busy, last_rx;     /* totals at the previous stats line */
};

/* Region id -> region lent to slot s's consumer, or NULL. */
static inline const struct fwd_region *
fwd_region_by_id(const struct fwd_sess *s, uint32_t id)
{
	if (id < s->gen.n_regions)
		return &s->gen.region[id];
	if (id == FWD_TX_REGION_ID && s->tx_region.base != NULL)
		return &s->tx_region;
	if (id == FWD_COPY_REGION_ID && s->copy_region.base != NULL)
		return &s->copy_region;
	return NULL;
}

/*
 * --when-full wait: how many frames to receive now on slot s, so that each
 * can be lent even as a chain of the most segments a frame can take (0:
 * none). Jumbo frames come only with --mbuf-size (the ports' MTU):
 * otherwise a frame fits one mbuf.
 */
static inline uint16_t
fwd_lend_room(const struct fwd_sess *s)
{
	uint32_t segs = 1, seg_bytes = s->f->mbuf_size - RTE_PKTMBUF_HEADROOM;

	if (s->f->jumbo)
		segs = (FWD_TX_MAX_LEN + seg_bytes - 1) / seg_bytes;
	return (uint16_t)RTE_MIN((uint32_t)FWD_BURST, s->n_free_slot / segs);
}

/* Packets lent to the slot's consumer now. */
static inline uint32_t
fwd_inflight(const struct fwd_sess *s)
{
	return s->f->max_inflight - s->n_free_slot;
}

/*
 * A number that grows whenever the loop moves a packet of slot s: an
 * iteration is busy when it changed this.
 */
static inline uint64_t
fwd_moved(const struct fwd_sess *s)
{
	return s->st.rx + s->st.verdict_fwd + s->st.verdict_drop + s->st.consumer_tx +
		s->st.completions;
}

/* The slot consumer's transmit buffers not completed yet. */
static inline uint32_t
fwd_tx_inflight(const struct fwd_sess *s)
{
	return FWD_TX_SLOTS - s->n_tx_free;
}

/*
 * Transmit n packets on port, transmit queue of slot s; what the NIC does not
 * take is freed and counted.
 */
static inline void
fwd_tx_burst(struct fwd_sess *s, uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent;

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(port, s->id, m, n);
	s->st.tx += sent;
	if (sent < n) {
		s->st.dropped_other += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
}

/* fwd_args.c */
void fwd_usage(const char *prog);
int fwd_help_asked(int argc, char **argv);
int fwd_parse_args(struct fwd *f, int argc, char **argv);

/* fwd_pool.c */
int fwd_pool_create(struct fwd_sess *s);
int fwd_extra_region_create(struct fwd_region *r, uint32_t id, uint32_t flags, size_t size,
		int writable);
/*
 * A new transmit (or copy) region in place of the current one (a session's
 * own memory: none of a previous session's bytes, no mapping a previous
 * consumer holds). Only when none of its buffers is in flight. 0, or a
 * negative errno (no such region then).
 */
int fwd_tx_region_renew(struct fwd_sess *s);
int fwd_copy_region_renew(struct fwd_sess *s);
void fwd_pool_destroy(struct fwd_sess *s);

/* fwd_retire.c */
/*
 * Slot s's consumer left: stop its queues and retire its generation (at
 * once when every mbuf is back, otherwise in fwd_retire_poll()).
 */
void fwd_retire_begin(struct fwd_sess *s);
/*
 * Move slot s's pool to a fresh generation when every mbuf is back: 1 when
 * done (or nothing to do), 0 when mbufs are still out (call again; the
 * slot's queues are not polled meanwhile), -1 when no fresh generation can be
 * made now (logged; call again).
 */
int fwd_retire_poll(struct fwd_sess *s);
/* Forget retired generations whose old consumer has exited. */
void fwd_retired_poll(struct fwd *f);
/*
 * Retired memory once slot s and every attached slot have retired theirs:
 * what is retired now plus their generations.
 */
uint64_t fwd_retired_committed(const struct fwd *f, const struct fwd_sess *s);
/*
 * 1 when the slot's next retirement fits --max-retired-mb (and the table of
 * retired generations: FWD_MAX_RETIRED followed at once).
 */
int fwd_retired_room(const struct fwd *f, const struct fwd_sess *s);
/* Destroy generation g (ours only). */
void fwd_gen_destroy(struct fwd_gen *g);
/* Lend the arena region of info as r (sealed read-only, ro fd); 0 or -errno. */
int fwd_region_lend(struct fwd_region *r, const struct nta_region_info *info);

/* fwd_session.c */
int fwd_listen(struct fwd *f);
void fwd_slots_reset(struct fwd_sess *s);
void fwd_ctl_poll(struct fwd *f);
void fwd_session_end(struct fwd_sess *s, const char *why);
/* 1 when slot s's receive queues may be polled now. */
static inline int
fwd_sess_polled(const struct fwd_sess *s)
{
	return !s->retiring && (s->attached || !s->f->wait_consumer);
}

/* fwd_seal.c: a message slot s's consumer sent on its socket (len bytes at buf). */
void fwd_ctl_message(struct fwd_sess *s, const void *buf, size_t len);

/* fwd_lend.c */
/*
 * Ask for the data lines slot s's next receive will write (the mbufs on top
 * of its pool's cache) ahead of time: in zero copy the consumer has read
 * them last, and taking them back from its core is the receive's largest
 * cost.
 */
void fwd_rx_prefetch(struct fwd_sess *s);
void fwd_lend_burst(struct fwd_sess *s, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void fwd_verdicts_poll(struct fwd_sess *s);

/* The verdict v checked against what was lent (fwd_lend.c): its slot, or NULL (counted). */
struct fwd_slot *fwd_verdict_check(struct fwd_sess *s, const struct nta_share_desc *v);

/* fwd_chain.c */
/*
 * pkts[0] is a chained frame: lend it as a chain, then the rest of the burst
 * (fwd_lend_burst() stops at a chain and hands the rest over here).
 */
void fwd_chain_lend(struct fwd_sess *s, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
/*
 * Take the verdict v that belongs to a chain (NTA_SHARE_F_MORE, or a chain
 * is being returned). When it completes a well-formed chain: the chain's
 * head slot (seg FWD_SEG_NONE now; its other slots are free), to be acted
 * on like a single packet's. NULL otherwise (a malformed chain is counted).
 */
struct fwd_slot *fwd_chain_verdict(struct fwd_sess *s, const struct nta_share_desc *v);
/* Ask a port for scatter and a jumbo MTU when mbufs are smaller than a frame. */
void fwd_chain_port_conf(const struct fwd *f, const struct rte_eth_dev_info *info,
		struct rte_eth_conf *conf);

/* fwd_tx.c */
void fwd_tx_slots_init(struct fwd_sess *s);
void fwd_tx_poll(struct fwd_sess *s);

/* fwd_stats.c */
/* Add every counter of b to a. */
void fwd_stats_add(struct fwd_stats *a, const struct fwd_stats *b);
/* Totals over the control counters and every slot. */
void fwd_stats_total(const struct fwd *f, struct fwd_stats *t);
uint32_t fwd_pool_in_use(const struct fwd *f);
void fwd_print_header_span(const struct fwd *f);
void fwd_print_stats(struct fwd *f, const char *tag);
void fwd_print_final(struct fwd *f);

/* fwd_telemetry.c: register /nta_fwd/consumers and /nta_fwd/regions, which read f. */
void fwd_telemetry_init(const struct fwd *f);

#endif /* NTA_FWD_H */
