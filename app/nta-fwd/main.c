/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * dpdk-nta-fwd: a two-port forwarder whose packets live in NTA arena memory
 * that a consumer process maps and reads in place. With no consumer it
 * forwards port 0 <-> port 1 directly (like examples/skeleton); with one, every
 * received packet is lent to it by descriptor and leaves on the peer port by
 * its verdict, and the consumer may transmit buffers of its own.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nta.h"
#include "nta_share.h"
#include "fwd.h"

#define RX_DESC 512
#define TX_DESC 512
#define HANDSHAKE_MS 500
#define CTL_INTERVAL_US 1000

static volatile bool force_quit;

static void
signal_handler(int signum)
{
	if (signum == SIGINT || signum == SIGTERM)
		force_quit = true;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
		"\n"
		"Forward packets between two DPDK ports through a zero-copy consumer.\n"
		"Packet data is in an NTA arena of hugetlbfs files; a consumer\n"
		"(nta-consumer, or any program using nta_consumer.h) attaches on a unix\n"
		"socket and reads them in place. Without a consumer, packets are forwarded\n"
		"directly. Give EAL --in-memory so that no hugepage file outlives the process.\n"
		"\n"
		"Options:\n"
		"  --socket PATH        consumer socket (default /run/nta-fwd.sock)\n"
		"  --max-inflight N     most packets lent to the consumer at once (default 1024)\n"
		"  --when-full MODE     drop: drop and count packets beyond --max-inflight\n"
		"                       (default); wait: stop receiving until buffers come back\n"
		"  --wait-consumer      receive nothing until a consumer has attached\n"
		"  --copy               copy each packet into a separate shared region instead\n"
		"                       of lending the mbuf (the benchmark's copy path)\n"
		"  --nb-mbufs N         mbufs in the arena pool (default 8192)\n"
		"  --pool KIND          pinned (or nta): the nta mempool driver's pool of pinned\n"
		"                       external buffers, rte_nta_pktmbuf_pool_create_pinned():\n"
		"                       mbuf headers in private DPDK memory, only packet data\n"
		"                       in the shared arena (the default when built with the\n"
		"                       driver); whole: the driver's pool of whole mbufs in the\n"
		"                       arena, headers included (rte_nta_pktmbuf_pool_create());\n"
		"                       ring: whole mbufs, ring_mp_mc ops populated here on the\n"
		"                       same kind of arena\n"
		"  --stats-ms MS        live stats interval in ms, 0 for none (default 1000)\n"
		"  --trace FILE         write one line per packet lent (region, offset, mbuf\n"
		"                       data address, region base): the zero-copy proof\n"
		"  -h, --help           this text\n"
		"\n"
		"Stats line fields: rx tx to_consumer verdict_fwd verdict_drop consumer_tx\n"
		"completions dropped inflight tx_inflight refused copied_bytes pool_in_use attached\n",
		prog);
}

static int
parse_uint(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || *s == '-' || v < min || v > max) {
		fprintf(stderr, "nta-fwd: %s: '%s' is not a number in [%u, %u]\n", opt, s, min,
				max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* 0: go on; 1: --help given; -1: bad input. */
static int
parse_args(struct fwd *f, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "max-inflight", required_argument, NULL, 'm' },
		{ "when-full", required_argument, NULL, 'w' },
		{ "wait-consumer", no_argument, NULL, 'W' },
		{ "copy", no_argument, NULL, 'c' },
		{ "nb-mbufs", required_argument, NULL, 'n' },
		{ "stats-ms", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "pool", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strlen(optarg) == 0 || strlen(optarg) >= 108) {
				fprintf(stderr, "nta-fwd: --socket: path empty or longer than 107\n");
				return -1;
			}
			f->socket_path = optarg;
			break;
		case 'm':
			if (parse_uint("--max-inflight", optarg, 1, 65536, &f->max_inflight) < 0)
				return -1;
			break;
		case 'w':
			if (strcmp(optarg, "drop") == 0) {
				f->wait_when_full = 0;
			} else if (strcmp(optarg, "wait") == 0) {
				f->wait_when_full = 1;
			} else {
				fprintf(stderr, "nta-fwd: --when-full: '%s' is neither drop nor wait\n",
						optarg);
				return -1;
			}
			break;
		case 'W':
			f->wait_consumer = 1;
			break;
		case 'c':
			f->copy_mode = 1;
			break;
		case 'n':
			if (parse_uint("--nb-mbufs", optarg, 1024, 1u << 20, &f->nb_mbufs) < 0)
				return -1;
			break;
		case 'S':
			if (parse_uint("--stats-ms", optarg, 0, 3600000, &v) < 0)
				return -1;
			f->stats_ms = (int)v;
			break;
		case 't':
			f->trace_path = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "ring") == 0) {
				f->ring_pool = 1;
				f->whole_pool = 0;
			} else if (strcmp(optarg, "pinned") == 0 || strcmp(optarg, "nta") == 0 ||
					strcmp(optarg, "whole") == 0) {
#ifndef NTA_FWD_HAVE_DRIVER
				fprintf(stderr, "nta-fwd: --pool %s: built without the nta"
						" mempool driver\n", optarg);
				return -1;
#endif
				f->ring_pool = 0;
				f->whole_pool = strcmp(optarg, "whole") == 0;
			} else {
				fprintf(stderr, "nta-fwd: --pool: '%s' is not pinned, whole, nta or"
						" ring\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 1;
		default:
			fprintf(stderr, "nta-fwd: unknown option; see --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nta-fwd: unexpected argument '%s'; see --help\n", argv[optind]);
		return -1;
	}
	if (f->nb_mbufs < f->max_inflight + 4 * (RX_DESC + TX_DESC)) {
		fprintf(stderr, "nta-fwd: --nb-mbufs %u is too small for --max-inflight %u"
				" (need at least %u)\n", f->nb_mbufs, f->max_inflight,
				f->max_inflight + 4 * (RX_DESC + TX_DESC));
		return -1;
	}
	return 0;
}

static int
port_init(struct fwd *f, uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint16_t nb_rx = RX_DESC, nb_tx = TX_DESC;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, nb_rx, rte_eth_dev_socket_id(port), NULL,
			f->pool);
	if (ret < 0)
		return ret;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	ret = rte_eth_tx_queue_setup(port, 0, nb_tx, rte_eth_dev_socket_id(port), &txconf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	rte_eth_promiscuous_enable(port); /* not every PMD can: not fatal */
	return 0;
}

/* ---- regions ---- */

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
static void
print_header_span(const struct fwd *f)
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

static const struct fwd_region *
region_by_id(const struct fwd *f, uint32_t id)
{
	if (id < f->n_regions)
		return &f->region[id];
	if (id == FWD_TX_REGION_ID && f->tx_region.base != NULL)
		return &f->tx_region;
	if (id == FWD_COPY_REGION_ID && f->copy_region.base != NULL)
		return &f->copy_region;
	return NULL;
}

/* Region and offset of an address in the arena; -1 if not in one. */
static int
region_of(const struct fwd *f, const void *p, uint32_t *id, uint32_t *off)
{
	uint32_t i;

	for (i = 0; i < f->n_regions; i++) {
		const struct fwd_region *r = &f->region[i];
		uintptr_t b = (uintptr_t)r->base;

		if ((uintptr_t)p >= b && (uintptr_t)p < b + r->size) {
			*id = r->id;
			*off = (uint32_t)((uintptr_t)p - b);
			return 0;
		}
	}
	return -1;
}

/* ---- transmit ---- */

static void
tx_burst(struct fwd *f, uint16_t port, struct rte_mbuf **m, uint16_t n)
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

/* ---- session ---- */

static void
slots_reset(struct fwd *f)
{
	uint32_t i;

	f->n_free_slot = 0;
	for (i = f->max_inflight; i > 0; i--)
		f->free_slot[f->n_free_slot++] = i - 1;
}

static uint32_t
inflight(const struct fwd *f)
{
	return f->max_inflight - f->n_free_slot;
}

static uint32_t
tx_inflight(const struct fwd *f)
{
	return FWD_TX_SLOTS - f->n_tx_free;
}

/* >8 Start of reclaiming a consumer's packets. */
static void
session_end(struct fwd *f, const char *why)
{
	uint32_t i, n = 0;

	if (!f->attached)
		return;
	/* Every packet the consumer held comes back to the pool. */
	for (i = 0; i < f->max_inflight; i++) {
		struct fwd_slot *s = &f->slot[i];

		if (s->in_use) {
			rte_pktmbuf_free(s->m);
			s->m = NULL;
			s->in_use = 0;
			n++;
		}
	}
	slots_reset(f);
	f->st.reclaimed += n;
	/* >8 End of reclaiming a consumer's packets. */
	f->attached = 0;
	munmap(f->ring_base, f->ring_file_size);
	f->ring_base = NULL;
	close(f->conn_fd);
	f->conn_fd = -1;
	printf("nta-fwd: consumer detached (%s): %u packets reclaimed, %u transmit buffers"
			" still with the NIC\n", why, n, tx_inflight(f));
	fflush(stdout);
}

static void
session_start(struct fwd *f, int conn)
{
	struct nta_share_region_msg msg[FWD_MAX_REGIONS + 2];
	int fds[FWD_MAX_REGIONS + 2];
	unsigned int n = 0, i;
	void *base;
	int ring_fd;

	ring_fd = nta_share_ring_file_create(f->ring_size, &base);
	if (ring_fd < 0) {
		fprintf(stderr, "nta-fwd: ring file: %s\n", strerror(errno));
		nta_share_refuse(conn, ENOMEM);
		close(conn);
		return;
	}
	for (i = 0; i < f->n_regions; i++) {
		msg[n].id = f->region[i].id;
		msg[n].flags = f->region[i].flags;
		msg[n].size = f->region[i].size;
		fds[n++] = f->region[i].ro_fd;
	}
	if (f->tx_region.base != NULL) {
		msg[n].id = f->tx_region.id;
		msg[n].flags = f->tx_region.flags;
		msg[n].size = f->tx_region.size;
		fds[n++] = f->tx_region.rw_fd;
	}
	if (f->copy_region.base != NULL) {
		msg[n].id = f->copy_region.id;
		msg[n].flags = f->copy_region.flags;
		msg[n].size = f->copy_region.size;
		fds[n++] = f->copy_region.ro_fd;
	}
	f->ring_file_size = nta_share_ring_file_size(f->ring_size);
	/* Ring addresses now, while the header is still ours alone: the
	 * consumer could rewrite its offsets once it has the fd.
	 */
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++)
		nta_share_ring_end_init(&f->end[i], nta_share_ring_get(base, i), f->ring_size,
				i == NTA_SHARE_RING_RX || i == NTA_SHARE_RING_COMPL);
	f->corrupt = 0;
	if (nta_share_serve_handshake(conn, 0, f->ring_size, f->max_inflight,
			ring_fd, f->ring_file_size, msg, fds, n) < 0) {
		fprintf(stderr, "nta-fwd: handshake failed: %s\n", strerror(errno));
		munmap(base, f->ring_file_size);
		close(ring_fd);
		close(conn);
		f->st.consumers_refused++;
		return;
	}
	close(ring_fd);
	f->ring_base = base;
	f->conn_fd = conn;
	f->attached = 1;
	f->st.consumers++;
	memset(f->tx_busy, 0, FWD_TX_REGION_SIZE / NTA_UNIT / 8);
	printf("nta-fwd: consumer attached (%u regions, rings of %u)\n", n, f->ring_size);
	fflush(stdout);
}

/*
 * Control path, every CTL_INTERVAL_US: notice a consumer going away, accept
 * connections, answer each once its hello is there (served, or EBUSY while
 * a consumer is attached). Never blocks: a client that says nothing within
 * HANDSHAKE_MS is dropped without holding up the data path.
 */
static void
ctl_poll(struct fwd *f)
{
	uint64_t now = rte_rdtsc();
	struct pollfd pfd;
	unsigned int i;
	int conn;

	if (f->attached) {
		pfd.fd = f->conn_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0) {
			char buf[64];
			ssize_t r = recv(f->conn_fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r <= 0 && !(r < 0 && (errno == EAGAIN || errno == EINTR)))
				session_end(f, r == 0 ? "closed" : strerror(errno));
		}
	}
	while ((conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < FWD_PENDING; i++)
			if (f->pending[i].fd < 0)
				break;
		if (i == FWD_PENDING) {
			close(conn);
			f->st.consumers_refused++;
			continue;
		}
		f->pending[i].fd = conn;
		f->pending[i].deadline = now + rte_get_tsc_hz() / 1000 * HANDSHAKE_MS;
	}
	if (!f->attached && tx_inflight(f) != 0) {
		/* A new consumer only when the old one's buffers left the NIC. */
		rte_eth_tx_done_cleanup(f->ports[0], 0, 0);
		rte_eth_tx_done_cleanup(f->ports[1], 0, 0);
	}
	for (i = 0; i < FWD_PENDING; i++) {
		struct fwd_pending *p = &f->pending[i];

		if (p->fd < 0)
			continue;
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (f->attached || tx_inflight(f) == 0)) {
			if (f->attached) {
				char buf[64];

				/* Read the hello first: closing on unread data would
				 * reset the connection before the answer is read.
				 */
				(void)recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
				nta_share_refuse(p->fd, EBUSY);
				close(p->fd);
				f->st.consumers_refused++;
			} else {
				session_start(f, p->fd); /* the hello is there: no wait */
			}
			p->fd = -1;
		} else if (now > p->deadline) {
			printf("nta-fwd: a client connected but got no answer in %d ms: dropped\n",
					HANDSHAKE_MS);
			close(p->fd);
			p->fd = -1;
			f->st.consumers_refused++;
		}
	}
}

/* ---- lending packets ---- */

static void
lend_burst(struct fwd *f, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct nta_share_desc d[FWD_BURST];
	uint32_t idx[FWD_BURST];
	uint16_t i, k = 0;
	int q;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
		struct fwd_slot *s;
		uint32_t si, rid, off;

		if (f->n_free_slot == 0) {
			f->st.dropped_full++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (m->nb_segs != 1 || (!f->copy_mode && region_of(f, data, &rid, &off) < 0) ||
				(f->copy_mode && m->data_len > FWD_COPY_SLOT)) {
			f->st.dropped_other++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* >8 Start of lending a packet. */
		si = f->free_slot[--f->n_free_slot];
		s = &f->slot[si];
		if (f->copy_mode) {
			rid = FWD_COPY_REGION_ID;
			off = si * FWD_COPY_SLOT;
			memcpy((uint8_t *)f->copy_region.base + off, data, m->data_len);
			f->st.copied_bytes += m->data_len;
		}
		s->m = m;
		s->gen++;
		s->region = rid;
		s->offset = off;
		s->len = m->data_len;
		s->port = port;
		s->in_use = 1;
		d[k].region = rid;
		d[k].offset = off;
		d[k].len = m->data_len;
		d[k].flags = port;
		d[k].cookie = ((uint64_t)s->gen << 32) | si;
		idx[k++] = si;
		/* >8 End of lending a packet. */
		if (f->trace != NULL)
			fprintf(f->trace, "lend seq=%" PRIu64 " port=%u region=%u offset=%u len=%u"
					" data=%p region_base=%p\n", f->trace_seq++, port, rid, off,
					m->data_len, (void *)data,
					region_by_id(f, rid)->base);
	}
	q = nta_share_ring_end_enqueue(&f->end[NTA_SHARE_RING_RX], d, k);
	if (q < 0) {
		f->corrupt = 1;
		q = 0;
	}
	f->st.to_consumer += (uint64_t)q;
	for (i = (uint16_t)q; i < k; i++) { /* the consumer's ring is full: take back */
		struct fwd_slot *s = &f->slot[idx[i]];

		rte_pktmbuf_free(s->m);
		s->m = NULL;
		s->in_use = 0;
		f->free_slot[f->n_free_slot++] = idx[i];
		f->st.dropped_ring++;
	}
	if (q > 0)
		nta_share_wake(f->ring_base);
}

/* ---- verdicts ---- */

static void
verdicts_poll(struct fwd *f)
{
	struct rte_mbuf *out[2][64];
	struct nta_share_desc d[64];
	uint16_t nout[2] = { 0, 0 };
	int n, i;

	n = nta_share_ring_end_dequeue(&f->end[NTA_SHARE_RING_VERDICT], d, 64);
	if (n < 0) {
		f->corrupt = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct nta_share_desc *v = &d[i];
		const struct fwd_region *r = region_by_id(f, v->region);
		uint32_t si = (uint32_t)v->cookie;
		uint32_t gen = (uint32_t)(v->cookie >> 32);
		struct fwd_slot *s;
		uint32_t verdict = v->flags & (NTA_SHARE_F_FORWARD | NTA_SHARE_F_DROP);

		/* >8 Start of checking a verdict. */
		if (r == NULL || r->flags & NTA_SHARE_REGION_TX) {
			f->st.refused_region++;
			continue;
		}
		if (v->offset >= r->size || v->len > r->size - v->offset) {
			f->st.refused_range++;
			continue;
		}
		if (si >= f->max_inflight) {
			f->st.refused_not_held++;
			continue;
		}
		s = &f->slot[si];
		if (gen != s->gen) {
			f->st.refused_stale++;
			continue;
		}
		if (!s->in_use) {
			f->st.refused_dup++;
			continue;
		}
		if (s->region != v->region || s->offset != v->offset || s->len != v->len) {
			f->st.refused_not_held++;
			continue;
		}
		if (verdict != NTA_SHARE_F_FORWARD && verdict != NTA_SHARE_F_DROP) {
			f->st.refused_verdict++;
			continue;
		}
		/* >8 End of checking a verdict. */
		s->in_use = 0;
		f->free_slot[f->n_free_slot++] = si;
		if (verdict == NTA_SHARE_F_DROP) {
			f->st.verdict_drop++;
			rte_pktmbuf_free(s->m);
		} else {
			uint16_t p = s->port ^ 1;

			f->st.verdict_fwd++;
			out[p][nout[p]++] = s->m;
		}
		s->m = NULL;
	}
	tx_burst(f, f->ports[0], out[0], nout[0]);
	tx_burst(f, f->ports[1], out[1], nout[1]);
}

/* ---- consumer transmit ---- */

/* >8 Start of completing a consumer buffer. */
static void
tx_done(void *addr, void *opaque)
{
	struct fwd_tx_slot *ts = opaque;
	struct fwd *f = ts->f;
	uint32_t unit = ts->d.offset / NTA_UNIT;

	(void)addr;
	f->tx_busy[unit / 64] &= ~(1ull << (unit % 64));
	/* The ring has room: admission counted this buffer (tx_poll). */
	if (f->attached && !f->corrupt) {
		int r = nta_share_ring_end_enqueue(&f->end[NTA_SHARE_RING_COMPL], &ts->d, 1);

		if (r == 1)
			f->st.completions++;
		else if (r < 0)
			f->corrupt = 1;
	}
	ts->in_use = 0;
	f->tx_free[f->n_tx_free++] = ts->index;
}
/* >8 End of completing a consumer buffer. */

static void
tx_poll(struct fwd *f)
{
	struct rte_mbuf *out[2][64];
	struct nta_share_desc d[64];
	uint16_t nout[2] = { 0, 0 };
	uint32_t used, room, want;
	int64_t compl;
	int n, i;

	/* Take only what can be completed: the COMPL ring never overflows. */
	compl = nta_share_ring_end_used(&f->end[NTA_SHARE_RING_COMPL]);
	if (compl < 0) {
		f->corrupt = 1;
		return;
	}
	used = tx_inflight(f) + (uint32_t)compl;
	room = f->ring_size > used ? f->ring_size - used : 0;
	want = RTE_MIN(room, f->n_tx_free);
	want = RTE_MIN(want, 64u);
	if (want == 0)
		return;
	n = nta_share_ring_end_dequeue(&f->end[NTA_SHARE_RING_TX], d, want);
	if (n < 0) {
		f->corrupt = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct nta_share_desc *v = &d[i];
		const struct fwd_region *r = &f->tx_region;
		uint32_t unit = v->offset / NTA_UNIT;
		uint16_t port = v->flags & NTA_SHARE_F_PORT_MASK;
		struct fwd_tx_slot *ts;
		struct rte_mbuf *m;

		if (v->region != FWD_TX_REGION_ID || r->base == NULL) {
			f->st.refused_tx++;
			f->st.refused_region++;
			continue;
		}
		if (v->offset >= r->size || v->len < 14 || v->len > FWD_TX_MAX_LEN ||
				v->len > r->size - v->offset || v->offset % NTA_UNIT != 0 ||
				port > 1) {
			f->st.refused_tx++;
			f->st.refused_range++;
			continue;
		}
		if (f->tx_busy[unit / 64] & (1ull << (unit % 64))) {
			f->st.refused_tx++;
			f->st.refused_dup++;
			continue;
		}
		m = rte_pktmbuf_alloc(f->hdr_pool);
		if (m == NULL) {
			/* Cannot send now: give it straight back as failed. */
			struct nta_share_desc c = *v;

			c.flags |= NTA_SHARE_F_TX_FAILED;
			if (nta_share_ring_end_enqueue(&f->end[NTA_SHARE_RING_COMPL], &c, 1) < 0)
				f->corrupt = 1;
			f->st.dropped_tx++;
			continue;
		}
		/* >8 Start of sending a consumer buffer. */
		ts = &f->tx_slot[f->tx_free[--f->n_tx_free]];
		ts->in_use = 1;
		ts->d = *v;
		ts->shinfo.free_cb = tx_done;
		ts->shinfo.fcb_opaque = ts;
		rte_mbuf_ext_refcnt_set(&ts->shinfo, 1);
		f->tx_busy[unit / 64] |= 1ull << (unit % 64);
		rte_pktmbuf_attach_extbuf(m, (uint8_t *)r->base + v->offset,
				r->iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : r->iova + v->offset,
				(uint16_t)v->len, &ts->shinfo);
		m->data_len = (uint16_t)v->len;
		m->pkt_len = v->len;
		f->st.consumer_tx++;
		out[port][nout[port]++] = m;
		/* >8 End of sending a consumer buffer. */
	}
	tx_burst(f, f->ports[0], out[0], nout[0]);
	tx_burst(f, f->ports[1], out[1], nout[1]);
}

/* ---- stats ---- */

static uint64_t
refused(const struct fwd_stats *s)
{
	return s->refused_region + s->refused_range + s->refused_not_held + s->refused_dup +
		s->refused_stale + s->refused_verdict;
}

static void
print_stats(struct fwd *f, const char *tag)
{
	const struct fwd_stats *s = &f->st;

	printf("nta-fwd: %s rx=%" PRIu64 " tx=%" PRIu64 " to_consumer=%" PRIu64
		" verdict_fwd=%" PRIu64 " verdict_drop=%" PRIu64 " consumer_tx=%" PRIu64
		" completions=%" PRIu64 " dropped=%" PRIu64 " inflight=%u tx_inflight=%u"
		" refused=%" PRIu64 " copied_bytes=%" PRIu64 " pool_in_use=%u attached=%d\n",
		tag, s->rx, s->tx, s->to_consumer, s->verdict_fwd, s->verdict_drop,
		s->consumer_tx, s->completions,
		s->dropped_full + s->dropped_ring + s->dropped_tx + s->dropped_other,
		inflight(f), tx_inflight(f), refused(s), s->copied_bytes,
		rte_mempool_in_use_count(f->pool), f->attached);
	fflush(stdout);
}

static void
print_final(struct fwd *f)
{
	const struct fwd_stats *s = &f->st;

	print_stats(f, "final:");
	printf("nta-fwd: final: dropped_full=%" PRIu64 " dropped_ring=%" PRIu64
		" dropped_tx=%" PRIu64 " dropped_other=%" PRIu64 " tx_failed=%" PRIu64 "\n",
		s->dropped_full, s->dropped_ring, s->dropped_tx, s->dropped_other, s->tx_failed);
	printf("nta-fwd: final: refused_region=%" PRIu64 " refused_range=%" PRIu64
		" refused_not_held=%" PRIu64 " refused_dup=%" PRIu64 " refused_stale=%" PRIu64
		" refused_verdict=%" PRIu64 " refused_tx=%" PRIu64 "\n",
		s->refused_region, s->refused_range, s->refused_not_held, s->refused_dup,
		s->refused_stale, s->refused_verdict, s->refused_tx);
	printf("nta-fwd: final: consumers=%" PRIu64 " consumers_refused=%" PRIu64
		" protocol_errors=%" PRIu64 " reclaimed=%" PRIu64 " rx_bytes=%" PRIu64 "\n",
		s->consumers, s->consumers_refused, s->protocol_errors, s->reclaimed,
		s->rx_bytes);
	fflush(stdout);
}

/* ---- main loop ---- */

static void
fwd_loop(struct fwd *f)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t ctl_period = hz / 1000000 * CTL_INTERVAL_US;
	uint64_t stats_period = hz / 1000 * (uint64_t)f->stats_ms;
	uint64_t last_ctl = 0, last_stats = rte_rdtsc();
	struct rte_mbuf *pkts[FWD_BURST];
	unsigned int p;

	while (!force_quit) {
		uint64_t now = rte_rdtsc();

		if (now - last_ctl >= ctl_period) {
			ctl_poll(f);
			last_ctl = now;
		}
		if (f->stats_ms > 0 && now - last_stats >= stats_period) {
			print_stats(f, "stats:");
			last_stats = now;
		}
		if (f->attached) {
			verdicts_poll(f);
			tx_poll(f);
			if (f->corrupt) {
				/* Impossible ring indices: the consumer broke the
				 * protocol. Take everything back and let it go.
				 */
				f->st.protocol_errors++;
				session_end(f, "ring indices corrupted");
			}
		}
		for (p = 0; p < 2; p++) {
			uint16_t n, i;

			if (!f->attached && f->wait_consumer)
				continue;
			if (f->attached && f->wait_when_full && f->n_free_slot < FWD_BURST)
				continue;
			n = rte_eth_rx_burst(f->ports[p], 0, pkts, FWD_BURST);
			if (n == 0)
				continue;
			f->st.rx += n;
			for (i = 0; i < n; i++)
				f->st.rx_bytes += pkts[i]->pkt_len;
			if (f->attached)
				lend_burst(f, (uint16_t)p, pkts, n);
			else
				tx_burst(f, f->ports[p ^ 1], pkts, n);
		}
	}
}

int
main(int argc, char **argv)
{
	static struct fwd fw;
	struct fwd *f = &fw;
	struct rte_pktmbuf_pool_private hp;
	uint16_t port, n_ports = 0;
	int ret, i;

	(void)hp;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			/* --help works without EAL (and without hugepages). */
			bool after = false;
			int j;

			for (j = 1; j < i; j++)
				if (strcmp(argv[j], "--") == 0)
					after = true;
			if (after || strcmp(argv[i], "--help") == 0) {
				usage(argv[0]);
				return 0;
			}
		}

	f->socket_path = "/run/nta-fwd.sock";
	f->max_inflight = 1024;
	f->nb_mbufs = 8192;
	f->stats_ms = 1000;
	f->listen_fd = -1;
	f->conn_fd = -1;
	for (i = 0; i < FWD_PENDING; i++)
		f->pending[i].fd = -1;
	f->tx_region.ro_fd = f->tx_region.rw_fd = -1;
	f->copy_region.ro_fd = f->copy_region.rw_fd = -1;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "nta-fwd: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"dpdk-nta-fwd";
	ret = parse_args(f, argc, argv);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	signal(SIGPIPE, SIG_IGN);

	RTE_ETH_FOREACH_DEV(port) {
		if (n_ports < 2)
			f->ports[n_ports] = port;
		n_ports++;
	}
	if (n_ports != 2) {
		fprintf(stderr, "nta-fwd: needs exactly 2 ports, found %u (e.g. --vdev"
				" net_pcap0,rx_pcap=in.pcap --vdev net_pcap1,tx_pcap=out.pcap)\n",
				n_ports);
		rte_eal_cleanup();
		return 2;
	}
	if (f->trace_path != NULL) {
		f->trace = fopen(f->trace_path, "w");
		if (f->trace == NULL) {
			fprintf(stderr, "nta-fwd: --trace %s: %s\n", f->trace_path, strerror(errno));
			rte_eal_cleanup();
			return 2;
		}
	}

	ret = 1;
	for (f->ring_size = 256; f->ring_size < f->max_inflight; f->ring_size <<= 1)
		;
	f->slot = calloc(f->max_inflight, sizeof(*f->slot));
	f->free_slot = calloc(f->max_inflight, sizeof(*f->free_slot));
	f->tx_busy = calloc(FWD_TX_REGION_SIZE / NTA_UNIT / 64, sizeof(uint64_t));
	if (f->slot == NULL || f->free_slot == NULL || f->tx_busy == NULL) {
		fprintf(stderr, "nta-fwd: out of memory\n");
		goto out;
	}
	slots_reset(f);
	for (i = 0; i < (int)FWD_TX_SLOTS; i++) {
		f->tx_slot[i].index = (uint32_t)i;
		f->tx_slot[i].f = f;
		f->tx_free[FWD_TX_SLOTS - 1 - i] = (uint32_t)i;
	}
	f->n_tx_free = FWD_TX_SLOTS;

	if (fwd_pool_create(f) != 0)
		goto out;
	if (fwd_extra_region_create(f, &f->tx_region, FWD_TX_REGION_ID, NTA_SHARE_REGION_TX,
			FWD_TX_REGION_SIZE, 1) != 0)
		goto out;
	if (f->copy_mode &&
			fwd_extra_region_create(f, &f->copy_region, FWD_COPY_REGION_ID,
				NTA_SHARE_REGION_COPY,
				RTE_ALIGN_CEIL((size_t)f->max_inflight * FWD_COPY_SLOT,
					2u * 1024 * 1024), 0) != 0)
		goto out;
	f->hdr_pool = rte_pktmbuf_pool_create("nta_fwd_hdr", 2 * FWD_TX_SLOTS - 1, 32, 0, 0,
			(int)rte_socket_id());
	if (f->hdr_pool == NULL) {
		fprintf(stderr, "nta-fwd: header pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		ret = port_init(f, f->ports[i]);
		if (ret != 0) {
			fprintf(stderr, "nta-fwd: cannot start port %u: %s\n", f->ports[i],
					rte_strerror(-ret));
			ret = 1;
			goto out;
		}
	}
	f->listen_fd = nta_share_listen(f->socket_path);
	if (f->listen_fd < 0) {
		fprintf(stderr, "nta-fwd: cannot listen on %s: %s\n", f->socket_path,
				strerror(errno));
		ret = 1;
		goto out;
	}
	print_header_span(f);
	printf("nta-fwd: ports %u <-> %u, %u mbufs (mempool ops %s) in %u arena regions,"
			" consumer socket %s%s\n", f->ports[0], f->ports[1], f->nb_mbufs,
			rte_mempool_get_ops(f->pool->ops_index)->name, f->n_regions,
			f->socket_path, f->copy_mode ? " (copy mode)" : "");
	fflush(stdout);

	fwd_loop(f);
	ret = 0;

	session_end(f, "forwarder exiting");
	print_final(f);
out:
	for (i = 0; i < 2 && n_ports == 2; i++) {
		rte_eth_dev_stop(f->ports[i]);
		rte_eth_dev_close(f->ports[i]);
	}
	for (i = 0; i < FWD_PENDING; i++)
		if (f->pending[i].fd >= 0)
			close(f->pending[i].fd);
	if (f->listen_fd >= 0) {
		close(f->listen_fd);
		unlink(f->socket_path);
	}
	if (f->trace != NULL)
		fclose(f->trace);
	if (f->hdr_pool != NULL)
		rte_mempool_free(f->hdr_pool);
	fwd_pool_destroy(f);
	free(f->slot);
	free(f->free_slot);
	free(f->tx_busy);
	rte_eal_cleanup();
	return ret;
}
