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
 * index is an avl_t, as wide as a unit number (-Davl_bits). They live in one
 * table (one load from index to node), grown on demand by chunks of nodes;
 * since nothing holds a node's address across a growth, the table may move.
 * Node 0 is "none".
 *
 * The last extent inserted waits unlinked (struct nta_tree's pend) until the
 * next insert links it: best fit, find, rekey, removal and the in-order walks
 * take it into account where it sorts. An allocation that takes the extent
 * the free before it gave back (one packet size freed and allocated again:
 * the best fit is that extent) then changes no link, and each operation is
 * still O(log2 n) (at most one link and one tree operation).
 *
 * Linking a short length finds the new key's in-order successor in the
 * length directory (first[] of the shortest length present at or above it)
 * and attaches the new leaf next to it, without a walk down from the root
 * and its mispredicted branch per level; other keys walk down. Insert and
 * delete retrace up through the parent links, stopping at the first subtree
 * whose height did not change; each knows which side changed, so a level
 * reads the sibling's height only (an insert stops at a parent already
 * taller, and rotates at most once). A removal relinks the successor in
 * place of the removed node, so that every other node keeps its index and
 * extent, and reuses that successor for the directory; a node whose key
 * changes without leaving its in-order place is updated where it is
 * (nta_tree_rekey()).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nta_private.h"

#define N(t, i) nta_node((t), (i))

/* Height of node i; node 0 ("none") is all zero, so no test is needed. */
static inline uint32_t
ht(const struct nta_tree *t, avl_t i)
{
	return N(t, i)->height;
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

/*
 * The key (len, start) as one integer, (len - 1) above start, so that one
 * comparison (one load of the adjacent fields) orders two extents. (Walks
 * down with masks instead of branches measured slower here: the longer
 * dependency chain costs more than the mispredictions it saves.)
 */
#if NTA_AVL_BITS == 16
typedef uint32_t key_t_;
#else
typedef uint64_t key_t_;
#endif

static inline key_t_
key_of(uint64_t len, uint64_t start)
{
	return (key_t_)(len - 1) << NTA_AVL_BITS | (key_t_)start;
}

static inline key_t_
node_key(const struct nta_node *n)
{
	return (key_t_)n->len_m1 << NTA_AVL_BITS | n->start;
}

/* Order of key (len, start) against node i: <0, 0, >0. */
static inline int
key_cmp(const struct nta_tree *t, uint64_t len, uint64_t start, avl_t i)
{
	key_t_ k = key_of(len, start), nk = node_key(N(t, i));

	return (k > nk) - (k < nk);
}

/* Node i (of the tree, with its current key) becomes first[] of its length if leftmost. */
static inline void
dir_add(struct nta_tree *t, avl_t i)
{
	const struct nta_node *n = N(t, i);
	uint64_t len = nta_node_len(n);
	avl_t f;

	if (len >= NTA_TREE_DIR)
		return;
	f = t->first[len];
	/* Without branches: whether a new extent is the lowest is a coin toss. */
	t->first[len] = f == 0 || n->start < N(t, f)->start ? i : f;
	t->dir[len / 64] |= UINT64_C(1) << (len % 64);
}

static avl_t tree_next(const struct nta_tree *t, avl_t i);
static avl_t tree_prev(const struct nta_tree *t, avl_t i);

/* Node i (still in the tree, with its current key) is about to leave its length. */
static inline void
dir_drop(struct nta_tree *t, avl_t i)
{
	const struct nta_node *n = N(t, i);
	uint64_t len = nta_node_len(n);
	avl_t nx;

	if (len >= NTA_TREE_DIR || t->first[len] != i)
		return;
	/* The next node in order is the next of this length, if any is left. */
	nx = tree_next(t, i);
	if (nx != 0 && N(t, nx)->len_m1 == n->len_m1) {
		t->first[len] = nx;
	} else {
		t->first[len] = 0;
		t->dir[len / 64] &= ~(UINT64_C(1) << (len % 64));
	}
}

int
nta_tree_init(struct nta_tree *t, uint64_t max_extents)
{
	memset(t, 0, sizeof(*t));
	t->max_nodes = max_extents + 1;
	t->max_chunks = (uint32_t)((t->max_nodes + NTA_NODE_CHUNK - 1) >> NTA_NODE_CHUNK_SHIFT);
	return 0;
}

void
nta_tree_fini(struct nta_tree *t)
{
	free(t->node);
	t->node = NULL;
	t->n_chunks = 0;
}

int
nta_tree_reserve(struct nta_tree *t, uint64_t n)
{
	while (t->capacity - t->count < n) {
		/* Grow by a quarter (at least a chunk): amortised O(1) a node. */
		uint32_t add = t->n_chunks / 4 > 0 ? t->n_chunks / 4 : 1;
		uint32_t chunks = t->max_chunks - t->n_chunks < add ? t->max_chunks : t->n_chunks + add;
		uint64_t first = (uint64_t)t->n_chunks << NTA_NODE_CHUNK_SHIFT;
		uint64_t i, last = (uint64_t)chunks << NTA_NODE_CHUNK_SHIFT;
		struct nta_node *nodes;

		if (t->n_chunks == t->max_chunks)
			return -ENOMEM;
		/* Nodes are reached by index only: the table may move. */
		nodes = realloc(t->node, last * sizeof(*nodes));
		if (nodes == NULL)
			return -ENOMEM;
		memset(&nodes[first], 0, (last - first) * sizeof(*nodes));
		t->node = nodes;
		t->n_chunks = chunks;
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
 * After an insert: node p leans two levels towards its child c, on side d
 * (0 left, 1 right), c of height hc. c's subtree grew, so its children differ
 * by one: a single rotation if the outer one is the taller, else a double
 * one. Heights follow from hc without reading the other subtrees', and the
 * new subtree root, under p's parent g, is as high as p was before.
 */
static inline void
rotate_grown(struct nta_tree *t, avl_t p, avl_t c, uint32_t hc, int d)
{
	struct nta_node *pn = N(t, p), *cn = N(t, c);
	avl_t g = pn->parent, top, b = cn->child[!d];
	struct nta_node *bn = N(t, b);

	if (ht(t, cn->child[d]) + 1 == hc) {
		/* Outer: c rises, its inner subtree b moves under p. */
		pn->child[d] = b;
		if (b != 0)
			bn->parent = p;
		cn->child[!d] = p;
		pn->parent = c;
		pn->height = (uint8_t)(hc - 1);
		top = c;
	} else {
		/* Inner: b (of height hc - 1) rises, its subtrees go to c and p. */
		avl_t bo = bn->child[d], bi = bn->child[!d];

		cn->child[!d] = bo;
		if (bo != 0)
			N(t, bo)->parent = c;
		pn->child[d] = bi;
		if (bi != 0)
			N(t, bi)->parent = p;
		bn->child[d] = c;
		bn->child[!d] = p;
		cn->parent = b;
		pn->parent = b;
		cn->height = (uint8_t)(hc - 1);
		pn->height = (uint8_t)(hc - 1);
		bn->height = (uint8_t)hc;
		top = b;
	}
	replace_child(t, g, p, top);
}

/*
 * Walk up from c, whose subtree grew by one level (to c's stored height),
 * after an insert. A parent already taller than c keeps its height: stop
 * there (one comparison, no child loaded). Else the sibling tells whether the
 * parent grows too (go on) or leans too far (one rotation, then stop: the
 * rotated subtree is as high as before the insert).
 */
static inline void
retrace_grown(struct nta_tree *t, avl_t c)
{
	uint32_t hc = N(t, c)->height;
	avl_t p = N(t, c)->parent;

	while (p != 0) {
		struct nta_node *pn = N(t, p);
		int d = pn->left != c;

		if (hc < pn->height)
			return;
		if (ht(t, pn->child[!d]) + 1 == hc) {
			pn->height = (uint8_t)++hc;
			c = p;
			p = pn->parent;
			continue;
		}
		rotate_grown(t, p, c, hc, d);
		return;
	}
}

/*
 * Rotate the subtree of x towards side d: x's child y on the other side
 * takes x's place (y's parent link included, not the link to y from above)
 * and x becomes y's child on side d. Returns y.
 */
static avl_t
rotate(struct nta_tree *t, avl_t x, int d)
{
	struct nta_node *xn = N(t, x);
	avl_t y = xn->child[!d];
	struct nta_node *yn = N(t, y);
	avl_t m = yn->child[d];

	xn->child[!d] = m;
	if (m != 0)
		N(t, m)->parent = x;
	yn->child[d] = x;
	yn->parent = xn->parent;
	xn->parent = y;
	fix_height(t, x);
	fix_height(t, y);
	return y;
}

/*
 * Walk up from p, whose subtree on side d lost one level, after a removal.
 * Stop at the first node whose height stays; a rotation may lower a subtree
 * too, so the walk goes on above it unless it kept its height (up to one
 * rotation a level, O(log2 n)).
 */
static void
retrace_shrunk(struct nta_tree *t, avl_t p, int d)
{
	/* hn: the new height of p's subtree on side d. */
	uint32_t hn = p != 0 ? ht(t, N(t, p)->child[d]) : 0;

	while (p != 0) {
		struct nta_node *pn = N(t, p);
		avl_t g = pn->parent, s = pn->child[!d], top;
		uint32_t hs = ht(t, s), old = pn->height;

		if (hs <= hn + 1) {
			hn = 1 + (hn > hs ? hn : hs);
			if (hn == old)
				return;
			pn->height = (uint8_t)hn;
			top = p;
		} else {
			/* The sibling is two higher: rotate it up (twice if it leans in). */
			struct nta_node *sn = N(t, s);

			if (ht(t, sn->child[d]) > ht(t, sn->child[!d]))
				pn->child[!d] = rotate(t, s, !d);
			top = rotate(t, p, d);
			if (g == 0)
				t->root = top;
			else
				N(t, g)->child[N(t, g)->left != p] = top;
			hn = N(t, top)->height;
			if (hn == old)
				return;
		}
		p = g;
		d = g != 0 && N(t, g)->left != top;
	}
}

/*
 * The in-order successor of a new key (len, start) read from the directory,
 * or 0 if the directory cannot tell: the key sorts right before first[l] of
 * the shortest length l >= len present, if l > len or start is below the
 * start of first[len]. (Not if len has no entry, if no length from len up
 * to NTA_TREE_DIR has a node, or if start lies above first[len].)
 */
static inline avl_t
dir_successor(const struct nta_tree *t, uint64_t len, uint64_t start)
{
	uint64_t w, x, l;
	avl_t f;

	if (len >= NTA_TREE_DIR)
		return 0;
	w = len / 64;
	x = t->dir[w] & (~UINT64_C(0) << (len % 64));
	while (x == 0) {
		if (++w == NTA_TREE_DIR_WORDS)
			return 0;
		x = t->dir[w];
	}
	l = w * 64 + (uint64_t)__builtin_ctzll(x);
	f = t->first[l];
	return l != len || start < N(t, f)->start ? f : 0;
}

/* Link node nn (its key set, height 1, no links) into the tree and the directory. */
static void
link_node(struct nta_tree *t, avl_t nn)
{
	struct nta_node *n = N(t, nn);
	uint64_t len = nta_node_len(n), start = n->start;
	avl_t i = t->root, sc;
	key_t_ k;

	if (i == 0) {
		dir_add(t, nn);
		n->parent = 0;
		t->root = nn;
		return;
	}
	sc = dir_successor(t, len, start);
	if (sc != 0) {
		/*
		 * No walk down: the new node goes right before its successor,
		 * as its left child if it has none, else as the right child of
		 * its predecessor (the rightmost node of that left subtree, which
		 * has no right child). That is the leaf the walk would reach.
		 */
		t->first[len] = nn;
		t->dir[len / 64] |= UINT64_C(1) << (len % 64);
		i = sc;
		if (N(t, i)->left == 0) {
			N(t, i)->left = nn;
		} else {
			i = N(t, i)->left;
			while (N(t, i)->right != 0)
				i = N(t, i)->right;
			N(t, i)->right = nn;
		}
	} else {
		dir_add(t, nn);
		k = key_of(len, start);
		for (;;) {
			struct nta_node *c = N(t, i);
			avl_t next = k < node_key(c) ? c->left : c->right;

			if (next == 0) {
				if (k < node_key(c))
					c->left = nn;
				else
					c->right = nn;
				break;
			}
			i = next;
		}
	}
	n->parent = i;
	retrace_grown(t, nn);
}

void
nta_tree_insert(struct nta_tree *t, uint64_t start, uint64_t len)
{
	avl_t nn = t->spare;
	struct nta_node *n;

	NTA_ASSERT(nn != 0, "insert needs a spare node (nta_tree_reserve): node 0 means none");
	NTA_ASSERT(len >= 1 && start + len <= NTA_REGION_MAX_UNITS, "the extent fits an avl_t");
	n = N(t, nn);
	t->spare = n->parent;
	n->left = n->right = n->parent = 0;
	n->start = (avl_t)start;
	n->len_m1 = (avl_t)(len - 1);
	n->height = 1;
	n->spare = 0;
	t->count++;
	/*
	 * The new extent waits unlinked; the one that waited is linked now.
	 * A free followed by an allocation of the same size (the new extent
	 * is the best fit) then changes no link at all.
	 */
	if (t->pend != 0)
		link_node(t, t->pend);
	t->pend = nn;
}

/* Take linked node z out of the tree and the directory (its fields stay). */
static void
unlink_node(struct nta_tree *t, avl_t z)
{
	struct nta_node *zn = N(t, z);
	avl_t p = zn->parent, x, c, y = 0;
	uint64_t len = nta_node_len(zn);
	bool first = len < NTA_TREE_DIR && t->first[len] == z;
	int d;

	if (zn->left != 0 && zn->right != 0) {
		/*
		 * Two children: the successor y (no left child) takes z's place
		 * in the tree, so that every other node keeps its extent (callers
		 * may hold the index of another node across the removal).
		 */
		struct nta_node *yn;

		y = zn->right;
		while (N(t, y)->left != 0)
			y = N(t, y)->left;
		yn = N(t, y);
		if (yn->parent != z) {
			x = yn->parent;
			d = 0;
			set_left(t, x, yn->right);
			set_right(t, y, zn->right);
		} else {
			x = y;
			d = 1;
		}
		set_left(t, y, zn->left);
		replace_child(t, p, z, y);
		yn->height = zn->height;
	} else {
		/* A lone child is a leaf (AVL): a right one is the successor. */
		c = zn->left != 0 ? zn->left : zn->right;
		y = zn->right;
		x = p;
		d = p != 0 && N(t, p)->left != z;
		if (p == 0)
			t->root = c;
		else
			N(t, p)->child[d] = c;
		if (c != 0)
			N(t, c)->parent = p;
	}
	if (first) {
		/*
		 * z was the lowest of its length: the next of that length is its
		 * successor, if of the same length. With no right subtree, that
		 * is the first ancestor reached from its left: p if z was a left
		 * child, else above p (the links are as before the removal there).
		 */
		if (y == 0 && d != 0) {
			avl_t i = p;

			for (y = N(t, p)->parent; y != 0 && N(t, y)->right == i; y = N(t, y)->parent)
				i = y;
		} else if (y == 0) {
			y = p;
		}
		if (y != 0 && N(t, y)->len_m1 == zn->len_m1) {
			t->first[len] = y;
		} else {
			t->first[len] = 0;
			t->dir[len / 64] &= ~(UINT64_C(1) << (len % 64));
		}
	}
	retrace_shrunk(t, x, d);
}

void
nta_tree_remove_node(struct nta_tree *t, avl_t z)
{
	struct nta_node *zn = N(t, z);

	NTA_ASSERT(z != 0 && zn->height != 0, "a node of the tree");
	if (z == t->pend)
		t->pend = 0;
	else
		unlink_node(t, z);
	zn->height = 0;
	zn->left = zn->right = 0;
	zn->parent = t->spare;
	t->spare = z;
	t->count--;
}

int
nta_tree_remove(struct nta_tree *t, uint64_t start, uint64_t len)
{
	avl_t z = nta_tree_find(t, start, len);

	if (z == 0)
		return -1;
	nta_tree_remove_node(t, z);
	return 0;
}

void
nta_tree_rekey(struct nta_tree *t, avl_t i, uint64_t start, uint64_t len)
{
	struct nta_node *n = N(t, i);
	int c = key_cmp(t, len, start, i);
	avl_t nb;

	NTA_ASSERT(len >= 1 && start + len <= NTA_REGION_MAX_UNITS, "the extent fits an avl_t");
	if (i == t->pend) {
		/* Not linked yet: nothing else to move. */
		n->start = (avl_t)start;
		n->len_m1 = (avl_t)(len - 1);
		return;
	}
	/*
	 * The key moves towards one neighbour only: if it stays on its side,
	 * the in-order position is unchanged and no link or height moves.
	 */
	nb = c > 0 ? tree_next(t, i) : tree_prev(t, i);
	if (nb == 0 || (c > 0 ? key_cmp(t, len, start, nb) < 0 : key_cmp(t, len, start, nb) > 0)) {
		/*
		 * In place. Among nodes of its length the node keeps its rank, so
		 * the directory changes only when the length does.
		 */
		if (n->len_m1 == len - 1) {
			n->start = (avl_t)start;
			return;
		}
		dir_drop(t, i);
		n->start = (avl_t)start;
		n->len_m1 = (avl_t)(len - 1);
		dir_add(t, i);
		return;
	}
	/* Out of order: unlink the node and link it again under its new key. */
	unlink_node(t, i);
	n->left = n->right = n->parent = 0;
	n->start = (avl_t)start;
	n->len_m1 = (avl_t)(len - 1);
	n->height = 1;
	link_node(t, i);
}

/* Lower bound of (len, 0) by a walk down the tree. */
static avl_t
walk_best_fit(const struct nta_tree *t, uint64_t len)
{
	key_t_ k = key_of(len, 0);
	avl_t i = t->root, best = 0;

	/* Lower bound of (len, 0): the leftmost node of at least len units. */
	while (i != 0) {
		const struct nta_node *n = N(t, i);
		bool fits = node_key(n) >= k;

		best = fits ? i : best;
		i = fits ? n->left : n->right;
	}
	return best;
}

/* Best fit among the linked nodes. */
static inline avl_t
tree_best_fit(const struct nta_tree *t, uint64_t len)
{
	uint64_t w, x;

	/*
	 * A short length: the shortest length >= len that has a node, from
	 * the directory bitmap; its first[] is the lowest start. Else (or if
	 * no short length fits) the walk.
	 */
	if (len < NTA_TREE_DIR) {
		w = len / 64;
		x = t->dir[w] & (~UINT64_C(0) << (len % 64));
		for (;;) {
			if (x != 0)
				return t->first[w * 64 + (uint64_t)__builtin_ctzll(x)];
			if (++w == NTA_TREE_DIR_WORDS)
				break;
			x = t->dir[w];
		}
	}
	return walk_best_fit(t, len);
}

avl_t
nta_tree_best_fit(const struct nta_tree *t, uint64_t len)
{
	avl_t b = tree_best_fit(t, len), p = t->pend;

	/* The waiting extent, if it fits and sorts first. */
	if (p != 0 && N(t, p)->len_m1 >= len - 1 &&
			(b == 0 || node_key(N(t, p)) < node_key(N(t, b))))
		return p;
	return b;
}

/* The linked node of key k, 0 if none. */
static avl_t
tree_find(const struct nta_tree *t, key_t_ k)
{
	avl_t i = t->root;

	while (i != 0) {
		const struct nta_node *n = N(t, i);
		key_t_ nk = node_key(n);

		if (nk == k)
			return i;
		i = k < nk ? n->left : n->right;
	}
	return 0;
}

avl_t
nta_tree_find(const struct nta_tree *t, uint64_t start, uint64_t len)
{
	key_t_ k = key_of(len, start);

	if (t->pend != 0 && node_key(N(t, t->pend)) == k)
		return t->pend;
	return tree_find(t, k);
}

static avl_t
tree_last(const struct nta_tree *t)
{
	avl_t i = t->root;

	while (i != 0 && N(t, i)->right != 0)
		i = N(t, i)->right;
	return i;
}

static avl_t
tree_first(const struct nta_tree *t)
{
	avl_t i = t->root;

	while (i != 0 && N(t, i)->left != 0)
		i = N(t, i)->left;
	return i;
}

static avl_t
tree_next(const struct nta_tree *t, avl_t i)
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

static avl_t
tree_prev(const struct nta_tree *t, avl_t i)
{
	avl_t p;

	if (N(t, i)->left != 0) {
		i = N(t, i)->left;
		while (N(t, i)->right != 0)
			i = N(t, i)->right;
		return i;
	}
	for (p = N(t, i)->parent; p != 0 && N(t, p)->left == i; p = N(t, p)->parent)
		i = p;
	return p;
}

/* The linked node of the lowest key above k (above = 1) or the highest below (0). */
static avl_t
tree_beside(const struct nta_tree *t, key_t_ k, int above)
{
	avl_t i = t->root, best = 0;

	while (i != 0) {
		const struct nta_node *n = N(t, i);
		bool side = above ? node_key(n) > k : node_key(n) < k;

		best = side ? i : best;
		i = side == (above != 0) ? n->left : n->right;
	}
	return best;
}

/* Whether the waiting node p (0: none) sorts between a (0: -inf) and b (0: +inf). */
static inline bool
pend_between(const struct nta_tree *t, avl_t p, avl_t a, avl_t b)
{
	key_t_ k;

	if (p == 0)
		return false;
	k = node_key(N(t, p));
	return (a == 0 || node_key(N(t, a)) < k) && (b == 0 || k < node_key(N(t, b)));
}

/* The in-order walks see the waiting node in its place. */
avl_t
nta_tree_last(const struct nta_tree *t)
{
	avl_t l = tree_last(t);

	return pend_between(t, t->pend, l, 0) ? t->pend : l;
}

avl_t
nta_tree_first(const struct nta_tree *t)
{
	avl_t f = tree_first(t);

	return pend_between(t, t->pend, 0, f) ? t->pend : f;
}

/* The neighbour of i in order, after it (d = 1) or before it (d = 0). */
static avl_t
neighbour(const struct nta_tree *t, avl_t i, int d)
{
	avl_t n;

	if (i == t->pend)
		return tree_beside(t, node_key(N(t, i)), d);
	n = d != 0 ? tree_next(t, i) : tree_prev(t, i);
	if (d != 0 ? pend_between(t, t->pend, i, n) : pend_between(t, t->pend, n, i))
		return t->pend;
	return n;
}

avl_t
nta_tree_next(const struct nta_tree *t, avl_t i)
{
	return neighbour(t, i, 1);
}

avl_t
nta_tree_prev(const struct nta_tree *t, avl_t i)
{
	return neighbour(t, i, 0);
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
	if (i == t->pend)
		check_fail(c, i, "the waiting node is linked");
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

/* The directory against the tree: first[len] is the lowest node of length len. */
static void
check_dir(struct check_ctx *c)
{
	const struct nta_tree *t = c->t;
	avl_t want[NTA_TREE_DIR] = { 0 };
	uint64_t len, k;
	avl_t i;

	/* In order, the first node of each length is its lowest (bounded walk). */
	for (i = tree_first(t), k = 0; i != 0 && k < t->count; i = tree_next(t, i), k++) {
		len = nta_node_len(N(t, i));
		if (len < NTA_TREE_DIR && want[len] == 0)
			want[len] = i;
	}
	if (t->first[0] != 0 || (t->dir[0] & 1) != 0)
		check_fail(c, t->first[0], "directory entry for length 0");
	for (len = 1; len < NTA_TREE_DIR; len++) {
		bool bit = (t->dir[len / 64] >> (len % 64)) & 1;

		if (t->first[len] != want[len])
			check_fail(c, t->first[len], "directory: not the lowest node of its length");
		if (bit != (want[len] != 0))
			check_fail(c, want[len], "directory bit differs from its entry");
	}
}

unsigned int
nta_tree_check(const struct nta_tree *t, void (*report)(void *arg, const char *what), void *arg)
{
	struct check_ctx c = { .t = t, .report = report, .arg = arg };
	uint64_t spares = 0;
	uint32_t h;
	avl_t s;

	if (t->node != NULL) {
		const struct nta_node *z = N(t, 0);

		if (z->left != 0 || z->right != 0 || z->height != 0 || z->start != 0 ||
				z->len_m1 != 0)
			check_fail(&c, 0, "node 0 (none) is not all zero");
	}
	h = check_at(&c, t->root, 0, 0, 0, 0);
	if (t->pend != 0) {
		const struct nta_node *p = N(t, t->pend);

		if (t->pend >= t->max_nodes || (t->pend >> NTA_NODE_CHUNK_SHIFT) >= t->n_chunks)
			check_fail(&c, t->pend, "waiting node: index out of range");
		else if (p->left != 0 || p->right != 0 || p->parent != 0 || p->height != 1)
			check_fail(&c, t->pend, "waiting node: links or height set");
		else if (tree_find(t, node_key(p)) != 0)
			check_fail(&c, t->pend, "waiting node: its key is also linked");
	}
	if (c.seen + (t->pend != 0) != t->count)
		check_fail(&c, t->root, "count differs from reachable nodes plus the waiting one");
	for (s = t->spare; s != 0 && spares <= t->capacity; s = N(t, s)->parent) {
		if (N(t, s)->height != 0)
			check_fail(&c, s, "live node on the spare list");
		spares++;
	}
	if (spares + t->count != t->capacity)
		check_fail(&c, t->root, "spare + live nodes differ from capacity");
	check_dir(&c);
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
		if (h > 0 && c.seen < f1)
			check_fail(&c, t->root, "height above the AVL bound");
	}
	return c.bad;
}
