/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * A hostile consumer for e2e_tx_seal, speaking the protocol itself (the
 * library would do the seal step for it): it attacks the writable transmit
 * region before and after the forwarder seals it.
 *
 *   nta-e2e-txseal SOCKET MODE
 *
 *   punch    punch a hole in the transmit region, then say MAPPED: the
 *            forwarder must answer EFAULT and end the session
 *   refault  punch a hole and fault a new page in through our mapping (the
 *            file is whole again, but not with the page the forwarder
 *            registered): EFAULT
 *   seal     add F_SEAL_SEAL first, so that the forwarder cannot seal: EPERM
 *   after    queue a transmit descriptor before MAPPED (refused: not sealed
 *            yet), say MAPPED (answer 0), then try to free or shrink the
 *            region: hole punch, MADV_REMOVE, ftruncate, more seals, a
 *            writable mapping through a reopened fd, mprotect of a new
 *            read-only mapping; every one must fail, while our first
 *            mapping stays writable. Then a valid transmit descriptor must
 *            come back as a completion. Stays attached until SIGTERM.
 *
 * Prints "txseal: PASS ..." lines, or "txseal: FAIL ..." and exits 1.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "nta_share.h"

#define WAIT_MS 5000

static volatile sig_atomic_t quit;

static void
on_signal(int s __attribute__((unused)))
{
	quit = 1;
}

static int
fail(const char *what)
{
	printf("txseal: FAIL %s (errno %d: %s)\n", what, errno, strerror(errno));
	fflush(stdout);
	exit(1);
}

/* One message of up to len bytes, its fd (or -1) in *fd; bytes or -1. */
static ssize_t
recv_fd(int s, void *buf, size_t len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct pollfd pfd = { .fd = s, .events = POLLIN, .revents = 0 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;

	*fd = -1;
	if (poll(&pfd, 1, WAIT_MS) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	cm = CMSG_FIRSTHDR(&mh);
	if (r > 0 && cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return r;
}

struct peer {
	int sock;
	int tx_fd;
	uint8_t *tx;               /* our writable mapping of the transmit region */
	size_t tx_size;
	uint32_t tx_id;
	struct nta_share_ring_end ring_tx, ring_compl;
};

/* Hello, welcome, regions: the transmit region mapped writable. */
static void
attach(struct peer *p, const char *path)
{
	struct nta_share_hello h;
	struct nta_share_welcome w;
	struct sockaddr_un sa;
	uint32_t i;
	void *rings;
	int fd;

	p->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (p->sock < 0 || connect(p->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("connect");
	memset(&h, 0, sizeof(h));
	h.magic = NTA_SHARE_MAGIC;
	h.version = NTA_SHARE_VERSION;
	h.pid = (uint32_t)getpid();
	nta_share_layout_get(&h.layout);
	if (send(p->sock, &h, sizeof(h), 0) != sizeof(h))
		fail("hello");
	if (recv_fd(p->sock, &w, sizeof(w), &fd) != sizeof(w) || w.status != 0 || fd < 0)
		fail("welcome");
	rings = mmap(NULL, w.ring_file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (rings == MAP_FAILED)
		fail("ring file mmap");
	nta_share_ring_end_init(&p->ring_tx, nta_share_ring_get(rings, NTA_SHARE_RING_TX),
			w.ring_size, 1);
	nta_share_ring_end_init(&p->ring_compl, nta_share_ring_get(rings, NTA_SHARE_RING_COMPL),
			w.ring_size, 0);
	p->tx_fd = -1;
	for (i = 0; i < w.n_regions; i++) {
		struct nta_share_region_msg m;

		if (recv_fd(p->sock, &m, sizeof(m), &fd) != sizeof(m) || fd < 0)
			fail("region message");
		if ((m.flags & NTA_SHARE_REGION_TX) == 0) {
			close(fd);
			continue;
		}
		p->tx_fd = fd;
		p->tx_id = m.id;
		p->tx_size = m.size;
		p->tx = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p->tx == MAP_FAILED)
			fail("transmit region mmap");
	}
	if (p->tx_fd < 0)
		fail("no transmit region");
}

/* Say MAPPED; the forwarder's SEALED status. */
static int
mapped(struct peer *p)
{
	struct nta_share_ctl c;
	ssize_t r;
	int fd;

	if (nta_share_ctl_send(p->sock, NTA_SHARE_CTL_MAPPED, 0) < 0)
		fail("send MAPPED");
	r = recv_fd(p->sock, &c, sizeof(c), &fd);
	if (r != sizeof(c) || nta_share_ctl_parse(&c, sizeof(c), &c) < 0 ||
			c.type != NTA_SHARE_CTL_SEALED)
		fail("no SEALED answer");
	return c.status;
}

/* The forwarder ends the session: our socket reads end-of-file. */
static void
expect_expelled(struct peer *p, int status, int want, const char *mode)
{
	char b[64];
	int fd;

	if (status != want) {
		errno = status;
		fail("forwarder's answer is not the expected error");
	}
	if (recv_fd(p->sock, b, sizeof(b), &fd) != 0)
		fail("session not ended");
	printf("txseal: PASS %s: refused with %s, session ended\n", mode, strerror(want));
}

/* Must fail with errno want. */
static void
must_fail(int r, int want, const char *what)
{
	if (r == 0 || errno != want)
		fail(what);
	printf("txseal: PASS refused: %s (%s)\n", what, strerror(errno));
}

/* A 60-byte frame at offset 0 of the region, on port 0. */
static struct nta_share_desc
frame(struct peer *p, uint64_t cookie)
{
	struct nta_share_desc d;

	memset(p->tx, 0, 60);
	memset(p->tx, 0xff, 6);
	memcpy(p->tx + 6, "\x02\x00\x00\x00\x00\x09", 6);
	p->tx[12] = 0x88;
	p->tx[13] = 0xb5;
	memcpy(p->tx + 14, "nta-txseal", 10);
	memset(&d, 0, sizeof(d));
	d.desc.region = p->tx_id;
	d.desc.len = 60;
	d.cookie = cookie;
	return d;
}

/* After the seal: nothing frees or shrinks the region; it still transmits. */
static void
after(struct peer *p)
{
	struct nta_share_desc d = frame(p, 1), c;
	size_t sz = p->tx_size;
	char path[64];
	void *m;
	int fd2, i;

	/* Before the seal: taken from the ring, refused (not sent, no completion). */
	if (nta_share_ring_end_enqueue(&p->ring_tx, &d, 1) != 1)
		fail("tx ring");
	for (i = 0; i < WAIT_MS && p->ring_tx.r->cons != p->ring_tx.own; i++)
		usleep(1000);
	if (p->ring_tx.r->cons != p->ring_tx.own)
		fail("the forwarder did not take the transmit descriptor");
	if (mapped(p) != 0)
		fail("seal refused for an intact region");
	printf("txseal: PASS sealed\n");
	must_fail(fallocate(p->tx_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			(off_t)sz), EPERM, "punch hole");
	must_fail(madvise(p->tx, sz, MADV_REMOVE), EPERM, "madvise MADV_REMOVE");
	must_fail(ftruncate(p->tx_fd, 0), EPERM, "ftruncate");
	must_fail(ftruncate(p->tx_fd, (off_t)sz * 2), EPERM, "grow");
	must_fail(fcntl(p->tx_fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM, "add a seal");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p->tx_fd);
	fd2 = open(path, O_RDWR);
	if (fd2 < 0)
		fail("reopen O_RDWR");
	m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	must_fail(m != MAP_FAILED ? 0 : -1, EPERM, "writable mapping through a reopened fd");
	m = mmap(NULL, sz, PROT_READ, MAP_SHARED, fd2, 0);
	if (m == MAP_FAILED)
		fail("read-only mapping");
	must_fail(mprotect(m, sz, PROT_READ | PROT_WRITE), EACCES,
			"mprotect a new read-only mapping writable");
	munmap(m, sz);
	must_fail(fallocate(fd2, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)sz),
			EPERM, "punch hole through the reopened fd");
	close(fd2);
	/* Our first mapping stays writable, and the forwarder sends from it. */
	d = frame(p, 2);
	if (nta_share_ring_end_enqueue(&p->ring_tx, &d, 1) != 1)
		fail("tx ring");
	for (i = 0; i < WAIT_MS; i++) {
		if (nta_share_ring_end_dequeue(&p->ring_compl, &c, 1) == 1)
			break;
		usleep(1000);
	}
	if (i == WAIT_MS || c.cookie != 2 || (c.flags & NTA_SHARE_F_TX_FAILED) != 0)
		fail("no completion for the frame sent after the seal");
	printf("txseal: PASS sent after the seal, completed\n");
}

int
main(int argc, char **argv)
{
	struct peer p;
	size_t half;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET punch|refault|seal|after\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	attach(&p, argv[1]);
	half = p.tx_size / 2;
	if (strcmp(argv[2], "punch") == 0) {
		if (fallocate(p.tx_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				(off_t)p.tx_size) < 0)
			fail("punch before the seal");
		expect_expelled(&p, mapped(&p), EFAULT, "punch");
	} else if (strcmp(argv[2], "refault") == 0) {
		if (fallocate(p.tx_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				(off_t)p.tx_size) < 0)
			fail("punch before the seal");
		memset(p.tx + half, 0x5a, 64);   /* a new page in the file */
		expect_expelled(&p, mapped(&p), EFAULT, "refault");
	} else if (strcmp(argv[2], "seal") == 0) {
		if (fcntl(p.tx_fd, F_ADD_SEALS, F_SEAL_SEAL) < 0)
			fail("F_SEAL_SEAL before the forwarder");
		expect_expelled(&p, mapped(&p), EPERM, "seal");
	} else if (strcmp(argv[2], "after") == 0) {
		after(&p);
		while (!quit)
			usleep(10000);
	} else {
		fprintf(stderr, "txseal: unknown mode %s\n", argv[2]);
		return 2;
	}
	return 0;
}
