/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta_map_dump DUMP.json STATS.json: an arena of three regions after random
 * churn, some freed buffers left in the thread's cache; its map written by
 * nta_dump_map() to DUMP.json and its nta_stats_get() figures to
 * STATS.json, for nta_tools_tests.py to hold nta-map's picture against.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nta.h>

#define SLOTS 200

int
main(int argc, char **argv)
{
	struct nta_arena_config cfg;
	struct nta_arena *a;
	struct nta_stats st;
	static void *p[SLOTS];
	uint64_t x = 88172645463325252ull;
	FILE *f;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: nta_map_dump DUMP.json STATS.json\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "nta_map_dump";
	cfg.region_size = 64 * 1024;
	cfg.initial_regions = 3;
	cfg.max_regions = 3;
	cfg.flags = NTA_ARENA_F_QUIET;
	a = nta_arena_create(&cfg);
	if (a == NULL) {
		fprintf(stderr, "nta_map_dump: arena: %s\n", nta_strerror(nta_errno));
		return 1;
	}
	for (i = 0; i < 40000; i++) {
		unsigned int k;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (unsigned int)(x % SLOTS);
		if (p[k] != NULL) {
			nta_free(a, p[k]);
			p[k] = NULL;
		} else {
			p[k] = nta_alloc(a, 64 + (size_t)(x >> 32) % 1500);
		}
	}
	f = fopen(argv[1], "w");
	if (f == NULL || nta_dump_map(f, a) != 0 || fclose(f) != 0 ||
			nta_stats_get(a, &st) != 0) {
		perror("nta_map_dump");
		return 1;
	}
	f = fopen(argv[2], "w");
	if (f == NULL) {
		perror(argv[2]);
		return 1;
	}
	fprintf(f, "{\"regions\": %u, \"unit\": %u, \"bytes_total\": %" PRIu64 ", \"bytes_used\": %"
		PRIu64 ", \"bytes_cached\": %" PRIu64 ", \"bytes_free\": %" PRIu64
		", \"largest_free\": %" PRIu64 "}\n", st.regions, (unsigned int)NTA_UNIT,
		st.bytes_total, st.bytes_used, st.bytes_cached, st.bytes_free, st.largest_free);
	fclose(f);
	printf("nta_map_dump: %u regions, used %" PRIu64 ", cached %" PRIu64 ", free %" PRIu64
		" bytes\n", st.regions, st.bytes_used, st.bytes_cached, st.bytes_free);
	nta_arena_destroy(a);
	return 0;
}
