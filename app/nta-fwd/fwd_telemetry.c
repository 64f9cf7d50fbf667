/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Telemetry /nta_fwd/consumers: the forwarder's consumers for nta-top.
 *
 *   {"sessions": consumers served so far, "refused_clients": ...,
 *    "max_inflight": ..., "protocol_errors": ..., "reclaimed": ...,
 *    "consumers": {"<session>": {"state": "attached", "pid": ..., "inflight":
 *    packets lent now, "tx_inflight": ..., "lent": ..., "verdict_fwd": ...,
 *    "verdict_drop": ..., "consumer_tx": ..., "refused": descriptors
 *    refused}, "handshake-<i>": {"state": "handshake", "pid": ...}}}
 *
 * The counters are the forwarder's since it started (one consumer at a time:
 * a reader takes differences within a session). The telemetry thread reads
 * them while the main loop writes them, without a lock: each is a word
 * written by one thread, and a snapshot that is a few packets old is what a
 * monitor wants.
 */

#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include <rte_telemetry.h>

#include "fwd.h"

static const struct fwd *tel_fwd;

/* Pid of the process at the other end of a socket, 0 if unknown. */
static uint64_t
peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	return (uint64_t)cred.pid;
}

/* The attached consumer. */
static struct rte_tel_data *
consumer_dict(const struct fwd *f)
{
	const struct fwd_stats *s = &f->st;
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "state", f->corrupt ? "corrupt" : "attached");
	rte_tel_data_add_dict_u64(c, "pid", peer_pid(f->conn_fd));
	rte_tel_data_add_dict_u64(c, "inflight", fwd_inflight(f));
	rte_tel_data_add_dict_u64(c, "tx_inflight", fwd_tx_inflight(f));
	rte_tel_data_add_dict_u64(c, "lent", s->to_consumer);
	rte_tel_data_add_dict_u64(c, "verdict_fwd", s->verdict_fwd);
	rte_tel_data_add_dict_u64(c, "verdict_drop", s->verdict_drop);
	rte_tel_data_add_dict_u64(c, "consumer_tx", s->consumer_tx);
	rte_tel_data_add_dict_u64(c, "refused", s->refused_region + s->refused_range +
			s->refused_not_held + s->refused_dup + s->refused_stale +
			s->refused_verdict + s->refused_tx);
	rte_tel_data_add_dict_u64(c, "busy_cycles", s->busy_cycles);
	rte_tel_data_add_dict_u64(c, "rx", s->rx);
	return c;
}

/* Add container c to dict d under key, or free it. */
static void
add_or_free(struct rte_tel_data *d, const char *key, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, key, c, 0) != 0)
		rte_tel_data_free(c);
}

static int
fwd_tel_consumers(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	const struct fwd *f = tel_fwd;
	struct rte_tel_data *list;
	char key[32];
	int i;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sessions", f->st.consumers);
	rte_tel_data_add_dict_u64(d, "refused_clients", f->st.consumers_refused);
	rte_tel_data_add_dict_u64(d, "denied_clients", f->st.consumers_denied);
	rte_tel_data_add_dict_u64(d, "max_inflight", f->max_inflight);
	rte_tel_data_add_dict_u64(d, "protocol_errors", f->st.protocol_errors);
	rte_tel_data_add_dict_u64(d, "reclaimed", f->st.reclaimed);
	list = rte_tel_data_alloc();
	if (list == NULL)
		return 0;
	rte_tel_data_start_dict(list);
	if (f->attached) {
		snprintf(key, sizeof(key), "%" PRIu64, f->st.consumers);
		add_or_free(list, key, consumer_dict(f));
	}
	for (i = 0; i < FWD_PENDING; i++) {
		int fd = f->pending[i].fd;
		struct rte_tel_data *c;

		if (fd < 0 || (c = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "state", "handshake");
		rte_tel_data_add_dict_u64(c, "pid", peer_pid(fd));
		snprintf(key, sizeof(key), "handshake-%d", i);
		add_or_free(list, key, c);
	}
	add_or_free(d, "consumers", list);
	return 0;
}

void
fwd_telemetry_init(const struct fwd *f)
{
	tel_fwd = f;
	rte_telemetry_register_cmd("/nta_fwd/consumers", fwd_tel_consumers,
		"Consumers of dpdk-nta-fwd: state, pid, packets in flight, verdicts, refused"
		" descriptors. No parameters");
}
