/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_CONSUMER_H
#define NTA_CONSUMER_H

/**
 * @file
 * Consumer side of NTA zero copy: attach to a forwarder, read its packets in
 * place, return verdicts, transmit buffers of one's own. No DPDK needed:
 * link with libnta only.
 *
 * A typical loop:
 *
 *     struct nta_consumer *c = nta_consumer_attach_id("/run/nta.sock", 0, 0); // slot 0
 *     struct nta_share_desc d[64];    // at least NTA_SHARE_MAX_SEGS
 *     for (;;) {
 *             unsigned int i, k, n = nta_consumer_rx_burst(c, d, 64);
 *             if (n == 0) {
 *                     if (nta_consumer_wait(c, 100) < 0) break; // forwarder gone
 *                     continue;
 *             }
 *             for (i = 0; i < n; i += k) {
 *                     k = nta_consumer_frame_len(&d[i], n - i); // 1, or a chain
 *                     const uint8_t *pkt = nta_consumer_ptr(c, &d[i]);
 *                     nta_consumer_frame_verdict(&d[i], k,
 *                             look_at(pkt, d[i].desc.len) ? NTA_SHARE_F_FORWARD
 *                                                         : NTA_SHARE_F_DROP);
 *             }
 *             nta_consumer_verdict(c, d, n);
 *     }
 *     nta_consumer_detach(c);
 *
 * Chained frames: a frame the forwarder received in several buffers (a
 * jumbo frame in mbufs smaller than it, with scatter) comes as a chain of
 * descriptors, one per buffer, in order: every one but the last carries
 * NTA_SHARE_F_MORE. nta_consumer_rx_burst() returns whole chains only;
 * nta_consumer_frame_len() says how many descriptors the frame at hand
 * has, and nta_consumer_ptr() gives each segment's bytes (segments are not
 * contiguous: headers are in the first one as long as they fit in it). A
 * chain is returned whole: every descriptor as received, NTA_SHARE_F_MORE
 * kept, all with the same verdict (nta_consumer_frame_verdict() sets
 * them), back to back in one nta_consumer_verdict() call or in order over
 * several. Anything else is refused by the forwarder and the frame stays
 * lent until the session ends. A chain counts one descriptor per segment
 * towards nta_consumer_max_inflight().
 *
 * Every function is for one thread at a time (the rings are single producer,
 * single consumer). Errors: NULL or -1 with errno set, as documented.
 *
 * What a consumer is given, and what it is not (the isolation model; the
 * whole text is doc/sample-apps.md, "The isolation model"):
 * - The socket admits root, the forwarder's uid and the uids and gids it
 *   was told to allow (SO_PEERCRED); anyone else gets EACCES and no fd.
 * - Receive regions are lent read-only: their files are sealed against
 *   writes, resizing and hole punching (F_SEAL_FUTURE_WRITE and friends), so
 *   not even a reopened /proc/<pid>/fd/N gives a writable mapping. The
 *   allocator's metadata is never in them: a consumer can read packets,
 *   never corrupt the forwarder's bookkeeping.
 * - Every descriptor a consumer returns is checked against what it was lent
 *   (region, offset, length, cookie); anything else is refused and counted,
 *   and impossible ring indices end the session.
 * - The transmit region is the one region lent writable, and it is new for
 *   every session: no byte of an earlier session's transmissions is in it.
 *   Once mapped (in nta_consumer_attach_id()) it is sealed: no hole can be
 *   punched in it, no resize, no new writable mapping; the mapping made
 *   here stays writable. A consumer that punched a hole before the seal, or
 *   sealed the file itself, is expelled.
 * - Many consumers: each slot (receive queue k of every port) has its own
 *   pool whose packet memory is lent to that slot's consumer only, so a
 *   consumer maps no byte of another queue's traffic.
 * - Access ends with the session: when a consumer detaches or is expelled,
 *   its slot's packet memory retires (the forwarder unmaps and closes it
 *   and goes on from fresh regions): no packet received afterwards is placed
 *   in memory it mapped. What it mapped stays readable to it (stale bytes)
 *   until it unmaps; the forwarder bounds that memory (--max-retired-mb).
 * - Not guaranteed: a consumer of a slot may see bytes of that slot's
 *   traffic forwarded while no consumer was attached; a consumer running as
 *   the forwarder's uid can act on the forwarder process itself, and root
 *   is root.
 */

#include <stdint.h>
#include <stddef.h>

#include "nta_share.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nta_consumer;

/** What nta_consumer_region() tells about one mapped region. */
struct nta_consumer_region {
	uint32_t id;        /**< Region id used in descriptors. */
	uint32_t flags;     /**< NTA_SHARE_REGION_*. */
	void *base;         /**< Where it is mapped in this process. */
	size_t size;        /**< Bytes mapped. */
	int writable;       /**< 1 for the transmit region only. */
};

/**
 * Connect to a forwarder's socket, ask for consumer slot id, do the
 * handshake, map the ring file and every region (receive regions
 * read-only, at any address). Slot k is the receive queue k of every port
 * of the forwarder: the consumer is lent the packets of the flows the
 * device spreads to that queue, and maps that slot's memory only. Then
 * tell the forwarder the transmit region is mapped and wait until it has
 * sealed it (NTA_SHARE_CTL_MAPPED, NTA_SHARE_CTL_SEALED): when
 * this returns, transmit descriptors are accepted. The writable mapping of
 * the transmit region is the one made here: the seal refuses any later one.
 *
 * @param path Socket path of the forwarder.
 * @param id Slot wanted (0 .. NTA_SHARE_MAX_CONSUMERS - 1), or
 *   NTA_SHARE_CONSUMER_ANY for the first free one.
 * @param flags Reserved, 0.
 * @return The consumer, or NULL with errno set: EINVAL (NULL path, flags,
 *   id), ENAMETOOLONG, ECONNREFUSED/ENOENT (no forwarder), EPROTO (version,
 *   layout or protocol error; a version or layout mismatch is logged, one
 *   line naming what differs, e.g. "forwarder unit size 64, consumer 32"),
 *   EBUSY (the slot is taken, or every slot is), ERANGE (the forwarder has
 *   no slot id), EAGAIN (the slot's last consumer is still being cleaned up
 *   after: retry), EDQUOT (the forwarder's limit of memory that earlier
 *   consumers still map is reached, --max-retired-mb), EACCES (this uid and
 *   gid are not allowed), EPERM or EFAULT (the forwarder could not seal the
 *   transmit region: seals added, or a page punched out, by someone holding
 *   its fd), ETIMEDOUT, ENOMEM, or an mmap error.
 */
struct nta_consumer *nta_consumer_attach_id(const char *path, uint32_t id, unsigned int flags);

/** nta_consumer_attach_id() for the first free slot (NTA_SHARE_CONSUMER_ANY). */
struct nta_consumer *nta_consumer_attach(const char *path, unsigned int flags);

/** Slot the forwarder gave (0 for NULL). */
uint32_t nta_consumer_id(const struct nta_consumer *c);

/** Slots the forwarder has (0 for NULL). */
uint32_t nta_consumer_slots(const struct nta_consumer *c);

/**
 * End the session but keep the mappings until nta_consumer_detach(): the
 * forwarder takes back every packet lent and retires the memory this
 * consumer mapped; what stays mapped here is what a consumer that left can
 * still read (tests of the isolation model look at it). After this call only
 * nta_consumer_region_count(), nta_consumer_region() and
 * nta_consumer_detach() may be used.
 *
 * @return 0, or -1 with errno = EINVAL (NULL c).
 */
int nta_consumer_disconnect(struct nta_consumer *c);

/** Unmap everything and close the connection. NULL does nothing. */
void nta_consumer_detach(struct nta_consumer *c);

/** Number of regions mapped. */
unsigned int nta_consumer_region_count(const struct nta_consumer *c);

/**
 * Describe the i-th mapped region (0 <= i < nta_consumer_region_count()).
 *
 * @return 0, or -1 with errno = EINVAL (NULL argument) or ERANGE (i).
 */
int nta_consumer_region(const struct nta_consumer *c, unsigned int i,
		struct nta_consumer_region *info);

/** Most packets the forwarder lends at once (from the handshake). */
uint32_t nta_consumer_max_inflight(const struct nta_consumer *c);

/**
 * Take up to n packet descriptors from the RX ring, whole frames only: a
 * chained frame is taken whole or left for the next call (give n of at
 * least NTA_SHARE_MAX_SEGS).
 *
 * @return Number of descriptors taken (0 when none waits; 0 with errno =
 *   EPROTO when the forwarder's ring index is impossible, ENOBUFS when the
 *   next frame is a chain longer than n).
 */
unsigned int nta_consumer_rx_burst(struct nta_consumer *c, struct nta_share_desc *d,
		unsigned int n);

/**
 * Number of descriptors of the frame that starts at d[0]: 1 for a frame in
 * one buffer, the chain's length for a chained frame (its segments are
 * d[0..k), in order).
 *
 * @param d Descriptors as nta_consumer_rx_burst() gave them.
 * @param n Descriptors at d.
 * @return k in [1, n], or 0 when n is 0 or d[0..n) ends inside a chain.
 */
static inline unsigned int
nta_consumer_frame_len(const struct nta_share_desc *d, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if ((d[k].flags & NTA_SHARE_F_MORE) == 0)
			return k + 1;
	return 0;
}

/**
 * Set the verdict of the frame d[0..k) (NTA_SHARE_F_FORWARD or
 * NTA_SHARE_F_DROP) on each of its descriptors, keeping NTA_SHARE_F_MORE:
 * the port bits go, as in any verdict.
 */
static inline void
nta_consumer_frame_verdict(struct nta_share_desc *d, unsigned int k, uint32_t verdict)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		d[i].flags = (d[i].flags & NTA_SHARE_F_MORE) | verdict;
}

/**
 * Address of the bytes a descriptor names in this process, after checking
 * they lie inside a mapped region.
 *
 * @return The address, or NULL with errno = ERANGE (unknown region, offset
 *   or length out of range) or EINVAL (NULL argument).
 */
void *nta_consumer_ptr(const struct nta_consumer *c, const struct nta_share_desc *d);

/**
 * Return verdicts: each descriptor as received, flags set to
 * NTA_SHARE_F_FORWARD or NTA_SHARE_F_DROP.
 *
 * @return Number queued (the VERDICT ring is as large as what can be lent,
 *   so all of them unless the caller returns more than it holds; 0 with
 *   errno = EPROTO when the forwarder's ring index is impossible).
 */
unsigned int nta_consumer_verdict(struct nta_consumer *c, const struct nta_share_desc *d,
		unsigned int n);

/**
 * Allocate an exact-size buffer (rounded to NTA_UNIT) in the transmit
 * region, for nta_consumer_tx(). The allocator's metadata lives in this
 * process, never in the shared region.
 *
 * @param[out] d Descriptor of the buffer (len = size, flags = 0, cookie = 0).
 * @return Its address, or NULL with errno set: ENODEV (no transmit region),
 *   EINVAL (size 0), ENOMEM (region full: wait for completions).
 */
void *nta_consumer_tx_alloc(struct nta_consumer *c, size_t size, struct nta_share_desc *d);

/**
 * Free a transmit buffer that was never handed to the forwarder, or came back
 * on the COMPL ring (nta_consumer_completions() frees them itself).
 *
 * @return 0, or -1 with errno = EINVAL (not a buffer of the transmit region).
 */
int nta_consumer_tx_free(struct nta_consumer *c, const struct nta_share_desc *d);

/**
 * Hand filled transmit buffers to the forwarder: set d[i].len to the bytes to
 * send and the output port in NTA_SHARE_F_PORT_MASK of d[i].flags. The
 * buffers belong to the forwarder until they come back on the COMPL ring.
 *
 * @return Number queued (the rest stay the caller's; 0 with errno = EPROTO
 *   when the forwarder's ring index is impossible).
 */
unsigned int nta_consumer_tx(struct nta_consumer *c, const struct nta_share_desc *d,
		unsigned int n);

/**
 * Take transmit completions and free their buffers.
 *
 * @param d Where to copy them (may be NULL to just free them).
 * @return Number taken (0 with errno = EPROTO when the forwarder's ring
 *   index is impossible).
 */
unsigned int nta_consumer_completions(struct nta_consumer *c, struct nta_share_desc *d,
		unsigned int n);

/**
 * Sleep until the forwarder queues something (or timeout_ms passes).
 *
 * @return 1 when woken or something waits, 0 on timeout, -1 with errno =
 *   ECONNRESET when the forwarder has gone.
 */
int nta_consumer_wait(struct nta_consumer *c, int timeout_ms);

/** Socket of the connection (to poll for the forwarder going away). */
int nta_consumer_fd(const struct nta_consumer *c);

#ifdef __cplusplus
}
#endif

#endif /* NTA_CONSUMER_H */
