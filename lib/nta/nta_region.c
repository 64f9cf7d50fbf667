/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Regions: creation and deletion, the lookup of the region of a pointer, and
 * the two slow-path operations on a region's free extents, take (split the
 * best fit) and give (merge a block with its free neighbours).
 *
 * Take. An allocation takes a free extent found by best fit; its node keeps
 * the units it leaves (before the buffer when its start was aligned, after it
 * otherwise) or leaves the tree on an exact fit.
 *
 * Give. A freed buffer (or a cached one, when a cache drains) merges with its
 * free neighbours: the previous block is found through the head bitmap, the
 * next one is the unit right after the buffer; the node of a merged neighbour
 * takes the union (the other one, if both merge, leaves the tree), else the
 * block goes in as a new node.
 *
 * A node whose key changes stays where it is when the key keeps its in-order
 * position (nta_tree_rekey()), which is the common case: a shrinking extent
 * is usually still larger than its predecessor, a growing one still smaller
 * than its successor. Every step is O(log2 N) in the extents of one region.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nta_region.h"

/* Tree nodes a region keeps beyond one per used or cached block (see take). */
#define TAKE_SPARE_NODES 3

static void
update_max_free(struct nta_region *r)
{
	avl_t last = nta_tree_last(&r->tree);

	r->max_free = last != 0 ? nta_node_len(nta_node(&r->tree, last)) : 0;
}

void
nta_region_fit_move(struct nta_arena *a, struct nta_region *r, uint32_t classes)
{
	uint64_t bit = UINT64_C(1) << (r->id % 64);
	uint64_t *w = &a->fit[r->id / 64];
	uint32_t c;

	for (c = classes; c < r->fit_classes; c++)
		w[(size_t)c * a->fit_words] &= ~bit;
	for (c = r->fit_classes; c < classes; c++)
		w[(size_t)c * a->fit_words] |= bit;
	r->fit_classes = (uint8_t)classes;
}

void
nta_region_delete(struct nta_region *r)
{
	if (r == NULL)
		return;
	/* Give the memory back clean: to its owner, or to the next mapping there. */
	if (r->base != NULL)
		nta_unpoison(r->base, nta_region_bytes(r));
	nta_backing_unmap(r);
	nta_bitmap_fini(&r->head);
	nta_bitmap_fini(&r->free);
	nta_meta_free(r->used, r->units);
	nta_tree_fini(&r->tree);
	free(r);
}

/*
 * Make sure t has spare nodes for want - count more extents, want capped at
 * what the tree can ever hold (a region of one or two units has room for
 * two extents only). 0, or -ENOMEM.
 */
static int
reserve_nodes(struct nta_tree *t, uint64_t want)
{
	if (want > t->max_nodes - 1)
		want = t->max_nodes - 1;
	/* Only when short: the common take finds the room already there. */
	return want > t->capacity ? nta_tree_reserve(t, want - t->count) : 0;
}

/* Metadata of a region over base[0, units): one free extent. */
static struct nta_region *
region_init(struct nta_region *r, uint64_t units)
{
	r->units = units;
	if (nta_bitmap_init(&r->head, units) != 0 || nta_bitmap_init(&r->free, units) != 0)
		return NULL;
	r->used = nta_meta_alloc(units);
	if (r->used == NULL)
		return NULL;
	/* No two free extents touch, so there are at most ceil(units / 2). */
	if (nta_tree_init(&r->tree, (units + 1) / 2 + 1) != 0 ||
			reserve_nodes(&r->tree, TAKE_SPARE_NODES) != 0)
		return NULL;
	nta_bitmap_set(&r->head, 0);
	nta_bitmap_set(&r->free, 0);
	nta_tree_insert(&r->tree, 0, units);
	r->free_units = units;
	r->max_free = units;
	r->nonfree_blocks = 0;
	r->hi = 1;
	nta_poison(r->base, nta_region_bytes(r));
	return r;
}

static int
base_cmp(const void *x, const void *y)
{
	const struct nta_region *a = *(struct nta_region *const *)x;
	const struct nta_region *b = *(struct nta_region *const *)y;

	return a->base < b->base ? -1 : a->base > b->base;
}

/* Publish a new lookup index (sorted by base) with rs[0, n) in it. Under lock. */
static int
index_add(struct nta_arena *a, struct nta_region *const *rs, uint32_t n)
{
	struct nta_region_index *old = a->index, *ni;
	uint32_t n_old = old != NULL ? old->n : 0;

	ni = malloc(sizeof(*ni) + (n_old + n) * sizeof(ni->r[0]));
	if (ni == NULL)
		return -ENOMEM;
	if (n_old != 0)
		memcpy(ni->r, old->r, n_old * sizeof(ni->r[0]));
	memcpy(ni->r + n_old, rs, n * sizeof(ni->r[0]));
	ni->n = n_old + n;
	qsort(ni->r, ni->n, sizeof(ni->r[0]), base_cmp);
	/* Readers may still walk the old index: keep it until destroy. */
	if (old != NULL)
		a->old_index[a->n_old_index++] = old;
	__atomic_store_n(&a->index, ni, __ATOMIC_RELEASE);
	return 0;
}

struct nta_region *
nta_region_search(const struct nta_arena *a, const uint8_t *p)
{
	const struct nta_region_index *ix = __atomic_load_n(&a->index, __ATOMIC_ACQUIRE);
	uint32_t lo = 0, hi;

	if (ix == NULL)
		return NULL;
	hi = ix->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		struct nta_region *r = ix->r[mid];

		if (p < r->base)
			hi = mid;
		else if (p >= r->base + nta_region_bytes(r))
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

bool
nta_region_overlaps(const struct nta_arena *a, const uint8_t *base, size_t len)
{
	uint32_t i;

	for (i = 0; i < a->n_regions; i++) {
		const struct nta_region *r = a->regions[i];

		if (base < r->base + nta_region_bytes(r) && r->base < base + len)
			return true;
	}
	return false;
}

struct nta_region *
nta_region_new(struct nta_arena *a, size_t size, bool jumbo, uint8_t *base, uint64_t iova,
		uint32_t ahead, int *err)
{
	struct nta_region *r;
	int rc;

	if (a->n_regions + ahead >= a->max_ids) {
		*err = -ENOSPC;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	r->id = a->n_regions + ahead;
	r->jumbo = jumbo;
	r->fd = -1;
	if (base == NULL) {
		uint32_t k = jumbo ? 0 : a->jumbo_slots + a->n_ordinary + ahead;
		void *at = NULL;

		if (a->va_len != 0 && k < a->n_slots)
			at = (void *)(a->va_base + ((uintptr_t)k << a->va_shift));
		rc = nta_backing_map(a, r, size, at);
		r->in_reservation = at != NULL;
		if (rc != 0) {
			free(r);
			*err = rc;
			return NULL;
		}
	} else {
		r->base = base;
		r->iova = iova;
	}
	if (region_init(r, size / NTA_UNIT) == NULL) {
		nta_region_delete(r);
		*err = -ENOMEM;
		return NULL;
	}
	return r;
}

int
nta_region_publish(struct nta_arena *a, struct nta_region *const *rs, uint32_t n)
{
	uint32_t i;

	if (index_add(a, rs, n) != 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct nta_region *r = rs[i];

		a->regions[r->id] = r;
		if (r->in_reservation) {
			uintptr_t k = ((uintptr_t)r->base - a->va_base) >> a->va_shift;
			uintptr_t last = ((uintptr_t)r->base + nta_region_bytes(r) - 1 -
				a->va_base) >> a->va_shift;

			for (; k <= last; k++)
				__atomic_store_n(&a->slot[k], r, __ATOMIC_RELEASE);
		}
		if (r->jumbo)
			a->jumbo = (int)r->id;
		else
			a->n_ordinary++;
		nta_region_fit_update(a, r);
	}
	__atomic_store_n(&a->n_regions, a->n_regions + n, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		NTA_VERIFY_MUTATION(a, rs[i], NULL, "new region");
	return 0;
}

struct nta_region *
nta_region_add(struct nta_arena *a, size_t size, bool jumbo, uint8_t *base, uint64_t iova,
		int *err)
{
	struct nta_region *r = nta_region_new(a, size, jumbo, base, iova, 0, err);

	if (r == NULL)
		return NULL;
	*err = nta_region_publish(a, &r, 1);
	if (*err != 0) {
		nta_region_delete(r);
		return NULL;
	}
	return r;
}

void *
nta_region_take(struct nta_region *r, avl_t node, uint64_t n, size_t align)
{
	struct nta_tree *t = &r->tree;
	uint64_t s, len, pre = 0, post;
	const struct nta_node *nd;

	NTA_ASSERT(node != 0, "a free extent to take from");
	/*
	 * Keep enough spare nodes that any sequence of frees finds one: a
	 * region with B used or cached blocks has at most B + 1 free extents.
	 */
	if (reserve_nodes(t, r->nonfree_blocks + TAKE_SPARE_NODES) != 0)
		return NULL;
	nd = nta_node(t, node);     /* after the reserve: the node table may move */
	s = nd->start;
	len = nta_node_len(nd);
	if (align > NTA_UNIT)
		pre = nta_align_skip(r, nd, align);
	NTA_ASSERT(pre + n <= len, "the extent holds the aligned buffer");
	post = len - pre - n;
	/*
	 * The node of the extent keeps the units left over (the ones before
	 * the buffer first): one tree operation, usually in place, instead of
	 * a removal and an insertion.
	 */
	if (pre != 0) {
		nta_tree_rekey(t, node, s, pre);
		nta_bitmap_set(&r->head, s + pre);
	} else {
		nta_bitmap_clear(&r->free, s);
		if (post != 0)
			nta_tree_rekey(t, node, s + n, post);
		else
			nta_tree_remove_node(t, node);
	}
	if (post != 0) {
		if (pre != 0)
			nta_tree_insert(t, s + pre + n, post);
		nta_bitmap_set(&r->head, s + pre + n);
		nta_bitmap_set(&r->free, s + pre + n);
	}
	nta_used_set(r, s + pre, n);
	/* The buffer and the head of the extent after it are now below hi. */
	if (s + pre + n >= r->hi)
		r->hi = s + pre + n < r->units ? s + pre + n + 1 : r->units;
	r->free_units -= n;
	r->nonfree_blocks++;
	if (len == r->max_free)     /* the rest is smaller: the largest may have gone */
		update_max_free(r);
	nta_unpoison(r->base + (s + pre) * NTA_UNIT, n * NTA_UNIT);
	return r->base + (s + pre) * NTA_UNIT;
}

void
nta_region_give(struct nta_arena *a, struct nta_region *r, uint64_t u, uint64_t n)
{
	struct nta_tree *t = &r->tree;
	uint64_t s = u, len = n, q = u + n;
	avl_t pn = 0, qn = 0;

	NTA_ASSERT(!nta_bitmap_test(&r->free, u) && nta_bitmap_test(&r->head, u),
		"the block given back starts a block that is not free");
	nta_poison(r->base + u * NTA_UNIT, n * NTA_UNIT);
	if (u > 0) {
		uint64_t p = nta_block_head(r, u - 1);

		if (nta_bitmap_test(&r->free, p)) {
			pn = nta_tree_find(t, p, u - p);
			NTA_ASSERT(pn != 0, "the free extent before the block is in the tree");
			nta_bitmap_clear(&r->head, u);
			len += u - p;
			s = p;
			a->merges++;
		}
	}
	if (q < r->units && nta_bitmap_test(&r->free, q)) {
		uint64_t ql = nta_block_units(r, q);

		qn = nta_tree_find(t, q, ql);
		NTA_ASSERT(qn != 0, "the free extent after the block is in the tree");
		nta_bitmap_clear(&r->free, q);
		nta_bitmap_clear(&r->head, q);
		len += ql;
		a->merges++;
	}
	/*
	 * One node keeps the union (node indices are stable across a removal):
	 * the merge grows its key, usually without moving it in the tree.
	 */
	if (pn != 0 && qn != 0)
		nta_tree_remove_node(t, qn);
	else if (qn != 0)
		pn = qn;
	if (s == u)
		nta_bitmap_set(&r->free, u);
	if (pn != 0)
		nta_tree_rekey(t, pn, s, len);
	else
		nta_tree_insert(t, s, len);
	r->free_units += n;
	r->nonfree_blocks--;
	if (len > r->max_free) {
		r->max_free = len;
		nta_region_fit_update(a, r);
	}
}

int
nta_region_classify(struct nta_arena *a, struct nta_region *r, uint64_t u, const char **why)
{
	int err;

	nta_lock(&a->lock);
	if (nta_bitmap_test(&r->head, u)) {
		err = EALREADY;
		*why = nta_bitmap_test(&r->free, u) ? "double free (buffer is in the free tree)" :
			"double free (buffer waits in a thread cache)";
	} else if (nta_bitmap_test(&r->free, nta_bitmap_prev(&r->head, u))) {
		err = EALREADY;
		*why = "points into free memory (double free of a merged buffer?)";
	} else {
		err = EINVAL;
		*why = "interior pointer (not the start of a buffer)";
	}
	nta_unlock(&a->lock);
	return err;
}

int
nta_region_locate(const struct nta_arena *a, const void *ptr, struct nta_region **rp,
		uint64_t *up, const char **why)
{
	struct nta_region *r = nta_region_lookup(a, ptr);
	uint64_t off;

	if (r == NULL) {
		*why = "pointer is in no region of this arena";
		return EFAULT;
	}
	off = (uint64_t)((const uint8_t *)ptr - r->base);
	if (off % NTA_UNIT != 0) {
		*why = "misaligned pointer (not on a unit boundary)";
		return EINVAL;
	}
	*rp = r;
	*up = off / NTA_UNIT;
	return 0;
}

int
nta_region_query(const struct nta_arena *a, const void *ptr, struct nta_region **rp,
		uint64_t *up, const char **why)
{
	int err;

	if (a == NULL || ptr == NULL) {
		*why = "NULL argument";
		return EINVAL;
	}
	err = nta_region_locate(a, ptr, rp, up, why);
	if (err != 0)
		return err;
	if (!nta_used_test(*rp, *up))
		return nta_region_classify((struct nta_arena *)(uintptr_t)a, *rp, *up, why);
	return 0;
}

/*
 * The IO address is read without the lock on the data path (nta_iova(), the
 * driver's mbuf setup): an atomic store, so that a reader sees the old or the
 * new address whole, never a torn one; release, so that whoever sees the new
 * address also sees what the caller wrote before (e.g. its DMA mapping).
 */
NTA_EXPORT int
nta_region_set_iova(struct nta_arena *a, uint32_t region, uint64_t iova)
{
	if (a == NULL)
		return nta_fail(EINVAL);
	if (region >= nta_region_count(a))
		return nta_fail(ERANGE);
	__atomic_store_n(&a->regions[region]->iova, iova, __ATOMIC_RELEASE);
	return 0;
}

NTA_EXPORT uint32_t
nta_region_count(const struct nta_arena *a)
{
	return a != NULL ? __atomic_load_n(&a->n_regions, __ATOMIC_ACQUIRE) : 0;
}

NTA_EXPORT int
nta_region_info(const struct nta_arena *a, uint32_t id, struct nta_region_info *info)
{
	const struct nta_region *r;

	if (a == NULL || info == NULL)
		return nta_fail(EINVAL);
	if (id >= nta_region_count(a))
		return nta_fail(ERANGE);
	r = a->regions[id];
	info->id = r->id;
	info->jumbo = r->jumbo;
	info->base = r->base;
	info->size = nta_region_bytes(r);
	info->iova = nta_region_iova(r);
	info->fd = r->fd;
	info->page_size = r->owned ? a->page_size : 0;
	info->path[0] = '\0';
	return 0;
}
