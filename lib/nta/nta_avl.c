/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The free index of a region: an AVL tree of free extents keyed by
 * (length, start). Best fit is the leftmost node whose length is at least the
 * request, which is also the lowest address among equal lengths. The tree is
 * height-balanced (|h(left) - h(right)| <= 1), so its height stays below
 * 1.44 log2(n + 2) and every search, insert and delete is O(log2 n).
 *
 * Nodes are 12 bytes (16-bit avl_t) addressed by index, never by pointer: an
 * index is an avl_t, as wide as a unit number (-Davl_bits), and chunks of
 * nodes are added on demand without moving any node. Node 0 is "none".
 *
 * Insert and delete walk down without recursion and retrace up through the
 * parent links, stopping at the first subtree whose height did not change
 * (an insert rotates at most once).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nta_private.h"

#define N(t, i) nta_node((t), (i))

static inline uint32_t
ht(const struct nta_tree *t, avl_t i)
{
	return i != 0 ? N(t, i)->height : 0;
}

static inline void
fix_height(struct nta_tree *t, avl_t i)
{
	struct nta_node *n = N(t, i);
	uint32_t l = ht(t, n->left), r = ht(t, n->right);

	n->height = (uint8_t)(1 + (l > r ? l : r));
}

static inline void
set_left(struct nta_tree *t, avl_t i, avl_t c)
{
	N(t, i)->left = c;
	if (c != 0)
		N(t, c)->parent = i;
}

static inline void
set_right(struct nta_tree *t, avl_t i, avl_t c)
{
	N(t, i)->right = c;
	if (c != 0)
		N(t, c)->parent = i;
}

/* Order of key (len, start) against node i: <0, 0, >0. */
static inline int
key_cmp(const struct nta_tree *t, uint64_t len, uint64_t start, avl_t i)
{
	const struct nta_node *n = N(t, i);
	uint64_t nl = nta_node_len(n);

	if (len != nl)
		return len < nl ? -1 : 1;
	if (start != n->start)
		return start < n->start ? -1 : 1;
	return 0;
}

static avl_t
rotate_right(struct nta_tree *t, avl_t y)
{
	avl_t x = N(t, y)->left;

	set_left(t, y, N(t, x)->right);
	set_right(t, x, y);
	fix_height(t, y);
	fix_height(t, x);
	return x;
}

static avl_t
rotate_left(struct nta_tree *t, avl_t x)
{
	avl_t y = N(t, x)->right;

	set_right(t, x, N(t, y)->left);
	set_left(t, y, x);
	fix_height(t, x);
	fix_height(t, y);
	return y;
}

/* Restore balance at i after one of its subtrees changed height by one. */
static avl_t
rebalance(struct nta_tree *t, avl_t i)
{
	struct nta_node *n = N(t, i);
	int b = (int)ht(t, n->left) - (int)ht(t, n->right);

	if (b > 1) {
		avl_t l = n->left;

		if (ht(t, N(t, l)->left) < ht(t, N(t, l)->right))
			set_left(t, i, rotate_left(t, l));
		return rotate_right(t, i);
	}
	if (b < -1) {
		avl_t r = n->right;

		if (ht(t, N(t, r)->right) < ht(t, N(t, r)->left))
			set_right(t, i, rotate_right(t, r));
		return rotate_left(t, i);
	}
	fix_height(t, i);
	return i;
}

int
nta_tree_init(struct nta_tree *t, uint64_t max_extents)
{
	memset(t, 0, sizeof(*t));
	t->max_nodes = max_extents + 1;
	t->max_chunks = (uint32_t)((t->max_nodes + NTA_NODE_CHUNK - 1) >> NTA_NODE_CHUNK_SHIFT);
	t->chunk = calloc(t->max_chunks, sizeof(*t->chunk));
	return t->chunk != NULL ? 0 : -ENOMEM;
}

void
nta_tree_fini(struct nta_tree *t)
{
	uint32_t c;

	if (t->chunk == NULL)
		return;
	for (c = 0; c < t->n_chunks; c++)
		free(t->chunk[c]);
	free(t->chunk);
	t->chunk = NULL;
}

int
nta_tree_reserve(struct nta_tree *t, uint64_t n)
{
	while (t->capacity - t->count < n) {
		uint64_t first = (uint64_t)t->n_chunks << NTA_NODE_CHUNK_SHIFT;
		uint64_t i, last = first + NTA_NODE_CHUNK;
		struct nta_node *c;

		if (t->n_chunks == t->max_chunks)
			return -ENOMEM;
		c = calloc(NTA_NODE_CHUNK, sizeof(*c));
		if (c == NULL)
			return -ENOMEM;
		t->chunk[t->n_chunks++] = c;
		if (last > t->max_nodes)
			last = t->max_nodes;
		/* Chain the new nodes on the spare list, lowest index first. */
		for (i = last; i-- > first;) {
			if (i == 0)
				continue;      /* node 0 means "none" */
			N(t, i)->parent = t->spare;
			t->spare = (avl_t)i;
			t->capacity++;
		}
	}
	return 0;
}

/* Make c take old's place under parent (or as the root). */
static inline void
replace_child(struct nta_tree *t, avl_t parent, avl_t old, avl_t c)
{
	if (parent == 0)
		t->root = c;
	else if (N(t, parent)->left == old)
		N(t, parent)->left = c;
	else
		N(t, parent)->right = c;
	if (c != 0)
		N(t, c)->parent = parent;
}

/*
 * Walk up from x, restoring heights and balance. A subtree whose height did
 * not change leaves its ancestors as they were: stop there. After an insert
 * that is at most one (single or double) rotation.
 */
static void
retrace(struct nta_tree *t, avl_t x)
{
	while (x != 0) {
		avl_t parent = N(t, x)->parent;
		uint8_t old = N(t, x)->height;
		avl_t r = rebalance(t, x);

		if (r != x)
			replace_child(t, parent, x, r);
		if (N(t, r)->height == old)
			return;
		x = parent;
	}
}

void
nta_tree_insert(struct nta_tree *t, uint64_t start, uint64_t len)
{
	avl_t nn = t->spare, i = t->root;
	struct nta_node *n;

	NTA_ASSERT(nn != 0, "insert needs a spare node (nta_tree_reserve): node 0 means none");
	NTA_ASSERT(len >= 1 && start + len <= NTA_REGION_MAX_UNITS, "the extent fits an avl_t");
	n = N(t, nn);
	t->spare = n->parent;
	n->left = n->right = 0;
	n->start = (avl_t)start;
	n->len_m1 = (avl_t)(len - 1);
	n->height = 1;
	n->spare = 0;
	t->count++;
	if (i == 0) {
		n->parent = 0;
		t->root = nn;
		return;
	}
	for (;;) {
		struct nta_node *c = N(t, i);
		avl_t *link = key_cmp(t, len, start, i) < 0 ? &c->left : &c->right;

		if (*link == 0) {
			*link = nn;
			n->parent = i;
			break;
		}
		i = *link;
	}
	retrace(t, i);
}

int
nta_tree_remove(struct nta_tree *t, uint64_t start, uint64_t len)
{
	avl_t z = nta_tree_find(t, start, len), y, c, p;
	struct nta_node *yn;

	if (z == 0)
		return -1;
	/*
	 * A node with two children takes its successor's extent, and the
	 * successor (which has no left child) leaves the tree instead. Nothing
	 * outside the tree refers to a node by index, so the move is free.
	 */
	y = z;
	if (N(t, z)->left != 0 && N(t, z)->right != 0) {
		for (y = N(t, z)->right; N(t, y)->left != 0; y = N(t, y)->left)
			;
		N(t, z)->start = N(t, y)->start;
		N(t, z)->len_m1 = N(t, y)->len_m1;
	}
	yn = N(t, y);
	c = yn->left != 0 ? yn->left : yn->right;
	p = yn->parent;
	replace_child(t, p, y, c);
	retrace(t, p);
	yn->height = 0;
	yn->left = yn->right = 0;
	yn->parent = t->spare;
	t->spare = y;
	t->count--;
	return 0;
}

avl_t
nta_tree_best_fit(const struct nta_tree *t, uint64_t len)
{
	avl_t i = t->root, best = 0;

	while (i != 0) {
		const struct nta_node *n = N(t, i);

		if (nta_node_len(n) >= len) {
			best = i;
			i = n->left;
		} else {
			i = n->right;
		}
	}
	return best;
}

avl_t
nta_tree_find(const struct nta_tree *t, uint64_t start, uint64_t len)
{
	avl_t i = t->root;

	while (i != 0) {
		int c = key_cmp(t, len, start, i);

		if (c == 0)
			return i;
		i = c < 0 ? N(t, i)->left : N(t, i)->right;
	}
	return 0;
}

avl_t
nta_tree_last(const struct nta_tree *t)
{
	avl_t i = t->root;

	while (i != 0 && N(t, i)->right != 0)
		i = N(t, i)->right;
	return i;
}

avl_t
nta_tree_first(const struct nta_tree *t)
{
	avl_t i = t->root;

	while (i != 0 && N(t, i)->left != 0)
		i = N(t, i)->left;
	return i;
}

avl_t
nta_tree_next(const struct nta_tree *t, avl_t i)
{
	avl_t p;

	if (N(t, i)->right != 0) {
		i = N(t, i)->right;
		while (N(t, i)->left != 0)
			i = N(t, i)->left;
		return i;
	}
	for (p = N(t, i)->parent; p != 0 && N(t, p)->right == i; p = N(t, p)->parent)
		i = p;
	return p;
}

struct check_ctx {
	const struct nta_tree *t;
	void (*report)(void *arg, const char *what);
	void *arg;
	unsigned int bad;
	uint64_t seen;
};

static void
check_fail(struct check_ctx *c, avl_t i, const char *what)
{
	char msg[160];

	c->bad++;
	if (c->report != NULL) {
		snprintf(msg, sizeof(msg), "tree node %u: %s", (unsigned int)i, what);
		c->report(c->arg, msg);
	}
}

/* Check subtree i, whose keys must lie strictly between lo and hi. */
static uint32_t
check_at(struct check_ctx *c, avl_t i, avl_t parent, avl_t lo, avl_t hi, uint32_t depth)
{
	const struct nta_tree *t = c->t;
	const struct nta_node *n;
	uint32_t hl, hr, h;

	if (i == 0)
		return 0;
	if (i >= t->max_nodes || (i >> NTA_NODE_CHUNK_SHIFT) >= t->n_chunks) {
		check_fail(c, i, "index out of range");
		return 0;
	}
	if (++c->seen > t->count || depth > 64) {
		check_fail(c, i, "more nodes reachable than counted (cycle?)");
		return 0;
	}
	n = N(t, i);
	if (n->parent != parent)
		check_fail(c, i, "parent link wrong");
	if (n->height == 0)
		check_fail(c, i, "spare node in the tree");
	if (lo != 0 && key_cmp(t, nta_node_len(n), n->start, lo) <= 0)
		check_fail(c, i, "key not above its left bound");
	if (hi != 0 && key_cmp(t, nta_node_len(n), n->start, hi) >= 0)
		check_fail(c, i, "key not below its right bound");
	hl = check_at(c, n->left, i, lo, i, depth + 1);
	hr = check_at(c, n->right, i, i, hi, depth + 1);
	h = 1 + (hl > hr ? hl : hr);
	if (n->height != h)
		check_fail(c, i, "stored height wrong");
	if (hl > hr + 1 || hr > hl + 1)
		check_fail(c, i, "AVL balance violated");
	return h;
}

unsigned int
nta_tree_check(const struct nta_tree *t, void (*report)(void *arg, const char *what), void *arg)
{
	struct check_ctx c = { .t = t, .report = report, .arg = arg };
	uint64_t spares = 0;
	uint32_t h;
	avl_t s;

	h = check_at(&c, t->root, 0, 0, 0, 0);
	if (c.seen != t->count)
		check_fail(&c, t->root, "count differs from reachable nodes");
	for (s = t->spare; s != 0 && spares <= t->capacity; s = N(t, s)->parent) {
		if (N(t, s)->height != 0)
			check_fail(&c, s, "live node on the spare list");
		spares++;
	}
	if (spares + t->count != t->capacity)
		check_fail(&c, t->root, "spare + live nodes differ from capacity");
	/*
	 * AVL bound: a tree of height h has at least F(h) nodes, F(1) = 1,
	 * F(2) = 2, F(h) = F(h-1) + F(h-2) + 1, hence h < 1.4405 log2(n + 2).
	 */
	{
		uint64_t f1 = 1, f2 = 0, k;

		for (k = 1; k < h; k++) {
			uint64_t f = f1 + f2 + 1;

			f2 = f1;
			f1 = f;
		}
		if (h > 0 && t->count < f1)
			check_fail(&c, t->root, "height above the AVL bound");
	}
	return c.bad;
}
