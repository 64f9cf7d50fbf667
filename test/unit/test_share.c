/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Unit tests of the sharing library without DPDK: rings (wrap-around, full,
 * a lying peer), handshake (regions, read-only mappings, transmit buffers,
 * range checks), version and layout mismatches (refused on either side, with
 * a message naming what differs), a busy server, a server that goes away,
 * the seal of the transmit region (a file punched, refaulted or sealed by
 * the consumer first is caught; a sealed one can no longer be punched).
 * The server side runs in a thread of this process.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "nta.h"
#include "nta_consumer.h"
#include "nta_share.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static char sock_path[108];

static void
test_ring(void)
{
	struct nta_share_desc in[8], out[8];
	struct nta_share_ring_end pe, ce;
	struct nta_share_ring *r, *v;
	void *base;
	unsigned int i, round;
	int fd;

	fd = nta_share_ring_file_create(4, &base);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	r = nta_share_ring_get(base, NTA_SHARE_RING_RX);
	v = nta_share_ring_get(base, NTA_SHARE_RING_VERDICT);
	for (i = 0; i < 8; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].desc.offset = i;
		in[i].cookie = 100 + i;
	}
	/* Many rounds: indices wrap around the ring many times. */
	nta_share_ring_end_init(&pe, r, 4, 1);
	nta_share_ring_end_init(&ce, r, 4, 0);
	for (round = 0; round < 1000; round++) {
		CHECK(nta_share_ring_end_enqueue(&pe, in, 3) == 3);
		CHECK(nta_share_ring_end_enqueue(&pe, in + 3, 3) == 1);   /* full at 4 */
		CHECK(nta_share_ring_end_used(&pe) == 4);
		CHECK(nta_share_ring_end_avail(&ce) == 4);
		CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == 4);
		for (i = 0; i < 4; i++)
			CHECK(out[i].cookie == 100 + i);
		CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == 0);
		CHECK(nta_share_ring_end_avail(&ce) == 0);
	}
	/* A consumer index that lies: the producer is told, writes nothing. */
	r->cons = r->prod + 1000;
	CHECK(nta_share_ring_end_enqueue(&pe, in, 1) == -1);
	CHECK(r->prod == pe.own);
	r->cons = r->prod;
	/* A producer index that lies: the consumer is told, takes nothing. */
	r->prod = ce.own + 100000;
	CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == -1);
	CHECK(nta_share_ring_end_avail(&ce) == -1);
	/* Each end keeps its own index: a peer that rewrites it changes
	 * nothing, one that claims the impossible is caught.
	 */
	r->prod = r->cons = 7;
	nta_share_ring_end_init(&pe, r, 4, 1);
	nta_share_ring_end_init(&ce, v, 4, 0);
	CHECK(nta_share_ring_end_enqueue(&pe, in, 3) == 3);
	r->prod = 12345;                       /* peer overwrites our index */
	CHECK(nta_share_ring_end_enqueue(&pe, in, 3) == 1);
	CHECK(r->prod == 11);                  /* ours again */
	CHECK(nta_share_ring_end_used(&pe) == 4);
	r->cons = 7 - 1;                       /* more than a ring in use */
	CHECK(nta_share_ring_end_enqueue(&pe, in, 1) == -1);
	CHECK(nta_share_ring_end_used(&pe) == -1);
	v->prod = v->cons + 2;
	CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == 2);
	v->cons = 999;                         /* peer overwrites our index */
	v->prod = ce.own + 1;
	CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == 1);
	v->prod = ce.own + 5;                  /* more than the ring holds */
	CHECK(nta_share_ring_end_dequeue(&ce, out, 8) == -1);
	/* The peer's index is read only when what was read last is not
	 * enough: a lie is caught at that read, and never followed.
	 */
	r->prod = r->cons = 0;
	nta_share_ring_end_init(&pe, r, 4, 1);
	CHECK(nta_share_ring_end_enqueue(&pe, in, 2) == 2);   /* reads cons: 0 */
	r->cons = 1000;                                      /* a lie, not read yet */
	CHECK(nta_share_ring_end_enqueue(&pe, in, 2) == 2);   /* room known: 2 */
	CHECK(r->prod == 4);
	CHECK(nta_share_ring_end_enqueue(&pe, in, 1) == -1);  /* read now: caught */
	CHECK(r->prod == 4);
	/* Bad sizes. */
	CHECK(nta_share_ring_file_create(3, &base) < 0 && errno == EINVAL);
	CHECK(nta_share_ring_file_create(1 << 20, &base) < 0 && errno == EINVAL);
	/* The file is sealed: nobody can shrink it under the other side. */
	CHECK(ftruncate(fd, NTA_SHARE_PAGE_SIZE) < 0 && errno == EPERM);
	close(fd);
}

struct server {
	int listen_fd;
	int mode;          /* 0: serve, 1: refuse EBUSY, 2: bad ring size, 3: seal fails */
	int result;
	int err;
	int conn;
	void *ring_base;
	int rx_fd, tx_fd;
};

static int
memfd_of(const char *name, size_t size, const char *fill)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	memcpy(p, fill, strlen(fill) + 1);
	munmap(p, size);
	return fd;
}

/*
 * Server side of the step after the handshake: wait for MAPPED (none comes
 * from a consumer that gave up), seal the transmit file (mode 3: answer
 * EFAULT as if a page were missing).
 */
static void
server_seal(struct server *s, int conn)
{
	struct pollfd pfd = { .fd = conn, .events = POLLIN, .revents = 0 };
	struct nta_share_ctl ctl;
	uint8_t buf[64];
	ssize_t r;
	void *map;

	if (poll(&pfd, 1, 2000) != 1)
		return;
	r = recv(conn, buf, sizeof(buf), 0);
	if (r <= 0 || nta_share_ctl_parse(buf, (size_t)r, &ctl) < 0 ||
			ctl.type != NTA_SHARE_CTL_MAPPED) {
		s->result = -1;
		return;
	}
	map = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->tx_fd,
			0);
	if (map == MAP_FAILED) {
		s->result = -1;
		return;
	}
	if (s->mode == 3)
		s->result = nta_share_ctl_send(conn, NTA_SHARE_CTL_SEALED, EFAULT);
	else if (nta_share_seal_writable(s->tx_fd, map, 1 << 20) < 0)
		s->result = -1;
	else
		s->result = nta_share_ctl_send(conn, NTA_SHARE_CTL_SEALED, 0);
	munmap(map, 1 << 20);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct nta_share_region_msg m[2];
	int fds[2], ring_fd, conn = -1, i;

	for (i = 0; i < 5000 && conn < 0; i++) {
		conn = accept(s->listen_fd, NULL, NULL);
		if (conn < 0)
			usleep(1000);
	}
	if (conn < 0) {
		s->result = -1;
		return NULL;
	}
	if (s->mode == 1) {
		char b[64];

		/* read the hello first, like the forwarder */
		usleep(10000);
		(void)recv(conn, b, sizeof(b), MSG_DONTWAIT);
		s->result = nta_share_refuse(conn, EBUSY);
		close(conn);
		return NULL;
	}
	ring_fd = nta_share_ring_file_create(64, &s->ring_base);
	m[0].id = 0;
	m[0].flags = NTA_SHARE_REGION_RX;
	m[0].size = 1 << 20;
	fds[0] = nta_share_reopen_ro(s->rx_fd);
	m[1].id = 0x8000;
	m[1].flags = NTA_SHARE_REGION_TX;
	m[1].size = 1 << 20;
	fds[1] = s->tx_fd;
	s->result = nta_share_serve_handshake(conn, 2000, s->mode == 2 ? 48 : 64, 32, ring_fd,
			nta_share_ring_file_size(64), m, fds, 2);
	s->err = errno;
	close(fds[0]);
	close(ring_fd);
	s->conn = conn;
	if (s->result == 0)
		server_seal(s, conn);
	return NULL;
}

static void
test_handshake(void)
{
	struct server s;
	struct nta_consumer *c;
	struct nta_consumer_region ri;
	struct nta_share_ring_end srv[NTA_SHARE_RING_COUNT];
	struct nta_share_desc d, got, tx;
	pthread_t th;
	unsigned int i;
	const char *p;
	uint8_t *w;

	memset(&s, 0, sizeof(s));
	s.listen_fd = nta_share_listen(sock_path);
	CHECK(s.listen_fd >= 0);
	s.rx_fd = memfd_of("rx", 1 << 20, "packet-bytes");
	s.tx_fd = memfd_of("tx", 1 << 20, "");
	CHECK(s.rx_fd >= 0 && s.tx_fd >= 0);
	pthread_create(&th, NULL, server_main, &s);
	c = nta_consumer_attach(sock_path, 0);
	pthread_join(th, NULL);
	CHECK(s.result == 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(nta_consumer_region_count(c) == 2);
	CHECK(nta_consumer_max_inflight(c) == 32);
	for (i = 0; i < 2; i++) {
		CHECK(nta_consumer_region(c, i, &ri) == 0);
		if (ri.flags & NTA_SHARE_REGION_RX) {
			CHECK(!ri.writable);
			CHECK(strcmp(ri.base, "packet-bytes") == 0);
			/* read-only fd: the mapping cannot become writable */
			CHECK(mprotect(ri.base, ri.size, PROT_READ | PROT_WRITE) < 0 &&
					errno == EACCES);
		} else {
			CHECK(ri.writable && ri.id == 0x8000);
		}
	}
	CHECK(nta_consumer_region(c, 2, &ri) < 0 && errno == ERANGE);
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++)
		nta_share_ring_end_init(&srv[i], nta_share_ring_get(s.ring_base, i), 64,
				i == NTA_SHARE_RING_RX || i == NTA_SHARE_RING_COMPL);

	/* A packet through the RX ring, read in place, verdict back. */
	memset(&d, 0, sizeof(d));
	d.desc.region = 0;
	d.desc.offset = 7;
	d.desc.len = 5;
	d.cookie = 0x1234567800000003ull;
	CHECK(nta_share_ring_end_enqueue(&srv[NTA_SHARE_RING_RX], &d, 1) == 1);
	CHECK(nta_consumer_wait(c, 1000) == 1);
	CHECK(nta_consumer_rx_burst(c, &got, 1) == 1);
	p = nta_consumer_ptr(c, &got);
	CHECK(p != NULL && memcmp(p, "bytes", 5) == 0);
	got.flags = NTA_SHARE_F_FORWARD;
	CHECK(nta_consumer_verdict(c, &got, 1) == 1);
	CHECK(nta_share_ring_end_dequeue(&srv[NTA_SHARE_RING_VERDICT], &d, 1) == 1);
	CHECK(d.cookie == 0x1234567800000003ull && d.flags == NTA_SHARE_F_FORWARD);

	/* Chains: taken whole or not at all; a frame's length; its verdict. */
	{
		struct nta_share_desc ch[4], in[8];

		memset(ch, 0, sizeof(ch));
		ch[0].flags = ch[1].flags = NTA_SHARE_F_MORE | 1;
		ch[2].flags = 1;
		ch[3].flags = 0;                    /* a frame of its own */
		CHECK(nta_share_ring_end_enqueue(&srv[NTA_SHARE_RING_RX], ch, 4) == 4);
		errno = 0;
		CHECK(nta_consumer_rx_burst(c, in, 2) == 0 && errno == ENOBUFS);
		CHECK(nta_consumer_rx_burst(c, in, 3) == 3);
		CHECK(nta_consumer_frame_len(in, 3) == 3 && nta_consumer_frame_len(in, 2) == 0);
		nta_consumer_frame_verdict(in, 3, NTA_SHARE_F_DROP);
		CHECK(in[0].flags == (NTA_SHARE_F_MORE | NTA_SHARE_F_DROP) &&
				in[2].flags == NTA_SHARE_F_DROP);
		CHECK(nta_consumer_rx_burst(c, in, 8) == 1 && nta_consumer_frame_len(in, 1) == 1);
		/* Half a chain in the ring (a forwarder never does it): left there. */
		CHECK(nta_share_ring_end_enqueue(&srv[NTA_SHARE_RING_RX], ch, 1) == 1);
		errno = 0;
		CHECK(nta_consumer_rx_burst(c, in, 8) == 0 && errno == 0);
		CHECK(nta_share_ring_end_enqueue(&srv[NTA_SHARE_RING_RX], &ch[2], 1) == 1);
		CHECK(nta_consumer_rx_burst(c, in, 8) == 2);
	}

	/* Range checks of descriptors. */
	d.desc.region = 5;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);
	d.desc.region = 0;
	d.desc.offset = (1 << 20) - 2;
	d.desc.len = 3;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);
	d.desc.offset = 0xffffffffu;
	d.desc.len = 0xffffffffu;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);

	/* Transmit buffers: exact size from the TX region, back by completion. */
	w = nta_consumer_tx_alloc(c, 98, &tx);
	CHECK(w != NULL && tx.desc.region == 0x8000 && tx.desc.len == 98);
	if (w != NULL) {
		memset(w, 0xab, 98);
		CHECK(nta_consumer_tx(c, &tx, 1) == 1);
		CHECK(nta_share_ring_end_dequeue(&srv[NTA_SHARE_RING_TX], &d, 1) == 1);
		CHECK(d.desc.offset == tx.desc.offset && d.desc.len == 98);
		CHECK(nta_share_ring_end_enqueue(&srv[NTA_SHARE_RING_COMPL], &d, 1) == 1);
		CHECK(nta_consumer_completions(c, &got, 4) == 1);
		/* freed by completions(): freeing again is refused */
		CHECK(nta_consumer_tx_free(c, &tx) < 0 && errno == EINVAL);
	}
	CHECK(nta_consumer_tx_alloc(c, 0, &tx) == NULL && errno == EINVAL);

	/* Sealed once mapped: no hole can be punched in it any more. */
	CHECK(fallocate(s.tx_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) < 0 &&
			errno == EPERM);

	/* Nothing queued: a wait times out. */
	CHECK(nta_consumer_wait(c, 20) == 0);
	/* Server gone: the consumer is told. */
	close(s.conn);
	CHECK(nta_consumer_wait(c, 20) < 0 && errno == ECONNRESET);
	nta_consumer_detach(c);
	munmap(s.ring_base, nta_share_ring_file_size(64));
	close(s.rx_fd);
	close(s.tx_fd);
	close(s.listen_fd);
}

static void
test_refused(int mode, int want_errno)
{
	struct server s;
	struct nta_consumer *c;
	pthread_t th;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.listen_fd = nta_share_listen(sock_path);
	s.rx_fd = memfd_of("rx", 1 << 20, "x");
	s.tx_fd = memfd_of("tx", 1 << 20, "");
	pthread_create(&th, NULL, server_main, &s);
	c = nta_consumer_attach(sock_path, 0);
	pthread_join(th, NULL);
	CHECK(c == NULL && errno == want_errno);
	nta_consumer_detach(c);
	if (s.conn > 0)
		close(s.conn);
	if (s.ring_base != NULL)
		munmap(s.ring_base, nta_share_ring_file_size(64));
	close(s.rx_fd);
	close(s.tx_fd);
	close(s.listen_fd);
}

/* Connect to the test's socket as a raw client; the socket or -1. */
static int
raw_connect(void)
{
	struct sockaddr_un sa;
	int cs = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock_path);
	if (cs >= 0 && connect(cs, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(cs);
		return -1;
	}
	return cs;
}

/*
 * Send the hello h (its first len bytes) to a serving server: it must be
 * refused with EPROTO on both sides, the welcome carrying the server's
 * layout.
 */
static void
hello_refused(const struct nta_share_hello *h, size_t len)
{
	struct nta_share_layout mine;
	struct nta_share_welcome w;
	struct server s;
	pthread_t th;
	int cs;

	memset(&s, 0, sizeof(s));
	s.listen_fd = nta_share_listen(sock_path);
	s.rx_fd = memfd_of("rx", 1 << 20, "x");
	s.tx_fd = memfd_of("tx", 1 << 20, "");
	pthread_create(&th, NULL, server_main, &s);
	cs = raw_connect();
	CHECK(cs >= 0);
	CHECK(send(cs, h, len, 0) == (ssize_t)len);
	CHECK(recv(cs, &w, sizeof(w), 0) == sizeof(w));
	nta_share_layout_get(&mine);
	CHECK(w.status == EPROTO && w.n_regions == 0);
	CHECK(memcmp(&w.layout, &mine, sizeof(mine)) == 0);
	pthread_join(th, NULL);
	CHECK(s.result < 0 && s.err == EPROTO);
	close(cs);
	if (s.conn > 0)
		close(s.conn);
	if (s.ring_base != NULL)
		munmap(s.ring_base, nta_share_ring_file_size(64));
	close(s.rx_fd);
	close(s.tx_fd);
	close(s.listen_fd);
}

/* What the library logged last (the log function is the test's). */
static char last_log[512];

static void
log_capture(int level __attribute__((unused)), const char *msg)
{
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

/* A shared memfd of 16 pages mapped (populated) at *map; -1 on error. */
static int
seal_file(void **map)
{
	int fd = memfd_of("seal", 16 * 4096, "");

	if (fd < 0)
		return -1;
	*map = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*map == MAP_FAILED) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * nta_share_seal_writable(): a whole file is sealed, and from then on
 * nothing frees its pages; a hole punched before (even one faulted in again
 * through another mapping) or seals added first by someone else are caught.
 */
static void
test_seal(void)
{
	const size_t size = 16 * 4096;
	struct nta_share_ctl ctl;
	uint8_t *map, *other, *w;
	int fd, fd2;
	char path[64];

	/* A whole file: sealed; writable mappings made before stay so. */
	fd = seal_file((void **)&map);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	other = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(other != MAP_FAILED);
	CHECK(nta_share_seal_writable(fd, map, size) == 0);
	other[5] = 42;
	CHECK(map[5] == 42);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, size) < 0 &&
			errno == EPERM);
	CHECK(madvise(other, size, MADV_REMOVE) < 0 && errno == EPERM);
	CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EPERM);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDWR);
	CHECK(fd2 >= 0);
	CHECK(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0) == MAP_FAILED &&
			errno == EPERM);
	w = mmap(NULL, size, PROT_READ, MAP_SHARED, fd2, 0);
	CHECK(w != MAP_FAILED && mprotect(w, size, PROT_READ | PROT_WRITE) < 0 &&
			errno == EACCES);
	CHECK(nta_share_seal_writable(fd, map, size) == 0);    /* again: still whole */
	munmap(w, size);
	close(fd2);
	munmap(other, size);
	munmap(map, size);
	close(fd);

	/* A hole punched before the seal. */
	fd = seal_file((void **)&map);
	CHECK(fd >= 0 && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096,
			4096) == 0);
	CHECK(nta_share_seal_writable(fd, map, size) < 0 && errno == EFAULT);
	munmap(map, size);
	close(fd);

	/* Punched, then a new page faulted in through another mapping: the file
	 * is whole again, but that page is not the one we mapped.
	 */
	fd = seal_file((void **)&map);
	other = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fd >= 0 && other != MAP_FAILED);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 4096) == 0);
	other[8192] = 1;
	CHECK(nta_share_seal_writable(fd, map, size) < 0 && errno == EFAULT);
	munmap(other, size);
	munmap(map, size);
	close(fd);

	/* Sealed by the other side first (F_SEAL_SEAL): ours cannot be added. */
	fd = seal_file((void **)&map);
	CHECK(fd >= 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0);
	CHECK(nta_share_seal_writable(fd, map, size) < 0 && errno == EPERM);
	munmap(map, size);
	close(fd);
	CHECK(nta_share_seal_writable(-1, NULL, size) < 0 && errno == EINVAL);

	/* Control messages: only the exact size, magic and a known type. */
	memset(&ctl, 0, sizeof(ctl));
	ctl.magic = NTA_SHARE_MAGIC;
	ctl.type = NTA_SHARE_CTL_MAPPED;
	CHECK(nta_share_ctl_parse(&ctl, sizeof(ctl), &ctl) == 0);
	CHECK(nta_share_ctl_parse(&ctl, sizeof(ctl) - 1, &ctl) < 0 && errno == EPROTO);
	ctl.type = 7;
	CHECK(nta_share_ctl_parse(&ctl, sizeof(ctl), &ctl) < 0 && errno == EPROTO);
	ctl.type = NTA_SHARE_CTL_SEALED;
	ctl.magic = 0;
	CHECK(nta_share_ctl_parse(&ctl, sizeof(ctl), &ctl) < 0 && errno == EPROTO);
}

/*
 * A client of another version is refused with EPROTO on both sides, whatever
 * the size of its hello (a version-1 hello was 16 bytes).
 */
static void
test_version(void)
{
	struct nta_share_hello h;
	char want[64];

	memset(&h, 0, sizeof(h));
	h.magic = NTA_SHARE_MAGIC;
	h.version = NTA_SHARE_VERSION + 1;
	nta_share_layout_get(&h.layout);
	hello_refused(&h, sizeof(h));
	h.version = 1;
	hello_refused(&h, 16);
	snprintf(want, sizeof(want), "consumer protocol version 1, forwarder %u",
			NTA_SHARE_VERSION);
	CHECK(strstr(last_log, want) != NULL);
}

/* A fake forwarder that answers any hello with a welcome of another build. */
static void *
fake_server_main(void *arg)
{
	struct server *s = arg;
	struct nta_share_welcome w;
	char hello[64];
	int conn = -1, i;

	for (i = 0; i < 5000 && conn < 0; i++) {
		conn = accept(s->listen_fd, NULL, NULL);
		if (conn < 0)
			usleep(1000);
	}
	if (conn < 0 || recv(conn, hello, sizeof(hello), 0) <= 0) {
		s->result = -1;
		if (conn >= 0)
			close(conn);
		return NULL;
	}
	memset(&w, 0, sizeof(w));
	w.magic = NTA_SHARE_MAGIC;
	w.version = NTA_SHARE_VERSION;
	nta_share_layout_get(&w.layout);
	w.layout.unit_size = NTA_UNIT * 2;
	w.ring_size = 64;
	w.ring_file_size = nta_share_ring_file_size(64);
	s->result = send(conn, &w, sizeof(w), 0) == sizeof(w) ? 0 : -1;
	s->conn = conn;
	return NULL;
}

/*
 * Peers built with different layouts (here: unit size) are refused, with a
 * log line that says what differs, on either side.
 */
static void
test_layout(void)
{
	struct nta_share_layout l, mine;
	struct nta_share_hello h;
	struct nta_consumer *c;
	struct server s;
	char want[128], why[512];
	pthread_t th;

	nta_share_layout_get(&mine);
	CHECK(mine.unit_size == NTA_UNIT && mine.desc_size == sizeof(struct nta_share_desc));
	CHECK(nta_share_layout_check(&mine, "forwarder", "consumer", why, sizeof(why)) == 0);
	CHECK(why[0] == '\0');
	l = mine;
	l.unit_size *= 2;
	l.max_regions += 1;
	CHECK(nta_share_layout_check(&l, "forwarder", "consumer", why, sizeof(why)) < 0 &&
			errno == EPROTO);
	snprintf(want, sizeof(want), "forwarder unit size %u, consumer %u; forwarder max"
			" regions %u, consumer %u", NTA_UNIT * 2, NTA_UNIT,
			NTA_SHARE_MAX_REGIONS + 1, NTA_SHARE_MAX_REGIONS);
	CHECK(strcmp(why, want) == 0);
	CHECK(nta_share_layout_check(&l, "a", "b", NULL, 0) < 0);

	/* The server side refuses a consumer built with another unit size. */
	memset(&h, 0, sizeof(h));
	h.magic = NTA_SHARE_MAGIC;
	h.version = NTA_SHARE_VERSION;
	nta_share_layout_get(&h.layout);
	h.layout.unit_size = NTA_UNIT * 2;
	last_log[0] = '\0';
	hello_refused(&h, sizeof(h));
	snprintf(want, sizeof(want), "consumer unit size %u, forwarder %u", NTA_UNIT * 2,
			NTA_UNIT);
	CHECK(strstr(last_log, want) != NULL);

	/* The consumer side refuses a forwarder built with another unit size. */
	memset(&s, 0, sizeof(s));
	s.listen_fd = nta_share_listen(sock_path);
	pthread_create(&th, NULL, fake_server_main, &s);
	last_log[0] = '\0';
	c = nta_consumer_attach(sock_path, 0);
	CHECK(c == NULL && errno == EPROTO);
	pthread_join(th, NULL);
	CHECK(s.result == 0);
	snprintf(want, sizeof(want), "forwarder unit size %u, consumer %u", NTA_UNIT * 2,
			NTA_UNIT);
	CHECK(strstr(last_log, want) != NULL);
	if (strstr(last_log, want) == NULL)
		fprintf(stderr, "logged: '%s', wanted '%s'\n", last_log, want);
	if (s.conn > 0)
		close(s.conn);
	close(s.listen_fd);
}

int
main(void)
{
	char dir[] = "/tmp/nta-share-test.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/s", dir);
	test_ring();
	test_handshake();
	test_refused(1, EBUSY);
	test_refused(2, EPROTO);
	test_refused(3, EFAULT);      /* the transmit region could not be sealed */
	test_seal();
	nta_set_log(log_capture);
	test_version();
	test_layout();
	nta_set_log(NULL);
	CHECK(nta_consumer_attach(sock_path, 0) == NULL);     /* nobody listens */
	CHECK(nta_consumer_attach(NULL, 0) == NULL && errno == EINVAL);
	CHECK(nta_consumer_attach(sock_path, 1) == NULL && errno == EINVAL);
	unlink(sock_path);
	rmdir(dir);
	printf("test_share: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
	return failures ? 1 : 0;
}
