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
#include "nta_share_private.h"

#define HANDSHAKE_TIMEOUT_MS 5000

struct nta_consumer {
	int sock;
	void *ring_base;
	size_t ring_file_size;
	uint32_t ring_size;
	uint32_t max_inflight;
	struct nta_share_ring *ring[NTA_SHARE_RING_COUNT];
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
		c->ring[i] = nta_share_ring_get(c->ring_base, i);
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

struct nta_consumer *
nta_consumer_attach(const char *path, unsigned int flags)
{
	struct nta_share_hello hello;
	struct nta_share_welcome w;
	struct nta_consumer *c;
	struct sockaddr_un sa;
	unsigned int i;
	int fd, e;

	if (path == NULL || flags != 0) {
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
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	memset(&hello, 0, sizeof(hello));
	hello.magic = NTA_SHARE_MAGIC;
	hello.version = NTA_SHARE_VERSION;
	hello.pid = (uint32_t)getpid();
	if (nta_share_send_msg(c->sock, &hello, sizeof(hello), -1) < 0)
		goto fail;
	if (nta_share_recv_msg(c->sock, &w, sizeof(w), &fd, HANDSHAKE_TIMEOUT_MS) < 0)
		goto fail;
	if (w.magic != NTA_SHARE_MAGIC || w.version != NTA_SHARE_VERSION || w.status != 0) {
		if (fd >= 0)
			close(fd);
		errno = (w.magic == NTA_SHARE_MAGIC && w.status > 0) ? w.status : EPROTO;
		goto fail;
	}
	if (fd < 0 || w.n_regions > NTA_SHARE_MAX_REGIONS || w.ring_size < 2 ||
			w.ring_size > 65536 || (w.ring_size & (w.ring_size - 1)) != 0 ||
			w.ring_file_size != nta_share_ring_file_size(w.ring_size)) {
		if (fd >= 0)
			close(fd);
		errno = EPROTO;
		goto fail;
	}
	c->ring_size = w.ring_size;
	c->ring_file_size = w.ring_file_size;
	c->max_inflight = w.max_inflight;
	c->ring_base = mmap(NULL, c->ring_file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	e = errno;
	close(fd);
	if (c->ring_base == MAP_FAILED) {
		c->ring_base = NULL;
		errno = e;
		goto fail;
	}
	if (consumer_check_rings(c) < 0) {
		errno = EPROTO;
		goto fail;
	}
	for (i = 0; i < w.n_regions; i++) {
		struct nta_share_region_msg m;

		if (nta_share_recv_msg(c->sock, &m, sizeof(m), &fd, HANDSHAKE_TIMEOUT_MS) < 0)
			goto fail;
		if (fd < 0) {
			errno = EPROTO;
			goto fail;
		}
		if (consumer_map_region(c, &m, fd) < 0) {
			e = errno;
			close(fd);
			errno = e;
			goto fail;
		}
		close(fd); /* the mapping keeps the file */
	}
	if (c->tx_index >= 0 && consumer_tx_arena(c) < 0)
		goto fail;
	return c;
fail:
	e = errno;
	consumer_unmap(c);
	free(c);
	errno = e;
	return NULL;
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

unsigned int
nta_consumer_rx_burst(struct nta_consumer *c, struct nta_share_desc *d, unsigned int n)
{
	return nta_share_ring_dequeue(c->ring[NTA_SHARE_RING_RX], c->ring_size, d, n);
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
	r = consumer_find(c, d->region);
	if (r == NULL || d->offset > r->size || d->len > r->size - d->offset) {
		errno = ERANGE;
		return NULL;
	}
	return (uint8_t *)r->base + d->offset;
}

unsigned int
nta_consumer_verdict(struct nta_consumer *c, const struct nta_share_desc *d, unsigned int n)
{
	/* The forwarder polls: no wake-up needed. */
	return nta_share_ring_enqueue(c->ring[NTA_SHARE_RING_VERDICT], c->ring_size, d, n);
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
	d->region = r->id;
	d->offset = (uint32_t)(p - (uint8_t *)r->base);
	d->len = (uint32_t)size;
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
	if (d->region != r->id || d->offset >= r->size) {
		errno = EINVAL;
		return -1;
	}
	if (nta_free(c->tx_arena, (uint8_t *)r->base + d->offset) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

unsigned int
nta_consumer_tx(struct nta_consumer *c, const struct nta_share_desc *d, unsigned int n)
{
	return nta_share_ring_enqueue(c->ring[NTA_SHARE_RING_TX], c->ring_size, d, n);
}

unsigned int
nta_consumer_completions(struct nta_consumer *c, struct nta_share_desc *d, unsigned int n)
{
	struct nta_share_desc tmp[64];
	unsigned int got = 0, k, i;

	while (got < n) {
		unsigned int want = n - got < 64 ? n - got : 64;

		k = nta_share_ring_dequeue(c->ring[NTA_SHARE_RING_COMPL], c->ring_size, tmp, want);
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
	return nta_share_ring_count(c->ring[NTA_SHARE_RING_RX], c->ring_size) != 0 ||
		nta_share_ring_count(c->ring[NTA_SHARE_RING_COMPL], c->ring_size) != 0;
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
