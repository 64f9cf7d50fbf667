/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Region maps: the blocks of a region as runs of used, cached and free units
 * (what the nta-map tool draws and the telemetry endpoint /nta/map sends),
 * and the JSON dump of an arena's map.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "nta_region.h"

/* Runs asked of nta_region_map() at a time by nta_dump_map(). */
#define MAP_BATCH 256

/* State of the block that starts at u (a head bit). Under lock. */
static enum nta_unit_state
block_state(const struct nta_region *r, uint64_t u)
{
	if (nta_bitmap_test(&r->free, u))
		return NTA_UNITS_FREE;
	return nta_used_test(r, u) ? NTA_UNITS_USED : NTA_UNITS_CACHED;
}

/* One finished run: counted, and written when it ends after from and there is room. */
static void
map_emit(struct nta_region_map *map, const struct nta_run *run, uint64_t from,
		struct nta_run *runs, uint32_t max_runs)
{
	uint64_t end = run->start + run->units;

	map->runs++;
	if (end <= from || map->written == max_runs)
		return;
	runs[map->written] = *run;
	if (run->start < from) {
		runs[map->written].start = from;
		runs[map->written].units = end - from;
	}
	map->written++;
	map->next = end;
}

NTA_EXPORT int
nta_region_map(struct nta_arena *a, uint32_t id, uint64_t from, struct nta_run *runs,
		uint32_t max_runs, struct nta_region_map *map)
{
	uint64_t count[3] = { 0, 0, 0 };
	const struct nta_region *r;
	struct nta_run cur = { 0, 0, NTA_UNITS_USED };
	uint64_t u, e;

	if (a == NULL || map == NULL || (runs == NULL && max_runs != 0))
		return nta_fail(EINVAL);
	if (id >= __atomic_load_n(&a->n_regions, __ATOMIC_ACQUIRE))
		return nta_fail(ERANGE);
	r = a->regions[id];
	if (from > r->units)
		return nta_fail(ERANGE);
	memset(map, 0, sizeof(*map));
	map->units = r->units;
	map->largest_start = r->units;
	map->next = from;
	nta_lock(&a->lock);
	for (u = 0; u < r->units; u = e) {
		enum nta_unit_state s = block_state(r, u);

		e = nta_bitmap_next(&r->head, u + 1);
		count[s] += e - u;
		if (s == NTA_UNITS_FREE && e - u > map->largest_units) {
			map->largest_start = u;
			map->largest_units = e - u;
		}
		if (cur.units != 0 && cur.state == s) {
			cur.units += e - u;
			continue;
		}
		if (cur.units != 0)
			map_emit(map, &cur, from, runs, max_runs);
		cur.start = u;
		cur.units = e - u;
		cur.state = s;
	}
	map_emit(map, &cur, from, runs, max_runs);
	nta_unlock(&a->lock);
	map->used = count[NTA_UNITS_USED];
	map->cached = count[NTA_UNITS_CACHED];
	map->free = count[NTA_UNITS_FREE];
	return 0;
}

/* s as a JSON string (quotes included), escaping what JSON requires. */
static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* One region's object of the dump; 0 or -1 (nta_errno set). */
static int
dump_region(FILE *f, struct nta_arena *a, uint32_t id)
{
	static const char letter[] = { 'u', 'c', 'f' };
	struct nta_run runs[MAP_BATCH];
	struct nta_region_map map;
	uint64_t from = 0;
	uint32_t i;
	int first = 1;

	do {
		if (nta_region_map(a, id, from, runs, MAP_BATCH, &map) != 0)
			return -1;
		if (from == 0)
			fprintf(f, "{\"id\": %u, \"jumbo\": %d, \"units\": %" PRIu64 ", \"used\": %"
				PRIu64 ", \"cached\": %" PRIu64 ", \"free\": %" PRIu64
				", \"largest_start\": %" PRIu64 ", \"largest_units\": %" PRIu64
				", \"runs\": \"", id, a->regions[id]->jumbo ? 1 : 0, map.units,
				map.used, map.cached, map.free, map.largest_start,
				map.largest_units);
		for (i = 0; i < map.written; i++) {
			fprintf(f, "%s%c%" PRIu64, first ? "" : " ", letter[runs[i].state],
				runs[i].units);
			first = 0;
		}
		from = map.next;
	} while (from < map.units);
	fputs("\"}", f);
	return 0;
}

NTA_EXPORT int
nta_dump_map(FILE *f, struct nta_arena *a)
{
	uint32_t i, n;

	if (f == NULL || a == NULL)
		return nta_fail(EINVAL);
	n = nta_region_count(a);
	fputs("{\"format\": \"nta-map\", \"version\": 1, \"arenas\": [{\"name\": ", f);
	json_string(f, a->name);
	fprintf(f, ", \"unit\": %u, \"regions\": [", (unsigned int)NTA_UNIT);
	for (i = 0; i < n; i++) {
		fputs(i == 0 ? "\n  " : ",\n  ", f);
		if (dump_region(f, a, i) != 0)
			return -1;
	}
	fputs("]}]}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return nta_fail(EIO);
	return 0;
}
