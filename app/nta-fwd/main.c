/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * dpdk-nta-fwd: a two-port forwarder whose packets live in NTA arena memory
 * that a consumer process maps and reads in place. With no consumer it
 * forwards port 0 <-> port 1 directly (like examples/skeleton); with one, every
 * received packet is lent to it by descriptor and leaves on the peer port by
 * its verdict, and the consumer may transmit buffers of its own. fwd.h lists
 * which file does what.
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

static int
port_init(struct fwd *f, uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint16_t nb_rx = FWD_RX_DESC, nb_tx = FWD_TX_DESC;
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

/* ---- main loop ---- */

static void
fwd_loop(struct fwd *f)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t ctl_period = hz / 1000000 * CTL_INTERVAL_US;
	uint64_t stats_period = hz / 1000 * (uint64_t)f->stats_ms;
	uint64_t last_ctl = 0, last_stats = rte_rdtsc(), now = last_stats, end, moved;
	struct rte_mbuf *pkts[FWD_BURST];
	unsigned int p;

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
		moved = fwd_moved(f);
		if (f->attached) {
			fwd_rx_prefetch(f);
			fwd_verdicts_poll(f);
			fwd_tx_poll(f);
			if (f->corrupt) {
				/* Impossible ring indices: the consumer broke the
				 * protocol. Take everything back and let it go.
				 */
				f->st.protocol_errors++;
				fwd_session_end(f, "ring indices corrupted");
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
				fwd_lend_burst(f, (uint16_t)p, pkts, n);
			else
				fwd_tx_burst(f, f->ports[p ^ 1], pkts, n);
		}
		/* >8 Start of counting busy cycles. */
		end = rte_rdtsc();
		if (fwd_moved(f) != moved)
			f->st.busy_cycles += end - now;
		now = end;
		/* >8 End of counting busy cycles. */
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
	f->stats_ms = 1000;
	f->listen_fd = -1;
	f->conn_fd = -1;
	for (i = 0; i < FWD_PENDING; i++)
		f->pending[i].fd = -1;
	f->tx_region.ro_fd = f->tx_region.rw_fd = -1;
	f->copy_region.ro_fd = f->copy_region.rw_fd = -1;
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

/* Tables of lent packets and of consumer transmit buffers; 0 or -1. */
static int
tables_create(struct fwd *f)
{
	for (f->ring_size = 256; f->ring_size < f->max_inflight; f->ring_size <<= 1)
		;
	f->slot = calloc(f->max_inflight, sizeof(*f->slot));
	f->free_slot = calloc(f->max_inflight, sizeof(*f->free_slot));
	f->tx_busy = calloc(FWD_TX_REGION_SIZE / NTA_UNIT / 64, sizeof(uint64_t));
	if (f->slot == NULL || f->free_slot == NULL || f->tx_busy == NULL) {
		fprintf(stderr, "nta-fwd: out of memory\n");
		return -1;
	}
	fwd_slots_reset(f);
	fwd_tx_slots_init(f);
	return 0;
}

/* Packet memory: the pool, the transmit and copy regions, TX headers; 0 or -1. */
static int
memory_create(struct fwd *f)
{
	if (fwd_pool_create(f) != 0)
		return -1;
	if (fwd_extra_region_create(&f->tx_region, FWD_TX_REGION_ID, NTA_SHARE_REGION_TX,
			FWD_TX_REGION_SIZE, 1) != 0)
		return -1;
	if (f->copy_mode &&
			fwd_extra_region_create(&f->copy_region, FWD_COPY_REGION_ID,
				NTA_SHARE_REGION_COPY,
				RTE_ALIGN_CEIL((size_t)f->max_inflight * f->copy_slot,
					FWD_HUGEPAGE_SIZE), 0) != 0)
		return -1;
	f->hdr_pool = rte_pktmbuf_pool_create("nta_fwd_hdr", 2 * FWD_TX_SLOTS - 1, 32, 0, 0,
			(int)rte_socket_id());
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
	printf("nta-fwd: ports %u <-> %u, %u mbufs (mempool ops %s) in %u arena regions,"
			" consumer socket %s%s\n", f->ports[0], f->ports[1], f->nb_mbufs,
			rte_mempool_get_ops(f->pool->ops_index)->name, f->n_regions,
			f->socket_path, f->copy_mode ? " (copy mode)" : "");
	fflush(stdout);
	return 0;
}

static void
fwd_cleanup(struct fwd *f, unsigned int n_ports)
{
	int i;

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
}

int
main(int argc, char **argv)
{
	static struct fwd fw;
	struct fwd *f = &fw;
	unsigned int n_ports;
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
		fwd_session_end(f, "forwarder exiting");
		fwd_print_final(f);
	}
	fwd_cleanup(f, n_ports);
	rte_eal_cleanup();
	return ret;
}
