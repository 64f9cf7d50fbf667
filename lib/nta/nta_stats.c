/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* Statistics: a snapshot of an arena's counters and extents, and its dump. */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "nta_region.h"

/* Memory bm costs when only its bits below hi were ever set. */
static uint64_t
bitmap_bytes(const struct nta_bitmap *bm, uint64_t hi)
{
	uint64_t b = 0;
	uint32_t k;

	for (k = 0; k < bm->levels; k++) {
		hi = (hi + 63) / 64;    /* words of level k below hi, bits of level k + 1 */
		b += nta_meta_cost(bm->words[k] * sizeof(uint64_t), hi * sizeof(uint64_t));
	}
	return b;
}

/* The regions' part of st, under lock; the number of used + cached blocks. */
static uint64_t
stats_regions(struct nta_arena *a, struct nta_stats *st)
{
	uint64_t nonfree = 0;
	uint32_t i;

	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];
		uint32_t h = nta_tree_height(&r->tree);

		st->bytes_total += nta_region_bytes(r);
		st->bytes_free += r->free_units * NTA_UNIT;
		if (r->max_free * NTA_UNIT > st->largest_free)
			st->largest_free = r->max_free * NTA_UNIT;
		st->free_extents += r->tree.count;
		if (h > st->tree_height_max)
			st->tree_height_max = h;
		nonfree += r->nonfree_blocks;
		/* Metadata by pages written (nta_meta_alloc()), the nodes by chunks. */
		st->metadata_bytes += sizeof(*r) + bitmap_bytes(&r->head, r->hi) +
			bitmap_bytes(&r->free, r->hi) + nta_meta_cost(r->units, r->hi) +
			(uint64_t)r->tree.n_chunks * NTA_NODE_CHUNK * sizeof(struct nta_node);
	}
	st->regions = a->n_regions;
	return nonfree;
}

NTA_EXPORT int
nta_stats_get(struct nta_arena *a, struct nta_stats *st)
{
	uint64_t nonfree, cached_bufs = 0;
	uint32_t i;

	if (a == NULL || st == NULL)
		return nta_fail(EINVAL);
	memset(st, 0, sizeof(*st));
	st->metadata_bytes = sizeof(*a) + (uint64_t)a->max_ids * 2 * sizeof(void *) +
		(uint64_t)a->n_slots * sizeof(void *);
	nta_lock(&a->lock);
	nonfree = stats_regions(a, st);
	st->allocs = a->allocs;
	st->frees = a->frees;
	st->tree_allocs = a->tree_allocs;
	st->tree_frees = a->tree_frees;
	st->merges = a->merges;
	nta_unlock(&a->lock);
	for (i = 0; i < NTA_CACHE_SLOTS; i++) {
		const struct nta_cache *c = __atomic_load_n(&a->cache[i], __ATOMIC_ACQUIRE);
		uint64_t frees, count, out, hits;

		if (c == NULL)
			continue;
		/* hits = frees - count - given (see struct nta_cache); torn while it runs. */
		count = __atomic_load_n(&c->count, __ATOMIC_RELAXED);
		out = count + nta_cnt_get(&c->given);
		frees = nta_cnt_get(&c->frees);
		hits = frees > out ? frees - out : 0;
		st->bytes_cached += nta_cnt_get(&c->units) * NTA_UNIT;
		cached_bufs += count;
		st->allocs += nta_cnt_get(&c->allocs) + hits;
		st->frees += frees;
		st->cache_hits += hits;
		st->cache_flushes += nta_cnt_get(&c->flushes);
		st->metadata_bytes += sizeof(*c);
	}
	st->alloc_fails = __atomic_load_n(&a->alloc_fails, __ATOMIC_RELAXED);
	st->free_errors = __atomic_load_n(&a->free_errors, __ATOMIC_RELAXED);
	if (st->bytes_free + st->bytes_cached > st->bytes_total)
		st->bytes_cached = st->bytes_total - st->bytes_free;   /* torn cache read */
	st->bytes_used = st->bytes_total - st->bytes_free - st->bytes_cached;
	st->buffers_used = nonfree > cached_bufs ? nonfree - cached_bufs : 0;
	st->fragmentation = st->bytes_free != 0 ?
		1.0 - (double)st->largest_free / (double)st->bytes_free : 0.0;
	return 0;
}

NTA_EXPORT void
nta_dump(FILE *f, struct nta_arena *a, int verbose)
{
	struct nta_stats s;
	uint32_t i;

	if (a == NULL || nta_stats_get(a, &s) != 0)
		return;
	fprintf(f, "arena %s: %u regions, %" PRIu64 " bytes: used %" PRIu64 " (%" PRIu64
		" buffers), cached %" PRIu64 ", free %" PRIu64 " in %" PRIu64
		" extents, largest %" PRIu64 ", fragmentation %.4f, tree height %u\n",
		a->name, s.regions, s.bytes_total, s.bytes_used, s.buffers_used, s.bytes_cached,
		s.bytes_free, s.free_extents, s.largest_free, s.fragmentation, s.tree_height_max);
	fprintf(f, "  allocs %" PRIu64 " (cache %" PRIu64 ", tree %" PRIu64 "), frees %" PRIu64
		" (tree %" PRIu64 ", merges %" PRIu64 "), fails %" PRIu64 ", bad frees %" PRIu64
		", metadata %" PRIu64 " bytes\n", s.allocs, s.cache_hits, s.tree_allocs, s.frees,
		s.tree_frees, s.merges, s.alloc_fails, s.free_errors, s.metadata_bytes);
	if (!verbose)
		return;
	nta_lock(&a->lock);
	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];
		avl_t n;

		fprintf(f, "  region %u%s: %p, ", r->id, r->jumbo ? " (jumbo)" : "",
			(void *)r->base);
		/* Files have no name: the fd is how another process gets at one. */
		if (r->fd >= 0)
			fprintf(f, "fd %d, ", r->fd);
		fprintf(f, "%" PRIu64 " units, %" PRIu64 " free, height %u:", r->units,
			r->free_units, nta_tree_height(&r->tree));
		for (n = nta_tree_first(&r->tree); n != 0; n = nta_tree_next(&r->tree, n)) {
			const struct nta_node *nd = nta_node(&r->tree, n);

			fprintf(f, " [%u+%" PRIu64 "]", (unsigned int)nd->start, nta_node_len(nd));
		}
		fputc('\n', f);
	}
	nta_unlock(&a->lock);
}
