/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The consumer socket: listening (mode 0600 unless told, never over another
 * file or a live socket), accepting clients (their uid and gid checked before
 * anything is handed over), the handshake (a consumer asks for a slot, or any
 * free one; refused with EBUSY, ERANGE, EAGAIN or EDQUOT), the start of a
 * session and its end, when every packet the consumer held comes back to the
 * pool and the slot's memory retires.
 */

#include <errno.h>
#include <inttypes.h>
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
fwd_slots_reset(struct fwd_sess *s)
{
	uint32_t i;

	s->n_free_slot = 0;
	for (i = s->f->max_inflight; i > 0; i--) {
		s->free_slot[s->n_free_slot++] = i - 1;
		s->slot[i - 1].seg = FWD_SEG_NONE;
	}
	s->vchain_n = 0;
}

/* >8 Start of reclaiming a consumer's packets. */
void
fwd_session_end(struct fwd_sess *s, const char *why)
{
	struct fwd *f = s->f;
	uint32_t i, n = 0;

	if (!s->attached)
		return;
	/* Every packet the consumer held comes back to the pool. */
	for (i = 0; i < f->max_inflight; i++) {
		struct fwd_slot *sl = &s->slot[i];

		if (sl->in_use) {
			rte_pktmbuf_free(sl->m);
			sl->m = NULL;
			sl->in_use = 0;
			n++;
		}
	}
	fwd_slots_reset(s);
	s->st.reclaimed += n;
	/* >8 End of reclaiming a consumer's packets. */
	s->attached = 0;
	s->tx_sealed = 0;
	munmap(s->ring_base, s->ring_file_size);
	s->ring_base = NULL;
	close(s->conn_fd);
	s->conn_fd = -1;
	s->old_pid = s->pid;
	s->pid = 0;
	printf("nta-fwd: consumer detached (%s): %u packets reclaimed, %u transmit buffers"
			" still with the NIC (slot %u)\n", why, n, fwd_tx_inflight(s), s->id);
	/* No packet received from now on goes into memory it mapped. */
	if (f->retire && s->dirty && !f->ring_pool && !f->whole_pool)
		fwd_retire_begin(s);
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

/* The region table for slot s's consumer: its receive regions, transmit, copy. */
static unsigned int
region_table(const struct fwd_sess *s, struct nta_share_region_msg *msg, int *fds)
{
	unsigned int n = 0, i;

	for (i = 0; i < s->gen.n_regions; i++)
		region_msg(&s->gen.region[i], s->gen.region[i].ro_fd, msg, fds, &n);
	if (s->tx_region.base != NULL)
		region_msg(&s->tx_region, s->tx_region.rw_fd, msg, fds, &n);
	if (s->copy_region.base != NULL)
		region_msg(&s->copy_region, s->copy_region.ro_fd, msg, fds, &n);
	return n;
}

/*
 * Tell the client on conn status and close it. Its hello is read first when
 * it was not yet (what it says does not matter): closing on unread data
 * would reset the connection before the answer is read.
 */
static void
client_refuse(int conn, int status)
{
	char buf[64];

	(void)recv(conn, buf, sizeof(buf), MSG_DONTWAIT);
	nta_share_refuse(conn, status);
	close(conn);
}

/* Fresh transmit and copy memory for a new session of s; 0 or -1. */
static int
session_memory(struct fwd_sess *s)
{
	/* No transmit buffer is in flight here (slot_pick waits for that). */
	if (s->tx_lent && fwd_tx_region_renew(s) != 0) {
		fprintf(stderr, "nta-fwd: slot %u: no fresh transmit region\n", s->id);
		return -1;
	}
	if (s->copy_lent && fwd_copy_region_renew(s) != 0) {
		fprintf(stderr, "nta-fwd: slot %u: no fresh copy region\n", s->id);
		return -1;
	}
	return 0;
}

/* Answer the hello on conn (already read) and start a session on slot s. */
static void
session_start(struct fwd_sess *s, int conn, int pid)
{
	struct fwd *f = s->f;
	struct nta_share_region_msg msg[FWD_MAX_REGIONS + 2];
	struct nta_share_session ss;
	int fds[FWD_MAX_REGIONS + 2];
	unsigned int n, i;
	void *base;
	int ring_fd;

	/* Each session transmits from memory no other session had. */
	if (session_memory(s) != 0) {
		client_refuse(conn, ENOMEM);
		f->st.consumers_refused++;
		return;
	}
	ring_fd = nta_share_ring_file_create(f->ring_size, &base);
	if (ring_fd < 0) {
		fprintf(stderr, "nta-fwd: ring file: %s\n", strerror(errno));
		client_refuse(conn, ENOMEM);
		f->st.consumers_refused++;
		return;
	}
	n = region_table(s, msg, fds);
	s->ring_file_size = nta_share_ring_file_size(f->ring_size);
	/* Ring addresses now, while the header is still ours alone: the
	 * consumer could rewrite its offsets once it has the fd.
	 */
	for (i = 0; i < NTA_SHARE_RING_COUNT; i++)
		nta_share_ring_end_init(&s->end[i], nta_share_ring_get(base, i), f->ring_size,
				i == NTA_SHARE_RING_RX || i == NTA_SHARE_RING_COMPL);
	s->corrupt = 0;
	s->tx_sealed = 0;        /* no transmit until the consumer mapped it and we sealed it */
	s->tx_lent = s->tx_region.base != NULL;
	s->copy_lent = s->copy_region.base != NULL;
	s->dirty = 1;            /* this generation is mapped by a consumer from now on */
	memset(&ss, 0, sizeof(ss));
	ss.consumer_id = s->id;
	ss.n_consumers = f->n_consumers;
	ss.ring_size = f->ring_size;
	ss.max_inflight = f->max_inflight;
	ss.ring_fd = ring_fd;
	ss.ring_file_size = s->ring_file_size;
	if (nta_share_welcome_send(conn, &ss, msg, fds, n) < 0) {
		fprintf(stderr, "nta-fwd: handshake failed: %s\n", strerror(errno));
		munmap(base, s->ring_file_size);
		close(ring_fd);
		close(conn);
		f->st.consumers_refused++;
		/* The fds may have reached it: its generation retires all the same. */
		s->old_pid = pid;
		if (f->retire && !f->ring_pool && !f->whole_pool)
			fwd_retire_begin(s);
		return;
	}
	close(ring_fd);
	s->ring_base = base;
	s->conn_fd = conn;
	s->pid = pid;
	s->attached = 1;
	f->st.consumers++;
	memset(s->tx_busy, 0, FWD_TX_REGION_SIZE / NTA_UNIT / 8);
	printf("nta-fwd: consumer attached (%u regions, rings of %u) on slot %u of %u,"
			" generation %u, pid %d\n", n, f->ring_size, s->id, f->n_consumers,
			s->gen.number, pid);
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
ctl_check_consumer(struct fwd_sess *s)
{
	char buf[64];
	ssize_t r;

	if (!s->attached || !readable(s->conn_fd))
		return;
	r = recv(s->conn_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r > 0)
		fwd_ctl_message(s, buf, (size_t)r);
	else if (!(r < 0 && (errno == EAGAIN || errno == EINTR)))
		fwd_session_end(s, r == 0 ? "closed" : strerror(errno));
}

/* Take every waiting connection into a free pending slot (or close it). */
static void
ctl_accept(struct fwd *f, uint64_t now)
{
	unsigned int i;
	int conn;

	while ((conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct fwd_pending *p;
		struct ucred uc;

		for (i = 0; i < FWD_PENDING; i++)
			if (f->pending[i].fd < 0)
				break;
		if (i == FWD_PENDING) {
			close(conn);
			f->st.consumers_refused++;
			continue;
		}
		p = &f->pending[i];
		p->refuse = 0;
		p->have_hello = 0;
		if (!peer_allowed(f, conn, &uc)) {
			/* Told once its hello is there (ctl_answer), never served. */
			printf("nta-fwd: refused a client (pid %d uid %d gid %d): its uid and gid"
					" are not allowed (--allow-uid, --allow-gid)\n", (int)uc.pid,
					(int)uc.uid, (int)uc.gid);
			p->refuse = EACCES;
			f->st.consumers_denied++;
		}
		p->pid = (int)uc.pid;
		p->fd = conn;
		p->deadline = now + rte_get_tsc_hz() / 1000 * HANDSHAKE_MS;
	}
}

/* 0 when slot s can take a consumer now, or why not (EBUSY, EAGAIN, EDQUOT). */
static int
slot_status(const struct fwd_sess *s)
{
	if (s->attached)
		return EBUSY;
	/* A new consumer only when the old one's memory is retired and its
	 * transmit buffers left the NIC.
	 */
	if (s->retiring || fwd_tx_inflight(s) != 0)
		return EAGAIN;
	if (!fwd_retired_room(s->f, s))
		return EDQUOT;
	return 0;
}

/*
 * The slot for a hello that asks for want: *out, or the status of the
 * refusal (ERANGE, EBUSY, EAGAIN: not yet, EDQUOT).
 */
static int
slot_pick(struct fwd *f, uint32_t want, struct fwd_sess **out)
{
	int st, best = EBUSY;
	uint32_t k;

	if (want != NTA_SHARE_CONSUMER_ANY) {
		if (want >= f->n_consumers)
			return ERANGE;
		*out = f->sess[want];
		return slot_status(f->sess[want]);
	}
	for (k = 0; k < f->n_consumers; k++) {
		st = slot_status(f->sess[k]);
		if (st == 0) {
			*out = f->sess[k];
			return 0;
		}
		/* Say the most hopeful: soon free, then over the limit, then taken. */
		if (st == EAGAIN || (st == EDQUOT && best == EBUSY))
			best = st;
	}
	return best;
}

static const char *
refusal_why(int status)
{
	switch (status) {
	case EBUSY:
		return "slot taken";
	case ERANGE:
		return "no such slot (see --consumers)";
	case EAGAIN:
		return "slot still being freed after its last consumer";
	case EDQUOT:
		return "memory still mapped by earlier consumers at the limit (--max-retired-mb)";
	default:
		return strerror(status);
	}
}

/*
 * Answer pending client p if its hello is there: served, or refused with a
 * status. 1 when answered (p is free again), 0 when it waits (its slot is
 * being freed).
 */
static int
ctl_answer(struct fwd *f, struct fwd_pending *p, uint64_t now)
{
	struct nta_share_hello h;
	struct fwd_sess *s = NULL;
	int st;

	if (p->refuse != 0) {
		client_refuse(p->fd, p->refuse);
		f->st.consumers_refused++;
		return 1;
	}
	if (!p->have_hello) {
		if (nta_share_hello_recv(p->fd, 0, &h) < 0) {
			/* Another version or layout (told so), or gone. */
			close(p->fd);
			f->st.consumers_refused++;
			return 1;
		}
		p->have_hello = 1;
		p->want = h.consumer_id;
	}
	st = slot_pick(f, p->want, &s);
	if (st == EAGAIN && now <= p->deadline)
		return 0;
	if (st != 0) {
		char want[16];

		snprintf(want, sizeof(want), "%u", p->want);
		printf("nta-fwd: refused a consumer (pid %d) asking for slot %s: %s\n", p->pid,
				p->want == NTA_SHARE_CONSUMER_ANY ? "any" : want, refusal_why(st));
		if (st == EDQUOT && s != NULL)
			printf("nta-fwd: retired memory %" PRIu64 " KB now, %" PRIu64
					" KB with slot %u's, limit %" PRIu64 " KB\n",
					f->retired_bytes >> 10, fwd_retired_committed(f, s) >> 10,
					s->id, f->max_retired >> 10);
		nta_share_refuse(p->fd, st);
		close(p->fd);
		f->st.consumers_refused++;
		return 1;
	}
	session_start(s, p->fd, p->pid);
	return 1;
}

/*
 * Control path, every CTL_INTERVAL_US: notice consumers going away, push
 * retirements on, accept connections, answer each once its hello is there
 * (served on the slot it asks for, or refused: EBUSY, ERANGE, EDQUOT, and
 * EAGAIN after HANDSHAKE_MS while its slot is being freed). Never blocks: a
 * client that says nothing within HANDSHAKE_MS is dropped without holding
 * up the data path.
 */
void
fwd_ctl_poll(struct fwd *f)
{
	static unsigned int turn;
	uint64_t now = rte_rdtsc();
	unsigned int i;
	uint32_t k;

	for (k = 0; k < f->n_consumers; k++) {
		struct fwd_sess *s = f->sess[k];

		ctl_check_consumer(s);
		if (s->retiring)
			fwd_retire_poll(s);
		if (!s->attached && fwd_tx_inflight(s) != 0) {
			/* A new consumer only when the old one's buffers left the NIC. */
			rte_eth_tx_done_cleanup(f->ports[0], s->id, 0);
			rte_eth_tx_done_cleanup(f->ports[1], s->id, 0);
		}
	}
	/* Old consumers' mappings, about every 64 ms. */
	if ((++turn & 63) == 0)
		fwd_retired_poll(f);
	ctl_accept(f, now);
	for (i = 0; i < FWD_PENDING; i++) {
		struct fwd_pending *p = &f->pending[i];

		if (p->fd < 0)
			continue;
		if (p->have_hello || readable(p->fd)) {
			if (ctl_answer(f, p, now))
				p->fd = -1;
		} else if (now > p->deadline) {
			printf("nta-fwd: a client connected but got no answer in %d ms: dropped\n",
					HANDSHAKE_MS);
			close(p->fd);
			p->fd = -1;
			f->st.consumers_refused++;
		}
	}
}
