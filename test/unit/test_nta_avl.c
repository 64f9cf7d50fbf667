/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Tests of the AVL free index (struct nta_tree, nta_private.h) on its own.
 *
 * A reference set of extents (sorted array) is kept beside the tree. After
 * insertions and deletions in random, ascending and descending key order the
 * tree is checked twice: by nta_tree_check() and by an independent recursive
 * checker written here (order of keys (len, start), stored heights, AVL
 * balance, parent links, node count, spare list), and against the reference:
 * the in-order walk (first/next) is exactly the sorted reference, best_fit
 * matches a brute-force search, last is the largest extent, and the height
 * stays within 1.44 log2(n + 2).
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nta_private.h"
#include "nta_test.h"

#define N_EXTENTS 20000

struct ext {
	uint64_t len;
	uint64_t start;
};

static uint64_t seed;

static int
ext_cmp(const struct ext *a, const struct ext *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

static int
ext_qcmp(const void *a, const void *b)
{
	return ext_cmp(a, b);
}

static int
ext_qcmp_desc(const void *a, const void *b)
{
	return ext_cmp(b, a);
}

/* Reference set: sorted array of extents. */
struct ref {
	struct ext *e;
	size_t n;
};

static size_t
ref_lower_bound(const struct ref *r, const struct ext *k)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ext_cmp(&r->e[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ref_insert(struct ref *r, const struct ext *k)
{
	size_t pos = ref_lower_bound(r, k);

	memmove(&r->e[pos + 1], &r->e[pos], (r->n - pos) * sizeof(*k));
	r->e[pos] = *k;
	r->n++;
}

static void
ref_remove_at(struct ref *r, size_t pos)
{
	memmove(&r->e[pos], &r->e[pos + 1], (r->n - pos - 1) * sizeof(r->e[0]));
	r->n--;
}

/* Independent checker. */
struct chk {
	const struct nta_tree *t;
	uint64_t count;
	unsigned int bad;
};

static void
chk_fail(struct chk *c, uint64_t n, const char *what)
{
	if (c->bad < 10)
		printf("  own checker: node %" PRIu64 ": %s\n", n, what);
	c->bad++;
}

/*
 * Check the subtree at n (parent p), whose keys must lie strictly between
 * lo and hi (NULL: unbounded). Returns its real height.
 */
static unsigned int
chk_node(struct chk *c, uint64_t n, uint64_t p, const struct ext *lo, const struct ext *hi,
	unsigned int depth)
{
	const struct nta_node *nd;
	struct ext k;
	unsigned int hl, hr, h;

	if (n == 0)
		return 0;
	if (n > c->t->capacity || depth > 64) {
		chk_fail(c, n, "index out of range or cycle");
		return 0;
	}
	nd = nta_node(c->t, n);
	c->count++;
	k.len = nta_node_len(nd);
	k.start = nd->start;
	if (nd->parent != p)
		chk_fail(c, n, "wrong parent link");
	if (lo != NULL && ext_cmp(lo, &k) >= 0)
		chk_fail(c, n, "key not above its left bound");
	if (hi != NULL && ext_cmp(&k, hi) >= 0)
		chk_fail(c, n, "key not below its right bound");
	hl = chk_node(c, nd->left, n, lo, &k, depth + 1);
	hr = chk_node(c, nd->right, n, &k, hi, depth + 1);
	h = 1 + (hl > hr ? hl : hr);
	if (nd->height != h)
		chk_fail(c, n, "stored height wrong");
	if (hl > hr + 1 || hr > hl + 1)
		chk_fail(c, n, "AVL balance violated");
	return h;
}

static void
count_report(void *arg, const char *what)
{
	unsigned int *n = arg;

	if (*n < 10)
		printf("  nta_tree_check: %s\n", what);
	(*n)++;
}

static int
check_tree(const struct nta_tree *t, const struct ref *r)
{
	struct chk c = { .t = t };
	unsigned int reported = 0, bad, h;
	uint64_t spare = 0, s, i;
	struct ext k;
	avl_t n;

	bad = nta_tree_check(t, count_report, &reported);
	TEST_ASSERT_EQUAL(bad, 0, "nta_tree_check violations");
	TEST_ASSERT_EQUAL(reported, 0, "nta_tree_check reports");
	h = chk_node(&c, t->root, 0, NULL, NULL, 0);
	TEST_ASSERT_EQUAL(c.bad, 0, "own checker violations");
	/* The last insert waits unlinked: a node with no links, height 1. */
	if (t->pend != 0) {
		const struct nta_node *p = nta_node(t, t->pend);

		TEST_ASSERT(p->left == 0 && p->right == 0 && p->parent == 0 && p->height == 1,
			"waiting node %u has links or a height", (unsigned int)t->pend);
		TEST_ASSERT(t->root != t->pend, "waiting node is the root");
	}
	TEST_ASSERT_EQUAL(c.count + (t->pend != 0), r->n, "nodes reachable (+ waiting) vs reference");
	TEST_ASSERT_EQUAL(t->count, r->n, "tree count vs reference");
	TEST_ASSERT_EQUAL(nta_tree_height(t), h, "nta_tree_height");
	TEST_ASSERT(h <= 1.44 * log2((double)c.count + 2), "height %u above AVL bound for %" PRIu64
		" nodes", h, c.count);
	/* Spare list: linked through parent, height 0, count + spare = capacity. */
	for (s = t->spare; s != 0 && spare <= t->capacity; s = nta_node(t, s)->parent) {
		TEST_ASSERT(s <= t->capacity, "spare index %" PRIu64 " out of range", s);
		TEST_ASSERT_EQUAL(nta_node(t, s)->height, 0, "spare node %" PRIu64 " height", s);
		spare++;
	}
	TEST_ASSERT_EQUAL(t->count + spare, t->capacity, "count + spare != capacity");
	/* In-order walk equals the sorted reference. */
	i = 0;
	for (n = nta_tree_first(t); n != 0; n = nta_tree_next(t, n)) {
		TEST_ASSERT(i < r->n, "walk longer than the reference");
		k.len = nta_node_len(nta_node(t, n));
		k.start = nta_node(t, n)->start;
		TEST_ASSERT(ext_cmp(&k, &r->e[i]) == 0, "walk[%" PRIu64 "] = (%" PRIu64 ",%" PRIu64
			") want (%" PRIu64 ",%" PRIu64 ")", i, k.len, k.start, r->e[i].len,
			r->e[i].start);
		i++;
	}
	TEST_ASSERT_EQUAL(i, r->n, "walk length");
	/* And backwards from the last. */
	for (n = nta_tree_last(t); n != 0; n = nta_tree_prev(t, n)) {
		TEST_ASSERT(i > 0, "backward walk longer than the reference");
		i--;
		TEST_ASSERT(nta_node_len(nta_node(t, n)) == r->e[i].len &&
			nta_node(t, n)->start == r->e[i].start, "backward walk[%" PRIu64 "]", i);
	}
	TEST_ASSERT_EQUAL(i, 0, "backward walk length");
	n = nta_tree_last(t);
	if (r->n == 0) {
		TEST_ASSERT_EQUAL(n, 0, "last of an empty tree");
	} else {
		TEST_ASSERT(n != 0, "last of a non-empty tree is 0");
		TEST_ASSERT_EQUAL(nta_node_len(nta_node(t, n)), r->e[r->n - 1].len, "last len");
		TEST_ASSERT_EQUAL(nta_node(t, n)->start, r->e[r->n - 1].start, "last start");
	}
	return TEST_SUCCESS;
}

/* best_fit(len) against a brute-force scan of the reference. */
static int
check_best_fit(const struct nta_tree *t, const struct ref *r, uint64_t len)
{
	const struct ext *best = NULL;
	size_t i;
	avl_t n;

	for (i = 0; i < r->n; i++)
		if (r->e[i].len >= len && (best == NULL || ext_cmp(&r->e[i], best) < 0))
			best = &r->e[i];
	n = nta_tree_best_fit(t, len);
	if (best == NULL) {
		TEST_ASSERT_EQUAL(n, 0, "best_fit(%" PRIu64 ") found a node, brute force none", len);
		return TEST_SUCCESS;
	}
	TEST_ASSERT(n != 0, "best_fit(%" PRIu64 ") found none, brute force (%" PRIu64 ",%" PRIu64
		")", len, best->len, best->start);
	TEST_ASSERT(nta_node_len(nta_node(t, n)) == best->len && nta_node(t, n)->start ==
		best->start, "best_fit(%" PRIu64 ") = (%" PRIu64 ",%u) want (%" PRIu64 ",%" PRIu64 ")",
		len, nta_node_len(nta_node(t, n)), (unsigned int)nta_node(t, n)->start, best->len,
		best->start);
	return TEST_SUCCESS;
}

static int
check_best_fits(const struct nta_tree *t, const struct ref *r, struct nta_rng *rng,
	unsigned int probes, uint64_t max_len)
{
	unsigned int i;

	if (check_best_fit(t, r, 1) != TEST_SUCCESS ||
			check_best_fit(t, r, max_len + 1) != TEST_SUCCESS)
		return TEST_FAILED;
	if (r->n > 0 && (check_best_fit(t, r, r->e[r->n - 1].len) != TEST_SUCCESS ||
			check_best_fit(t, r, r->e[0].len) != TEST_SUCCESS))
		return TEST_FAILED;
	for (i = 0; i < probes; i++)
		if (check_best_fit(t, r, nta_rng_range(rng, 1, max_len + 1)) != TEST_SUCCESS)
			return TEST_FAILED;
	return TEST_SUCCESS;
}

/*
 * n distinct extents: distinct starts (a shuffled range of unit numbers),
 * lengths in [1, max_len] so that many lengths tie and order by start.
 */
static struct ext *
make_extents(struct nta_rng *rng, size_t n, uint64_t max_len)
{
	uint64_t max_start = (uint64_t)(avl_t)-1;
	struct ext *e = calloc(n, sizeof(*e));
	size_t i, j;

	if (e == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		e[i].start = i * (max_start / n);
	for (i = n - 1; i > 0; i--) {
		struct ext tmp;

		j = nta_rng_below(rng, i + 1);
		tmp = e[i];
		e[i] = e[j];
		e[j] = tmp;
	}
	for (i = 0; i < n; i++)
		e[i].len = nta_rng_range(rng, 1, max_len);
	return e;
}

enum order { ORDER_RANDOM, ORDER_ASC, ORDER_DESC };

static int
run_insert_delete(enum order ins_order, enum order del_order, uint64_t max_len,
	unsigned int check_every)
{
	struct nta_tree t;
	struct nta_rng rng;
	struct ref r = { 0 };
	struct ext *e;
	size_t i, pos;
	int rc = TEST_FAILED;

	nta_rng_seed(&rng, seed + ins_order * 10 + del_order + max_len);
	e = make_extents(&rng, N_EXTENTS, max_len);
	r.e = calloc(N_EXTENTS, sizeof(*r.e));
	if (e == NULL || r.e == NULL) {
		free(e);
		free(r.e);
		TEST_ASSERT(0, "out of memory");
	}
	if (nta_tree_init(&t, N_EXTENTS) != 0) {
		free(e);
		free(r.e);
		TEST_ASSERT(0, "nta_tree_init(%d): errno %d", N_EXTENTS, nta_errno);
	}
	if (ins_order == ORDER_ASC)
		qsort(e, N_EXTENTS, sizeof(*e), ext_qcmp);
	else if (ins_order == ORDER_DESC)
		qsort(e, N_EXTENTS, sizeof(*e), ext_qcmp_desc);
	if (check_tree(&t, &r) != TEST_SUCCESS)
		goto out;
	for (i = 0; i < N_EXTENTS; i++) {
		/* Half the runs reserve one node at a time, half all at once. */
		if (i == 0 || (max_len & 1) == 0) {
			if (nta_tree_reserve(&t, (max_len & 1) ? N_EXTENTS : 1) != 0) {
				printf("nta_tree_reserve failed at %zu\n", i);
				goto out;
			}
		}
		nta_tree_insert(&t, e[i].start, e[i].len);
		ref_insert(&r, &e[i]);
		if ((i + 1) % check_every == 0 || i + 1 == N_EXTENTS) {
			if (check_tree(&t, &r) != TEST_SUCCESS ||
					check_best_fits(&t, &r, &rng, 50, max_len) != TEST_SUCCESS) {
				printf("after inserting %zu extents\n", i + 1);
				goto out;
			}
		}
	}
	/* A key that is not there: remove fails and changes nothing. */
	if (nta_tree_remove(&t, 0, max_len + 7) != -1) {
		printf("removing an absent extent succeeded\n");
		goto out;
	}
	if (check_tree(&t, &r) != TEST_SUCCESS)
		goto out;
	printf("  %zu extents, height %u (bound %.1f)\n", r.n, nta_tree_height(&t),
		1.44 * log2((double)r.n + 2));
	/* Delete every extent in the order asked. */
	for (i = 0; r.n > 0; i++) {
		struct ext k;

		if (del_order == ORDER_ASC)
			pos = 0;
		else if (del_order == ORDER_DESC)
			pos = r.n - 1;
		else
			pos = nta_rng_below(&rng, r.n);
		k = r.e[pos];
		if (nta_tree_remove(&t, k.start, k.len) != 0) {
			printf("remove (%" PRIu64 ",%" PRIu64 ") failed\n", k.len, k.start);
			goto out;
		}
		ref_remove_at(&r, pos);
		if ((i + 1) % check_every == 0 || r.n == 0) {
			if (check_tree(&t, &r) != TEST_SUCCESS ||
					check_best_fits(&t, &r, &rng, 50, max_len) != TEST_SUCCESS) {
				printf("after deleting %zu extents\n", i + 1);
				goto out;
			}
		}
	}
	rc = TEST_SUCCESS;
out:
	nta_tree_fini(&t);
	free(e);
	free(r.e);
	return rc;
}

static int
test_random_order(void)
{
	return run_insert_delete(ORDER_RANDOM, ORDER_RANDOM, 64, 500);
}

static int
test_random_order_wide(void)
{
	return run_insert_delete(ORDER_RANDOM, ORDER_RANDOM, 4095, 500);
}

static int
test_ascending(void)
{
	if (run_insert_delete(ORDER_ASC, ORDER_ASC, 64, 500) != TEST_SUCCESS)
		return TEST_FAILED;
	return run_insert_delete(ORDER_ASC, ORDER_DESC, 33, 500);
}

static int
test_descending(void)
{
	if (run_insert_delete(ORDER_DESC, ORDER_DESC, 64, 500) != TEST_SUCCESS)
		return TEST_FAILED;
	return run_insert_delete(ORDER_DESC, ORDER_ASC, 33, 500);
}

/* Interleaved random inserts and removes, full checks every 100 ops. */
static int
test_mixed(void)
{
	struct nta_tree t;
	struct nta_rng rng;
	struct ref r = { 0 };
	struct ext *pool;
	uint8_t *in;
	size_t i, pos, n_pool = 2 * N_EXTENTS;
	int rc = TEST_FAILED;

	nta_rng_seed(&rng, seed + 99);
	pool = make_extents(&rng, n_pool, 200);
	in = calloc(n_pool, 1);
	r.e = calloc(n_pool, sizeof(*r.e));
	if (pool == NULL || in == NULL || r.e == NULL || nta_tree_init(&t, n_pool) != 0) {
		free(pool);
		free(in);
		free(r.e);
		TEST_ASSERT(0, "setup failed (errno %d)", nta_errno);
	}
	for (i = 0; i < 200000; i++) {
		size_t k = nta_rng_below(&rng, n_pool);

		if (!in[k]) {
			if (nta_tree_reserve(&t, 2) != 0) {
				printf("reserve failed\n");
				goto out;
			}
			nta_tree_insert(&t, pool[k].start, pool[k].len);
			ref_insert(&r, &pool[k]);
			in[k] = 1;
		} else {
			if (nta_tree_remove(&t, pool[k].start, pool[k].len) != 0) {
				printf("remove of a present extent failed\n");
				goto out;
			}
			pos = ref_lower_bound(&r, &pool[k]);
			ref_remove_at(&r, pos);
			in[k] = 0;
		}
		if (i % 1000 == 0 && (check_tree(&t, &r) != TEST_SUCCESS ||
				check_best_fits(&t, &r, &rng, 20, 200) != TEST_SUCCESS)) {
			printf("after op %zu\n", i);
			goto out;
		}
	}
	if (check_tree(&t, &r) != TEST_SUCCESS)
		goto out;
	rc = TEST_SUCCESS;
out:
	nta_tree_fini(&t);
	free(pool);
	free(in);
	free(r.e);
	return rc;
}

/* Insert (start, len) into the tree and the reference; check both fully. */
static int
insert_checked(struct nta_tree *t, struct ref *r, uint64_t start, uint64_t len)
{
	struct ext k = { .len = len, .start = start };

	TEST_ASSERT_EQUAL(nta_tree_reserve(t, 1), 0, "reserve");
	nta_tree_insert(t, start, len);
	ref_insert(r, &k);
	if (check_tree(t, r) != TEST_SUCCESS) {
		printf("after inserting (%" PRIu64 ",%" PRIu64 ")\n", len, start);
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

/*
 * Linking a short length takes its in-order place from the length directory,
 * not from a walk down (an insert links the extent inserted before it): each
 * case of that, checked after every insert (the in-order walk against the reference, and the directory by
 * nta_tree_check()). A successor or an attachment point taken wrongly puts
 * the key out of order or leaves first[] stale.
 */
static int
test_directory_insert(void)
{
	/* Keys (len, start) in an order that hits every case at least once. */
	static const uint64_t script[][2] = {
		{ 9, 900 },     /* empty tree */
		{ 5, 500 },     /* no node of 5: successor first[9], no left child */
		{ 7, 700 },     /* successor first[9], which has a left child now */
		{ 5, 100 },     /* below first[5] */
		{ 5, 800 },     /* above first[5]: walk */
		{ 3, 50 },      /* shorter than all: successor first[5] */
		{ 70, 7000 },   /* none longer present: walk */
		{ 10, 1000 },   /* successor in the next bitmap word (first[70]) */
		{ 200, 2000 },  /* none longer: walk (bitmap words 1..3 empty above) */
		{ 65, 650 },    /* successor first[70] across no word boundary */
		{ 64, 640 },    /* successor first[65], first bit of word 1 */
		{ 63, 630 },    /* successor first[64] in the next word */
		{ 300, 3000 },  /* long length: no directory, walk */
		{ 255, 2550 },  /* longest short length: successor is long (walk) */
		{ 199, 1990 },  /* successor first[200] in word 3 */
		{ 5, 20 },      /* below first[5] again, with a deeper left subtree */
		{ 5, 21 },      /* just above first[5]: walk */
		{ 7, 10 },      /* below first[7] */
		{ 8, 5 },       /* empty length between 7 and 9 */
		{ 1, 65000 },   /* shortest length, highest start */
		{ 1, 64000 },   /* below first[1] */
		{ 1, 64500 },   /* above first[1]: walk */
		{ 400, 9000 },  /* (an insert links the one before: this links the last) */
	};
	struct ref r = { 0 };
	struct nta_tree t;
	size_t i;
	int rc = TEST_FAILED;

	r.e = calloc(sizeof(script) / sizeof(script[0]), sizeof(*r.e));
	TEST_ASSERT_NOT_NULL(r.e, "oom");
	TEST_ASSERT_EQUAL(nta_tree_init(&t, 64), 0, "init");
	for (i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		if (insert_checked(&t, &r, script[i][1], script[i][0]) != TEST_SUCCESS)
			goto out;
	/* Each length's lowest start is its first[] (nta_tree_check() checks all). */
	if (nta_node(&t, t.first[5])->start == 20 && nta_node(&t, t.first[1])->start == 64000 &&
			t.first[6] == 0)
		rc = TEST_SUCCESS;
	else
		printf("first[5], first[1] or first[6] wrong\n");
out:
	nta_tree_fini(&t);
	free(r.e);
	return rc;
}

/*
 * The allocator's pattern on its own: frees insert short extents at random
 * starts, allocations take the best fit (mostly first[] of an exact length)
 * and remove or shrink it. Lengths straddle the directory's end (1..300) so
 * that inserts take every path: an empty length, below or above first[len],
 * a successor in another bitmap word, a long successor, none. The whole tree
 * and directory are checked after every operation.
 */
static int
test_directory_churn(void)
{
	static const uint64_t sizes[] = { 6, 23, 52, 1, 2, 5, 63, 64, 65, 255, 256, 300 };
	uint64_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	struct nta_tree t;
	struct nta_rng rng;
	struct ref r = { 0 };
	uint8_t *used;
	uint64_t i, slots = 4096;
	int rc = TEST_FAILED;

	nta_rng_seed(&rng, seed + 11);
	used = calloc(slots, 1);
	r.e = calloc(slots, sizeof(*r.e));
	if (used == NULL || r.e == NULL || nta_tree_init(&t, slots) != 0) {
		free(used);
		free(r.e);
		TEST_ASSERT(0, "setup failed (errno %d)", nta_errno);
	}
	for (i = 0; i < 40000; i++) {
		/* Starts are slots: distinct, often adjacent among one length. */
		uint64_t slot = nta_rng_below(&rng, slots), len;

		if (r.n < 64 || (r.n < 1500 && nta_rng_below(&rng, 2) == 0)) {
			if (used[slot])
				continue;
			/* Mostly the few IMIX-like lengths, so that lengths repeat. */
			len = nta_rng_below(&rng, 4) != 0 ? sizes[nta_rng_below(&rng, nsizes)] :
				nta_rng_range(&rng, 1, 300);
			used[slot] = 1;
			if (insert_checked(&t, &r, slot, len) != TEST_SUCCESS)
				goto out;
		} else {
			struct ext k;
			avl_t n;
			size_t pos;
			uint64_t want = sizes[nta_rng_below(&rng, nsizes)];

			n = nta_tree_best_fit(&t, want);
			if (n == 0)
				continue;
			k.len = nta_node_len(nta_node(&t, n));
			k.start = nta_node(&t, n)->start;
			pos = ref_lower_bound(&r, &k);
			if (pos == r.n || ext_cmp(&r.e[pos], &k) != 0 ||
					(pos > 0 && r.e[pos - 1].len >= want)) {
				printf("best_fit(%" PRIu64 ") is not the reference's\n", want);
				goto out;
			}
			ref_remove_at(&r, pos);
			if (k.len == want) {
				nta_tree_remove_node(&t, n);
				used[k.start] = 0;
			} else {
				/* Keep the rest at the same start (a split). */
				k.len -= want;
				nta_tree_rekey(&t, n, k.start, k.len);
				ref_insert(&r, &k);
			}
			if (check_tree(&t, &r) != TEST_SUCCESS) {
				printf("after taking %" PRIu64 " at op %" PRIu64 "\n", want, i);
				goto out;
			}
		}
	}
	rc = TEST_SUCCESS;
out:
	nta_tree_fini(&t);
	free(used);
	free(r.e);
	return rc;
}

/* Extremes: lengths at the top of avl_t (len_m1 encoding), start 0 and max. */
static int
test_extremes(void)
{
	uint64_t max = (uint64_t)(avl_t)-1;
	struct ext ex[] = {
		{ max + 1, 0 }, { max, 1 }, { 1, max }, { 1, 0 }, { 2, max - 1 }, { max - 1, 0 },
	};
	struct ref r = { 0 };
	struct nta_tree t;
	size_t i;
	int rc = TEST_FAILED;

	r.e = calloc(sizeof(ex) / sizeof(ex[0]), sizeof(*r.e));
	TEST_ASSERT_NOT_NULL(r.e, "oom");
	if (nta_tree_init(&t, 16) != 0 || nta_tree_reserve(&t, 8) != 0) {
		free(r.e);
		TEST_ASSERT(0, "init/reserve: errno %d", nta_errno);
	}
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		if (insert_checked(&t, &r, ex[i].start, ex[i].len) != TEST_SUCCESS)
			goto out;
	if (check_best_fit(&t, &r, max + 1) != TEST_SUCCESS ||
			check_best_fit(&t, &r, max) != TEST_SUCCESS ||
			check_best_fit(&t, &r, 2) != TEST_SUCCESS ||
			check_best_fit(&t, &r, 3) != TEST_SUCCESS)
		goto out;
	if (nta_tree_remove(&t, 0, max + 1) != 0)
		goto out;
	ref_remove_at(&r, r.n - 1);
	if (check_tree(&t, &r) != TEST_SUCCESS || check_best_fit(&t, &r, max + 1) != TEST_SUCCESS)
		goto out;
	rc = TEST_SUCCESS;
out:
	nta_tree_fini(&t);
	free(r.e);
	return rc;
}

/* Both checkers must notice a corrupted tree (so a pass means something). */
static int
test_checkers_detect_corruption(void)
{
	struct nta_tree t;
	struct chk c = { .t = &t };
	struct nta_rng rng;
	struct nta_node *nd;
	unsigned int reported = 0, bad_h, bad_key;
	uint64_t i;
	avl_t save;

	nta_rng_seed(&rng, seed + 5);
	TEST_ASSERT_EQUAL(nta_tree_init(&t, 100), 0, "init");
	TEST_ASSERT_EQUAL(nta_tree_reserve(&t, 100), 0, "reserve");
	for (i = 0; i < 100; i++)
		nta_tree_insert(&t, i * 100, 1 + nta_rng_below(&rng, 50));
	/* Wrong height at the root. */
	nd = nta_node(&t, t.root);
	nd->height += 1;
	bad_h = nta_tree_check(&t, count_report, &reported);
	chk_node(&c, t.root, 0, NULL, NULL, 0);
	nd->height -= 1;
	TEST_ASSERT(bad_h > 0, "nta_tree_check misses a wrong height");
	TEST_ASSERT(c.bad > 0, "own checker misses a wrong height");
	/* Key order broken: the root's key made larger than everything. */
	save = nd->len_m1;
	nd->len_m1 = (avl_t)-1;
	c.bad = 0;
	c.count = 0;
	bad_key = nta_tree_check(&t, count_report, &reported);
	chk_node(&c, t.root, 0, NULL, NULL, 0);
	nd->len_m1 = save;
	TEST_ASSERT(bad_key > 0, "nta_tree_check misses a key out of order");
	TEST_ASSERT(c.bad > 0, "own checker misses a key out of order");
	reported = 0;
	TEST_ASSERT_EQUAL(nta_tree_check(&t, count_report, &reported), 0, "restored tree");
	/* The length directory: an entry that is not the lowest of its length. */
	i = nta_node_len(nd);
	save = t.first[i];
	t.first[i] = save == t.root ? nta_tree_first(&t) : t.root;
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a wrong directory entry");
	t.first[i] = save;
	/* A directory bit that says "none" where a node of that length exists. */
	t.dir[i / 64] &= ~(UINT64_C(1) << (i % 64));
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a cleared directory bit");
	t.dir[i / 64] |= UINT64_C(1) << (i % 64);
	/* The waiting node: linked, or with a link set, or gone from the count. */
	TEST_ASSERT(t.pend != 0, "the last insert waits");
	save = t.pend;
	t.pend = t.root;
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a linked waiting node");
	t.pend = save;
	nta_node(&t, save)->parent = t.root;
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a waiting node with a link");
	nta_node(&t, save)->parent = 0;
	t.pend = 0;
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a counted node neither linked nor waiting");
	t.pend = save;
	/* Node 0 must read as height 0 ("none"). */
	nta_node(&t, 0)->height = 1;
	TEST_ASSERT(nta_tree_check(&t, count_report, &reported) > 0,
		"nta_tree_check misses a non-zero node 0");
	nta_node(&t, 0)->height = 0;
	reported = 0;
	TEST_ASSERT_EQUAL(nta_tree_check(&t, count_report, &reported), 0, "restored directory");
	nta_tree_fini(&t);
	return TEST_SUCCESS;
}

/*
 * The arena's fit index (regions by largest free extent): kept in step by
 * allocation and free across several regions, and nta_verify() notices a
 * wrong bit.
 */
static int
test_fit_index(void)
{
	struct nta_arena_config cfg = {
		.name = "fit", .region_size = 64 * 1024, .initial_regions = 3, .max_regions = 3,
		.flags = NTA_ARENA_F_NO_CACHE | NTA_ARENA_F_QUIET,
	};
	struct nta_arena *a = nta_arena_create(&cfg);
	void *p[64];
	uint32_t k;
	int i;

	TEST_ASSERT(a != NULL, "arena of three regions");
	/* 4 KB buffers: 16 fill a region, so the third region gets some. */
	for (i = 0; i < 40; i++)
		TEST_ASSERT(p[i] = nta_alloc(a, 4096), "alloc %d", i);
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "sound after filling two regions");
	TEST_ASSERT_EQUAL(a->regions[0]->max_free, 0, "region 0 full");
	TEST_ASSERT(!(a->fit[0] & 1), "a full region is in no class");
	for (i = 0; i < 40; i += 3)
		TEST_ASSERT_EQUAL(nta_free(a, p[i]), 0, "free %d", i);
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "sound after frees in every region");
	for (k = 0; k < NTA_FIT_CLASSES; k++) {
		a->fit[(size_t)k * a->fit_words] ^= 2;
		TEST_ASSERT(nta_verify(a) > 0, "nta_verify misses a wrong fit bit in class %u", k);
		a->fit[(size_t)k * a->fit_words] ^= 2;
	}
	TEST_ASSERT_EQUAL(nta_verify(a), 0, "restored");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

static int
setup(void)
{
	seed = nta_test_seed(42);
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "random_order", test_random_order },
	{ "random_order_wide", test_random_order_wide },
	{ "ascending", test_ascending },
	{ "descending", test_descending },
	{ "mixed", test_mixed },
	{ "directory_insert", test_directory_insert },
	{ "directory_churn", test_directory_churn },
	{ "extremes", test_extremes },
	{ "checkers_detect_corruption", test_checkers_detect_corruption },
	{ "fit_index", test_fit_index },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta AVL tree",
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
