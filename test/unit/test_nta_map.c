/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Region maps (nta_region_map(), nta_dump_map()): exact runs for a known
 * layout, cached blocks, maps read in pieces equal to maps read at once,
 * figures that agree with nta_stats_get(), the JSON dump, refused input.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <nta.h>

#include "nta_test.h"

#define REGION_UNITS 2048
#define MAX_RUNS 4096

/* An anonymous arena of regions of REGION_UNITS units (or fewer), not growing. */
static struct nta_arena *
small_arena(unsigned int flags, unsigned int regions)
{
	struct nta_arena_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "map \"test\"";
	cfg.region_size = (size_t)REGION_UNITS * NTA_UNIT;
	if (cfg.region_size > NTA_REGION_MAX_BYTES)
		cfg.region_size = NTA_REGION_MAX_BYTES;
	cfg.initial_regions = regions;
	cfg.max_regions = regions;
	cfg.flags = flags | NTA_ARENA_F_QUIET;
	return nta_arena_create(&cfg);
}

/* The runs of region id, read at once; the count, or -1. */
static int
map_all(struct nta_arena *a, uint32_t id, struct nta_run *runs, struct nta_region_map *m)
{
	if (nta_region_map(a, id, 0, runs, MAX_RUNS, m) != 0 || m->next != m->units)
		return -1;
	return (int)m->written;
}

/* Runs of equal state never touch, cover the region, and add up to the figures. */
static int
check_runs(const struct nta_run *runs, uint32_t n, const struct nta_region_map *m)
{
	uint64_t sum[3] = { 0, 0, 0 }, at = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		TEST_ASSERT(runs[i].start == at, "run %u starts at %" PRIu64 ", not %" PRIu64, i,
			runs[i].start, at);
		TEST_ASSERT(runs[i].units > 0, "run %u is empty", i);
		TEST_ASSERT(i == 0 || runs[i].state != runs[i - 1].state,
			"runs %u and %u have the same state", i - 1, i);
		sum[runs[i].state] += runs[i].units;
		at += runs[i].units;
	}
	TEST_ASSERT_EQUAL(at, m->units, "runs cover the region");
	TEST_ASSERT_EQUAL(sum[NTA_UNITS_USED], m->used, "used units");
	TEST_ASSERT_EQUAL(sum[NTA_UNITS_CACHED], m->cached, "cached units");
	TEST_ASSERT_EQUAL(sum[NTA_UNITS_FREE], m->free, "free units");
	TEST_ASSERT_EQUAL(n, m->runs, "run count");
	return TEST_SUCCESS;
}

/* u1 f2 u3 f4 u5 f(rest), without caches. */
static int
test_exact_runs(void)
{
	static const uint64_t len[] = { 1, 2, 3, 4, 5 };
	struct nta_run runs[MAX_RUNS];
	struct nta_region_map m;
	struct nta_arena *a = small_arena(NTA_ARENA_F_NO_CACHE, 1);
	struct nta_stats st;
	void *p[5];
	int i, n;

	TEST_ASSERT_NOT_NULL(a, "arena: %s", nta_strerror(nta_errno));
	for (i = 0; i < 5; i++) {
		p[i] = nta_alloc(a, len[i] * NTA_UNIT);
		TEST_ASSERT_NOT_NULL(p[i], "alloc %d", i);
	}
	TEST_ASSERT_EQUAL(nta_free(a, p[1]), 0, "free");
	TEST_ASSERT_EQUAL(nta_free(a, p[3]), 0, "free");
	n = map_all(a, 0, runs, &m);
	TEST_ASSERT_EQUAL(n, 6, "six runs");
	for (i = 0; i < 5; i++) {
		TEST_ASSERT_EQUAL(runs[i].units, len[i], "run %d", i);
		TEST_ASSERT_EQUAL(runs[i].state, i % 2 ? NTA_UNITS_FREE : NTA_UNITS_USED,
			"run %d", i);
	}
	TEST_ASSERT_EQUAL(runs[5].state, NTA_UNITS_FREE, "the tail is free");
	if (check_runs(runs, (uint32_t)n, &m) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(m.largest_start, 15, "largest free extent: the tail");
	TEST_ASSERT_EQUAL(m.largest_units, m.units - 15, "largest free extent");
	TEST_ASSERT_EQUAL(nta_stats_get(a, &st), 0, "stats");
	TEST_ASSERT_EQUAL(m.used * NTA_UNIT, st.bytes_used, "used bytes agree with the stats");
	TEST_ASSERT_EQUAL(m.free * NTA_UNIT, st.bytes_free, "free bytes agree with the stats");
	TEST_ASSERT_EQUAL(m.largest_units * NTA_UNIT, st.largest_free, "largest free");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

/* A buffer freed into the thread's cache shows as cached. */
static int
test_cached(void)
{
	struct nta_run runs[MAX_RUNS];
	struct nta_region_map m;
	struct nta_arena *a = small_arena(0, 1);
	struct nta_stats st;
	void *p[3];
	int i, n;

	TEST_ASSERT_NOT_NULL(a, "arena: %s", nta_strerror(nta_errno));
	for (i = 0; i < 3; i++)
		TEST_ASSERT_NOT_NULL(p[i] = nta_alloc(a, 2 * NTA_UNIT), "alloc %d", i);
	TEST_ASSERT_EQUAL(nta_free(a, p[1]), 0, "free");
	n = map_all(a, 0, runs, &m);
	TEST_ASSERT(n == 4 && runs[1].state == NTA_UNITS_CACHED && runs[1].units == 2,
		"u2 c2 u2 f..: %d runs, run 1 state %d", n, (int)runs[1].state);
	if (check_runs(runs, (uint32_t)n, &m) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(nta_stats_get(a, &st), 0, "stats");
	TEST_ASSERT_EQUAL(m.cached * NTA_UNIT, st.bytes_cached, "cached bytes");
	TEST_ASSERT_EQUAL(m.used * NTA_UNIT, st.bytes_used, "used bytes");
	nta_cache_flush(a);
	n = map_all(a, 0, runs, &m);
	TEST_ASSERT(n == 4 && runs[1].state == NTA_UNITS_FREE && m.cached == 0,
		"flushed: the block is free");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

/* Random churn on two regions: maps read a run at a time equal maps read at once. */
static int
test_pieces(void)
{
	static struct nta_run all[MAX_RUNS], one[MAX_RUNS];
	struct nta_arena *a = small_arena(0, 2);
	struct nta_region_map m, mp;
	uint64_t used = 0, cached = 0, free_units = 0;
	struct nta_rng rng;
	struct nta_stats st;
	void *p[256] = { NULL };
	uint32_t id, k;
	int i, n;

	TEST_ASSERT_NOT_NULL(a, "arena: %s", nta_strerror(nta_errno));
	nta_rng_seed(&rng, nta_test_seed(12));
	for (i = 0; i < 20000; i++) {
		k = (uint32_t)nta_rng_below(&rng, 256);
		if (p[k] != NULL) {
			TEST_ASSERT_EQUAL(nta_free(a, p[k]), 0, "free");
			p[k] = NULL;
		} else {
			p[k] = nta_alloc(a, nta_rng_range(&rng, 1, 40) * NTA_UNIT);
		}
	}
	for (id = 0; id < 2; id++) {
		n = map_all(a, id, all, &m);
		TEST_ASSERT(n > 0, "region %u: map", id);
		if (check_runs(all, (uint32_t)n, &m) != TEST_SUCCESS)
			return TEST_FAILED;
		/* One run at a time, from the middle of a run first. */
		TEST_ASSERT_EQUAL(nta_region_map(a, id, all[0].units - 1, one, 1, &mp), 0, "map");
		TEST_ASSERT(mp.written == 1 && one[0].start == all[0].units - 1 && one[0].units == 1,
			"a run cut at from");
		for (k = 0, mp.next = 0; mp.next < mp.units; k++) {
			TEST_ASSERT(k < (uint32_t)n, "more pieces than runs");
			TEST_ASSERT_EQUAL(nta_region_map(a, id, mp.next, &one[k], 1, &mp), 0, "map");
			TEST_ASSERT_EQUAL(mp.written, 1, "one run");
		}
		TEST_ASSERT_EQUAL(k, n, "pieces");
		for (k = 0; k < (uint32_t)n; k++)
			TEST_ASSERT(all[k].start == one[k].start && all[k].units == one[k].units &&
				all[k].state == one[k].state,
				"region %u run %u: whole map %" PRIu64 "+%" PRIu64 " state %d, "
				"piece %" PRIu64 "+%" PRIu64 " state %d", id, k, all[k].start,
				all[k].units, (int)all[k].state, one[k].start, one[k].units,
				(int)one[k].state);
		TEST_ASSERT_EQUAL(nta_region_map(a, id, m.units, one, 1, &mp), 0, "from the end");
		TEST_ASSERT(mp.written == 0 && mp.next == m.units, "nothing after the end");
		used += m.used;
		cached += m.cached;
		free_units += m.free;
	}
	TEST_ASSERT_EQUAL(nta_stats_get(a, &st), 0, "stats");
	TEST_ASSERT_EQUAL(used * NTA_UNIT, st.bytes_used, "used bytes");
	TEST_ASSERT_EQUAL(cached * NTA_UNIT, st.bytes_cached, "cached bytes");
	TEST_ASSERT_EQUAL(free_units * NTA_UNIT, st.bytes_free, "free bytes");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

static int
test_dump(void)
{
	struct nta_arena *a = small_arena(NTA_ARENA_F_NO_CACHE, 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	void *p, *q;
	int rc = TEST_FAILED;

	TEST_ASSERT_NOT_NULL(a, "arena: %s", nta_strerror(nta_errno));
	p = nta_alloc(a, NTA_UNIT);
	q = nta_alloc(a, 2 * NTA_UNIT);
	TEST_ASSERT(p != NULL && q != NULL && nta_alloc(a, NTA_UNIT) != NULL, "alloc");
	TEST_ASSERT_EQUAL(nta_free(a, q), 0, "free");
	f = open_memstream(&buf, &len);
	TEST_ASSERT_NOT_NULL(f, "memstream");
	if (nta_dump_map(f, a) != 0) {
		printf("nta_dump_map: %s\n", nta_strerror(nta_errno));
		fclose(f);
		goto out;
	}
	fclose(f);
	printf("%s", buf);
	if (strncmp(buf, "{\"format\": \"nta-map\", \"version\": 1, \"arenas\": [{\"name\": "
			"\"map \\\"test\\\"\", \"unit\": ", 70) != 0 ||
			strstr(buf, "\"runs\": \"u1 f2 u1 f") == NULL ||
			strcmp(buf + len - 5, "]}]}\n") != 0)
		goto out;
	rc = TEST_SUCCESS;
out:
	free(buf);
	nta_arena_destroy(a);
	return rc;
}

static int
test_bad_input(void)
{
	struct nta_arena *a = small_arena(0, 1);
	struct nta_region_map m;
	struct nta_run r;

	TEST_ASSERT_NOT_NULL(a, "arena: %s", nta_strerror(nta_errno));
	TEST_ASSERT(nta_region_map(NULL, 0, 0, &r, 1, &m) == -1 && nta_errno == EINVAL, "NULL");
	TEST_ASSERT(nta_region_map(a, 0, 0, &r, 1, NULL) == -1 && nta_errno == EINVAL, "NULL");
	TEST_ASSERT(nta_region_map(a, 0, 0, NULL, 1, &m) == -1 && nta_errno == EINVAL, "NULL");
	TEST_ASSERT(nta_region_map(a, 1, 0, &r, 1, &m) == -1 && nta_errno == ERANGE, "region");
	TEST_ASSERT(nta_region_map(a, 0, REGION_UNITS * 4, &r, 1, &m) == -1 &&
		nta_errno == ERANGE, "from");
	TEST_ASSERT(nta_region_map(a, 0, 0, NULL, 0, &m) == 0 && m.written == 0 &&
		m.next == 0 && m.runs == 1 && m.free == m.units, "figures only");
	TEST_ASSERT(nta_dump_map(NULL, a) == -1 && nta_errno == EINVAL, "NULL file");
	TEST_ASSERT(nta_dump_map(stdout, NULL) == -1 && nta_errno == EINVAL, "NULL arena");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "exact_runs", test_exact_runs },
	{ "cached", test_cached },
	{ "pieces", test_pieces },
	{ "dump", test_dump },
	{ "bad_input", test_bad_input },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta region maps",
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
