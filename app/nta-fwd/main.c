/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * dpdk-nta-fwd: a two-port forwarder whose packets live in NTA arena memory
 * that consumer processes map and read in place. Each port has one receive
 * queue per consumer slot (--consumers); the device spreads flows over them.
 * A slot with no consumer forwards port 0 <-> port 1 directly (like
 * examples/skeleton); with one, every packet of its queues is lent to it by
 * descriptor and leaves on the peer port by its verdict, and the consumer may
 * transmit buffers of its own. fwd.h lists which file does what.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* How often the main loop looks at the consumer socket. */
#define CTL_INTERVAL_US 1000

static volatile bool force_quit;

static void
signal_handler(int signum)
{
	if (signum == SIGINT || signum == SIGTERM)
		force_quit = true;
}

/* RSS over IP and TCP/UDP ports, as far as the device hashes them; 0 when it cannot. */
static uint64_t
port_rss_hf(const struct rte_eth_dev_info *info)
{
	return (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info->flow_type_rss_offloads;
}

/*
 * Port with one receive and one transmit queue per consumer slot; receive
 * queue k fills slot k's pool. Flows are spread over the queues by the
 * device: RSS where it hashes (NICs), its own way otherwise (net_af_packet
 * qpairs: the kernel's fanout hash; net_null: every queue makes packets).
 */
static int
port_init(struct fwd *f, uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint16_t nb_rx = FWD_RX_DESC, nb_tx = FWD_TX_DESC;
	uint16_t nq = (uint16_t)f->n_consumers, q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		fprintf(stderr, "nta-fwd: port %u (%s) has %u receive and %u transmit"
				" queues, --consumers %u needs %u of each (net_af_packet:"
				" qpairs=%u)\n", port, info.driver_name, info.max_rx_queues,
				info.max_tx_queues, nq, nq, nq);
		return -EINVAL;
	}
	if (nq > 1 && port_rss_hf(&info) != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = port_rss_hf(&info);
	}
	fwd_chain_port_conf(f, &info, &conf);
	ret = rte_eth_dev_configure(port, nq, nq, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
	if (ret != 0)
		return ret;
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rx, rte_eth_dev_socket_id(port), NULL,
				f->sess[q]->pool);
		if (ret < 0)
			return ret;
		ret = rte_eth_tx_queue_setup(port, q, nb_tx, rte_eth_dev_socket_id(port), &txconf);
		if (ret < 0)
			return ret;
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	rte_eth_promiscuous_enable(port); /* not every PMD can: not fatal */
	return 0;
}

/* ---- main loop ---- */

/* Receive on slot s's queue of both ports: lent to its consumer, or forwarded. */
static inline void
fwd_rx_slot(struct fwd_sess *s)
{
	struct rte_mbuf *pkts[FWD_BURST];
	struct fwd *f = s->f;
	unsigned int p;

	for (p = 0; p < 2; p++) {
		uint16_t n, i, want;

		want = s->attached && f->wait_when_full ? fwd_lend_room(s) : FWD_BURST;
		if (want == 0)
			continue;
		n = rte_eth_rx_burst(f->ports[p], s->id, pkts, want);
		if (n == 0)
			continue;
		s->st.rx += n;
		for (i = 0; i < n; i++)
			s->st.rx_bytes += pkts[i]->pkt_len;
		if (s->attached)
			fwd_lend_burst(s, (uint16_t)p, pkts, n);
		else
			fwd_tx_burst(s, f->ports[p ^ 1], pkts, n);
	}
}

static void
fwd_loop(struct fwd *f)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t ctl_period = hz / 1000000 * CTL_INTERVAL_US;
	uint64_t stats_period = hz / 1000 * (uint64_t)f->stats_ms;
	uint64_t last_ctl = 0, last_stats = rte_rdtsc(), now = last_stats, end, moved;
	uint32_t k;

	while (!force_quit) {
		if (now - last_ctl >= ctl_period || (f->stats_ms > 0 &&
				now - last_stats >= stats_period)) {
			if (now - last_ctl >= ctl_period) {
				fwd_ctl_poll(f);
				last_ctl = now;
			}
			if (f->stats_ms > 0 && now - last_stats >= stats_period) {
				fwd_print_stats(f, "stats:");
				last_stats = now;
			}
			now = rte_rdtsc(); /* not a packet's cycles */
		}
		for (k = 0; k < f->n_consumers; k++) {
			struct fwd_sess *s = f->sess[k];

			moved = fwd_moved(s);

			if (s->attached) {
				fwd_rx_prefetch(s);
				fwd_verdicts_poll(s);
				fwd_tx_poll(s);
				if (s->corrupt) {
					/* Impossible ring indices: the consumer broke the
					 * protocol. Take everything back and let it go.
					 */
					s->st.protocol_errors++;
					fwd_session_end(s, "ring indices corrupted");
				}
			}
			if (fwd_sess_polled(s))
				fwd_rx_slot(s);
			/* >8 Start of counting busy cycles. */
			end = rte_rdtsc();
			if (fwd_moved(s) != moved)
				s->st.busy_cycles += end - now;
			now = end;
			/* >8 End of counting busy cycles. */
		}
	}
}

static void
fwd_defaults(struct fwd *f)
{
	int i;

	f->socket_path = "/run/nta-fwd.sock";
	f->socket_mode = 0600;
	f->max_inflight = 1024;
	f->nb_mbufs = 8192;
	f->mbuf_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	f->n_consumers = 1;
	f->max_retired = (uint64_t)FWD_MAX_RETIRED_MB_DEFAULT << 20;
	f->retire = 1;
	f->stats_ms = 1000;
	f->listen_fd = -1;
	for (i = 0; i < FWD_PENDING; i++)
		f->pending[i].fd = -1;
	for (i = 0; i < FWD_MAX_RETIRED; i++)
		f->retired[i].pidfd = -1;
}

/* The two ports, in f->ports; the number of ports found. */
static unsigned int
find_ports(struct fwd *f)
{
	unsigned int n = 0;
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		if (n < 2)
			f->ports[n] = port;
		n++;
	}
	return n;
}

/* Slot k: its tables of lent packets and consumer transmit buffers; NULL when out of memory. */
static struct fwd_sess *
sess_create(struct fwd *f, uint16_t k)
{
	struct fwd_sess *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->f = f;
	s->id = k;
	s->conn_fd = -1;
	s->tx_region.ro_fd = s->tx_region.rw_fd = -1;
	s->copy_region.ro_fd = s->copy_region.rw_fd = -1;
	s->slot = calloc(f->max_inflight, sizeof(*s->slot));
	s->free_slot = calloc(f->max_inflight, sizeof(*s->free_slot));
	s->tx_busy = calloc(FWD_TX_REGION_SIZE / NTA_UNIT / 64, sizeof(uint64_t));
	if (s->slot == NULL || s->free_slot == NULL || s->tx_busy == NULL)
		return s; /* tables_create sees the NULL tables */
	fwd_slots_reset(s);
	fwd_tx_slots_init(s);
	return s;
}

/* Every slot's tables; 0 or -1. */
static int
tables_create(struct fwd *f)
{
	uint32_t k;

	for (f->ring_size = 256; f->ring_size < f->max_inflight; f->ring_size <<= 1)
		;
	for (k = 0; k < f->n_consumers; k++) {
		f->sess[k] = sess_create(f, (uint16_t)k);
		if (f->sess[k] == NULL || f->sess[k]->slot == NULL ||
				f->sess[k]->free_slot == NULL || f->sess[k]->tx_busy == NULL) {
			fprintf(stderr, "nta-fwd: out of memory\n");
			return -1;
		}
	}
	return 0;
}

/* Packet memory: each slot's pool, transmit and copy regions; TX headers; 0 or -1. */
static int
memory_create(struct fwd *f)
{
	uint32_t k;

	for (k = 0; k < f->n_consumers; k++) {
		struct fwd_sess *s = f->sess[k];

		if (fwd_pool_create(s) != 0)
			return -1;
		if (fwd_extra_region_create(&s->tx_region, FWD_TX_REGION_ID,
				NTA_SHARE_REGION_TX, FWD_TX_REGION_SIZE, 1) != 0)
			return -1;
		if (f->copy_mode && fwd_copy_region_renew(s) != 0)
			return -1;
	}
	f->hdr_pool = rte_pktmbuf_pool_create("nta_fwd_hdr", 2 * FWD_TX_SLOTS * f->n_consumers - 1,
			32, 0, 0, (int)rte_socket_id());
	if (f->hdr_pool == NULL) {
		fprintf(stderr, "nta-fwd: header pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Everything the loop needs, ports started and socket listening; 0 or -1. */
static int
fwd_setup(struct fwd *f)
{
	int i, ret;

	if (tables_create(f) != 0 || memory_create(f) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		ret = port_init(f, f->ports[i]);
		if (ret != 0) {
			fprintf(stderr, "nta-fwd: cannot start port %u: %s\n", f->ports[i],
					rte_strerror(-ret));
			return -1;
		}
	}
	if (fwd_listen(f) != 0)
		return -1;
	fwd_print_header_span(f);
	fwd_telemetry_init(f);
	if (!f->retire || f->ring_pool || f->whole_pool)
		printf("nta-fwd: warning: %s: a consumer that detached keeps seeing the packets"
				" received after it left\n", f->retire ? "--pool whole or ring" :
				"--retire off");
	printf("nta-fwd: ports %u <-> %u, %u consumer slot%s of %u mbufs (mempool ops %s) in"
			" %u arena regions each, consumer socket %s%s\n", f->ports[0], f->ports[1],
			f->n_consumers, f->n_consumers > 1 ? "s" : "", f->nb_mbufs,
			rte_mempool_get_ops(f->sess[0]->pool->ops_index)->name,
			f->sess[0]->gen.n_regions, f->socket_path,
			f->copy_mode ? " (copy mode)" : "");
	fflush(stdout);
	return 0;
}

static void
fwd_cleanup(struct fwd *f, unsigned int n_ports)
{
	uint32_t k;
	int i;

	for (i = 0; i < 2 && n_ports == 2; i++) {
		rte_eth_dev_stop(f->ports[i]);
		rte_eth_dev_close(f->ports[i]);
	}
	for (i = 0; i < FWD_PENDING; i++)
		if (f->pending[i].fd >= 0)
			close(f->pending[i].fd);
	for (i = 0; i < FWD_MAX_RETIRED; i++)
		if (f->retired[i].pidfd >= 0)
			close(f->retired[i].pidfd);
	if (f->listen_fd >= 0) {
		close(f->listen_fd);
		unlink(f->socket_path);
	}
	if (f->trace != NULL)
		fclose(f->trace);
	if (f->hdr_pool != NULL)
		rte_mempool_free(f->hdr_pool);
	for (k = 0; k < f->n_consumers; k++) {
		struct fwd_sess *s = f->sess[k];

		if (s == NULL)
			continue;
		fwd_pool_destroy(s);
		free(s->slot);
		free(s->free_slot);
		free(s->tx_busy);
		free(s);
	}
}

int
main(int argc, char **argv)
{
	static struct fwd fw;
	struct fwd *f = &fw;
	unsigned int n_ports;
	uint32_t k;
	int ret;

	if (fwd_help_asked(argc, argv)) {
		fwd_usage(argv[0]);
		return 0;
	}
	fwd_defaults(f);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "nta-fwd: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"dpdk-nta-fwd";
	ret = fwd_parse_args(f, argc, argv);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	signal(SIGPIPE, SIG_IGN);

	n_ports = find_ports(f);
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
	if (fwd_setup(f) == 0) {
		fwd_loop(f);
		ret = 0;
		f->retire = 0;   /* everything is unmapped at exit anyway */
		for (k = 0; k < f->n_consumers; k++)
			fwd_session_end(f->sess[k], "forwarder exiting");
		fwd_print_final(f);
	}
	fwd_cleanup(f, n_ports);
	rte_eal_cleanup();
	return ret;
}
