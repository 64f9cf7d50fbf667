/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Telemetry /nta/map: how an nta pool's arena is used, region by region
 * (what nta-top's bars and nta-map's pictures show).
 *
 *   /nta/map,<pool>
 *       the arena's counters that /nta/stats does not give (cache_hits,
 *       tree_allocs, tree_frees, merges, alloc_fails, free_errors, ...)
 *       and "map": for each of its first MPN_MAP_SUMMARIES regions, by id,
 *       the region's figures (units, used, cached, free, largest_start,
 *       largest_units, runs).
 *   /nta/map,<pool>,<region>[,<from>]
 *       one region's figures and its runs from unit <from> (0) on, as
 *       strings of "<state><units>" words separated by spaces (state u:
 *       used, c: cached, f: free); "next" is the unit to ask for next, equal
 *       to "units" when the map is complete.
 *
 * A reply is at most 16 KB: the runs come in pieces of at most
 * MPN_MAP_STRINGS strings of MPN_MAP_STRING_LEN characters. An unknown pool
 * or region, or a bad parameter, gives an error (null).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "nta_mempool_private.h"

/* Regions whose figures /nta/map,<pool> gives (about 150 bytes each). */
#define MPN_MAP_SUMMARIES 64
/* Strings of runs in one reply, and their length (RTE_TEL_MAX_STRING_LEN). */
#define MPN_MAP_STRINGS 96
#define MPN_MAP_STRING_LEN RTE_TEL_MAX_STRING_LEN
/* Runs asked of the library for one reply: more than the strings can take. */
#define MPN_MAP_RUNS (MPN_MAP_STRINGS * MPN_MAP_STRING_LEN / 2)

/* What one request asks. */
struct mpn_map_req {
	char pool[RTE_MEMPOOL_NAMESIZE];
	int region;            /* -1: the arena's summary */
	uint64_t from;
	struct rte_tel_data *d;
};

/* The figures of one region into dict d. */
static void
mpn_map_figures(struct rte_tel_data *d, const struct nta_region_map *m)
{
	rte_tel_data_add_dict_u64(d, "units", m->units);
	rte_tel_data_add_dict_u64(d, "used", m->used);
	rte_tel_data_add_dict_u64(d, "cached", m->cached);
	rte_tel_data_add_dict_u64(d, "free", m->free);
	rte_tel_data_add_dict_u64(d, "largest_start", m->largest_start);
	rte_tel_data_add_dict_u64(d, "largest_units", m->largest_units);
	rte_tel_data_add_dict_u64(d, "runs", m->runs);
}

/*
 * The arena's counters that /nta/stats does not give (which path served the
 * allocations), and the first regions' figures.
 */
static int
mpn_map_summary(struct nta_arena *a, struct rte_tel_data *d)
{
	struct rte_tel_data *list;
	struct nta_region_map m;
	struct nta_stats st;
	uint32_t i, n = nta_region_count(a);

	if (nta_stats_get(a, &st) != 0)
		return -EINVAL;
	rte_tel_data_add_dict_u64(d, "regions", n);
	rte_tel_data_add_dict_u64(d, "buffers_used", st.buffers_used);
	rte_tel_data_add_dict_u64(d, "cache_hits", st.cache_hits);
	rte_tel_data_add_dict_u64(d, "tree_allocs", st.tree_allocs);
	rte_tel_data_add_dict_u64(d, "tree_frees", st.tree_frees);
	rte_tel_data_add_dict_u64(d, "merges", st.merges);
	rte_tel_data_add_dict_u64(d, "alloc_fails", st.alloc_fails);
	rte_tel_data_add_dict_u64(d, "free_errors", st.free_errors);
	list = rte_tel_data_alloc();
	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(list);
	for (i = 0; i < n && i < MPN_MAP_SUMMARIES; i++) {
		struct rte_tel_data *r = rte_tel_data_alloc();
		char key[16];

		if (r == NULL || nta_region_map(a, i, 0, NULL, 0, &m) != 0) {
			rte_tel_data_free(r);
			break;
		}
		rte_tel_data_start_dict(r);
		mpn_map_figures(r, &m);
		snprintf(key, sizeof(key), "%u", i);
		if (rte_tel_data_add_dict_container(list, key, r, 0) != 0) {
			rte_tel_data_free(r);
			break;
		}
	}
	if (rte_tel_data_add_dict_container(d, "map", list, 0) != 0)
		rte_tel_data_free(list);
	return 0;
}

/* One region's figures and its runs from req->from on, packed in strings. */
static int
mpn_map_region(struct nta_arena *a, const struct mpn_map_req *req)
{
	static const char letter[] = { 'u', 'c', 'f' };
	struct nta_run *runs = malloc(MPN_MAP_RUNS * sizeof(*runs));
	struct rte_tel_data *list = rte_tel_data_alloc();
	char s[MPN_MAP_STRING_LEN], word[32];
	struct nta_region_info ri;
	struct nta_region_map m;
	uint32_t i, n_str = 0;
	size_t len = 0;
	uint64_t next;
	int ret = -ERANGE;

	if (runs == NULL || list == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (nta_region_map(a, (uint32_t)req->region, req->from, runs, MPN_MAP_RUNS, &m) != 0 ||
			nta_region_info(a, (uint32_t)req->region, &ri) != 0)
		goto out;
	rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
	next = m.next;
	for (i = 0; i < m.written; i++) {
		int w = snprintf(word, sizeof(word), "%s%c%" PRIu64, len != 0 ? " " : "",
				letter[runs[i].state], runs[i].units);

		if (len + (size_t)w >= sizeof(s)) {
			rte_tel_data_add_array_string(list, s);
			if (++n_str == MPN_MAP_STRINGS) {
				next = runs[i].start;
				len = 0;
				break;
			}
			w = snprintf(word, sizeof(word), "%c%" PRIu64, letter[runs[i].state],
					runs[i].units);
			len = 0;
		}
		memcpy(s + len, word, (size_t)w + 1);
		len += (size_t)w;
	}
	if (len != 0)
		rte_tel_data_add_array_string(list, s);
	rte_tel_data_add_dict_u64(req->d, "region", (uint64_t)req->region);
	rte_tel_data_add_dict_int(req->d, "jumbo", ri.jumbo);
	mpn_map_figures(req->d, &m);
	rte_tel_data_add_dict_u64(req->d, "from", req->from);
	rte_tel_data_add_dict_u64(req->d, "next", next);
	if (rte_tel_data_add_dict_container(req->d, "map", list, 0) == 0)
		list = NULL;
	ret = 0;
out:
	rte_tel_data_free(list);
	free(runs);
	return ret;
}

/* Under the pool list's lock: p is alive. */
static int
mpn_map_pool(struct mpn_pool *p, void *arg)
{
	struct mpn_map_req *req = arg;

	rte_tel_data_start_dict(req->d);
	rte_tel_data_add_dict_string(req->d, "pool", p->mp->name);
	rte_tel_data_add_dict_u64(req->d, "unit", NTA_UNIT);
	if (req->region < 0)
		return mpn_map_summary(mpn_tel_arena(p), req->d);
	return mpn_map_region(mpn_tel_arena(p), req);
}

/* A decimal number that is all of s, at most max; 0 or -1. */
static int
mpn_map_number(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno != 0 || *end != '\0' || *v > max) ? -1 : 0;
}

/* "<pool>[,<region>[,<from>]]" into req; 0, or -1 when malformed. */
static int
mpn_map_parse(const char *params, struct mpn_map_req *req)
{
	const char *region, *from;
	uint64_t v;

	if (params == NULL || strcspn(params, ",") >= sizeof(req->pool))
		return -1;
	snprintf(req->pool, sizeof(req->pool), "%.*s", (int)strcspn(params, ","), params);
	region = strchr(params, ',');
	if (region == NULL)
		return 0;
	region++;
	from = strchr(region, ',');
	if (from != NULL) {
		char num[24];

		snprintf(num, sizeof(num), "%.*s", (int)(from - region), region);
		if (mpn_map_number(num, NTA_MAX_REGIONS - 1, &v) != 0 ||
				mpn_map_number(from + 1, UINT64_MAX, &req->from) != 0)
			return -1;
	} else if (mpn_map_number(region, NTA_MAX_REGIONS - 1, &v) != 0) {
		return -1;
	}
	req->region = (int)v;
	return 0;
}

static int
mpn_map_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mpn_map_req req = { .region = -1, .from = 0, .d = d };
	int ret;

	if (params == NULL || params[0] == '\0' || params[0] == ',')
		return mpn_tel_error(cmd, NULL, d);
	if (mpn_map_parse(params, &req) != 0)
		return mpn_tel_refuse(d, "parameters are <pool>[,<region>[,<from unit>]]");
	ret = mpn_tel_with_pool(req.pool, mpn_map_pool, &req);
	if (ret == -EINVAL)
		return mpn_tel_error(cmd, req.pool, d);
	if (ret == -ERANGE) {
		char msg[RTE_TEL_MAX_STRING_LEN];

		snprintf(msg, sizeof(msg), "pool '%s' has no region %d with a unit %" PRIu64
			" (see /nta/map,%s)", req.pool, req.region, req.from, req.pool);
		return mpn_tel_refuse(d, msg);
	}
	return ret;
}

RTE_INIT(mpn_map_init)
{
	rte_telemetry_register_cmd("/nta/map", mpn_map_cmd,
		"Region map of an nta mempool's arena. Parameters: pool name[,region[,from unit]]");
}
