/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_SHARE_PRIVATE_H
#define NTA_SHARE_PRIVATE_H

#include <stddef.h>

/* Send one message, with fd attached when fd >= 0. 0 or -1 (errno). */
int nta_share_send_msg(int sock, const void *buf, size_t len, int fd);

/* Largest handshake message of any protocol version this one reads. */
#define NTA_SHARE_MSG_MAX 256

/*
 * Receive one message of at most len bytes, waiting at most timeout_ms;
 * *got is its length, the first fd passed is stored in *fd (-1 if none),
 * any other is closed. 0 or -1 (errno: ETIMEDOUT, ECONNRESET, EPROTO: a
 * longer message, socket errors).
 */
int nta_share_recv_msg_any(int sock, void *buf, size_t len, size_t *got, int *fd,
		int timeout_ms);

/*
 * Receive exactly len bytes in one message, waiting at most timeout_ms; the
 * first fd passed is stored in *fd (-1 if none), any other is closed.
 * 0 or -1 (errno: ETIMEDOUT, ECONNRESET, EPROTO, socket errors).
 */
int nta_share_recv_msg(int sock, void *buf, size_t len, int *fd, int timeout_ms);

#endif /* NTA_SHARE_PRIVATE_H */
