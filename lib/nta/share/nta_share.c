/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "nta_private.h"
#include "nta_share.h"
#include "nta_share_private.h"

/* Bytes of one ring of ring_size entries in the ring file: whole pages. */
static size_t
ring_bytes(uint32_t ring_size)
{
	size_t b = sizeof(struct nta_share_ring) + (size_t)ring_size * sizeof(struct nta_share_desc);

	return (b + NTA_SHARE_PAGE_SIZE - 1) & ~(size_t)(NTA_SHARE_PAGE_SIZE - 1);
}

size_t
nta_share_ring_file_size(uint32_t ring_size)
{
	return NTA_SHARE_PAGE_SIZE + NTA_SHARE_RING_COUNT * ring_bytes(ring_size);
}

int
nta_share_ring_file_create(uint32_t ring_size, void **base)
{
	struct nta_share_ring_hdr *h;
	size_t size;
	void *p;
	int fd, i;

	if (base == NULL || ring_size < 2 || ring_size > 65536 ||
			(ring_size & (ring_size - 1)) != 0) {
		errno = EINVAL;
		return -1;
	}
	size = nta_share_ring_file_size(ring_size);
	fd = memfd_create("nta-rings", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	/* The consumer gets this fd: it must not shrink the file under us. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	h = p;
	h->magic = NTA_SHARE_MAGIC;
	h->version = NTA_SHARE_VERSION;
	h->ring_size = ring_size;
	h->file_size = size;
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++)
		h->ring_off[i] = NTA_SHARE_PAGE_SIZE + (uint64_t)i * ring_bytes(ring_size);
	*base = p;
	return fd;
fail:
	i = errno;
	close(fd);
	errno = i;
	return -1;
}

void
nta_share_wake(void *ring_base)
{
	struct nta_share_ring_hdr *h = ring_base;

	if (__atomic_load_n(&h->cons_sleeping, __ATOMIC_SEQ_CST) == 0)
		return;
	__atomic_fetch_add(&h->wake_seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &h->wake_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int
nta_share_reopen_ro(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Make path free for a new socket: 0 when nothing is there or a dead socket
 * was (it is removed); -1 with errno EEXIST (not a socket: kept), EADDRINUSE
 * (a socket someone serves: kept), or the error of lstat, connect or unlink.
 */
static int
path_make_free(const struct sockaddr_un *sa)
{
	struct stat st;
	int s, r, e;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	/* Only a socket nobody listens on (ECONNREFUSED) is stale. */
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	r = connect(s, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(s);
	if (r == 0 || e == EAGAIN || e == EPROTOTYPE) {
		errno = EADDRINUSE;
		return -1;
	}
	if (e != ECONNREFUSED) {
		errno = e;
		return -1;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
nta_share_listen(const char *path)
{
	struct sockaddr_un sa;
	int s, e;

	if (path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (path_make_free(&sa) < 0)
		return -1;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/*
	 * bind() creates the file with the socket inode's mode less the umask:
	 * 0600 here, so that it is never wider, not even for an instant (no
	 * process-wide umask change, which other threads would see).
	 */
	if (fchmod(s, 0600) < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			listen(s, 4) < 0) {
		e = errno;
		close(s);
		errno = e;
		return -1;
	}
	return s;
}

int
nta_share_send_msg(int sock, const void *buf, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if ((size_t)r != len) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
nta_share_recv_msg_any(int sock, void *buf, size_t len, size_t *got_len, int *fd,
		int timeout_ms)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;
	int got = -1, n;

	if (fd != NULL)
		*fd = -1;
	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	do {
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	/* Close every fd we were sent but did not ask for. */
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t i, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (got < 0 && fd != NULL)
				got = f;
			else
				close(f);
		}
	}
	if (r == 0) {
		if (got >= 0)
			close(got);
		errno = ECONNRESET;
		return -1;
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		if (got >= 0)
			close(got);
		errno = EPROTO;
		return -1;
	}
	if (fd != NULL)
		*fd = got;
	*got_len = (size_t)r;
	return 0;
}

int
nta_share_recv_msg(int sock, void *buf, size_t len, int *fd, int timeout_ms)
{
	size_t got;

	if (nta_share_recv_msg_any(sock, buf, len, &got, fd, timeout_ms) < 0)
		return -1;
	if (got != len) {
		if (fd != NULL && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void
nta_share_layout_get(struct nta_share_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->unit_size = NTA_UNIT;
	l->desc_size = sizeof(struct nta_share_desc);
	l->ring_hdr_size = offsetof(struct nta_share_ring, d);
	l->file_hdr_size = sizeof(struct nta_share_ring_hdr);
	l->page_size = NTA_SHARE_PAGE_SIZE;
	l->max_regions = NTA_SHARE_MAX_REGIONS;
}

/* The fields of struct nta_share_layout, as a message names them. */
static const struct {
	const char *what;
	size_t off;
} layout_fields[] = {
	{ "unit size", offsetof(struct nta_share_layout, unit_size) },
	{ "descriptor size", offsetof(struct nta_share_layout, desc_size) },
	{ "ring header size", offsetof(struct nta_share_layout, ring_hdr_size) },
	{ "ring file header size", offsetof(struct nta_share_layout, file_hdr_size) },
	{ "ring file page size", offsetof(struct nta_share_layout, page_size) },
	{ "max regions", offsetof(struct nta_share_layout, max_regions) },
};

int
nta_share_layout_check(const struct nta_share_layout *peer, const char *peer_name,
		const char *self_name, char *why, size_t len)
{
	struct nta_share_layout me;
	size_t used = 0;
	unsigned int i;
	int bad = 0;

	nta_share_layout_get(&me);
	if (why != NULL && len > 0)
		why[0] = '\0';
	for (i = 0; i < sizeof(layout_fields) / sizeof(layout_fields[0]); i++) {
		uint32_t theirs, ours;
		int k;

		memcpy(&theirs, (const uint8_t *)peer + layout_fields[i].off, sizeof(theirs));
		memcpy(&ours, (const uint8_t *)&me + layout_fields[i].off, sizeof(ours));
		if (theirs == ours)
			continue;
		if (why != NULL && used < len) {
			k = snprintf(why + used, len - used, "%s%s %s %u, %s %u", bad ? "; " : "",
					peer_name, layout_fields[i].what, theirs, self_name, ours);
			used += k > 0 ? (size_t)k : 0;
		}
		bad++;
	}
	if (bad == 0)
		return 0;
	errno = EPROTO;
	return -1;
}

/* A welcome with this build's magic, version and layout. */
static void
welcome_init(struct nta_share_welcome *w, int status)
{
	memset(w, 0, sizeof(*w));
	w->magic = NTA_SHARE_MAGIC;
	w->version = NTA_SHARE_VERSION;
	w->status = status;
	nta_share_layout_get(&w->layout);
}

/*
 * Check a hello of got bytes. Magic and version are read whatever its length,
 * so that a consumer of another version is told, not cut off. 0, or -1 with
 * errno = EPROTO and one line logged.
 */
static int
hello_check(const struct nta_share_hello *h, size_t got)
{
	char why[256];

	errno = EPROTO;
	if (got < offsetof(struct nta_share_hello, flags) || h->magic != NTA_SHARE_MAGIC) {
		nta_log(NTA_LOG_ERR, "share: refused a client: not an NTA hello");
		return -1;
	}
	if (h->version != NTA_SHARE_VERSION) {
		nta_log(NTA_LOG_ERR, "share: refused a consumer: consumer protocol version %u,"
				" forwarder %u", h->version, NTA_SHARE_VERSION);
		return -1;
	}
	if (got != sizeof(*h)) {
		nta_log(NTA_LOG_ERR, "share: refused a consumer: hello of %zu bytes", got);
		return -1;
	}
	if (nta_share_layout_check(&h->layout, "consumer", "forwarder", why, sizeof(why)) < 0) {
		nta_log(NTA_LOG_ERR, "share: refused a consumer built otherwise: %s", why);
		return -1;
	}
	return 0;
}

int
nta_share_hello_recv(int sock, int timeout_ms, struct nta_share_hello *h)
{
	union {
		struct nta_share_hello h;
		uint8_t any[NTA_SHARE_MSG_MAX];
	} in;
	struct nta_share_welcome w;
	size_t got;

	if (h == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&in, 0, sizeof(in));
	if (nta_share_recv_msg_any(sock, &in, sizeof(in), &got, NULL, timeout_ms) < 0)
		return -1;
	if (hello_check(&in.h, got) < 0) {
		welcome_init(&w, EPROTO);
		nta_share_send_msg(sock, &w, sizeof(w), -1);
		errno = EPROTO;
		return -1;
	}
	*h = in.h;
	return 0;
}

int
nta_share_welcome_send(int sock, const struct nta_share_session *s,
		const struct nta_share_region_msg *regions, const int *fds,
		unsigned int n_regions)
{
	struct nta_share_welcome w;
	unsigned int i;

	if (s == NULL || (n_regions > 0 && (regions == NULL || fds == NULL)) ||
			n_regions > NTA_SHARE_MAX_REGIONS) {
		errno = EINVAL;
		return -1;
	}
	welcome_init(&w, 0);
	w.n_regions = n_regions;
	w.ring_size = s->ring_size;
	w.max_inflight = s->max_inflight;
	w.ring_file_size = s->ring_file_size;
	w.consumer_id = s->consumer_id;
	w.n_consumers = s->n_consumers;
	if (nta_share_send_msg(sock, &w, sizeof(w), s->ring_fd) < 0)
		return -1;
	for (i = 0; i < n_regions; i++)
		if (nta_share_send_msg(sock, &regions[i], sizeof(regions[i]), fds[i]) < 0)
			return -1;
	return 0;
}

int
nta_share_serve_handshake(int sock, int timeout_ms, uint32_t ring_size,
		uint32_t max_inflight, int ring_fd, uint64_t ring_file_size,
		const struct nta_share_region_msg *regions, const int *fds,
		unsigned int n_regions)
{
	struct nta_share_session s = {
		.consumer_id = 0, .n_consumers = 1, .ring_size = ring_size,
		.max_inflight = max_inflight, .ring_fd = ring_fd,
		.ring_file_size = ring_file_size,
	};
	struct nta_share_hello h;

	if (n_regions > NTA_SHARE_MAX_REGIONS) {
		errno = EINVAL;
		return -1;
	}
	if (nta_share_hello_recv(sock, timeout_ms, &h) < 0)
		return -1;
	return nta_share_welcome_send(sock, &s, regions, fds, n_regions);
}

int
nta_share_refuse(int sock, int status)
{
	struct nta_share_welcome w;

	welcome_init(&w, status);
	return nta_share_send_msg(sock, &w, sizeof(w), -1);
}

int
nta_share_ctl_send(int sock, uint32_t type, int32_t status)
{
	struct nta_share_ctl m;
	ssize_t r;

	memset(&m, 0, sizeof(m));
	m.magic = NTA_SHARE_MAGIC;
	m.type = type;
	m.status = status;
	do {
		r = send(sock, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if ((size_t)r != sizeof(m)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
nta_share_ctl_parse(const void *buf, size_t len, struct nta_share_ctl *ctl)
{
	if (buf == NULL || ctl == NULL || len != sizeof(*ctl)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(ctl, buf, sizeof(*ctl));
	if (ctl->magic != NTA_SHARE_MAGIC ||
			(ctl->type != NTA_SHARE_CTL_MAPPED && ctl->type != NTA_SHARE_CTL_SEALED)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Bit 63 of a /proc/self/pagemap entry: the page is in our page tables. */
#define PAGEMAP_PRESENT (1ull << 63)
/* Entries read from /proc/self/pagemap at a time. */
#define PAGEMAP_BATCH 512

/*
 * 0 when every 4 KB page of map (size bytes) is in our page tables, -1 with
 * errno EFAULT when one is not, or the error of reading pagemap.
 */
static int
pages_present(const void *map, size_t size)
{
	uint64_t e[PAGEMAP_BATCH];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t first = (uintptr_t)map / pg, n = (size + pg - 1) / pg, done = 0, i;
	int fd, err = 0;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (done < n && err == 0) {
		size_t want = n - done < PAGEMAP_BATCH ? n - done : PAGEMAP_BATCH;
		ssize_t r = pread(fd, e, want * sizeof(e[0]),
				(off_t)((first + done) * sizeof(e[0])));

		if (r != (ssize_t)(want * sizeof(e[0]))) {
			err = r < 0 ? errno : EIO;
			break;
		}
		for (i = 0; i < want; i++)
			if ((e[i] & PAGEMAP_PRESENT) == 0)
				err = EFAULT;
		done += want;
	}
	close(fd);
	errno = err;
	return err == 0 ? 0 : -1;
}

int
nta_share_seal_writable(int fd, const void *map, size_t size)
{
	const int want = F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct stat st;
	int seals;

	if (map == NULL || size == 0) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Seals first, checks after: once sealed nothing can be punched, so
	 * what the checks see stays true. An error here (EPERM: sealed by
	 * someone else) is judged by what F_GET_SEALS shows.
	 */
	(void)fcntl(fd, F_ADD_SEALS, want);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return -1;
	if ((seals & want) != want) {
		errno = EPERM;
		return -1;
	}
	if (fstat(fd, &st) < 0)
		return -1;
	if ((uint64_t)st.st_size < size || (uint64_t)st.st_blocks * 512 < size) {
		errno = EFAULT;
		return -1;
	}
	return pages_present(map, size);
}
