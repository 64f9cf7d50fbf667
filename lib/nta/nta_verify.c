/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Verify: check every invariant written beside the structs of
 * nta_private.h, and log each violation. Kept apart from the code it checks,
 * and written for clarity, not speed.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nta_region.h"

/* Violations logged per check; the rest are only counted. */
#define MAX_LOGGED 20

struct vctx {
	const char *arena;
	unsigned int bad;
};

static void
violation(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
violation(struct vctx *v, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	v->bad++;
	if (v->bad > MAX_LOGGED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nta_log(NTA_LOG_ERR, "%s: verify: %s", v->arena, msg);
}

static void
tree_report(void *arg, const char *what)
{
	violation(arg, "%s", what);
}

static inline bool
held_test(const uint64_t *held, uint64_t u)
{
	return (held[u / 64] >> (u % 64)) & 1;
}

/* Entry ent of cache s holds a cached block of n units; mark it in held (if any). */
static void
verify_cache_ent(struct nta_arena *a, struct vctx *v, uint32_t s,
		const struct nta_cache_ent *ent, uint32_t n, uint64_t **held)
{
	struct nta_region *r;

	if (ent->region >= a->n_regions) {
		violation(v, "cache %u: entry in region %u", s, ent->region);
		return;
	}
	r = a->regions[ent->region];
	if (ent->unit >= r->units || ent->ptr != r->base + ent->unit * NTA_UNIT) {
		violation(v, "cache %u: entry %p out of its region", s, ent->ptr);
		return;
	}
	if (!nta_bitmap_test(&r->head, ent->unit) || nta_bitmap_test(&r->free, ent->unit) ||
			nta_used_test(r, ent->unit) || nta_block_units(r, ent->unit) != n) {
		violation(v, "cache %u: %p is not a cached block of %u units", s, ent->ptr, n);
		return;
	}
	if (held == NULL)
		return;
	if (held_test(held[r->id], ent->unit))
		violation(v, "cached block %p held twice", ent->ptr);
	held[r->id][ent->unit / 64] |= UINT64_C(1) << (ent->unit % 64);
}

/* Check cache c (slot s): its lists, counts and entries. */
static void
verify_cache(struct nta_arena *a, struct vctx *v, uint32_t s, const struct nta_cache *c,
		uint64_t **held)
{
	uint64_t count = 0, units = 0, spares = 0;
	uint32_t n, i;
	uint8_t *seen;

	seen = calloc(NTA_CACHE_CAP, 1);
	if (seen == NULL) {
		violation(v, "no memory to verify cache %u", s);
		return;
	}
	for (n = 1; n < NTA_CACHE_BINS; n++) {
		uint16_t e;

		for (e = c->bin[n]; e != 0 && e <= NTA_CACHE_CAP; e = c->ent[e - 1].next) {
			if (seen[e - 1]++) {
				violation(v, "cache %u: entry %u on two lists", s, e - 1);
				break;
			}
			count++;
			units += n;
			verify_cache_ent(a, v, s, &c->ent[e - 1], n, held);
		}
	}
	for (i = c->spare; i != 0 && i <= NTA_CACHE_CAP; i = c->ent[i - 1].next) {
		if (seen[i - 1]++) {
			violation(v, "cache %u: spare entry %u also on a list", s, i - 1);
			break;
		}
		spares++;
	}
	if (count != c->count || units != c->units)
		violation(v, "cache %u: count %u/%" PRIu64 " units %" PRIu64 "/%" PRIu64,
			s, c->count, count, c->units, units);
	if (units > c->limit || c->limit < NTA_CACHE_UNITS_MIN || c->limit > NTA_CACHE_UNITS_CAP)
		violation(v, "cache %u: holds %" PRIu64 " units, limit %" PRIu64 " (%" PRIu64
			"..%" PRIu64 ")", s, units, c->limit, (uint64_t)NTA_CACHE_UNITS_MIN,
			(uint64_t)NTA_CACHE_UNITS_CAP);
	if (count + spares != NTA_CACHE_CAP)
		violation(v, "cache %u: %" PRIu64 " entries lost", s,
			NTA_CACHE_CAP - count - spares);
	if (c->frees < c->count + c->given)
		violation(v, "cache %u: %" PRIu64 " frees, fewer than %u held + %" PRIu64
			" given back", s, c->frees, c->count, c->given);
	free(seen);
}

/*
 * Head, free and used maps agree word by word, and are zero from r->hi on
 * (reading those pages maps the zero page: no memory); the number of heads.
 */
static uint64_t
verify_maps(struct vctx *v, const struct nta_region *r)
{
	uint64_t heads = 0, w;

	if (nta_bitmap_check(&r->head) != 0 || nta_bitmap_check(&r->free) != 0)
		violation(v, "region %u: bitmap summary inconsistent", r->id);
	if (r->hi == 0 || r->hi > r->units)
		violation(v, "region %u: high-water mark %" PRIu64 " of %" PRIu64 " units",
			r->id, r->hi, r->units);
	else if (nta_bitmap_next(&r->head, r->hi) != r->units ||
			nta_bitmap_next(&r->free, r->hi) != r->units)
		violation(v, "region %u: a head or free bit at or above hi %" PRIu64, r->id,
			r->hi);
	if (!nta_bitmap_test(&r->head, 0))
		violation(v, "region %u: unit 0 starts no block", r->id);
	for (w = 0; w < (r->units + 63) / 64; w++) {
		uint64_t h = r->head.lvl[0][w], f = r->free.lvl[0][w], us = 0, b;

		for (b = 0; b < 64 && w * 64 + b < r->units; b++)
			us |= (uint64_t)(r->used[w * 64 + b] != 0) << b;
		if (w * 64 + 63 >= r->hi && (us >> (w * 64 >= r->hi ? 0 : r->hi - w * 64)) != 0)
			violation(v, "region %u: a used byte at or above hi %" PRIu64, r->id, r->hi);

		if ((f & ~h) != 0 || (us & ~h) != 0 || (f & us) != 0)
			violation(v, "region %u: units %" PRIu64
				"..: free/used bit off a head or both", r->id, w * 64);
		heads += (uint64_t)__builtin_popcountll(h);
	}
	return heads;
}

/*
 * Check region r. held marks its cached blocks; NULL skips the check that
 * every block is free, used or cached (it needs every cache to stand still).
 */
static void
verify_region(struct vctx *v, struct nta_region *r, const uint64_t *held)
{
	uint64_t u = 0, extents = 0, free_sum = 0, largest = 0, heads;
	bool prev_free = false;

	heads = verify_maps(v, r);
	while (u < r->units) {
		uint64_t len = nta_block_units(r, u);
		bool f = nta_bitmap_test(&r->free, u);

		if (f) {
			avl_t n = nta_tree_find(&r->tree, u, len);

			if (n == 0)
				violation(v, "region %u: free extent %" PRIu64 "+%" PRIu64
					" not in the tree", r->id, u, len);
			if (prev_free)
				violation(v, "region %u: free extents adjacent at unit %" PRIu64,
					r->id, u);
			extents++;
			free_sum += len;
			if (len > largest)
				largest = len;
		} else if (nta_used_test(r, u) && r->used[u] != nta_used_code(len)) {
			violation(v, "region %u: used block %" PRIu64 "+%" PRIu64 " marked with "
				"length code %u", r->id, u, len, (unsigned int)r->used[u]);
		} else if (held != NULL && !nta_used_test(r, u) && !held_test(held, u)) {
			violation(v, "region %u: block %" PRIu64 "+%" PRIu64
				" neither free, used nor cached (lost)", r->id, u, len);
		}
		prev_free = f;
		u += len;
	}
	if (u != r->units)
		violation(v, "region %u: blocks cover %" PRIu64 " of %" PRIu64 " units", r->id, u,
			r->units);
	nta_tree_check(&r->tree, tree_report, v);
	if (extents != r->tree.count)
		violation(v, "region %u: %" PRIu64 " free extents, %" PRIu64 " in the tree", r->id,
			extents, r->tree.count);
	if (free_sum != r->free_units || largest != r->max_free)
		violation(v, "region %u: free units %" PRIu64 "/%" PRIu64 ", largest %" PRIu64
			"/%" PRIu64, r->id, free_sum, r->free_units, largest, r->max_free);
	if (heads - extents != r->nonfree_blocks)
		violation(v, "region %u: %" PRIu64 " used+cached blocks, counted %" PRIu64,
			r->id, heads - extents, r->nonfree_blocks);
	if (r->tree.capacity < r->nonfree_blocks + 1 && r->tree.capacity < r->tree.max_nodes - 1)
		violation(v, "region %u: %" PRIu64 " nodes cannot hold the extents of %" PRIu64
			" frees", r->id, r->tree.capacity, r->nonfree_blocks);
}

/* Every cache in one place only; the spares empty; no depot before a hand-over. */
static void
verify_places(struct vctx *v, const struct nta_arena *a)
{
	uint32_t i, j;

	for (i = NTA_CACHE_SPARE; i < NTA_CACHE_SLOTS; i++)
		if (a->cache[i] != NULL && a->cache[i]->count != 0)
			violation(v, "spare cache %u holds %u buffers", i, a->cache[i]->count);
	for (i = NTA_CACHE_DEPOT; i < NTA_CACHE_SPARE && a->handed == 0; i++)
		if (a->cache[i] != NULL)
			violation(v, "depot place %u taken before any hand-over", i);
	for (i = 0; i < NTA_CACHE_SLOTS; i++)
		for (j = i + 1; a->cache[i] != NULL && j < NTA_CACHE_SLOTS; j++)
			if (a->cache[i] == a->cache[j])
				violation(v, "cache in two places (%u and %u)", i, j);
}

/* The arena's fit index: region k in class c iff ordinary and max_free >= 2^c. */
static void
verify_fit(struct vctx *v, const struct nta_arena *a)
{
	uint32_t k, c;

	for (k = 0; k < a->fit_words * 64; k++) {
		const struct nta_region *r = k < a->n_regions ? a->regions[k] : NULL;

		for (c = 0; c < NTA_FIT_CLASSES; c++) {
			bool in = (a->fit[(size_t)c * a->fit_words + k / 64] >> (k % 64)) & 1;
			bool want = r != NULL && !r->jumbo && r->max_free >= (UINT64_C(1) << c);

			if (in != want)
				violation(v, "fit index: region %u %s class %u (largest free %"
					PRIu64 ")", k, in ? "wrongly in" : "missing from", c,
					r != NULL ? r->max_free : 0);
		}
	}
}

/*
 * What can be checked while other threads keep working: regions (all but
 * the "lost block" check, since a block on its way into or out of a cache is
 * briefly neither used nor cached) and the caller's own cache. Under lock.
 */
unsigned int
nta_verify_locked(struct nta_arena *a, const struct nta_region *r,
		const struct nta_cache *mine)
{
	struct vctx v = { .arena = a->name };
	uint32_t s, i;

	for (s = 0; mine != NULL && s < NTA_CACHE_SLOTS; s++)
		if (a->cache[s] == mine)
			verify_cache(a, &v, s, mine, NULL);
	for (i = 0; i < a->n_regions; i++)
		if (r == NULL || a->regions[i] == r)
			verify_region(&v, a->regions[i], NULL);
	verify_fit(&v, a);
	verify_places(&v, a);
	return v.bad;
}

#ifdef NTA_VERIFY_MUTATIONS
void
nta_verify_mutation(struct nta_arena *a, const struct nta_region *r,
		const struct nta_cache *mine, const char *what)
{
	unsigned int bad = nta_verify_locked(a, r, mine);

	if (bad == 0)
		return;
	nta_log(NTA_LOG_ERR, "%s: %u violations after a %s (verify_mutations): abort", a->name,
		bad, what);
	abort();
}
#endif

NTA_EXPORT int
nta_verify(struct nta_arena *a)
{
	struct vctx v = { 0 };
	uint64_t **held;
	uint32_t i;

	if (a == NULL)
		return nta_fail(EINVAL);
	v.arena = a->name;
	held = calloc(a->n_regions + 1, sizeof(*held));
	if (held == NULL)
		return nta_fail(ENOMEM);
	for (i = 0; i < a->n_regions; i++) {
		held[i] = calloc((a->regions[i]->units + 63) / 64, sizeof(uint64_t));
		if (held[i] == NULL) {
			violation(&v, "no memory to verify");
			goto out;
		}
	}
	nta_lock(&a->lock);
	for (i = 0; i < NTA_CACHE_SLOTS; i++)
		if (a->cache[i] != NULL)
			verify_cache(a, &v, i, a->cache[i], held);
	for (i = 0; i < a->n_regions; i++)
		verify_region(&v, a->regions[i], held[i]);
	verify_fit(&v, a);
	verify_places(&v, a);
	nta_unlock(&a->lock);
out:
	for (i = 0; i < a->n_regions; i++)
		free(held[i]);
	free(held);
	return (int)v.bad;
}
