/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_FWD_H
#define NTA_FWD_H

/*
 * dpdk-nta-fwd's shared state and the files that work on it:
 *   main.c         EAL, ports, the main loop
 *   fwd_args.c     command line
 *   fwd_pool.c     packet memory: the arena, the pool, the extra regions
 *   fwd_session.c  the consumer socket: handshake, session start and end
 *   fwd_lend.c     data path: lending received packets, taking verdicts
 *   fwd_tx.c       data path: the consumer's transmit buffers, completions
 *   fwd_stats.c    stats lines
 *   fwd_telemetry.c  telemetry /nta_fwd/consumers (nta-top)
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

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

/* A packet lent to the consumer. */
struct fwd_slot {
	struct rte_mbuf *m;
	uint32_t gen;            /* bumped each time the slot is lent */
	struct nta_desc desc;    /* what was lent: a verdict must name exactly this */
	uint16_t port;
	uint8_t in_use;
};

/* A consumer buffer being transmitted. */
struct fwd_tx_slot {
	struct rte_mbuf_ext_shared_info shinfo;
	struct nta_share_desc d;
	struct fwd *f;
	uint32_t index;
	uint8_t in_use;
};

/* A client that connected and has not been answered yet. */
struct fwd_pending {
	int fd;                  /* -1: free */
	int refuse;              /* 0, or the status it gets (EACCES: peer not allowed) */
	uint64_t deadline;       /* TSC after which it is dropped */
};

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
	/*
	 * TSC cycles of the loop iterations that moved a packet (received,
	 * verdict, consumer transmit or completion), as testpmd's
	 * --record-core-cycles: busy_cycles / rx is cycles per packet.
	 */
	uint64_t busy_cycles;
	uint64_t last_busy, last_rx;     /* at the previous stats line */
};

struct fwd {
	/* options */
	const char *socket_path;
	uint32_t socket_mode;    /* mode of the socket file (default 0600) */
	uint32_t n_allow_uid, n_allow_gid;
	uint32_t allow_uid[FWD_MAX_ALLOW]; /* besides root and our own uid */
	uint32_t allow_gid[FWD_MAX_ALLOW];
	uint32_t max_inflight;
	uint32_t nb_mbufs;
	uint16_t mbuf_size;      /* data room of each mbuf, headroom included */
	uint32_t copy_slot;      /* bytes of a slot of the copy region (--copy) */
	int copy_mode;
	int ring_pool;           /* --pool ring: ring_mp_mc on the arena, not the driver */
	int whole_pool;          /* --pool whole: whole mbufs (headers too) in the arena */
	int pool_owns_arena;
	int wait_when_full;
	int wait_consumer;
	int stats_ms;
	const char *trace_path;
	FILE *trace;
	uint64_t trace_seq;

	/* memory */
	struct nta_arena *arena;
	struct rte_mempool *pool;
	struct rte_mempool *hdr_pool;   /* mbuf headers for consumer TX buffers */
	uint32_t n_regions;
	struct fwd_region region[FWD_MAX_REGIONS];
	struct fwd_region tx_region;    /* lent writable: a new one for each session */
	int tx_lent;             /* tx_region was handed to a consumer */
	struct fwd_region copy_region;

	/* ports */
	uint16_t ports[2];

	/* session */
	int listen_fd;
	int conn_fd;
	struct fwd_pending pending[FWD_PENDING]; /* connected, not answered yet */
	int attached;
	void *ring_base;
	size_t ring_file_size;
	uint32_t ring_size;
	struct nta_share_ring_end end[NTA_SHARE_RING_COUNT]; /* our indices, private */
	int corrupt;             /* the consumer wrote impossible ring indices */

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

/* Region id -> region lent to consumers, or NULL. */
static inline const struct fwd_region *
fwd_region_by_id(const struct fwd *f, uint32_t id)
{
	if (id < f->n_regions)
		return &f->region[id];
	if (id == FWD_TX_REGION_ID && f->tx_region.base != NULL)
		return &f->tx_region;
	if (id == FWD_COPY_REGION_ID && f->copy_region.base != NULL)
		return &f->copy_region;
	return NULL;
}

/* Packets lent to the consumer now. */
static inline uint32_t
fwd_inflight(const struct fwd *f)
{
	return f->max_inflight - f->n_free_slot;
}

/*
 * A number that grows whenever the loop moves a packet: an iteration is busy
 * when it changed this.
 */
static inline uint64_t
fwd_moved(const struct fwd *f)
{
	return f->st.rx + f->st.verdict_fwd + f->st.verdict_drop + f->st.consumer_tx +
		f->st.completions;
}

/* Consumer transmit buffers not completed yet. */
static inline uint32_t
fwd_tx_inflight(const struct fwd *f)
{
	return FWD_TX_SLOTS - f->n_tx_free;
}

/* Transmit n packets on port; what the NIC does not take is freed and counted. */
static inline void
fwd_tx_burst(struct fwd *f, uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent;

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(port, 0, m, n);
	f->st.tx += sent;
	if (sent < n) {
		f->st.dropped_other += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
}

/* fwd_args.c */
void fwd_usage(const char *prog);
int fwd_help_asked(int argc, char **argv);
int fwd_parse_args(struct fwd *f, int argc, char **argv);

/* fwd_pool.c */
int fwd_pool_create(struct fwd *f);
int fwd_extra_region_create(struct fwd_region *r, uint32_t id, uint32_t flags, size_t size,
		int writable);
/*
 * A new transmit region in place of the current one (a session's own memory:
 * none of a previous session's bytes, no mapping a previous consumer holds).
 * Only when no transmit buffer is in flight. 0, or a negative errno (no
 * transmit region then).
 */
int fwd_tx_region_renew(struct fwd *f);
void fwd_pool_destroy(struct fwd *f);

/* fwd_session.c */
int fwd_listen(struct fwd *f);
void fwd_slots_reset(struct fwd *f);
void fwd_ctl_poll(struct fwd *f);
void fwd_session_end(struct fwd *f, const char *why);

/* fwd_lend.c */
/*
 * Ask for the data lines the next receive will write (the mbufs on top of
 * the pool's cache) ahead of time: in zero copy the consumer has read them
 * last, and taking them back from its core is the receive's largest cost.
 */
void fwd_rx_prefetch(struct fwd *f);
void fwd_lend_burst(struct fwd *f, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void fwd_verdicts_poll(struct fwd *f);

/* fwd_tx.c */
void fwd_tx_slots_init(struct fwd *f);
void fwd_tx_poll(struct fwd *f);

/* fwd_stats.c */
void fwd_print_header_span(const struct fwd *f);
void fwd_print_stats(struct fwd *f, const char *tag);
void fwd_print_final(struct fwd *f);

/* fwd_telemetry.c: register /nta_fwd/consumers, which reads f. */
void fwd_telemetry_init(const struct fwd *f);

#endif /* NTA_FWD_H */
