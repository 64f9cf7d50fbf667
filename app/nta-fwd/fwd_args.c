/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* dpdk-nta-fwd's command line (after EAL's options and "--"). */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "fwd.h"

/* Bytes of a unix socket path, its NUL included. */
#define SOCKET_PATH_SIZE sizeof(((struct sockaddr_un *)NULL)->sun_path)

void
fwd_usage(const char *prog)
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
		"  --socket PATH        consumer socket (default /run/nta-fwd.sock); refused\n"
		"                       when PATH exists and is not a socket, or is a socket\n"
		"                       another process serves (nothing is deleted); a dead\n"
		"                       socket is replaced\n"
		"  --socket-mode OCTAL  mode of the socket file (default 0600: only this uid\n"
		"                       and root can connect)\n"
		"  --allow-uid UID      let consumers of this uid attach (repeatable, up to %u);\n"
		"                       root and the forwarder's own uid always may. Checked\n"
		"                       with SO_PEERCRED before any fd is handed over: others\n"
		"                       are refused (EACCES), logged and counted\n"
		"  --allow-gid GID      let consumers of this group attach (primary or\n"
		"                       supplementary group; repeatable, up to %u)\n"
		"  --consumers N        consumer slots, 1..%u (default 1): each port gets N\n"
		"                       receive and transmit queues, queue k of both ports\n"
		"                       belongs to slot k and has its own pool, whose packet\n"
		"                       memory is lent to slot k's consumer only. The device\n"
		"                       spreads flows: RSS on NICs, the kernel's fanout hash\n"
		"                       on net_af_packet (give qpairs=N), net_null makes\n"
		"                       packets on every queue. A slot without a consumer\n"
		"                       forwards its queue directly\n"
		"  --max-retired-mb MB  most memory of retired generations that consumers which\n"
		"                       left may still map (its hugepages stay pinned until\n"
		"                       they unmap it or exit; default %u): a consumer whose\n"
		"                       slot's retirement could pass it is refused (EDQUOT)\n"
		"  --retire on|off      on (default): when a consumer leaves, its slot's pool\n"
		"                       moves to fresh regions and the old ones are destroyed,\n"
		"                       so no later packet lands in memory it mapped; off: for\n"
		"                       tests and measurements only\n"
		"  --max-inflight N     most packets lent to each consumer at once (default 1024)\n"
		"  --when-full MODE     drop: drop and count packets beyond --max-inflight\n"
		"                       (default); wait: stop receiving until buffers come back\n"
		"  --wait-consumer      receive nothing until a consumer has attached\n"
		"  --copy               copy each packet into a separate shared region instead\n"
		"                       of lending the mbuf (the benchmark's copy path)\n"
		"  --nb-mbufs N         mbufs in each slot's pool (default 8192)\n"
		"  --mbuf-size N        data room of each mbuf, headroom (%u) included, as\n"
		"                       testpmd's (default %u, range %u-%u; e.g. 9344 for\n"
		"                       9000-byte frames in one mbuf); given, the ports also\n"
		"                       get scatter (when they offer it) and an MTU for frames\n"
		"                       of %u bytes: a frame larger than an mbuf arrives as a\n"
		"                       chain of mbufs, lent as one chain of descriptors\n"
		"  --pool KIND          pinned (or nta): the nta mempool driver's pool of pinned\n"
		"                       external buffers, rte_nta_pktmbuf_pool_create_pinned():\n"
		"                       mbuf headers in private DPDK memory, only packet data\n"
		"                       in the shared arena (the default when built with the\n"
		"                       driver); whole: the driver's pool of whole mbufs in the\n"
		"                       arena, headers included (rte_nta_pktmbuf_pool_create());\n"
		"                       ring: whole mbufs, ring_mp_mc ops populated here on the\n"
		"                       same kind of arena. whole and ring: one slot only, and\n"
		"                       no retirement (the headers are in the lent memory)\n"
		"  --stats-ms MS        live stats interval in ms, 0 for none (default 1000)\n"
		"  --trace FILE         write one line per packet lent (region, offset, mbuf\n"
		"                       data address, region base): the zero-copy proof\n"
		"  -h, --help           this text\n"
		"\n"
		"Stats line fields (totals over the slots): rx tx to_consumer verdict_fwd\n"
		"verdict_drop consumer_tx completions dropped inflight tx_inflight refused\n"
		"copied_bytes pool_in_use attached (consumers) rotations retired_mb busy_cycles\n"
		"cycles_per_pkt. busy_cycles: TSC cycles of the loop iterations that moved a\n"
		"packet (as testpmd's --record-core-cycles); cycles_per_pkt: busy cycles per\n"
		"packet received, since the previous line (the final line: whole run).\n"
		"With --consumers > 1, one line per slot too: nta-fwd: slot K: rx to_consumer\n"
		"verdict_fwd verdict_drop refused inflight pool_in_use gen attached pid\n"
		"cycles_per_pkt (whole run)\n",
		prog, FWD_MAX_ALLOW, FWD_MAX_ALLOW, FWD_MAX_CONSUMERS, FWD_MAX_RETIRED_MB_DEFAULT,
		RTE_PKTMBUF_HEADROOM, RTE_MBUF_DEFAULT_BUF_SIZE, FWD_MBUF_SIZE_MIN, FWD_MBUF_SIZE_MAX,
		FWD_TX_MAX_LEN);
}

/*
 * 1 when the command line asks for --help before EAL sees it: --help
 * anywhere, or -h after "--" (before it, -h is EAL's). --help works without
 * EAL, hence without hugepages.
 */
int
fwd_help_asked(int argc, char **argv)
{
	bool after = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			after = true;
		else if (strcmp(argv[i], "--help") == 0 || (after && strcmp(argv[i], "-h") == 0))
			return 1;
	}
	return 0;
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

/* --allow-uid, --allow-gid: id added to list (n entries) */
static int
parse_allow(const char *opt, const char *s, uint32_t *list, uint32_t *n)
{
	uint32_t v;

	if (parse_uint(opt, s, 0, UINT32_MAX - 1, &v) < 0)
		return -1;
	if (*n == FWD_MAX_ALLOW) {
		fprintf(stderr, "nta-fwd: %s: at most %u\n", opt, FWD_MAX_ALLOW);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

/* --socket-mode OCTAL */
static int
parse_mode(struct fwd *f, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *s == '\0' || *end != '\0' || *s == '-' || v > 0777) {
		fprintf(stderr, "nta-fwd: --socket-mode: '%s' is not an octal mode in [0, 0777]\n",
				s);
		return -1;
	}
	f->socket_mode = (uint32_t)v;
	return 0;
}

/* --retire on|off */
static int
parse_retire(struct fwd *f, const char *mode)
{
	if (strcmp(mode, "on") == 0) {
		f->retire = 1;
	} else if (strcmp(mode, "off") == 0) {
		f->retire = 0;
	} else {
		fprintf(stderr, "nta-fwd: --retire: '%s' is neither on nor off\n", mode);
		return -1;
	}
	return 0;
}

/* --when-full MODE */
static int
parse_when_full(struct fwd *f, const char *mode)
{
	if (strcmp(mode, "drop") == 0) {
		f->wait_when_full = 0;
	} else if (strcmp(mode, "wait") == 0) {
		f->wait_when_full = 1;
	} else {
		fprintf(stderr, "nta-fwd: --when-full: '%s' is neither drop nor wait\n", mode);
		return -1;
	}
	return 0;
}

/* --pool KIND */
static int
parse_pool(struct fwd *f, const char *kind)
{
	if (strcmp(kind, "ring") == 0) {
		f->ring_pool = 1;
		f->whole_pool = 0;
	} else if (strcmp(kind, "pinned") == 0 || strcmp(kind, "nta") == 0 ||
			strcmp(kind, "whole") == 0) {
		f->ring_pool = 0;
		f->whole_pool = strcmp(kind, "whole") == 0;
	} else {
		fprintf(stderr, "nta-fwd: --pool: '%s' is not pinned, whole, nta or ring\n", kind);
		return -1;
	}
	return 0;
}

/* 0: go on; 1: --help given; -1: bad input. */
int
fwd_parse_args(struct fwd *f, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'M' },
		{ "allow-uid", required_argument, NULL, 'u' },
		{ "allow-gid", required_argument, NULL, 'g' },
		{ "max-inflight", required_argument, NULL, 'm' },
		{ "when-full", required_argument, NULL, 'w' },
		{ "wait-consumer", no_argument, NULL, 'W' },
		{ "copy", no_argument, NULL, 'c' },
		{ "nb-mbufs", required_argument, NULL, 'n' },
		{ "mbuf-size", required_argument, NULL, 'b' },
		{ "stats-ms", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "pool", required_argument, NULL, 'p' },
		{ "consumers", required_argument, NULL, 'C' },
		{ "max-retired-mb", required_argument, NULL, 'R' },
		{ "retire", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strlen(optarg) == 0 || strlen(optarg) >= SOCKET_PATH_SIZE) {
				fprintf(stderr, "nta-fwd: --socket: path empty or longer than %zu\n",
						SOCKET_PATH_SIZE - 1);
				return -1;
			}
			f->socket_path = optarg;
			break;
		case 'M':
			if (parse_mode(f, optarg) < 0)
				return -1;
			break;
		case 'u':
			if (parse_allow("--allow-uid", optarg, f->allow_uid, &f->n_allow_uid) < 0)
				return -1;
			break;
		case 'g':
			if (parse_allow("--allow-gid", optarg, f->allow_gid, &f->n_allow_gid) < 0)
				return -1;
			break;
		case 'm':
			if (parse_uint("--max-inflight", optarg, 1, 65536, &f->max_inflight) < 0)
				return -1;
			break;
		case 'w':
			if (parse_when_full(f, optarg) < 0)
				return -1;
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
		case 'b':
			if (parse_uint("--mbuf-size", optarg, FWD_MBUF_SIZE_MIN, FWD_MBUF_SIZE_MAX,
					&v) < 0)
				return -1;
			f->mbuf_size = (uint16_t)v;
			f->jumbo = 1;
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
			if (parse_pool(f, optarg) < 0)
				return -1;
			break;
		case 'C':
			if (parse_uint("--consumers", optarg, 1, FWD_MAX_CONSUMERS,
					&f->n_consumers) < 0)
				return -1;
			break;
		case 'R':
			if (parse_uint("--max-retired-mb", optarg, 0, 1u << 20, &v) < 0)
				return -1;
			f->max_retired = (uint64_t)v << 20;
			break;
		case 'r':
			if (parse_retire(f, optarg) < 0)
				return -1;
			break;
		case 'h':
			fwd_usage(argv[0]);
			return 1;
		default:
			fprintf(stderr, "nta-fwd: unknown option; see --help\n");
			return -1;
		}
	}
	/* A copy slot holds the longest packet an mbuf can, 64-byte aligned. */
	f->copy_slot = RTE_MAX(FWD_COPY_SLOT,
			RTE_ALIGN_CEIL((uint32_t)f->mbuf_size - RTE_PKTMBUF_HEADROOM, 64u));
	if (f->copy_mode && (uint64_t)f->max_inflight * f->copy_slot > UINT32_MAX) {
		fprintf(stderr, "nta-fwd: --copy: --max-inflight %u slots of %u bytes exceed 4 GB\n",
				f->max_inflight, f->copy_slot);
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "nta-fwd: unexpected argument '%s'; see --help\n", argv[optind]);
		return -1;
	}
	if (f->n_consumers > 1 && (f->ring_pool || f->whole_pool)) {
		fprintf(stderr, "nta-fwd: --consumers %u needs --pool pinned (whole and ring pools"
				" have their headers in the lent memory)\n", f->n_consumers);
		return -1;
	}
	if (f->nb_mbufs < f->max_inflight + 4 * (FWD_RX_DESC + FWD_TX_DESC)) {
		fprintf(stderr, "nta-fwd: --nb-mbufs %u is too small for --max-inflight %u"
				" (need at least %u)\n", f->nb_mbufs, f->max_inflight,
				f->max_inflight + 4 * (FWD_RX_DESC + FWD_TX_DESC));
		return -1;
	}
	return 0;
}
