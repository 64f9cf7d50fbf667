/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The session step after the handshake: the transmit region is lent
 * writable and unsealed, so that the consumer can map it writable; until it
 * is sealed, the consumer could punch a hole in it (fallocate(PUNCH_HOLE)),
 * giving a hugepage back to the kernel while DPDK has it registered. So the
 * consumer says when it has mapped it (NTA_SHARE_CTL_MAPPED); then the
 * region is sealed (F_SEAL_FUTURE_WRITE: no hole punched, no new writable
 * mapping, ever) and checked whole; only then are transmit descriptors
 * taken (fwd_tx.c refuses and counts them before). A region that cannot be
 * sealed, or lost a page before the seal, ends the session: the consumer is
 * told why and expelled, and the damaged file is replaced at once.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nta_share.h"
#include "fwd.h"

/* Why a transmit region could not be sealed, for the log (e: errno). */
static const char *
seal_failure(int e)
{
	if (e == EPERM)
		return "its transmit region was sealed by the consumer (seals added before ours)";
	if (e == EFAULT)
		return "its transmit region lost pages before the seal (hole punched)";
	return strerror(e);
}

/* The consumer broke its transmit region before the seal: tell it, expel it. */
static void
tx_expel(struct fwd_sess *s, int e)
{
	char why[160];

	snprintf(why, sizeof(why), "expelled: %s", seal_failure(e));
	(void)nta_share_ctl_send(s->conn_fd, NTA_SHARE_CTL_SEALED, e);
	s->st.tx_expelled++;
	fwd_session_end(s, why);
	/*
	 * No descriptor of it was taken before the seal, so nothing of it is in
	 * flight: its file goes now (DPDK's registration with it), and the next
	 * consumer gets a new one. When none can be made now, session_start
	 * tries again (tx_lent stays set).
	 */
	if (fwd_tx_inflight(s) == 0 && fwd_tx_region_renew(s) == 0)
		s->tx_lent = 0;
}

/* >8 Start of sealing the transmit region. */
void
fwd_ctl_message(struct fwd_sess *s, const void *buf, size_t len)
{
	const struct fwd_region *r = &s->tx_region;
	struct nta_share_ctl ctl;

	/* Anything else, or MAPPED again, is ignored (and counted). */
	if (nta_share_ctl_parse(buf, len, &ctl) < 0 || ctl.type != NTA_SHARE_CTL_MAPPED ||
			s->tx_sealed || r->base == NULL) {
		s->st.protocol_errors++;
		return;
	}
	if (nta_share_seal_writable(r->rw_fd, r->base, r->size) < 0) {
		tx_expel(s, errno);
		return;
	}
	s->tx_sealed = 1;
	s->st.tx_sealed++;
	(void)nta_share_ctl_send(s->conn_fd, NTA_SHARE_CTL_SEALED, 0);
}
/* >8 End of sealing the transmit region. */
