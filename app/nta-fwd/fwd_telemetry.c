/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Telemetry /nta_fwd/consumers: the forwarder's consumers for nta-top.
 *
 *   {"sessions": consumers served so far, "slots": --consumers,
 *    "refused_clients": ..., "max_inflight": ..., "protocol_errors": ...,
 *    "reclaimed": ..., "rotations": ..., "retired_bytes": ...,
 *    "max_retired_bytes": ...,
 *    "consumers": {"<slot>": {"state": "attached" | "corrupt" | "free" |
 *    "retiring", "slot": ..., "pid": ..., "generation": ..., "inflight":
 *    packets lent now, "tx_inflight": ..., "rx": ..., "lent": ...,
 *    "verdict_fwd": ..., "verdict_drop": ..., "consumer_tx": ..., "refused":
 *    descriptors refused, "rotations": ..., "busy_cycles": TSC cycles of loop
 *    iterations that moved its packets (busy_cycles / rx: cycles per packet)},
 *    "handshake-<i>": {"state": "handshake", "pid": ...}}}
 *
 * With one slot only an attached consumer is listed. /nta_fwd/regions:
 * {"retired_bytes", "max_retired_bytes", "slots": {"<slot>": {"generation",
 * "regions", "bytes", "mbufs", "state"}}, "retired": {"<i>": {"pid", "slot",
 * "generation", "bytes"}}}.
 *
 * The counters are each slot's since the forwarder started (a reader takes
 * differences within a session). The telemetry thread reads
 * them while the main loop writes them, without a lock: each is a word
 * written by one thread, and a snapshot that is a few packets old is what a
 * monitor wants.
 */

#include <inttypes.h>
#include <stdio.h>

#include <rte_telemetry.h>

#include "fwd.h"

static const struct fwd *tel_fwd;

/* Slot s's consumer (attached), or the slot alone. */
static struct rte_tel_data *
consumer_dict(const struct fwd_sess *s)
{
	const struct fwd_stats *st = &s->st;
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "state", !s->attached ? (s->retiring ? "retiring" :
			"free") : (s->corrupt ? "corrupt" : "attached"));
	rte_tel_data_add_dict_u64(c, "slot", s->id);
	rte_tel_data_add_dict_u64(c, "pid", (uint64_t)(s->pid > 0 ? s->pid : 0));
	rte_tel_data_add_dict_u64(c, "generation", s->gen.number);
	rte_tel_data_add_dict_u64(c, "inflight", fwd_inflight(s));
	rte_tel_data_add_dict_u64(c, "tx_inflight", fwd_tx_inflight(s));
	rte_tel_data_add_dict_u64(c, "rx", st->rx);
	rte_tel_data_add_dict_u64(c, "lent", st->to_consumer);
	rte_tel_data_add_dict_u64(c, "verdict_fwd", st->verdict_fwd);
	rte_tel_data_add_dict_u64(c, "verdict_drop", st->verdict_drop);
	rte_tel_data_add_dict_u64(c, "consumer_tx", st->consumer_tx);
	rte_tel_data_add_dict_u64(c, "refused", st->refused_region + st->refused_range +
			st->refused_not_held + st->refused_dup + st->refused_stale +
			st->refused_verdict + st->refused_tx);
	rte_tel_data_add_dict_u64(c, "rotations", st->rotations);
	rte_tel_data_add_dict_u64(c, "busy_cycles", st->busy_cycles);
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
	struct fwd_stats t;
	char key[32];
	uint32_t k;
	int i;

	fwd_stats_total(f, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sessions", t.consumers);
	rte_tel_data_add_dict_u64(d, "slots", f->n_consumers);
	rte_tel_data_add_dict_u64(d, "refused_clients", t.consumers_refused);
	rte_tel_data_add_dict_u64(d, "denied_clients", t.consumers_denied);
	rte_tel_data_add_dict_u64(d, "max_inflight", f->max_inflight);
	rte_tel_data_add_dict_u64(d, "protocol_errors", t.protocol_errors);
	rte_tel_data_add_dict_u64(d, "reclaimed", t.reclaimed);
	rte_tel_data_add_dict_u64(d, "rotations", t.rotations);
	rte_tel_data_add_dict_u64(d, "retired_bytes", f->retired_bytes);
	rte_tel_data_add_dict_u64(d, "max_retired_bytes", f->max_retired);
	list = rte_tel_data_alloc();
	if (list == NULL)
		return 0;
	rte_tel_data_start_dict(list);
	/* Keyed by slot: attached consumers (nta-top's list), and with several
	 * slots the free ones too.
	 */
	for (k = 0; k < f->n_consumers; k++) {
		const struct fwd_sess *s = f->sess[k];

		if (!s->attached && f->n_consumers == 1)
			continue;
		snprintf(key, sizeof(key), "%u", k);
		add_or_free(list, key, consumer_dict(s));
	}
	for (i = 0; i < FWD_PENDING; i++) {
		int fd = f->pending[i].fd;
		struct rte_tel_data *c;

		if (fd < 0 || (c = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "state", "handshake");
		rte_tel_data_add_dict_u64(c, "pid", (uint64_t)(f->pending[i].pid > 0 ?
				f->pending[i].pid : 0));
		snprintf(key, sizeof(key), "handshake-%d", i);
		add_or_free(list, key, c);
	}
	add_or_free(d, "consumers", list);
	return 0;
}

/* The packet memory of each slot, and retired generations old consumers still map. */
static int
fwd_tel_regions(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	const struct fwd *f = tel_fwd;
	struct rte_tel_data *slots, *ret;
	char key[32];
	uint32_t k, i;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "retired_bytes", f->retired_bytes);
	rte_tel_data_add_dict_u64(d, "max_retired_bytes", f->max_retired);
	slots = rte_tel_data_alloc();
	if (slots != NULL) {
		rte_tel_data_start_dict(slots);
		for (k = 0; k < f->n_consumers; k++) {
			const struct fwd_sess *s = f->sess[k];
			struct rte_tel_data *c = rte_tel_data_alloc();

			if (c == NULL)
				continue;
			rte_tel_data_start_dict(c);
			rte_tel_data_add_dict_u64(c, "generation", s->gen.number);
			rte_tel_data_add_dict_u64(c, "regions", s->gen.n_regions);
			rte_tel_data_add_dict_u64(c, "bytes", s->gen.bytes);
			rte_tel_data_add_dict_u64(c, "mbufs", s->pool->size);
			rte_tel_data_add_dict_string(c, "state", s->retiring ? "retiring" :
					(s->dirty ? "lent" : "fresh"));
			snprintf(key, sizeof(key), "%u", k);
			add_or_free(slots, key, c);
		}
		add_or_free(d, "slots", slots);
	}
	ret = rte_tel_data_alloc();
	if (ret == NULL)
		return 0;
	rte_tel_data_start_dict(ret);
	for (i = 0; i < FWD_MAX_RETIRED; i++) {
		const struct fwd_retired *r = &f->retired[i];
		struct rte_tel_data *c;

		if (r->pidfd < 0 || (c = rte_tel_data_alloc()) == NULL)
			continue;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "pid", (uint64_t)r->pid);
		rte_tel_data_add_dict_u64(c, "slot", r->slot);
		rte_tel_data_add_dict_u64(c, "generation", r->gen);
		rte_tel_data_add_dict_u64(c, "bytes", r->bytes);
		snprintf(key, sizeof(key), "%u", i);
		add_or_free(ret, key, c);
	}
	add_or_free(d, "retired", ret);
	return 0;
}

void
fwd_telemetry_init(const struct fwd *f)
{
	tel_fwd = f;
	/* Help texts: under RTE_TEL_MAX_STRING_LEN (128), or the command is refused. */
	if (rte_telemetry_register_cmd("/nta_fwd/consumers", fwd_tel_consumers,
			"Consumers of dpdk-nta-fwd by slot: state, pid, generation, packets in"
			" flight, verdicts, refused. No parameters") != 0 ||
			rte_telemetry_register_cmd("/nta_fwd/regions", fwd_tel_regions,
			"Packet memory of dpdk-nta-fwd: each slot's generation, retired ones old"
			" consumers still map. No parameters") != 0)
		printf("nta-fwd: warning: telemetry commands /nta_fwd/* not registered\n");
}
