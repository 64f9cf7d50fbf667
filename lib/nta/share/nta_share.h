/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_SHARE_H
#define NTA_SHARE_H

/**
 * @file
 * NTA sharing protocol: how a packet forwarder (the "server") lends its packet
 * memory to another process (the "consumer") without copying a byte.
 *
 * - Memory: the server's packet regions are files (hugetlbfs files or
 *   memfds). A consumer connects to the server's unix socket
 *   (SOCK_SEQPACKET), says hello with a version, and receives the region
 *   table and one file descriptor per region with SCM_RIGHTS. Receive
 *   regions come as read-only descriptors (the consumer cannot map them
 *   writable); only the transmit region is writable. Once the consumer has
 *   mapped it, it says so (NTA_SHARE_CTL_MAPPED); the server then seals the
 *   transmit file against hole punching, resizing and new writable mappings
 *   (nta_share_seal_writable()), checks that no page is missing, and only
 *   then accepts transmit descriptors (NTA_SHARE_CTL_SEALED answers).
 * - Descriptors: struct nta_share_desc (the allocator's struct nta_desc:
 *   region, offset, length; plus flags and a cookie) travel in four single-producer single-consumer rings that live in
 *   one more shared memfd (the "ring file"):
 *
 *       NTA_SHARE_RING_RX      server -> consumer   packets to look at
 *       NTA_SHARE_RING_VERDICT consumer -> server   forward / drop, same cookie
 *       NTA_SHARE_RING_TX      consumer -> server   buffers filled for transmit
 *       NTA_SHARE_RING_COMPL   server -> consumer   transmit buffers given back
 *
 * - Trust: the server never trusts what the consumer writes. Every index and
 *   every descriptor read from shared memory is copied once and then checked;
 *   the server keeps its own ring indices in private memory
 *   (struct nta_share_ring_end) and treats an impossible peer index as a
 *   protocol violation; a bad descriptor is refused and counted.
 *
 * This header has no DPDK dependency. Functions return -1 (or NULL) and set
 * errno on error, as documented per function.
 */

#include <stdint.h>
#include <stddef.h>

#include "nta.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Protocol magic ("NTAS"). */
#define NTA_SHARE_MAGIC 0x5341544eu
/**
 * Protocol version; a consumer of another version is refused. 2: hello and
 * welcome carry struct nta_share_layout. 3: the hello names the consumer
 * slot it wants (consumer_id), the welcome the slot given and how many the
 * forwarder has. 4: after mapping its regions the consumer sends
 * NTA_SHARE_CTL_MAPPED and the server seals the transmit region (struct
 * nta_share_ctl); a frame of several buffers is lent as a chain of
 * descriptors (NTA_SHARE_F_MORE).
 */
#define NTA_SHARE_VERSION 4u
/** Most regions the server can lend in one session. */
#define NTA_SHARE_MAX_REGIONS 256

/**
 * Consumer slots: a forwarder serves up to NTA_SHARE_MAX_CONSUMERS
 * consumers at once, each on its own slot (the receive queue of that number
 * on every port, its own packet memory). A hello asks for one slot by number,
 * or for NTA_SHARE_CONSUMER_ANY (the first free one).
 */
#define NTA_SHARE_MAX_CONSUMERS 16u
#define NTA_SHARE_CONSUMER_ANY UINT32_MAX

/** Region flags in the region table. */
#define NTA_SHARE_REGION_RX 0x1       /**< Holds received packets (read-only). */
#define NTA_SHARE_REGION_TX 0x2       /**< Consumer's transmit region (writable). */
#define NTA_SHARE_REGION_COPY 0x4     /**< Copies of packets (server's copy mode). */

/** Descriptor flags (RX ring: what the server tells). */
#define NTA_SHARE_F_PORT_MASK 0x00ffu /**< Port the packet came in on / leaves on. */
/** Verdicts (VERDICT ring). */
#define NTA_SHARE_F_FORWARD 0x0100u   /**< Send the packet on the peer port. */
#define NTA_SHARE_F_DROP 0x0200u      /**< Drop the packet. */
/** Transmit (TX ring): port is in NTA_SHARE_F_PORT_MASK. */
#define NTA_SHARE_F_TX_FAILED 0x0400u /**< COMPL ring: the buffer was not sent. */
/**
 * RX and VERDICT rings: this descriptor is a segment of a chained frame and
 * another segment follows (set on every descriptor of a chain but the
 * last). A chain is one frame: its segments in order, back to back on the
 * ring, enqueued at once; it is returned the same way, every descriptor as
 * lent (NTA_SHARE_F_MORE kept) and all with the same verdict, or it is
 * refused whole. Not allowed on the TX ring.
 */
#define NTA_SHARE_F_MORE 0x0800u
/** Most descriptors in one chain; a longer frame is not lent (dropped). */
#define NTA_SHARE_MAX_SEGS 64

/**
 * One descriptor on a ring: the buffer as the allocator describes it
 * (struct nta_desc: region, offset, len), plus what the wire adds: flags
 * and a cookie. On the RX ring the cookie is the server's; the consumer
 * returns it unchanged on the VERDICT ring. On the TX ring the cookie is the
 * consumer's own tag, returned on the COMPL ring.
 */
struct nta_share_desc {
	struct nta_desc desc; /**< Region id (as in the region table), offset, len. */
	uint32_t flags;       /**< NTA_SHARE_F_*. */
	uint64_t cookie;      /**< Opaque tag checked by its owner. */
};

/** Rings in the ring file. */
enum nta_share_ring_id {
	NTA_SHARE_RING_RX = 0,
	NTA_SHARE_RING_VERDICT,
	NTA_SHARE_RING_TX,
	NTA_SHARE_RING_COMPL,
	NTA_SHARE_RING_COUNT
};

/** Cache line of the ring layout: prod and cons never share one. */
#define NTA_SHARE_CACHE_LINE 64
/**
 * Page of the ring file layout: the header takes one page and each ring a
 * whole number of pages (so that either side could map or protect a ring
 * alone). A constant of the protocol, whatever the system's page size.
 */
#define NTA_SHARE_PAGE_SIZE 4096u

/**
 * A single-producer single-consumer ring in shared memory. prod is written by
 * the producer only, cons by the consumer only; both run freely (modulo
 * 2^32) and size is a power of two.
 */
struct nta_share_ring {
	volatile uint32_t prod;
	uint8_t pad0[NTA_SHARE_CACHE_LINE - sizeof(uint32_t)];
	volatile uint32_t cons;
	uint8_t pad1[NTA_SHARE_CACHE_LINE - sizeof(uint32_t)];
	struct nta_share_desc d[];
};

/** Header at offset 0 of the ring file. */
struct nta_share_ring_hdr {
	uint32_t magic;                   /**< NTA_SHARE_MAGIC. */
	uint32_t version;                 /**< NTA_SHARE_VERSION. */
	uint32_t ring_size;               /**< Entries per ring (power of two). */
	uint32_t pad;
	uint64_t ring_off[NTA_SHARE_RING_COUNT]; /**< Byte offset of each ring. */
	uint64_t file_size;               /**< Bytes of the ring file. */
	/** Consumer sleeps on this futex word (bumped by the server). */
	volatile uint32_t wake_seq __attribute__((aligned(NTA_SHARE_CACHE_LINE)));
	/** 1 while the consumer is (about to be) asleep. */
	volatile uint32_t cons_sleeping;
};

/** Bytes of a ring file with rings of ring_size entries. */
size_t nta_share_ring_file_size(uint32_t ring_size);

/**
 * Ring id of a ring file mapped at base. It reads the ring's offset from the
 * header, which the peer can write: a server calls it before it hands the
 * ring file to a consumer and keeps the result (in a struct
 * nta_share_ring_end). Every index into a ring is masked with its size, so
 * a peer that rewrites prod or cons can make a ring look full or empty, or
 * replay stale entries, but never make the other side access memory outside
 * the ring.
 */
static inline struct nta_share_ring *
nta_share_ring_get(void *base, enum nta_share_ring_id id)
{
	struct nta_share_ring_hdr *h = (struct nta_share_ring_hdr *)base;

	return (struct nta_share_ring *)((uint8_t *)base + h->ring_off[id]);
}

/**
 * One end of a ring; the only way to use a ring, from either side. It keeps
 * its own index in private memory (the peer can overwrite the shared copy,
 * never this one) and reads the peer's index at most once per call, and
 * only when what it read last is not enough (enqueue, dequeue): a peer index
 * that claims more entries than the ring holds is reported (-1) when read,
 * never followed.
 */
struct nta_share_ring_end {
	struct nta_share_ring *r;
	uint32_t size;
	uint32_t own;   /**< prod of a producer end, cons of a consumer end */
	/**
	 * The peer's index as last read and checked (own - peer <= size for
	 * a producer, peer - own <= size for a consumer). The peer's line is
	 * read again only when this one shows too little room or too few
	 * entries: every read of it is a transfer from the peer's core.
	 */
	uint32_t peer;
};

/** Start using ring r (of size entries) from one end. */
static inline void
nta_share_ring_end_init(struct nta_share_ring_end *e, struct nta_share_ring *r,
		uint32_t size, int producer)
{
	e->r = r;
	e->size = size;
	e->own = producer ? r->prod : r->cons;
	/* Nothing known yet: no room, no entries, until the first read. */
	e->peer = producer ? e->own - size : e->own;
}

/**
 * Producer end: enqueue up to n descriptors.
 *
 * @return Number enqueued, or -1 when the peer's index is impossible (more
 *   entries in the ring than it holds): the peer corrupted the ring.
 */
static inline int
nta_share_ring_end_enqueue(struct nta_share_ring_end *e, const struct nta_share_desc *d,
		unsigned int n)
{
	uint32_t used = e->own - e->peer, peer;
	unsigned int i;

	if (n > e->size - used) {
		peer = __atomic_load_n(&e->r->cons, __ATOMIC_ACQUIRE);
		used = e->own - peer;
		if (used > e->size)
			return -1;
		e->peer = peer;
		if (n > e->size - used)
			n = e->size - used;
	}
	for (i = 0; i < n; i++)
		e->r->d[(e->own + i) & (e->size - 1)] = d[i];
	e->own += n;
	__atomic_store_n(&e->r->prod, e->own, __ATOMIC_RELEASE);
	return (int)n;
}

/**
 * Consumer end: dequeue up to n descriptors into private memory d.
 *
 * @return Number dequeued, or -1 when the peer's index is impossible.
 */
static inline int
nta_share_ring_end_dequeue(struct nta_share_ring_end *e, struct nta_share_desc *d,
		unsigned int n)
{
	uint32_t avail = e->peer - e->own, peer;
	unsigned int i;

	if (n > avail) {
		peer = __atomic_load_n(&e->r->prod, __ATOMIC_ACQUIRE);
		avail = peer - e->own;
		if (avail > e->size)
			return -1;
		e->peer = peer;
		if (n > avail)
			n = avail;
	}
	for (i = 0; i < n; i++)
		d[i] = e->r->d[(e->own + i) & (e->size - 1)];
	e->own += n;
	__atomic_store_n(&e->r->cons, e->own, __ATOMIC_RELEASE);
	return (int)n;
}

/**
 * Entries in the ring seen from a producer end, or -1 when the peer's
 * index is impossible.
 */
static inline int64_t
nta_share_ring_end_used(const struct nta_share_ring_end *e)
{
	uint32_t used = e->own - __atomic_load_n(&e->r->cons, __ATOMIC_ACQUIRE);

	return used > e->size ? -1 : (int64_t)used;
}

/**
 * Entries waiting in the ring seen from a consumer end, or -1 when the
 * peer's index is impossible.
 */
static inline int64_t
nta_share_ring_end_avail(const struct nta_share_ring_end *e)
{
	uint32_t avail = __atomic_load_n(&e->r->prod, __ATOMIC_ACQUIRE) - e->own;

	return avail > e->size ? -1 : (int64_t)avail;
}

/* ---- Handshake messages (SOCK_SEQPACKET) ---- */

/**
 * Every layout parameter two separately built peers must agree on; each side
 * sends its own (hello, welcome) and a difference refuses the session. They
 * are build-time choices: the allocation unit (meson option unit_size: the
 * forwarder checks transmit buffers against its unit, the consumer's
 * allocator cuts them in its own), and the sizes this header fixes.
 */
struct nta_share_layout {
	uint32_t unit_size;       /**< NTA_UNIT. */
	uint32_t desc_size;       /**< sizeof(struct nta_share_desc). */
	uint32_t ring_hdr_size;   /**< Bytes of a ring before its first descriptor. */
	uint32_t file_hdr_size;   /**< sizeof(struct nta_share_ring_hdr). */
	uint32_t page_size;       /**< NTA_SHARE_PAGE_SIZE. */
	uint32_t max_regions;     /**< NTA_SHARE_MAX_REGIONS. */
};

/** Consumer -> server, first message. */
struct nta_share_hello {
	uint32_t magic;    /**< NTA_SHARE_MAGIC. */
	uint32_t version;  /**< NTA_SHARE_VERSION. */
	uint32_t flags;    /**< Reserved, 0. */
	uint32_t pid;      /**< Consumer's pid (logs only). */
	struct nta_share_layout layout; /**< The consumer's build. */
	uint32_t consumer_id; /**< Slot wanted, or NTA_SHARE_CONSUMER_ANY. */
	uint32_t pad;      /**< 0. */
};

/**
 * Server -> consumer, answer to hello; carries the ring file fd. A refusal
 * has a status and nothing else: EPROTO (version or layout), EACCES (uid and
 * gid not allowed), EBUSY (the slot asked for is taken, or every slot is),
 * ERANGE (no slot of that number), EAGAIN (the slot is still being freed
 * after its last consumer: retry), EDQUOT (memory that earlier consumers
 * still map is at the forwarder's limit), ENOMEM.
 */
struct nta_share_welcome {
	uint32_t magic;       /**< NTA_SHARE_MAGIC. */
	uint32_t version;     /**< NTA_SHARE_VERSION. */
	int32_t status;       /**< 0, or an errno value (see above). */
	uint32_t n_regions;   /**< Region messages that follow. */
	uint32_t ring_size;   /**< Entries per ring. */
	uint32_t max_inflight; /**< Most packets the server lends at once. */
	uint64_t ring_file_size; /**< Bytes of the ring file. */
	struct nta_share_layout layout; /**< The server's build. */
	uint32_t consumer_id; /**< Slot given (0 when refused). */
	uint32_t n_consumers; /**< Slots the forwarder has. */
};

/** Server -> consumer, one per region; carries the region's fd. */
struct nta_share_region_msg {
	uint32_t id;      /**< Region id used in descriptors. */
	uint32_t flags;   /**< NTA_SHARE_REGION_*. */
	uint64_t size;    /**< Bytes to map. */
};

/** struct nta_share_ctl types. */
#define NTA_SHARE_CTL_MAPPED 1u  /**< Consumer -> server: every region is mapped. */
#define NTA_SHARE_CTL_SEALED 2u  /**< Server -> consumer: answer to MAPPED. */

/**
 * Control message after the handshake, on the same socket. The consumer
 * sends MAPPED once, when its writable mapping of the transmit region is
 * made (a writable mapping made later is refused by the seal); the server
 * answers SEALED with status 0 (transmit descriptors are accepted from now
 * on) or an errno value, and then ends the session: EPERM (the transmit file
 * could not be sealed: the consumer added seals of its own), EFAULT (a page
 * of it is missing or was replaced: a hole was punched before the seal).
 * Transmit descriptors that come before status 0 are refused and counted.
 */
struct nta_share_ctl {
	uint32_t magic;    /**< NTA_SHARE_MAGIC. */
	uint32_t type;     /**< NTA_SHARE_CTL_*. */
	int32_t status;    /**< SEALED: 0 or an errno value; MAPPED: 0. */
	uint32_t pad;      /**< 0. */
};

/*
 * Everything above crosses the process boundary, between programs built
 * apart (perhaps by other compilers): sizes and offsets are fixed here, and
 * a build that lays them out otherwise does not compile.
 */
#ifdef __cplusplus
#define NTA_SHARE_ABI_ASSERT(cond, why) static_assert(cond, why)
#else
#define NTA_SHARE_ABI_ASSERT(cond, why) _Static_assert(cond, why)
#endif
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_desc) == 12 &&
		offsetof(struct nta_desc, region) == 0 &&
		offsetof(struct nta_desc, offset) == 4 &&
		offsetof(struct nta_desc, len) == 8, "struct nta_desc layout");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_desc) == 24 &&
		offsetof(struct nta_share_desc, desc) == 0 &&
		offsetof(struct nta_share_desc, flags) == 12 &&
		offsetof(struct nta_share_desc, cookie) == 16, "struct nta_share_desc layout");
NTA_SHARE_ABI_ASSERT(offsetof(struct nta_share_ring, prod) == 0 &&
		offsetof(struct nta_share_ring, cons) == NTA_SHARE_CACHE_LINE &&
		offsetof(struct nta_share_ring, d) == 2 * NTA_SHARE_CACHE_LINE &&
		sizeof(struct nta_share_ring) == 2 * NTA_SHARE_CACHE_LINE,
		"struct nta_share_ring layout");
NTA_SHARE_ABI_ASSERT(offsetof(struct nta_share_ring_hdr, magic) == 0 &&
		offsetof(struct nta_share_ring_hdr, version) == 4 &&
		offsetof(struct nta_share_ring_hdr, ring_size) == 8 &&
		offsetof(struct nta_share_ring_hdr, ring_off) == 16 &&
		offsetof(struct nta_share_ring_hdr, file_size) == 16 + 8 * NTA_SHARE_RING_COUNT &&
		offsetof(struct nta_share_ring_hdr, wake_seq) == NTA_SHARE_CACHE_LINE &&
		offsetof(struct nta_share_ring_hdr, cons_sleeping) == NTA_SHARE_CACHE_LINE + 4 &&
		sizeof(struct nta_share_ring_hdr) == 2 * NTA_SHARE_CACHE_LINE,
		"struct nta_share_ring_hdr layout");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_ring_hdr) <= NTA_SHARE_PAGE_SIZE,
		"the ring file header fits its page");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_layout) == 24 &&
		offsetof(struct nta_share_layout, unit_size) == 0 &&
		offsetof(struct nta_share_layout, desc_size) == 4 &&
		offsetof(struct nta_share_layout, ring_hdr_size) == 8 &&
		offsetof(struct nta_share_layout, file_hdr_size) == 12 &&
		offsetof(struct nta_share_layout, page_size) == 16 &&
		offsetof(struct nta_share_layout, max_regions) == 20,
		"struct nta_share_layout layout");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_hello) == 48 &&
		offsetof(struct nta_share_hello, version) == 4 &&
		offsetof(struct nta_share_hello, flags) == 8 &&
		offsetof(struct nta_share_hello, pid) == 12 &&
		offsetof(struct nta_share_hello, layout) == 16 &&
		offsetof(struct nta_share_hello, consumer_id) == 40,
		"struct nta_share_hello layout");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_welcome) == 64 &&
		offsetof(struct nta_share_welcome, consumer_id) == 56 &&
		offsetof(struct nta_share_welcome, n_consumers) == 60 &&
		offsetof(struct nta_share_welcome, version) == 4 &&
		offsetof(struct nta_share_welcome, status) == 8 &&
		offsetof(struct nta_share_welcome, n_regions) == 12 &&
		offsetof(struct nta_share_welcome, ring_size) == 16 &&
		offsetof(struct nta_share_welcome, max_inflight) == 20 &&
		offsetof(struct nta_share_welcome, ring_file_size) == 24 &&
		offsetof(struct nta_share_welcome, layout) == 32, "struct nta_share_welcome layout");
NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_region_msg) == 16 &&
		offsetof(struct nta_share_region_msg, flags) == 4 &&
		offsetof(struct nta_share_region_msg, size) == 8,
		"struct nta_share_region_msg layout");

NTA_SHARE_ABI_ASSERT(sizeof(struct nta_share_ctl) == 16 &&
		offsetof(struct nta_share_ctl, type) == 4 &&
		offsetof(struct nta_share_ctl, status) == 8, "struct nta_share_ctl layout");

/** Fill l with this build's layout. l must not be NULL. */
void nta_share_layout_get(struct nta_share_layout *l);

/**
 * Compare a peer's layout with this build's.
 *
 * @param peer What the peer sent.
 * @param peer_name, self_name Words for the message ("forwarder", "consumer").
 * @param why Where to write what differs, as "forwarder unit size 64,
 *   consumer 32" (differences separated by "; "); may be NULL.
 * @param len Bytes at why.
 * @return 0 when every parameter agrees, or -1 with errno = EPROTO.
 */
int nta_share_layout_check(const struct nta_share_layout *peer, const char *peer_name,
		const char *self_name, char *why, size_t len);

/* ---- Server side (no DPDK) ---- */

/**
 * Create, bind and listen on a unix SOCK_SEQPACKET socket at path.
 * Non-blocking. The socket file gets mode 0600 (less the umask: never wider);
 * chmod() it to let other users connect. Only a dead socket at path (connect
 * refused: its server is gone) is replaced; anything else there is kept.
 *
 * @return The listening fd, or -1 with errno set: ENAMETOOLONG (path longer
 *   than a sun_path), EEXIST (path exists and is not a socket), EADDRINUSE
 *   (a live socket: another process serves it), or a lstat, connect, unlink,
 *   socket, bind or listen error.
 */
int nta_share_listen(const char *path);

/**
 * Server side, first half of the handshake: read the hello on a connected
 * socket (waits at most timeout_ms) and check magic, version and layout. A
 * consumer of another version or layout is told so (a welcome with EPROTO
 * and this build's layout) and one line says what differs. The caller then
 * answers with nta_share_welcome_send() or nta_share_refuse().
 *
 * @param[out] h The hello (its consumer_id: the slot asked for).
 * @return 0, or -1 with errno set: EPROTO (bad magic, version or layout),
 *   ETIMEDOUT, EINVAL (NULL h), or a socket error.
 */
int nta_share_hello_recv(int sock, int timeout_ms, struct nta_share_hello *h);

/** What a server tells an accepted consumer (nta_share_welcome_send()). */
struct nta_share_session {
	uint32_t consumer_id;     /**< Slot given. */
	uint32_t n_consumers;     /**< Slots the server has. */
	uint32_t ring_size;       /**< Entries per ring. */
	uint32_t max_inflight;    /**< Most packets lent at once. */
	int ring_fd;              /**< The ring file. */
	uint64_t ring_file_size;  /**< Its bytes. */
};

/**
 * Server side, second half: send the welcome with the ring file's fd, then
 * one region message with each fd.
 *
 * @return 0, or -1 with errno set: EINVAL (NULL argument, more than
 *   NTA_SHARE_MAX_REGIONS regions), or a socket error.
 */
int nta_share_welcome_send(int sock, const struct nta_share_session *s,
		const struct nta_share_region_msg *regions, const int *fds,
		unsigned int n_regions);

/**
 * Both halves for a server of one consumer slot: nta_share_hello_recv(),
 * then nta_share_welcome_send() as slot 0 of 1 whatever slot was asked for.
 *
 * @return 0, or -1 with errno set as those two functions set it.
 */
int nta_share_serve_handshake(int sock, int timeout_ms, uint32_t ring_size,
		uint32_t max_inflight, int ring_fd, uint64_t ring_file_size,
		const struct nta_share_region_msg *regions, const int *fds,
		unsigned int n_regions);

/**
 * Create a ring file (a sealed-size memfd) with four rings of ring_size
 * entries (a power of two, 2..65536) and map it shared.
 *
 * @param[out] base Mapping of the file.
 * @return The memfd, or -1 with errno set: EINVAL (ring_size), or memfd,
 *   ftruncate or mmap errors.
 */
int nta_share_ring_file_create(uint32_t ring_size, void **base);

/**
 * Wake a consumer that sleeps in nta_consumer_wait(); cheap (no system call)
 * when it does not sleep.
 */
void nta_share_wake(void *ring_base);

/**
 * Refuse a consumer that connected: send a welcome with status (an errno
 * value, e.g. EBUSY; see struct nta_share_welcome) and nothing else. The
 * caller closes the socket.
 *
 * @return 0, or -1 with errno set by sendmsg().
 */
int nta_share_refuse(int sock, int status);

/**
 * Send a control message (struct nta_share_ctl) without waiting: a peer that
 * does not read its socket cannot stall the caller.
 *
 * @return 0, or -1 with errno set by sendmsg() (EAGAIN: the peer's queue is
 *   full).
 */
int nta_share_ctl_send(int sock, uint32_t type, int32_t status);

/**
 * Read a control message of len bytes received in buf.
 *
 * @param[out] ctl The message.
 * @return 0, or -1 with errno = EPROTO (wrong size, magic or type).
 */
int nta_share_ctl_parse(const void *buf, size_t len, struct nta_share_ctl *ctl);

/**
 * Server side: protect a file lent writable once the consumer has mapped it
 * (NTA_SHARE_CTL_MAPPED). Adds F_SEAL_FUTURE_WRITE, F_SEAL_SHRINK,
 * F_SEAL_GROW and F_SEAL_SEAL: from then on no hole can be punched
 * (fallocate(PUNCH_HOLE), madvise(MADV_REMOVE): EPERM), no resize, no new
 * writable mapping through any fd, no more seals; the mappings made before
 * (the server's, the device's, the consumer's) stay writable. Then checks
 * that the seals are all there (F_GET_SEALS) and that no page went missing
 * before them: the file holds every page (st_blocks) and every page of the
 * server's own mapping map is still mapped there (/proc/self/pagemap: a
 * punched page leaves the server's page tables, even when someone faults a
 * new page in at the same offset since).
 *
 * @param fd The file, a memfd made with MFD_ALLOW_SEALING and without
 *   F_SEAL_SEAL.
 * @param map The server's mapping of the whole file, populated when it was
 *   made (MAP_POPULATE) and not touched since but by the device.
 * @param size Bytes of the file and of map.
 * @return 0, or -1 with errno set: EPERM (the seals cannot be added: someone
 *   sealed the file first), EFAULT (a page is missing or was replaced), or
 *   an fcntl, fstat or pagemap read error.
 */
int nta_share_seal_writable(int fd, const void *map, size_t size);

/**
 * Open a read-only descriptor for a region file, whatever fd gives write
 * access to it (reopens /proc/self/fd/N with O_RDONLY).
 *
 * @return A new fd, or -1 with errno set.
 */
int nta_share_reopen_ro(int fd);

#ifdef __cplusplus
}
#endif

#endif /* NTA_SHARE_H */
