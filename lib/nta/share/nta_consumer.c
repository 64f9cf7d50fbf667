/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "nta.h"
#include "nta_consumer.h"
#include "nta_private.h"
#include "nta_share_private.h"

#define HANDSHAKE_TIMEOUT_MS 5000

struct nta_consumer {
	int sock;
	void *ring_base;
	size_t ring_file_size;
	uint32_t ring_size;
	uint32_t max_inflight;
	uint32_t consumer_id;         /* slot the forwarder gave */
	uint32_t n_consumers;         /* slots it has */
	struct nta_share_ring_end end[NTA_SHARE_RING_COUNT]; /* our indices, private */
	unsigned int n_regions;
	struct nta_consumer_region region[NTA_SHARE_MAX_REGIONS];
	int tx_index;                 /* index in region[] of the TX region, or -1 */
	struct nta_arena *tx_arena;   /* external arena over the TX mapping */
};

static void
consumer_unmap(struct nta_consumer *c)
{
	unsigned int i;

	if (c->tx_arena != NULL)
		nta_arena_destroy(c->tx_arena);
	for (i = 0; i < c->n_regions; i++)
		munmap(c->region[i].base, c->region[i].size);
	if (c->ring_base != NULL)
		munmap(c->ring_base, c->ring_file_size);
	if (c->sock >= 0)
		close(c->sock);
}

void
nta_consumer_detach(struct nta_consumer *c)
{
	if (c == NULL)
		return;
	consumer_unmap(c);
	free(c);
}

/* Check the ring file header the server wrote before trusting its offsets. */
static int
consumer_check_rings(struct nta_consumer *c)
{
	const struct nta_share_ring_hdr *h = c->ring_base;
	size_t ring_bytes = sizeof(struct nta_share_ring) +
		(size_t)c->ring_size * sizeof(struct nta_share_desc);
	int i;

	if (h->magic != NTA_SHARE_MAGIC || h->version != NTA_SHARE_VERSION ||
			h->ring_size != c->ring_size || h->file_size != c->ring_file_size)
		return -1;
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++) {
		if (h->ring_off[i] < sizeof(*h) || h->ring_off[i] % NTA_SHARE_CACHE_LINE != 0 ||
				h->ring_off[i] > c->ring_file_size ||
				c->ring_file_size - h->ring_off[i] < ring_bytes)
			return -1;
		nta_share_ring_end_init(&c->end[i], nta_share_ring_get(c->ring_base, i),
				c->ring_size, i == NTA_SHARE_RING_VERDICT || i == NTA_SHARE_RING_TX);
	}
	return 0;
}

static int
consumer_map_region(struct nta_consumer *c, const struct nta_share_region_msg *m, int fd)
{
	struct nta_consumer_region *r = &c->region[c->n_regions];
	int writable = (m->flags & NTA_SHARE_REGION_TX) != 0;
	struct stat st;
	void *p;

	if (m->size == 0 || m->size > ((uint64_t)1 << 40) || fstat(fd, &st) < 0 ||
			(uint64_t)st.st_size < m->size) {
		errno = EPROTO;
		return -1;
	}
	p = mmap(NULL, m->size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
			fd, 0);
	if (p == MAP_FAILED)
		return -1;
	r->id = m->id;
	r->flags = m->flags;
	r->base = p;
	r->size = m->size;
	r->writable = writable;
	if (writable && c->tx_index < 0)
		c->tx_index = (int)c->n_regions;
	c->n_regions++;
	return 0;
}

static int
consumer_tx_arena(struct nta_consumer *c)
{
	struct nta_consumer_region *r = &c->region[c->tx_index];
	struct nta_arena_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "nta-consumer-tx";
	cfg.backing = NTA_BACKING_EXTERNAL;
	cfg.max_regions = 64;
	c->tx_arena = nta_arena_create(&cfg);
	if (c->tx_arena == NULL) {
		errno = nta_errno != 0 ? nta_errno : ENOMEM;
		return -1;
	}
	if (nta_arena_add_memory(c->tx_arena, r->base, r->size, UINT64_MAX) < 0) {
		errno = nta_errno != 0 ? nta_errno : ENOMEM;
		return -1;
	}
	return 0;
}

static int
consumer_connect(struct nta_consumer *c, const char *path, uint32_t id)
{
	struct nta_share_hello hello;
	struct sockaddr_un sa;

	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	memset(&hello, 0, sizeof(hello));
	hello.magic = NTA_SHARE_MAGIC;
	hello.version = NTA_SHARE_VERSION;
	hello.pid = (uint32_t)getpid();
	hello.consumer_id = id;
	nta_share_layout_get(&hello.layout);
	return nta_share_send_msg(c->sock, &hello, sizeof(hello), -1);
}

/*
 * Check a welcome of got bytes: magic and version whatever its length, then
 * the forwarder's layout (what differs is logged), then its status.
 * 0, or -1 with errno set (EPROTO, or the status the forwarder sent).
 */
static int
consumer_check_welcome(const struct nta_share_welcome *w, size_t got)
{
	char why[256];

	errno = EPROTO;
	if (got < offsetof(struct nta_share_welcome, status) || w->magic != NTA_SHARE_MAGIC)
		return -1;
	if (w->version != NTA_SHARE_VERSION) {
		nta_log(NTA_LOG_ERR, "share: cannot attach: forwarder protocol version %u,"
				" consumer %u", w->version, NTA_SHARE_VERSION);
		return -1;
	}
	if (got != sizeof(*w))
		return -1;
	if (nta_share_layout_check(&w->layout, "forwarder", "consumer", why, sizeof(why)) < 0) {
		nta_log(NTA_LOG_ERR, "share: cannot attach to a forwarder built otherwise: %s",
				why);
		errno = EPROTO;
		return -1;
	}
	if (w->status != 0) {
		errno = w->status > 0 ? w->status : EPROTO;
		return -1;
	}
	if (w->n_regions > NTA_SHARE_MAX_REGIONS || w->ring_size < 2 || w->ring_size > 65536 ||
			(w->ring_size & (w->ring_size - 1)) != 0 ||
			w->ring_file_size != nta_share_ring_file_size(w->ring_size) ||
			w->n_consumers == 0 || w->n_consumers > NTA_SHARE_MAX_CONSUMERS ||
			w->consumer_id >= w->n_consumers) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Receive the welcome and map the ring file it carries. */
static int
consumer_welcome(struct nta_consumer *c, uint32_t *n_regions)
{
	union {
		struct nta_share_welcome w;
		uint8_t any[NTA_SHARE_MSG_MAX];
	} in;
	size_t got;
	int fd, e;

	memset(&in, 0, sizeof(in));
	if (nta_share_recv_msg_any(c->sock, &in, sizeof(in), &got, &fd,
			HANDSHAKE_TIMEOUT_MS) < 0)
		return -1;
	e = consumer_check_welcome(&in.w, got) < 0 ? errno : (fd < 0 ? EPROTO : 0);
	if (e != 0) {
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	c->ring_size = in.w.ring_size;
	c->ring_file_size = in.w.ring_file_size;
	c->max_inflight = in.w.max_inflight;
	c->consumer_id = in.w.consumer_id;
	c->n_consumers = in.w.n_consumers;
	*n_regions = in.w.n_regions;
	c->ring_base = mmap(NULL, c->ring_file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	e = errno;
	close(fd);
	if (c->ring_base == MAP_FAILED) {
		c->ring_base = NULL;
		errno = e;
		return -1;
	}
	if (consumer_check_rings(c) < 0) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Receive and map n region messages. */
static int
consumer_regions(struct nta_consumer *c, uint32_t n)
{
	uint32_t i;
	int fd, e;

	for (i = 0; i < n; i++) {
		struct nta_share_region_msg m;

		if (nta_share_recv_msg(c->sock, &m, sizeof(m), &fd, HANDSHAKE_TIMEOUT_MS) < 0)
			return -1;
		if (fd < 0) {
			errno = EPROTO;
			return -1;
		}
		e = consumer_map_region(c, &m, fd) < 0 ? errno : 0;
		close(fd); /* the mapping keeps the file */
		if (e != 0) {
			errno = e;
			return -1;
		}
	}
	return 0;
}

/*
 * Tell the forwarder the transmit region is mapped and wait until it has
 * sealed it: from then on it accepts transmit descriptors. 0, or -1 with
 * errno set (the forwarder's status: EPERM, EFAULT; EPROTO, ETIMEDOUT).
 */
static int
consumer_tx_sealed(struct nta_consumer *c)
{
	uint8_t buf[NTA_SHARE_MSG_MAX];
	struct nta_share_ctl ctl;
	size_t got;

	if (nta_share_ctl_send(c->sock, NTA_SHARE_CTL_MAPPED, 0) < 0)
		return -1;
	if (nta_share_recv_msg_any(c->sock, buf, sizeof(buf), &got, NULL,
			HANDSHAKE_TIMEOUT_MS) < 0)
		return -1;
	if (nta_share_ctl_parse(buf, got, &ctl) < 0 || ctl.type != NTA_SHARE_CTL_SEALED) {
		errno = EPROTO;
		return -1;
	}
	if (ctl.status != 0) {
		nta_log(NTA_LOG_ERR, "share: the forwarder could not seal the transmit region: %s",
				strerror(ctl.status > 0 ? ctl.status : EPROTO));
		errno = ctl.status > 0 ? ctl.status : EPROTO;
		return -1;
	}
	return 0;
}

struct nta_consumer *
nta_consumer_attach_id(const char *path, uint32_t id, unsigned int flags)
{
	struct nta_consumer *c;
	struct sockaddr_un sa;
	uint32_t n_regions;
	int e;

	if (path == NULL || flags != 0 ||
			(id >= NTA_SHARE_MAX_CONSUMERS && id != NTA_SHARE_CONSUMER_ANY)) {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->tx_index = -1;
	if (consumer_connect(c, path, id) < 0 || consumer_welcome(c, &n_regions) < 0 ||
			consumer_regions(c, n_regions) < 0 ||
			(c->tx_index >= 0 && (consumer_tx_arena(c) < 0 ||
				consumer_tx_sealed(c) < 0))) {
		e = errno;
		consumer_unmap(c);
		free(c);
		errno = e;
		return NULL;
	}
	return c;
}

struct nta_consumer *
nta_consumer_attach(const char *path, unsigned int flags)
{
	return nta_consumer_attach_id(path, NTA_SHARE_CONSUMER_ANY, flags);
}

int
nta_consumer_disconnect(struct nta_consumer *c)
{
	if (c == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	return 0;
}

uint32_t
nta_consumer_id(const struct nta_consumer *c)
{
	return c == NULL ? 0 : c->consumer_id;
}

uint32_t
nta_consumer_slots(const struct nta_consumer *c)
{
	return c == NULL ? 0 : c->n_consumers;
}

unsigned int
nta_consumer_region_count(const struct nta_consumer *c)
{
	return c == NULL ? 0 : c->n_regions;
}

int
nta_consumer_region(const struct nta_consumer *c, unsigned int i,
		struct nta_consumer_region *info)
{
	if (c == NULL || info == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (i >= c->n_regions) {
		errno = ERANGE;
		return -1;
	}
	*info = c->region[i];
	return 0;
}

uint32_t
nta_consumer_max_inflight(const struct nta_consumer *c)
{
	return c == NULL ? 0 : c->max_inflight;
}

/* n from a ring end's result; -1 (impossible peer index) is 0 with EPROTO. */
static unsigned int
ring_result(int n)
{
	if (n < 0) {
		errno = EPROTO;
		return 0;
	}
	return (unsigned int)n;
}

/*
 * Dequeue up to n descriptors from e, whole frames only: what follows the
 * last descriptor without NTA_SHARE_F_MORE stays in the ring (the forwarder
 * enqueues a chain at once, so it is there whole or not at all). Number
 * taken; -1 with errno EPROTO (impossible index) or ENOBUFS (a chain longer
 * than n first).
 */
static int
dequeue_frames(struct nta_share_ring_end *e, struct nta_share_desc *d, unsigned int n)
{
	uint32_t avail = __atomic_load_n(&e->r->prod, __ATOMIC_ACQUIRE) - e->own;
	unsigned int i, whole = 0;

	if (avail > e->size) {
		errno = EPROTO;
		return -1;
	}
	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++) {
		d[i] = e->r->d[(e->own + i) & (e->size - 1)];
		if ((d[i].flags & NTA_SHARE_F_MORE) == 0)
			whole = i + 1;
	}
	if (whole == 0 && n > 0 && n == avail && avail < e->size) {
		/* The ring holds less than a chain: the forwarder is not done. */
		return 0;
	}
	if (whole == 0 && n > 0) {
		errno = ENOBUFS;
		return -1;
	}
	e->own += whole;
	__atomic_store_n(&e->r->cons, e->own, __ATOMIC_RELEASE);
	return (int)whole;
}

unsigned int
nta_consumer_rx_burst(struct nta_consumer *c, struct nta_share_desc *d, unsigned int n)
{
	int r = dequeue_frames(&c->end[NTA_SHARE_RING_RX], d, n);

	return r < 0 ? 0 : (unsigned int)r;
}

static const struct nta_consumer_region *
consumer_find(const struct nta_consumer *c, uint32_t id)
{
	unsigned int i;

	/* Region ids are usually 0..n-1 in order: try the direct slot first. */
	if (id < c->n_regions && c->region[id].id == id)
		return &c->region[id];
	for (i = 0; i < c->n_regions; i++)
		if (c->region[i].id == id)
			return &c->region[i];
	return NULL;
}

void *
nta_consumer_ptr(const struct nta_consumer *c, const struct nta_share_desc *d)
{
	const struct nta_consumer_region *r;

	if (c == NULL || d == NULL) {
		errno = EINVAL;
		return NULL;
	}
	r = consumer_find(c, d->desc.region);
	if (r == NULL || d->desc.offset > r->size || d->desc.len > r->size - d->desc.offset) {
		errno = ERANGE;
		return NULL;
	}
	return (uint8_t *)r->base + d->desc.offset;
}

unsigned int
nta_consumer_verdict(struct nta_consumer *c, const struct nta_share_desc *d, unsigned int n)
{
	/* The forwarder polls: no wake-up needed. */
	return ring_result(nta_share_ring_end_enqueue(&c->end[NTA_SHARE_RING_VERDICT], d, n));
}

void *
nta_consumer_tx_alloc(struct nta_consumer *c, size_t size, struct nta_share_desc *d)
{
	const struct nta_consumer_region *r;
	uint8_t *p;

	if (c == NULL || d == NULL || size == 0 || size > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (c->tx_arena == NULL) {
		errno = ENODEV;
		return NULL;
	}
	p = nta_alloc(c->tx_arena, size);
	if (p == NULL) {
		errno = nta_errno == E2BIG ? EINVAL : ENOMEM;
		return NULL;
	}
	r = &c->region[c->tx_index];
	d->desc.region = r->id;
	d->desc.offset = (uint32_t)(p - (uint8_t *)r->base);
	d->desc.len = (uint32_t)size;
	d->flags = 0;
	d->cookie = 0;
	return p;
}

int
nta_consumer_tx_free(struct nta_consumer *c, const struct nta_share_desc *d)
{
	const struct nta_consumer_region *r;

	if (c == NULL || d == NULL || c->tx_arena == NULL) {
		errno = EINVAL;
		return -1;
	}
	r = &c->region[c->tx_index];
	if (d->desc.region != r->id || d->desc.offset >= r->size) {
		errno = EINVAL;
		return -1;
	}
	if (nta_free(c->tx_arena, (uint8_t *)r->base + d->desc.offset) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

unsigned int
nta_consumer_tx(struct nta_consumer *c, const struct nta_share_desc *d, unsigned int n)
{
	return ring_result(nta_share_ring_end_enqueue(&c->end[NTA_SHARE_RING_TX], d, n));
}

unsigned int
nta_consumer_completions(struct nta_consumer *c, struct nta_share_desc *d, unsigned int n)
{
	struct nta_share_desc tmp[64];
	unsigned int got = 0, k, i;

	while (got < n) {
		unsigned int want = n - got < 64 ? n - got : 64;

		k = ring_result(nta_share_ring_end_dequeue(&c->end[NTA_SHARE_RING_COMPL], tmp,
				want));
		if (k == 0)
			break;
		for (i = 0; i < k; i++) {
			nta_consumer_tx_free(c, &tmp[i]);
			if (d != NULL)
				d[got + i] = tmp[i];
		}
		got += k;
	}
	return got;
}

static int
consumer_pending(struct nta_consumer *c)
{
	/* An impossible index counts as pending: the next call reports it. */
	return nta_share_ring_end_avail(&c->end[NTA_SHARE_RING_RX]) != 0 ||
		nta_share_ring_end_avail(&c->end[NTA_SHARE_RING_COMPL]) != 0;
}

int
nta_consumer_wait(struct nta_consumer *c, int timeout_ms)
{
	struct nta_share_ring_hdr *h = c->ring_base;
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
	struct timespec ts;
	uint32_t seq;
	int r;

	/* The forwarder closes the socket when it goes: check first. */
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLIN)) != 0) {
		char b;

		if (recv(c->sock, &b, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) {
			errno = ECONNRESET;
			return -1;
		}
	}
	seq = __atomic_load_n(&h->wake_seq, __ATOMIC_SEQ_CST);
	__atomic_store_n(&h->cons_sleeping, 1, __ATOMIC_SEQ_CST);
	if (consumer_pending(c)) {
		__atomic_store_n(&h->cons_sleeping, 0, __ATOMIC_SEQ_CST);
		return 1;
	}
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	r = (int)syscall(SYS_futex, &h->wake_seq, FUTEX_WAIT, seq, &ts, NULL, 0);
	__atomic_store_n(&h->cons_sleeping, 0, __ATOMIC_SEQ_CST);
	if (r < 0 && errno == ETIMEDOUT)
		return consumer_pending(c) ? 1 : 0;
	return 1;
}

int
nta_consumer_fd(const struct nta_consumer *c)
{
	return c == NULL ? -1 : c->sock;
}
