/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * A hostile consumer for e2e_forged_desc: for each of the first K packets it
 * returns forged descriptors before the true verdict (unknown region, range
 * out of the region, a buffer it does not hold, a stale cookie, no verdict,
 * then the true one twice), and forges transmit descriptors once. It also
 * checks that a receive region cannot be made writable. It prints what the
 * forwarder must have refused; the test compares with the forwarder's counts.
 *
 *   nta-e2e-forge SOCKET PACKETS K [scribble|chains]
 *
 * With "scribble", once every packet is handled it also writes garbage into
 * the ring file (ring offsets in the header, every ring's indices): the
 * forwarder must survive it. With "chains", the forged verdicts are for the
 * first K chained frames instead: a chain with its last segment missing,
 * two segments swapped, mixed verdicts, a segment alone, then the true
 * chain; single packets get their true verdict.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "nta_consumer.h"

static volatile sig_atomic_t quit;

static void
on_signal(int s __attribute__((unused)))
{
	quit = 1;
}

static int
region_size(const struct nta_consumer *c, uint32_t id, size_t *size, int *writable,
		void **base)
{
	struct nta_consumer_region r;
	unsigned int i;

	for (i = 0; i < nta_consumer_region_count(c); i++) {
		if (nta_consumer_region(c, i, &r) == 0 && r.id == id) {
			*size = r.size;
			*writable = r.writable;
			*base = r.base;
			return 0;
		}
	}
	return -1;
}

/* Find our mapping of the ring file and write garbage into it. */
static int
scribble(void)
{
	char line[512];
	unsigned long lo, hi;
	FILE *m = fopen("/proc/self/maps", "r");
	uint8_t *base = NULL;
	struct nta_share_ring_hdr *h;
	unsigned int i;

	while (m != NULL && fgets(line, sizeof(line), m) != NULL)
		if (strstr(line, "memfd:nta-rings") != NULL &&
				sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			base = (uint8_t *)lo;
			break;
		}
	if (m != NULL)
		fclose(m);
	if (base == NULL) {
		fprintf(stderr, "forge: FAIL: ring file mapping not found\n");
		return 1;
	}
	h = (struct nta_share_ring_hdr *)base;
	/*
	 * Scribble only once the forwarder has read every verdict and transmit
	 * descriptor we wrote: otherwise it rightly reclaims the packets whose
	 * verdicts it had not read yet, and the test's count depends on timing.
	 */
	for (i = 0; i < 5000; i++) {
		struct nta_share_ring *v = nta_share_ring_get(base, NTA_SHARE_RING_VERDICT);
		struct nta_share_ring *t = nta_share_ring_get(base, NTA_SHARE_RING_TX);

		if (v->cons == v->prod && t->cons == t->prod)
			break;
		usleep(1000);
	}
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++) {
		struct nta_share_ring *r = nta_share_ring_get(base, i);

		r->prod += 0x7fff1234u * (i + 1);
		r->cons -= 0x00abcdefu * (i + 3);
		h->ring_off[i] = 0xdeadbeef000ull + i;
	}
	h->ring_size = 3;
	h->cons_sleeping = 1;
	printf("forge: scribbled over the ring file\n");
	fflush(stdout);
	return 0;
}

/* Queue the m verdicts of v, waiting for room; 0 or -1 (message printed). */
static int
verdicts(struct nta_consumer *c, const struct nta_share_desc *v, unsigned int m)
{
	unsigned int done = 0, tries = 0;

	while (done < m) {
		done += nta_consumer_verdict(c, v + done, m - done);
		if (done == m)
			break;
		/* The ring is as large as what can be lent: room comes. */
		usleep(1000);
		if (++tries > 5000) {
			fprintf(stderr, "forge: FAIL: verdict ring stays full\n");
			return -1;
		}
	}
	return 0;
}

/*
 * Return the chained frame d[0..k) whole, after four malformed returns of
 * it when forge is set. Malformed returns queued, or -1.
 */
static long
forge_chain(struct nta_consumer *c, const struct nta_share_desc *d, unsigned int k,
		int forge)
{
	static struct nta_share_desc v[5 * NTA_SHARE_MAX_SEGS];
	struct nta_share_desc ok[NTA_SHARE_MAX_SEGS], t;
	unsigned int m = 0, s;
	long forged = 0;

	memcpy(ok, d, k * sizeof(*d));
	nta_consumer_frame_verdict(ok, k, NTA_SHARE_F_FORWARD);
	if (forge && k >= 2) {
		/* The last segment missing: the run ends one early. */
		memcpy(&v[m], ok, (k - 1) * sizeof(*ok));
		v[m + k - 2].flags &= ~NTA_SHARE_F_MORE;
		m += k - 1;
		/* Two segments swapped, the second and third when there are three
		 * (flags stay by position).
		 */
		memcpy(&v[m], ok, k * sizeof(*ok));
		s = m + (k >= 3);
		t = v[s];
		v[s].desc = v[s + 1].desc;
		v[s].cookie = v[s + 1].cookie;
		v[s + 1].desc = t.desc;
		v[s + 1].cookie = t.cookie;
		m += k;
		/* Mixed verdicts: the last segment dropped. */
		memcpy(&v[m], ok, k * sizeof(*ok));
		v[m + k - 1].flags = NTA_SHARE_F_DROP;
		m += k;
		/* The last segment alone. */
		v[m++] = ok[k - 1];
		forged = 4;
	}
	memcpy(&v[m], ok, k * sizeof(*ok));
	m += k;
	return verdicts(c, v, m) < 0 ? -1 : forged;
}

int
main(int argc, char **argv)
{
	unsigned long want, k, got = 0, forged = 0;
	struct nta_consumer *c;
	struct nta_consumer_region ri;
	struct nta_share_desc d[NTA_SHARE_MAX_SEGS], v[8], t[8];
	unsigned long ref_region = 0, ref_range = 0, ref_not_held = 0, ref_dup = 0;
	unsigned long ref_stale = 0, ref_verdict = 0, ref_tx = 0, tx_ok = 0;
	unsigned long ref_chain = 0, chains = 0;
	int chain_mode = argc == 5 && strcmp(argv[4], "chains") == 0;
	unsigned int i, n, tries, compl = 0;
	uint8_t *p;

	if (argc != 4 && !(argc == 5 && (strcmp(argv[4], "scribble") == 0 ||
			strcmp(argv[4], "chains") == 0))) {
		fprintf(stderr, "usage: %s SOCKET PACKETS K [scribble|chains]\n", argv[0]);
		return 2;
	}
	want = strtoul(argv[2], NULL, 0);
	k = strtoul(argv[3], NULL, 0);
	c = nta_consumer_attach(argv[1], 0);
	if (c == NULL) {
		fprintf(stderr, "forge: attach: %s\n", strerror(errno));
		return 1;
	}

	/* Receive regions are read-only for us, the transmit region is not. */
	for (i = 0; i < nta_consumer_region_count(c); i++) {
		nta_consumer_region(c, i, &ri);
		if (mprotect(ri.base, ri.size, PROT_READ | PROT_WRITE) == 0) {
			if (!ri.writable) {
				fprintf(stderr, "forge: FAIL: region %u could be made writable\n",
						ri.id);
				return 1;
			}
		} else if (ri.writable || errno != EACCES) {
			fprintf(stderr, "forge: FAIL: mprotect region %u: %s\n", ri.id,
					strerror(errno));
			return 1;
		}
	}
	printf("forge: receive regions cannot be made writable\n");

	/* Forged transmit descriptors, once. */
	p = nta_consumer_tx_alloc(c, 60, &t[0]);
	if (p == NULL) {
		fprintf(stderr, "forge: FAIL: tx_alloc: %s\n", strerror(errno));
		return 1;
	}
	memset(p, 0, 60);
	memset(p, 0xff, 6);                   /* broadcast */
	memcpy(p + 6, "\x02\x00\x00\x00\x00\x07", 6);
	p[12] = 0x88;                         /* local experimental ethertype */
	p[13] = 0xb5;
	memcpy(p + 14, "nta-forge-tx", 12);
	t[0].flags = 0;                       /* port 0 */
	t[1] = t[0];                          /* the same buffer twice: refused once */
	t[2] = t[0];
	t[2].desc.region = 0;                 /* a receive region */
	t[3] = t[0];
	t[3].desc.offset = 0x7fffffff;        /* out of the region */
	t[4] = t[0];
	t[4].desc.len = 0;                    /* empty */
	if (nta_consumer_tx(c, t, 5) != 5) {
		fprintf(stderr, "forge: FAIL: tx ring full\n");
		return 1;
	}
	tx_ok = 1;
	ref_dup++;
	ref_region++;
	ref_range += 2;
	ref_tx += 4;

	while (got < want) {
		n = nta_consumer_rx_burst(c, d, NTA_SHARE_MAX_SEGS);
		if (n == 0) {
			if (nta_consumer_wait(c, 100) < 0) {
				fprintf(stderr, "forge: FAIL: forwarder gone\n");
				return 1;
			}
			continue;
		}
		for (i = 0; i < n; i++, got++) {
			struct nta_share_desc r = d[i];
			unsigned int m = 0;
			size_t size;
			void *base;
			int w;

			if (d[i].flags & NTA_SHARE_F_MORE) {
				unsigned int len = nta_consumer_frame_len(&d[i], n - i);
				long f = forge_chain(c, &d[i], len, chain_mode && chains < k);

				if (len == 0 || f < 0)
					return 1;
				chains++;
				ref_chain += (unsigned long)f;
				i += len - 1;
				continue;
			}
			r.flags = NTA_SHARE_F_FORWARD;
			if (!chain_mode && forged < k && region_size(c, r.desc.region, &size, &w, &base) == 0) {
				v[m] = r;
				v[m++].desc.region = 999;             /* unknown region */
				v[m] = r;
				v[m].desc.offset = (uint32_t)size - 8; /* past the end */
				v[m++].desc.len = 64;
				v[m] = r;
				v[m++].desc.offset = r.desc.offset + 64; /* not a buffer we hold */
				v[m] = r;
				v[m++].cookie = r.cookie - (1ull << 32); /* stale generation */
				v[m] = r;
				v[m++].flags = 0;                     /* no verdict */
				v[m++] = r;                           /* the true one */
				v[m++] = r;                           /* and again */
				ref_region++;
				ref_range++;
				ref_not_held++;
				ref_stale++;
				ref_verdict++;
				ref_dup++;
				forged++;
			} else {
				v[m++] = r;
			}
			if (verdicts(c, v, m) < 0)
				return 1;
		}
	}
	for (tries = 0; compl == 0 && tries < 5000; tries++) {
		compl += nta_consumer_completions(c, NULL, 8);
		if (compl == 0)
			usleep(1000);
	}
	printf("forge: packets=%lu forged_for=%lu tx_sent=%lu completions=%u chains=%lu\n", got,
			forged, tx_ok, compl, chains);
	printf("forge: expect refused_region=%lu refused_range=%lu refused_not_held=%lu"
			" refused_dup=%lu refused_stale=%lu refused_verdict=%lu refused_tx=%lu"
			" refused_chain=%lu\n", ref_region, ref_range, ref_not_held, ref_dup,
			ref_stale, ref_verdict, ref_tx, ref_chain);
	fflush(stdout);
	if (argc == 5 && !chain_mode && scribble() != 0)
		return 1;
	/* Stay attached until told to go, so the test sees a live session. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!quit)
		usleep(10000);
	nta_consumer_detach(c);
	return 0;
}
