/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The consumer socket: listening (mode 0600 unless told, never over another
 * file or a live socket), accepting clients (their uid and gid checked before
 * anything is handed over), the handshake (one consumer at a time, others
 * refused with EBUSY), the start of a session and its end, when every packet
 * the consumer held comes back to the pool.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "nta.h"
#include "nta_share.h"
#include "fwd.h"

/* A client that says nothing for this long is dropped. */
#define HANDSHAKE_MS 500
/* Supplementary groups of a peer looked at for --allow-gid. */
#define PEER_GROUPS 64

int
fwd_listen(struct fwd *f)
{
	f->listen_fd = nta_share_listen(f->socket_path);
	if (f->listen_fd < 0) {
		int e = errno;

		if (e == EEXIST)
			fprintf(stderr, "nta-fwd: cannot listen on %s: it exists and is not a socket"
					" (left as it is; give another --socket)\n", f->socket_path);
		else if (e == EADDRINUSE)
			fprintf(stderr, "nta-fwd: cannot listen on %s: another process serves this"
					" socket (a forwarder already running?)\n", f->socket_path);
		else
			fprintf(stderr, "nta-fwd: cannot listen on %s: %s\n", f->socket_path,
					strerror(e));
		return -1;
	}
	/* Created 0600 (or narrower, by the umask): now exactly what was asked. */
	if (chmod(f->socket_path, (mode_t)f->socket_mode) < 0) {
		fprintf(stderr, "nta-fwd: chmod %s %o: %s\n", f->socket_path, f->socket_mode,
				strerror(errno));
		return -1;
	}
	return 0;
}

static int
id_listed(const uint32_t *list, uint32_t n, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (list[i] == id)
			return 1;
	return 0;
}

/*
 * 1 when the peer on conn may attach: root, our own uid, an --allow-uid, or
 * a primary or supplementary group given by --allow-gid. Its credentials in
 * *uc (uid and gid -1 when unknown).
 */
static int
peer_allowed(const struct fwd *f, int conn, struct ucred *uc)
{
	gid_t groups[PEER_GROUPS];
	socklen_t len = sizeof(*uc);
	unsigned int i;

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, uc, &len) < 0) {
		uc->pid = 0;
		uc->uid = (uid_t)-1;
		uc->gid = (gid_t)-1;
		return 0;
	}
	if (uc->uid == 0 || uc->uid == geteuid() ||
			id_listed(f->allow_uid, f->n_allow_uid, uc->uid) ||
			id_listed(f->allow_gid, f->n_allow_gid, uc->gid))
		return 1;
	if (f->n_allow_gid == 0)
		return 0;
	len = sizeof(groups);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return 0; /* more than PEER_GROUPS groups: only the primary counts */
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (id_listed(f->allow_gid, f->n_allow_gid, groups[i]))
			return 1;
	return 0;
}

void
fwd_slots_reset(struct fwd *f)
{
	uint32_t i;

	f->n_free_slot = 0;
	for (i = f->max_inflight; i > 0; i--) {
		f->free_slot[f->n_free_slot++] = i - 1;
		f->slot[i - 1].seg = FWD_SEG_NONE;
	}
	f->vchain_n = 0;
}

/* >8 Start of reclaiming a consumer's packets. */
void
fwd_session_end(struct fwd *f, const char *why)
{
	uint32_t i, n = 0;

	if (!f->attached)
		return;
	/* Every packet the consumer held comes back to the pool. */
	for (i = 0; i < f->max_inflight; i++) {
		struct fwd_slot *s = &f->slot[i];

		if (s->in_use) {
			rte_pktmbuf_free(s->m);
			s->m = NULL;
			s->in_use = 0;
			n++;
		}
	}
	fwd_slots_reset(f);
	f->st.reclaimed += n;
	/* >8 End of reclaiming a consumer's packets. */
	f->attached = 0;
	f->tx_sealed = 0;
	munmap(f->ring_base, f->ring_file_size);
	f->ring_base = NULL;
	close(f->conn_fd);
	f->conn_fd = -1;
	printf("nta-fwd: consumer detached (%s): %u packets reclaimed, %u transmit buffers"
			" still with the NIC\n", why, n, fwd_tx_inflight(f));
	fflush(stdout);
}

/* One region message and the fd that goes with it. */
static void
region_msg(const struct fwd_region *r, int fd, struct nta_share_region_msg *msg, int *fds,
		unsigned int *n)
{
	msg[*n].id = r->id;
	msg[*n].flags = r->flags;
	msg[*n].size = r->size;
	fds[(*n)++] = fd;
}

/* The region table for a consumer: receive regions, transmit, copy. */
static unsigned int
region_table(const struct fwd *f, struct nta_share_region_msg *msg, int *fds)
{
	unsigned int n = 0, i;

	for (i = 0; i < f->n_regions; i++)
		region_msg(&f->region[i], f->region[i].ro_fd, msg, fds, &n);
	if (f->tx_region.base != NULL)
		region_msg(&f->tx_region, f->tx_region.rw_fd, msg, fds, &n);
	if (f->copy_region.base != NULL)
		region_msg(&f->copy_region, f->copy_region.ro_fd, msg, fds, &n);
	return n;
}

/*
 * Tell the client on conn status and close it. Its hello is read first (what
 * it says does not matter): closing on unread data would reset the
 * connection before the answer is read.
 */
static void
client_refuse(int conn, int status)
{
	char buf[64];

	(void)recv(conn, buf, sizeof(buf), MSG_DONTWAIT);
	nta_share_refuse(conn, status);
	close(conn);
}

/* Serve the handshake on conn (its hello is there) and start the session. */
static void
session_start(struct fwd *f, int conn)
{
	struct nta_share_region_msg msg[FWD_MAX_REGIONS + 2];
	int fds[FWD_MAX_REGIONS + 2];
	unsigned int n, i;
	void *base;
	int ring_fd;

	/* Each session transmits from memory no other session had. No
	 * transmit buffer is in flight here (fwd_ctl_poll waits for that).
	 */
	if (f->tx_lent && fwd_tx_region_renew(f) != 0) {
		fprintf(stderr, "nta-fwd: no fresh transmit region for a new consumer\n");
		client_refuse(conn, ENOMEM);
		f->st.consumers_refused++;
		return;
	}
	ring_fd = nta_share_ring_file_create(f->ring_size, &base);
	if (ring_fd < 0) {
		fprintf(stderr, "nta-fwd: ring file: %s\n", strerror(errno));
		client_refuse(conn, ENOMEM);
		return;
	}
	n = region_table(f, msg, fds);
	f->ring_file_size = nta_share_ring_file_size(f->ring_size);
	/* Ring addresses now, while the header is still ours alone: the
	 * consumer could rewrite its offsets once it has the fd.
	 */
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++)
		nta_share_ring_end_init(&f->end[i], nta_share_ring_get(base, i), f->ring_size,
				i == NTA_SHARE_RING_RX || i == NTA_SHARE_RING_COMPL);
	f->corrupt = 0;
	f->tx_sealed = 0;        /* no transmit until the consumer mapped it and we sealed it */
	f->tx_lent = f->tx_region.base != NULL;
	if (nta_share_serve_handshake(conn, 0, f->ring_size, f->max_inflight,
			ring_fd, f->ring_file_size, msg, fds, n) < 0) {
		fprintf(stderr, "nta-fwd: handshake failed: %s\n", strerror(errno));
		munmap(base, f->ring_file_size);
		close(ring_fd);
		close(conn);
		f->st.consumers_refused++;
		return;
	}
	close(ring_fd);
	f->ring_base = base;
	f->conn_fd = conn;
	f->attached = 1;
	f->st.consumers++;
	memset(f->tx_busy, 0, FWD_TX_REGION_SIZE / NTA_UNIT / 8);
	printf("nta-fwd: consumer attached (%u regions, rings of %u)\n", n, f->ring_size);
	fflush(stdout);
}

/* 1 when fd has something to read (or was closed), without waiting. */
static int
readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };

	return poll(&pfd, 1, 0) > 0;
}

/* End the session when the consumer closed its socket or died. */
static void
ctl_check_consumer(struct fwd *f)
{
	char buf[64];
	ssize_t r;

	if (!f->attached || !readable(f->conn_fd))
		return;
	r = recv(f->conn_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r > 0)
		fwd_ctl_message(f, buf, (size_t)r);
	else if (!(r < 0 && (errno == EAGAIN || errno == EINTR)))
		fwd_session_end(f, r == 0 ? "closed" : strerror(errno));
}

/* Take every waiting connection into a free pending slot (or close it). */
static void
ctl_accept(struct fwd *f, uint64_t now)
{
	unsigned int i;
	int conn;

	while ((conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct ucred uc;

		for (i = 0; i < FWD_PENDING; i++)
			if (f->pending[i].fd < 0)
				break;
		if (i == FWD_PENDING) {
			close(conn);
			f->st.consumers_refused++;
			continue;
		}
		f->pending[i].refuse = 0;
		if (!peer_allowed(f, conn, &uc)) {
			/* Told once its hello is there (ctl_answer), never served. */
			printf("nta-fwd: refused a client (pid %d uid %d gid %d): its uid and gid"
					" are not allowed (--allow-uid, --allow-gid)\n", (int)uc.pid,
					(int)uc.uid, (int)uc.gid);
			f->pending[i].refuse = EACCES;
			f->st.consumers_denied++;
		}
		f->pending[i].fd = conn;
		f->pending[i].deadline = now + rte_get_tsc_hz() / 1000 * HANDSHAKE_MS;
	}
}

/* Answer a pending client whose hello is there: served, EBUSY, or its refusal. */
static void
ctl_answer(struct fwd *f, struct fwd_pending *p)
{
	if (!f->attached && p->refuse == 0) {
		session_start(f, p->fd); /* the hello is there: no wait */
	} else {
		client_refuse(p->fd, p->refuse != 0 ? p->refuse : EBUSY);
		f->st.consumers_refused++;
	}
	p->fd = -1;
}

/*
 * Control path, every CTL_INTERVAL_US: notice a consumer going away, accept
 * connections, answer each once its hello is there (served, or EBUSY while
 * a consumer is attached). Never blocks: a client that says nothing within
 * HANDSHAKE_MS is dropped without holding up the data path.
 */
void
fwd_ctl_poll(struct fwd *f)
{
	uint64_t now = rte_rdtsc();
	unsigned int i;

	ctl_check_consumer(f);
	ctl_accept(f, now);
	if (!f->attached && fwd_tx_inflight(f) != 0) {
		/* A new consumer only when the old one's buffers left the NIC. */
		rte_eth_tx_done_cleanup(f->ports[0], 0, 0);
		rte_eth_tx_done_cleanup(f->ports[1], 0, 0);
	}
	for (i = 0; i < FWD_PENDING; i++) {
		struct fwd_pending *p = &f->pending[i];

		if (p->fd < 0)
			continue;
		if (readable(p->fd) && (p->refuse != 0 || f->attached ||
				fwd_tx_inflight(f) == 0)) {
			ctl_answer(f, p);
		} else if (now > p->deadline) {
			printf("nta-fwd: a client connected but got no answer in %d ms: dropped\n",
					HANDSHAKE_MS);
			close(p->fd);
			p->fd = -1;
			f->st.consumers_refused++;
		}
	}
}
