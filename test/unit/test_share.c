/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Unit tests of the sharing library without DPDK: rings (wrap-around, full,
 * a lying peer), handshake (regions, read-only mappings, transmit buffers,
 * range checks), version mismatch, a busy server, a server that goes away.
 * The server side runs in a thread of this process.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
	struct nta_share_ring *r;
	void *base;
	unsigned int i, round;
	int fd;

	fd = nta_share_ring_file_create(4, &base);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	r = nta_share_ring_get(base, NTA_SHARE_RING_RX);
	for (i = 0; i < 8; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].offset = i;
		in[i].cookie = 100 + i;
	}
	/* Many rounds: indices wrap around the ring many times. */
	for (round = 0; round < 1000; round++) {
		CHECK(nta_share_ring_enqueue(r, 4, in, 3) == 3);
		CHECK(nta_share_ring_enqueue(r, 4, in + 3, 3) == 1);   /* full at 4 */
		CHECK(nta_share_ring_count(r, 4) == 4);
		CHECK(nta_share_ring_dequeue(r, 4, out, 8) == 4);
		for (i = 0; i < 4; i++)
			CHECK(out[i].cookie == 100 + i);
		CHECK(nta_share_ring_dequeue(r, 4, out, 8) == 0);
	}
	/* A consumer index that lies: the producer sees a full ring. */
	r->cons = r->prod + 1000;
	CHECK(nta_share_ring_enqueue(r, 4, in, 1) == 0);
	r->cons = r->prod;
	/* A producer index that lies: the consumer takes one ring at most. */
	r->prod = r->cons + 100000;
	CHECK(nta_share_ring_dequeue(r, 4, out, 8) == 4);
	CHECK(nta_share_ring_count(r, 4) == 4);
	/* The untrusting end keeps its own index: a peer that rewrites it
	 * changes nothing, one that claims the impossible is caught.
	 */
	{
		struct nta_share_ring_end pe, ce;
		struct nta_share_ring *v = nta_share_ring_get(base, NTA_SHARE_RING_VERDICT);

		nta_share_ring_end_init(&pe, r, 4, 1);
		nta_share_ring_end_init(&ce, v, 4, 0);
		r->prod = r->cons = 7;
		nta_share_ring_end_init(&pe, r, 4, 1);
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
	}
	/* Bad sizes. */
	CHECK(nta_share_ring_file_create(3, &base) < 0 && errno == EINVAL);
	CHECK(nta_share_ring_file_create(1 << 20, &base) < 0 && errno == EINVAL);
	/* The file is sealed: nobody can shrink it under the other side. */
	CHECK(ftruncate(fd, 4096) < 0 && errno == EPERM);
	close(fd);
}

struct server {
	int listen_fd;
	int mode;          /* 0: serve, 1: refuse EBUSY, 2: bad ring size */
	int result;
	int err;
	int conn;
	void *ring_base;
	int rx_fd, tx_fd;
};

static int
memfd_of(const char *name, size_t size, const char *fill)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
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
	return NULL;
}

static void
test_handshake(void)
{
	struct server s;
	struct nta_consumer *c;
	struct nta_consumer_region ri;
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

	/* A packet through the RX ring, read in place, verdict back. */
	memset(&d, 0, sizeof(d));
	d.region = 0;
	d.offset = 7;
	d.len = 5;
	d.cookie = 0x1234567800000003ull;
	CHECK(nta_share_ring_enqueue(nta_share_ring_get(s.ring_base, NTA_SHARE_RING_RX), 64,
			&d, 1) == 1);
	CHECK(nta_consumer_wait(c, 1000) == 1);
	CHECK(nta_consumer_rx_burst(c, &got, 1) == 1);
	p = nta_consumer_ptr(c, &got);
	CHECK(p != NULL && memcmp(p, "bytes", 5) == 0);
	got.flags = NTA_SHARE_F_FORWARD;
	CHECK(nta_consumer_verdict(c, &got, 1) == 1);
	CHECK(nta_share_ring_dequeue(nta_share_ring_get(s.ring_base, NTA_SHARE_RING_VERDICT),
			64, &d, 1) == 1);
	CHECK(d.cookie == 0x1234567800000003ull && d.flags == NTA_SHARE_F_FORWARD);

	/* Range checks of descriptors. */
	d.region = 5;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);
	d.region = 0;
	d.offset = (1 << 20) - 2;
	d.len = 3;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);
	d.offset = 0xffffffffu;
	d.len = 0xffffffffu;
	CHECK(nta_consumer_ptr(c, &d) == NULL && errno == ERANGE);

	/* Transmit buffers: exact size from the TX region, back by completion. */
	w = nta_consumer_tx_alloc(c, 98, &tx);
	CHECK(w != NULL && tx.region == 0x8000 && tx.len == 98);
	if (w != NULL) {
		memset(w, 0xab, 98);
		CHECK(nta_consumer_tx(c, &tx, 1) == 1);
		CHECK(nta_share_ring_dequeue(nta_share_ring_get(s.ring_base, NTA_SHARE_RING_TX),
				64, &d, 1) == 1);
		CHECK(d.offset == tx.offset && d.len == 98);
		CHECK(nta_share_ring_enqueue(nta_share_ring_get(s.ring_base,
				NTA_SHARE_RING_COMPL), 64, &d, 1) == 1);
		CHECK(nta_consumer_completions(c, &got, 4) == 1);
		/* freed by completions(): freeing again is refused */
		CHECK(nta_consumer_tx_free(c, &tx) < 0 && errno == EINVAL);
	}
	CHECK(nta_consumer_tx_alloc(c, 0, &tx) == NULL && errno == EINVAL);

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

/* A client of another version is refused with EPROTO on both sides. */
static void
test_version(void)
{
	struct nta_share_hello h = { NTA_SHARE_MAGIC, NTA_SHARE_VERSION + 1, 0, 0 };
	struct nta_share_welcome w;
	struct sockaddr_un sa;
	struct server s;
	pthread_t th;
	int cs;

	memset(&s, 0, sizeof(s));
	s.listen_fd = nta_share_listen(sock_path);
	s.rx_fd = memfd_of("rx", 1 << 20, "x");
	s.tx_fd = memfd_of("tx", 1 << 20, "");
	pthread_create(&th, NULL, server_main, &s);
	cs = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock_path);
	CHECK(connect(cs, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(send(cs, &h, sizeof(h), 0) == sizeof(h));
	CHECK(recv(cs, &w, sizeof(w), 0) == sizeof(w));
	CHECK(w.status == EPROTO && w.n_regions == 0);
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
	test_version();
	CHECK(nta_consumer_attach(sock_path, 0) == NULL);     /* nobody listens */
	CHECK(nta_consumer_attach(NULL, 0) == NULL && errno == EINVAL);
	CHECK(nta_consumer_attach(sock_path, 1) == NULL && errno == EINVAL);
	unlink(sock_path);
	rmdir(dir);
	printf("test_share: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
	return failures ? 1 : 0;
}
