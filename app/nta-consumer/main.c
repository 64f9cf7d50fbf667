/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-consumer: a plain C program (no DPDK) that attaches to dpdk-nta-fwd,
 * reads every packet in place in the forwarder's hugepage regions, keeps
 * per-flow counters, drops what its rules say, and answers ICMP echo
 * requests from exact-size buffers of its own transmit region. A chained
 * frame (several descriptors) is read in place segment by segment, counted,
 * judged by the headers in its first segment and returned whole; echo
 * requests are answered only when they come in one segment.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "nta_consumer.h"

#define BURST 64
#define MAX_RULES 32
#define FLOW_BITS 14
#define FLOW_SLOTS (1u << FLOW_BITS)

struct flow {
	uint8_t used;
	uint8_t proto;
	uint8_t v6;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
	uint64_t pkts, bytes;
};

struct rule {
	int proto;    /* -1: any */
	int port;     /* -1: any */
};

static volatile sig_atomic_t quit;  /* signals received */
static struct flow flows[FLOW_SLOTS];
static unsigned int n_flows, flows_lost;

static struct {
	uint64_t pkts, bytes, fwd, drop, bad_desc;
	uint64_t echo_req, echo_replies, echo_fail, completions;
	/* Cycles of the loop turns that took packets or completions. */
	uint64_t busy_cycles;
	uint64_t last_busy, last_pkts;  /* at the previous stats line */
	uint64_t chains;      /* frames of more than one descriptor */
} st;

/*
 * The CPU's cycle counter (the TSC on x86, as the forwarder's), or
 * nanoseconds where there is none we can read from user space.
 */
static inline uint64_t
cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static void
on_signal(int s __attribute__((unused)))
{
	quit++;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [options]\n"
		"\n"
		"Attach to dpdk-nta-fwd, read its packets in place (zero copy), count flows\n"
		"by 5-tuple, drop by rule, answer ICMP echo requests from the transmit region.\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH     forwarder socket (default /run/nta-fwd.sock)\n"
		"  -Q, --queue K         attach as consumer slot K (the forwarder's receive queue\n"
		"                        K of every port: the flows the device spreads there);\n"
		"                        default: the first free slot. Refused when K is taken\n"
		"                        or the forwarder has no slot K\n"
		"      --consumer-id K   the same as --queue K\n"
		"  -L, --linger          on SIGINT/SIGTERM end the session but keep the mappings\n"
		"                        and stay until a second signal: what a consumer that\n"
		"                        left can still read (isolation tests scan it); then\n"
		"                        unmap everything and stay until a third\n"
		"  -p, --drop-proto P    drop protocol P: tcp, udp, icmp, icmp6 or a number\n"
		"                        (repeatable)\n"
		"  -P, --drop-port N     drop TCP/UDP packets with source or destination port N\n"
		"                        (repeatable; with --drop-proto in the same rule: give\n"
		"                        --drop-rule PROTO:PORT)\n"
		"  -r, --drop-rule P:N   drop protocol P with port N\n"
		"  -n, --no-echo         do not answer ICMP echo requests\n"
		"  -c, --cpu N           pin to CPU N\n"
		"  -b, --busy            poll without sleeping when idle (benchmarks)\n"
		"  -S, --stall-after N   stop returning packets after N (tests the forwarder's\n"
		"                        bound on what it lends)\n"
		"  -t, --trace FILE      one line per packet: region, offset, length, FNV-1a hash\n"
		"                        of the bytes read in place\n"
		"  -f, --flows N         print the N busiest flows at exit (default 20)\n"
		"  -q, --quiet           no per-second line\n"
		"  -h, --help            this text\n"
		"\n"
		"Stats line fields: packets bytes forwarded dropped echo_requests echo_replies\n"
		"echo_failed completions bad_desc held busy_cycles cycles_per_pkt. busy_cycles:\n"
		"CPU cycles (TSC) of the loop turns that took packets or completions;\n"
		"cycles_per_pkt: busy cycles per packet since the previous line (the final\n"
		"line: whole run)\n",
		prog);
}

static int
parse_num(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "nta-consumer: %s: '%s' is not a number in [%ld, %ld]\n", opt, s,
				min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_proto(const char *s)
{
	long v;

	if (strcmp(s, "tcp") == 0)
		return 6;
	if (strcmp(s, "udp") == 0)
		return 17;
	if (strcmp(s, "icmp") == 0)
		return 1;
	if (strcmp(s, "icmp6") == 0)
		return 58;
	if (parse_num("protocol", s, 0, 255, &v) < 0) {
		fprintf(stderr, "nta-consumer: a protocol is tcp, udp, icmp, icmp6 or a number\n");
		return -1;
	}
	return (int)v;
}

/* ---- packet parsing (from the read-only mapping) ---- */

struct pkt_info {
	int proto;            /* -1 when not IP */
	int v6;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	const uint8_t *l3;
	const uint8_t *l4;
	uint32_t l3_len;      /* IP total length */
	uint32_t l4_len;
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
parse(const uint8_t *p, uint32_t len, struct pkt_info *pi)
{
	uint32_t off = 14;
	uint16_t et;

	memset(pi, 0, sizeof(*pi));
	pi->proto = -1;
	if (len < 14)
		return;
	et = rd16(p + 12);
	while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
		et = rd16(p + off + 2);
		off += 4;
	}
	if (et == 0x0800 && len >= off + 20) {
		const uint8_t *ip = p + off;
		uint32_t ihl = (ip[0] & 0xf) * 4u, tot = rd16(ip + 2);

		if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || off + tot > len)
			return;
		pi->proto = ip[9];
		pi->src = ip + 12;
		pi->dst = ip + 16;
		pi->l3 = ip;
		pi->l3_len = tot;
		if ((rd16(ip + 6) & 0x1fff) != 0) /* a later fragment: no ports */
			return;
		pi->l4 = ip + ihl;
		pi->l4_len = tot - ihl;
	} else if (et == 0x86dd && len >= off + 40) {
		const uint8_t *ip = p + off;
		uint32_t plen = rd16(ip + 4);

		if (off + 40 + plen > len)
			return;
		pi->v6 = 1;
		pi->proto = ip[6];
		pi->src = ip + 8;
		pi->dst = ip + 24;
		pi->l3 = ip;
		pi->l3_len = 40 + plen;
		pi->l4 = ip + 40;
		pi->l4_len = plen;
	} else {
		return;
	}
	if ((pi->proto == 6 || pi->proto == 17) && pi->l4 != NULL && pi->l4_len >= 4) {
		pi->sport = rd16(pi->l4);
		pi->dport = rd16(pi->l4 + 2);
	}
}

static void
flow_count(const struct pkt_info *pi, uint32_t len)
{
	unsigned int alen = pi->v6 ? 16 : 4, i;
	uint64_t h = 1469598103934665603ull;
	uint8_t key[40];
	uint32_t k = 0;
	struct flow *fl;

	if (pi->proto < 0)
		return;
	key[k++] = (uint8_t)pi->proto;
	key[k++] = (uint8_t)pi->v6;
	memcpy(key + k, pi->src, alen);
	k += alen;
	memcpy(key + k, pi->dst, alen);
	k += alen;
	memcpy(key + k, &pi->sport, 2);
	k += 2;
	memcpy(key + k, &pi->dport, 2);
	k += 2;
	for (i = 0; i < k; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	for (i = 0; i < FLOW_SLOTS; i++) {
		fl = &flows[(h + i) & (FLOW_SLOTS - 1)];
		if (!fl->used) {
			if (n_flows >= FLOW_SLOTS * 3 / 4) {
				flows_lost++;
				return;
			}
			fl->used = 1;
			fl->proto = (uint8_t)pi->proto;
			fl->v6 = (uint8_t)pi->v6;
			memcpy(fl->src, pi->src, alen);
			memcpy(fl->dst, pi->dst, alen);
			fl->sport = pi->sport;
			fl->dport = pi->dport;
			n_flows++;
		} else if (fl->proto != pi->proto || fl->v6 != pi->v6 || fl->sport != pi->sport ||
				fl->dport != pi->dport || memcmp(fl->src, pi->src, alen) != 0 ||
				memcmp(fl->dst, pi->dst, alen) != 0) {
			continue;
		}
		fl->pkts++;
		fl->bytes += len;
		return;
	}
}

static int
flow_cmp(const void *a, const void *b)
{
	const struct flow *x = *(const struct flow *const *)a;
	const struct flow *y = *(const struct flow *const *)b;

	if (x->pkts != y->pkts)
		return x->pkts < y->pkts ? 1 : -1;
	return x->bytes < y->bytes ? 1 : (x->bytes > y->bytes ? -1 : 0);
}

static void
flows_print(unsigned int top)
{
	static const struct flow *list[FLOW_SLOTS];
	unsigned int n = 0, i;

	for (i = 0; i < FLOW_SLOTS; i++)
		if (flows[i].used)
			list[n++] = &flows[i];
	qsort(list, n, sizeof(list[0]), flow_cmp);
	printf("nta-consumer: %u flows (5-tuple)%s\n", n, flows_lost ? ", table full" : "");
	for (i = 0; i < n && i < top; i++) {
		const struct flow *fl = list[i];
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

		inet_ntop(fl->v6 ? AF_INET6 : AF_INET, fl->src, s, sizeof(s));
		inet_ntop(fl->v6 ? AF_INET6 : AF_INET, fl->dst, d, sizeof(d));
		printf("  flow proto=%u %s:%u -> %s:%u packets=%" PRIu64 " bytes=%" PRIu64 "\n",
				fl->proto, s, fl->sport, d, fl->dport, fl->pkts, fl->bytes);
	}
}

/* ---- rules ---- */

static struct rule rules[MAX_RULES];
static unsigned int n_rules;

static bool
must_drop(const struct pkt_info *pi)
{
	unsigned int i;

	for (i = 0; i < n_rules; i++) {
		const struct rule *r = &rules[i];

		if (r->proto >= 0 && r->proto != pi->proto)
			continue;
		if (r->port >= 0) {
			if (pi->proto != 6 && pi->proto != 17)
				continue;
			if (pi->sport != r->port && pi->dport != r->port)
				continue;
		}
		return true;
	}
	return false;
}

/* ---- ICMP echo ---- */

static uint16_t
csum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Build the reply to an IPv4 echo request into an exact-size buffer of the
 * transmit region and queue it on port. 0 if queued, -1 otherwise.
 */
static int
echo_reply(struct nta_consumer *c, const uint8_t *req, const struct pkt_info *pi,
		uint16_t port, struct nta_share_desc *out)
{
	uint32_t l2 = (uint32_t)(pi->l3 - req);
	uint32_t len = l2 + pi->l3_len, ihl = (pi->l3[0] & 0xf) * 4u;
	uint8_t *p, *ip, *icmp;
	uint16_t sum;

	if (pi->l4 == NULL || pi->l4_len < 8 || pi->l4[0] != 8 || pi->l4[1] != 0)
		return -1;
	/* >8 Start of an exact-size transmit buffer. */
	p = nta_consumer_tx_alloc(c, len, out);
	if (p == NULL)
		return -1;
	memcpy(p, req, len);
	memcpy(p, req + 6, 6);         /* back to the sender */
	memcpy(p + 6, req, 6);
	ip = p + l2;
	memcpy(ip + 12, pi->l3 + 16, 4);
	memcpy(ip + 16, pi->l3 + 12, 4);
	ip[8] = 64;                    /* ttl */
	ip[10] = ip[11] = 0;
	sum = csum(ip, ihl);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	icmp = ip + ihl;
	icmp[0] = 0;                   /* echo reply */
	icmp[2] = icmp[3] = 0;
	sum = csum(icmp, pi->l3_len - ihl);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
	out->desc.len = len;
	out->flags = port;
	/* >8 End of an exact-size transmit buffer. */
	return 0;
}

/* FNV-1a over the packet bytes, read where the NIC wrote them. */
static uint64_t
fnv1a(const uint8_t *p, uint32_t len)
{
	uint64_t h = 1469598103934665603ull;
	uint32_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* The forwarder closed the connection (it exited or was killed). */
static bool
forwarder_gone(const struct nta_consumer *c)
{
	struct pollfd pfd = { .fd = nta_consumer_fd(c), .events = POLLIN };
	char b;

	if (poll(&pfd, 1, 0) <= 0)
		return false;
	return recv(pfd.fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) <= 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One stats line. cycles_per_pkt: busy cycles per packet since the previous
 * line (whole run when whole).
 */
static void
print_line(const char *tag, unsigned int held, bool whole)
{
	uint64_t c = whole ? st.busy_cycles : st.busy_cycles - st.last_busy;
	uint64_t n = whole ? st.pkts : st.pkts - st.last_pkts;

	printf("nta-consumer: %s packets=%" PRIu64 " bytes=%" PRIu64 " forwarded=%" PRIu64
		" dropped=%" PRIu64 " echo_requests=%" PRIu64 " echo_replies=%" PRIu64
		" echo_failed=%" PRIu64 " completions=%" PRIu64 " bad_desc=%" PRIu64
		" chains=%" PRIu64 " held=%u busy_cycles=%" PRIu64 " cycles_per_pkt=%.1f\n", tag,
		st.pkts, st.bytes, st.fwd, st.drop, st.echo_req, st.echo_replies, st.echo_fail,
		st.completions, st.bad_desc, st.chains, held, st.busy_cycles,
		n == 0 ? 0.0 : (double)c / (double)n);
	st.last_busy = st.busy_cycles;
	st.last_pkts = st.pkts;
	fflush(stdout);
}

/* What the command line asks for. */
struct opts {
	const char *sock;
	long queue;           /* -1: any free slot */
	bool linger;
	const char *trace_path;
	long cpu;             /* -1: no pinning */
	long stall_after;     /* -1: never stall */
	long top;             /* flows printed at exit */
	bool echo, busy, quiet;
};

/* One drop rule from -p, -P or -r; 0 or -1 (message printed). */
static int
parse_rule(int opt, char *arg)
{
	struct rule *r = &rules[n_rules];
	char *colon;
	long v;

	if (n_rules == MAX_RULES) {
		fprintf(stderr, "nta-consumer: at most %d drop rules\n", MAX_RULES);
		return -1;
	}
	r->proto = -1;
	r->port = -1;
	if (opt == 'p') {
		r->proto = parse_proto(arg);
		if (r->proto < 0)
			return -1;
	} else if (opt == 'P') {
		if (parse_num("--drop-port", arg, 0, 65535, &v) < 0)
			return -1;
		r->port = (int)v;
	} else {
		colon = strchr(arg, ':');
		if (colon == NULL) {
			fprintf(stderr, "nta-consumer: --drop-rule: '%s' is not PROTO:PORT\n", arg);
			return -1;
		}
		*colon = '\0';
		r->proto = parse_proto(arg);
		if (r->proto < 0 || parse_num("--drop-rule port", colon + 1, 0, 65535, &v) < 0)
			return -1;
		r->port = (int)v;
	}
	n_rules++;
	return 0;
}

/* 0: go on; 1: --help given; -1: bad input (message printed). */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'Q' },
		{ "consumer-id", required_argument, NULL, 'Q' },
		{ "linger", no_argument, NULL, 'L' },
		{ "drop-proto", required_argument, NULL, 'p' },
		{ "drop-port", required_argument, NULL, 'P' },
		{ "drop-rule", required_argument, NULL, 'r' },
		{ "no-echo", no_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "busy", no_argument, NULL, 'b' },
		{ "stall-after", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "flows", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, bad = 0;

	while (!bad && (opt = getopt_long(argc, argv, "s:Q:Lp:P:r:nc:bS:t:f:qh", longopts,
			NULL)) != -1) {
		switch (opt) {
		case 's':
			o->sock = optarg;
			break;
		case 'Q':
			bad = parse_num("--queue", optarg, 0, NTA_SHARE_MAX_CONSUMERS - 1,
					&o->queue) < 0;
			break;
		case 'L':
			o->linger = true;
			break;
		case 'p':
		case 'P':
		case 'r':
			bad = parse_rule(opt, optarg) < 0;
			break;
		case 'n':
			o->echo = false;
			break;
		case 'c':
			bad = parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1, &o->cpu) < 0;
			break;
		case 'b':
			o->busy = true;
			break;
		case 'S':
			bad = parse_num("--stall-after", optarg, 0, 1L << 40, &o->stall_after) < 0;
			break;
		case 't':
			o->trace_path = optarg;
			break;
		case 'f':
			bad = parse_num("--flows", optarg, 0, FLOW_SLOTS, &o->top) < 0;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(argv[0]);
			return 1;
		default:
			fprintf(stderr, "nta-consumer: unknown option; see --help\n");
			return -1;
		}
	}
	if (bad)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "nta-consumer: unexpected argument '%s'; see --help\n",
				argv[optind]);
		return -1;
	}
	return 0;
}

/* Pin to the CPU asked for and open the trace file; 0 or -1 (message printed). */
static int
setup(const struct opts *o, FILE **trace)
{
	cpu_set_t set;

	if (o->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET((int)o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "nta-consumer: --cpu %ld: %s\n", o->cpu, strerror(errno));
			return -1;
		}
	}
	if (o->trace_path != NULL) {
		*trace = fopen(o->trace_path, "w");
		if (*trace == NULL) {
			fprintf(stderr, "nta-consumer: --trace %s: %s\n", o->trace_path,
					strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* State of the main loop. */
struct loop {
	struct nta_consumer *c;
	const struct opts *o;
	FILE *trace;
	uint64_t seq;         /* trace line number */
	unsigned int held;    /* packets kept by --stall-after */
	unsigned int idle;    /* empty polls in --busy mode */
};

/* One trace line: where the packet is and a hash of the bytes read in place. */
static void
trace_packet(struct loop *l, const struct nta_share_desc *d, const uint8_t *p)
{
	fprintf(l->trace, "read seq=%" PRIu64 " region=%u offset=%u len=%u hash=%016" PRIx64
			"\n", l->seq++, d->desc.region, d->desc.offset, d->desc.len,
			fnv1a(p, d->desc.len));
}

/*
 * A chained frame d[0..k): each segment read in place (and traced), the
 * whole frame counted and judged by the headers in its first segment, one
 * verdict on every segment (NTA_SHARE_F_MORE kept). No echo reply.
 */
static void
chain_read(struct loop *l, struct nta_share_desc *d, unsigned int k)
{
	const uint8_t *head = nta_consumer_ptr(l->c, &d[0]);
	uint32_t len = 0;
	struct pkt_info pi;
	unsigned int j;

	for (j = 0; j < k; j++) {
		const uint8_t *p = nta_consumer_ptr(l->c, &d[j]);

		if (p == NULL) {
			st.bad_desc++;
			nta_consumer_frame_verdict(d, k, NTA_SHARE_F_DROP);
			return;
		}
		if (l->trace != NULL)
			trace_packet(l, &d[j], p);
		len += d[j].desc.len;
	}
	st.pkts++;
	st.chains++;
	st.bytes += len;
	parse(head, d[0].desc.len, &pi);
	flow_count(&pi, len);
	if (must_drop(&pi)) {
		nta_consumer_frame_verdict(d, k, NTA_SHARE_F_DROP);
		st.drop++;
	} else {
		nta_consumer_frame_verdict(d, k, NTA_SHARE_F_FORWARD);
		st.fwd++;
	}
}

/*
 * One turn of the loop: take packets, read each in place, decide, answer
 * echo requests, return verdicts. 0: go on; 1: nothing came in busy mode;
 * -1: the forwarder is gone.
 */
static int
poll_once(struct loop *l)
{
	struct nta_share_desc d[BURST], txd[BURST];
	struct nta_consumer *c = l->c;
	FILE *trace = l->trace;
	bool echo = l->o->echo;
	unsigned int n, i, ntx = 0, k;

	/* >8 Start of the consumer loop. */
	n = nta_consumer_rx_burst(c, d, BURST);
	if (n == 0) {
		if (!l->o->busy)
			return nta_consumer_wait(c, 100) < 0 ? -1 : 0;
		/* No futex: only look at the socket now and then (and at
		 * the clock not at all: no stats line from an idle poll).
		 */
		return (++l->idle & 0xffff) == 0 && forwarder_gone(c) ? -1 : 1;
	}
	/* The packets were just written by another core: ask for all of
	 * their first lines at once rather than wait for each in turn.
	 */
	for (i = 0; i < n; i++)
		__builtin_prefetch(nta_consumer_ptr(c, &d[i]));
	for (i = 0; i < n; i++) {
		const uint8_t *p = nta_consumer_ptr(c, &d[i]);
		struct pkt_info pi;

		if (d[i].flags & NTA_SHARE_F_MORE) {
			k = nta_consumer_frame_len(&d[i], n - i);
			if (k == 0)     /* cannot be: rx_burst gives whole chains */
				k = n - i;
			chain_read(l, &d[i], k);
			i += k - 1;
			continue;
		}
		if (p == NULL) {
			st.bad_desc++;
			d[i].flags = NTA_SHARE_F_DROP;
			continue;
		}
		/* >8 Start of reading a packet in place. */
		st.pkts++;
		st.bytes += d[i].desc.len;
		if (trace != NULL)
			trace_packet(l, &d[i], p);
		parse(p, d[i].desc.len, &pi);
		flow_count(&pi, d[i].desc.len);
		if (echo && pi.proto == 1 && pi.l4 != NULL && pi.l4_len >= 8 && pi.l4[0] == 8) {
			st.echo_req++;
			if (echo_reply(c, p, &pi, d[i].flags & NTA_SHARE_F_PORT_MASK,
					&txd[ntx]) == 0)
				txd[ntx++].cookie = st.echo_req;
			else
				st.echo_fail++;
		}
		if (must_drop(&pi)) {
			d[i].flags = NTA_SHARE_F_DROP;
			st.drop++;
		} else {
			d[i].flags = NTA_SHARE_F_FORWARD;
			st.fwd++;
		}
		/* >8 End of reading a packet in place. */
	}
	k = nta_consumer_verdict(c, d, n);
	if (k != n)
		fprintf(stderr, "nta-consumer: verdict ring full (%u of %u)\n", k, n);
	k = nta_consumer_tx(c, txd, ntx);
	st.echo_replies += k;
	for (i = k; i < ntx; i++) {
		nta_consumer_tx_free(c, &txd[i]);
		st.echo_fail++;
	}
	/* >8 End of the consumer loop. */
	return 0;
}

/* --stall-after: keep what we have, take more, give nothing back. */
static int
stall_once(struct loop *l)
{
	struct nta_share_desc d[BURST];
	unsigned int n = nta_consumer_rx_burst(l->c, d, BURST);

	st.pkts += n;    /* descriptors: a chain counts each segment */
	l->held += n;
	return n == 0 && nta_consumer_wait(l->c, 100) < 0 ? -1 : 0;
}

/* Until a signal or the forwarder's exit. */
static void
run(struct loop *l)
{
	uint64_t last = now_ms(), t0, moved;
	int r;

	while (quit == 0) {
		/* >8 Start of counting busy cycles. */
		t0 = cycles();
		moved = st.pkts + st.completions;
		r = 0;
		st.completions += nta_consumer_completions(l->c, NULL, BURST);
		if (l->o->stall_after >= 0 && st.pkts >= (uint64_t)l->o->stall_after) {
			if (stall_once(l) < 0)
				break;
		} else {
			r = poll_once(l);
			if (r < 0) {
				fprintf(stderr, "nta-consumer: forwarder gone\n");
				break;
			}
		}
		if (st.pkts + st.completions != moved)
			st.busy_cycles += cycles() - t0;
		/* >8 End of counting busy cycles. */
		if (r > 0)
			continue;
		if (!l->o->quiet && now_ms() - last >= 1000) {
			last = now_ms();
			print_line("stats:", l->held, false);
		}
	}
}

/* Why the forwarder refused us, in its words. */
static const char *
attach_error(int e)
{
	switch (e) {
	case EBUSY:
		return "the slot asked for is taken (or every slot is)";
	case ERANGE:
		return "the forwarder has no such slot (its --consumers)";
	case EAGAIN:
		return "the slot is still being freed after its last consumer; retry";
	case EDQUOT:
		return "memory that earlier consumers still map is at the forwarder's limit"
			" (--max-retired-mb)";
	case EACCES:
		return "this uid and gid are not allowed (--allow-uid, --allow-gid)";
	case EPROTO:
		return "another protocol version or build";
	default:
		return "see the forwarder's log";
	}
}

/* --linger: end the session, keep the mappings until the next signal. */
static void
linger(struct nta_consumer *c)
{
	unsigned int i, n = nta_consumer_region_count(c);
	struct nta_consumer_region r;

	nta_consumer_disconnect(c);
	printf("nta-consumer: session ended, %u regions still mapped (--linger):", n);
	for (i = 0; i < n; i++)
		if (nta_consumer_region(c, i, &r) == 0)
			printf(" %p+%zu", r.base, r.size);
	printf("\n");
	fflush(stdout);
	while (quit < 2)
		usleep(20000);
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.sock = "/run/nta-fwd.sock", .queue = -1, .cpu = -1, .stall_after = -1, .top = 20,
		.echo = true,
	};
	struct loop l;
	int ret;

	ret = parse_args(&o, argc, argv);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	memset(&l, 0, sizeof(l));
	l.o = &o;
	if (setup(&o, &l.trace) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	l.c = nta_consumer_attach_id(o.sock, o.queue < 0 ? NTA_SHARE_CONSUMER_ANY :
			(uint32_t)o.queue, 0);
	if (l.c == NULL) {
		int e = errno;

		fprintf(stderr, "nta-consumer: cannot attach to %s: %s (%s)\n", o.sock,
				strerror(e), attach_error(e));
		return 1;
	}
	printf("nta-consumer: attached to %s as consumer %u of %u: %u regions mapped, up to %u"
			" packets lent\n", o.sock, nta_consumer_id(l.c), nta_consumer_slots(l.c),
			nta_consumer_region_count(l.c), nta_consumer_max_inflight(l.c));
	fflush(stdout);
	run(&l);
	/* Completions that are already back. */
	st.completions += nta_consumer_completions(l.c, NULL, 1u << 20);
	print_line("final:", l.held, true);
	flows_print((unsigned int)o.top);
	if (l.trace != NULL)
		fclose(l.trace);
	if (o.linger && quit > 0)
		linger(l.c);
	nta_consumer_detach(l.c);
	if (o.linger && quit > 1) {
		/* A consumer that unmapped everything and runs on. */
		printf("nta-consumer: everything unmapped, running on until a third signal\n");
		fflush(stdout);
		while (quit < 3)
			usleep(20000);
	}
	return 0;
}
