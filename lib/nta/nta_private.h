/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_PRIVATE_H
#define NTA_PRIVATE_H

/*
 * Internals of the network tree allocator. Nothing here is API; tests include
 * it to reach the AVL tree and the bitmaps directly.
 *
 * A region is NTA_UNIT-byte units [0, units). Every unit belongs to exactly
 * one block; a block is one of
 *   - free:   in the region's AVL tree (a "free extent"),
 *   - cached: freed by a caller, waiting in one thread's cache,
 *   - used:   held by a caller.
 * The state of every block is kept in two bitmaps and a byte map outside
 * the region:
 *
 *   unit:     0   1   2   3   4   5   6   7   8   9  10  11
 *   block:   [ used  ][    free       ][c ][ used      ][ free ]
 *   head:     1   0   1   0   0   0   1   1   0   0   1   0
 *   free:     0   0   1   0   0   0   0   0   0   0   1   0
 *   used:     2   0   0   0   0   0   0   3   0   0   0   0   (bytes)
 *
 * The length of a block is the distance from its head bit to the next head
 * bit (or to the region end), found in O(1) through summary levels. The used
 * byte of a used block holds its length too, when below 255 units (255 for
 * longer blocks), so that a free need not read the head bitmap.
 */

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#include "nta.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#if NTA_AVL_BITS == 16
/* Index of an AVL node and count of units: the one type to widen (-Davl_bits). */
typedef uint16_t avl_t;
#else
typedef uint32_t avl_t;
#endif
_Static_assert(NTA_REGION_MAX_UNITS == (uint64_t)(avl_t)-1 + 1,
	"every unit index and length of a region fits an avl_t");

/*
 * The library is built with hidden visibility: only what NTA_EXPORT marks
 * (the definitions of what the installed headers declare) leaves libnta.so,
 * and version.map lists the same names.
 */
#define NTA_EXPORT __attribute__((visibility("default")))

/*
 * NTA_ASSERT(cond, why): a precondition the code relies on. Checked in debug
 * builds (NTA_DEBUG: -Dbuildtype=debug or -Dverify_mutations=true), where a
 * false one logs why, the condition and the place, and aborts; compiled out
 * otherwise (cond is not evaluated: keep it free of side effects).
 */
#ifdef NTA_DEBUG
void nta_assert_fail(const char *cond, const char *why, const char *file, int line)
	__attribute__((noreturn, cold));
#define NTA_ASSERT(cond, why) \
	do { \
		if (unlikely(!(cond))) \
			nta_assert_fail(#cond, (why), __FILE__, __LINE__); \
	} while (0)
#else
#define NTA_ASSERT(cond, why) do { (void)sizeof(cond); } while (0)
#endif

#define NTA_BITS_PER_WORD 64
/* Levels of a summarised bitmap: 64^6 bits covers any region we allow. */
#define NTA_BM_MAX_LEVELS 6

/*
 * A bitmap with summary levels: bit i of level k+1 is set iff word i of level
 * k is not zero. Level 0 holds the bits; the top level is one word.
 *
 * Invariants (checked by nta_bitmap_check()):
 *   for every level k < levels-1 and word w:
 *       bit w of level k+1 == (lvl[k][w] != 0)
 *   no bit at or above nbits is set in level 0.
 * Writers hold the arena lock; readers that do not use relaxed atomic loads
 * and only rely on bits that cannot change under them (see nta_free()).
 */
struct nta_bitmap {
	uint64_t nbits;
	uint32_t levels;
	uint64_t *lvl[NTA_BM_MAX_LEVELS];
	uint64_t words[NTA_BM_MAX_LEVELS];
};

/*
 * Metadata arrays (used maps, bitmap words) of a page or more are mapped
 * anonymous and zero, not allocated: a page costs memory only once it is
 * written, so a region's metadata grows by pages with the part of the region
 * in use (see nta_region.hi) instead of being paid for the whole region at
 * creation. Smaller arrays come from calloc(). nta_meta_alloc(): zeroed
 * bytes, NULL if out of memory; nta_meta_free() takes the same size.
 */
void *nta_meta_alloc(size_t bytes);
void nta_meta_free(void *p, size_t bytes);
/*
 * Bytes of memory an array of total bytes from nta_meta_alloc() costs when
 * only its first used bytes were ever written: whole pages of a mapped
 * array, the whole of a calloc()ed one.
 */
uint64_t nta_meta_cost(size_t total, uint64_t used);

int nta_bitmap_init(struct nta_bitmap *bm, uint64_t nbits);
void nta_bitmap_fini(struct nta_bitmap *bm);
/*
 * Level k >= 1 and up, after word w of level k - 1 became non-zero / zero
 * (nta_bitmap_set() and nta_bitmap_clear() do level 1 themselves).
 */
void nta_bitmap_set_up(struct nta_bitmap *bm, uint32_t k, uint64_t w);
void nta_bitmap_clear_up(struct nta_bitmap *bm, uint32_t k, uint64_t w);
/* Lowest set bit >= i, or nbits if none. */
uint64_t nta_bitmap_next(const struct nta_bitmap *bm, uint64_t i);
/* Highest set bit <= i, or UINT64_MAX if none. */
uint64_t nta_bitmap_prev(const struct nta_bitmap *bm, uint64_t i);
/* Number of summary inconsistencies. */
unsigned int nta_bitmap_check(const struct nta_bitmap *bm);

/* Set bit i: one word, and the levels above only when the word was empty. */
static inline void
nta_bitmap_set(struct nta_bitmap *bm, uint64_t i)
{
	uint64_t *w = &bm->lvl[0][i / 64];
	uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED);

	NTA_ASSERT(i < bm->nbits, "bit inside the bitmap");
	__atomic_store_n(w, old | (UINT64_C(1) << (i % 64)), __ATOMIC_RELAXED);
	if (old == 0 && bm->levels > 1) {
		/* Level 1 here: the levels above change only when it was empty. */
		i /= 64;
		w = &bm->lvl[1][i / 64];
		old = __atomic_load_n(w, __ATOMIC_RELAXED);
		__atomic_store_n(w, old | (UINT64_C(1) << (i % 64)), __ATOMIC_RELAXED);
		if (old == 0 && bm->levels > 2)
			nta_bitmap_set_up(bm, 2, i / 64);
	}
}

/* Clear bit i: one word, and the levels above only when the word empties. */
static inline void
nta_bitmap_clear(struct nta_bitmap *bm, uint64_t i)
{
	uint64_t *w = &bm->lvl[0][i / 64];
	uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED) & ~(UINT64_C(1) << (i % 64));

	NTA_ASSERT(i < bm->nbits, "bit inside the bitmap");
	__atomic_store_n(w, v, __ATOMIC_RELAXED);
	if (v == 0 && bm->levels > 1) {
		i /= 64;
		w = &bm->lvl[1][i / 64];
		v = __atomic_load_n(w, __ATOMIC_RELAXED) & ~(UINT64_C(1) << (i % 64));
		__atomic_store_n(w, v, __ATOMIC_RELAXED);
		if (v == 0 && bm->levels > 2)
			nta_bitmap_clear_up(bm, 2, i / 64);
	}
}

static inline bool
nta_bitmap_test(const struct nta_bitmap *bm, uint64_t i)
{
	return (__atomic_load_n(&bm->lvl[0][i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/*
 * An AVL node: one free extent of a region. 12 bytes with 16-bit avl_t.
 *
 *   byte:  0     2      4       6       8        10       11
 *         +-----+------+-------+-------+--------+--------+-------+
 *         |left |right |parent | start | len_m1 | height | spare |
 *         +-----+------+-------+-------+--------+--------+-------+
 *
 * left, right, parent: node indices, 0 = none (node 0 is never used, and
 *         stays zero but for its parent, so that it reads as height 0).
 *         child[0] and child[1] are left and right, for code that handles
 *         both sides at once with the side as an index.
 * start:  first unit of the extent; len_m1: its units minus one, so that a
 *         region of exactly 2^16 units (2 MB of 32 B units) fits 16 bits.
 * height: 1 for a leaf, 1 + max(child heights) otherwise; 0 marks a spare
 *         node (on the tree's spare list, linked through parent).
 *
 * Tree invariants (checked by nta_tree_check()), over the linked nodes (those
 * reachable from the root; the waiting node of struct nta_tree is not):
 *   key(n) = (len, start); key(left) < key(n) < key(right) for every n
 *   height(n) = 1 + max(height(left), height(right)), height(0) = 0
 *   |height(left) - height(right)| <= 1
 *   parent(left(n)) = parent(right(n)) = n; parent(root) = 0
 *   count = number of nodes reachable from root, + 1 if a node waits
 *   count + spare nodes = capacity
 *   height(root) <= 1.44 log2(linked nodes + 2)
 *   node 0: left = right = start = len_m1 = height = 0
 */
struct nta_node {
	union {
		struct {
			avl_t left;
			avl_t right;
		};
		avl_t child[2];   /* child[0] = left, child[1] = right */
	};
	avl_t parent;
	avl_t start;
	avl_t len_m1;
	uint8_t height;
	uint8_t spare;
};

#if NTA_AVL_BITS == 16
_Static_assert(sizeof(struct nta_node) == 12, "an AVL node is 12 bytes with 16-bit avl_t");
#else
_Static_assert(sizeof(struct nta_node) == 24, "an AVL node is 24 bytes with 32-bit avl_t");
#endif
/* An AVL tree of n nodes is below 1.45 log2(n + 2) high: far below 255. */
_Static_assert(NTA_AVL_BITS * 3 / 2 + 2 <= UINT8_MAX, "a node's height fits its uint8_t");

/*
 * Lengths below NTA_TREE_DIR units have a directory entry: the leftmost node
 * of that length (its lowest start), so that a best fit for a small length is
 * a lookup in a bitmap of 256 bits instead of a walk down the tree.
 */
#define NTA_TREE_DIR 256
#define NTA_TREE_DIR_WORDS (NTA_TREE_DIR / 64)

/* The node table grows by whole chunks of nodes. */
#define NTA_NODE_CHUNK_SHIFT 8
#define NTA_NODE_CHUNK (1u << NTA_NODE_CHUNK_SHIFT)

/*
 * The free index of one region: an AVL tree of free extents, the length
 * directory in front of it, and at most one extent waiting to be linked.
 *
 * The last extent inserted waits unlinked (pend): it is in the index (count,
 * best fit, find, the in-order walks see it in its place), but in neither the
 * tree's links nor the directory. The next insert links it. So a free and an
 * allocation that takes the same extent (the common free-then-allocate of one
 * size) change no link; every operation stays O(log2 n).
 *
 * Directory invariants (checked by nta_tree_check()), for 0 < len < NTA_TREE_DIR:
 *   first[len] = the linked node of length len with the lowest start, 0 if none
 *   bit len of dir = (first[len] != 0); first[0] = 0, bit 0 clear
 * Waiting node invariants (checked by nta_tree_check()):
 *   pend = 0, or a node that is not reachable from root, with left = right =
 *   parent = 0 and height 1, whose key no linked node has
 */
struct nta_tree {
	struct nta_node *node;    /* node[i] is node i; moves when it grows */
	uint32_t n_chunks;        /* chunks allocated: n_chunks * CHUNK nodes */
	uint32_t max_chunks;      /* chunks for max_nodes */
	uint64_t max_nodes;       /* most nodes the tree may ever need (+1 for 0) */
	uint64_t capacity;        /* nodes allocated, node 0 excluded */
	uint64_t count;           /* nodes in the tree: linked + the waiting one */
	avl_t root;
	avl_t spare;              /* first spare node, 0 if none */
	avl_t pend;               /* the waiting (unlinked) node, 0 if none */
	uint64_t dir[NTA_TREE_DIR_WORDS];  /* lengths that have a node */
	avl_t first[NTA_TREE_DIR];         /* leftmost node of each short length */
};

static inline struct nta_node *
nta_node(const struct nta_tree *t, uint64_t i)
{
	return &t->node[i];
}

static inline uint64_t
nta_node_len(const struct nta_node *n)
{
	return (uint64_t)n->len_m1 + 1;
}

int nta_tree_init(struct nta_tree *t, uint64_t max_extents);
void nta_tree_fini(struct nta_tree *t);
/*
 * Make sure at least n spare nodes exist. 0, or a negative errno (-ENOMEM).
 * The node table may move: node pointers taken before are stale.
 */
int nta_tree_reserve(struct nta_tree *t, uint64_t n);
/*
 * Insert extent (start, len); needs a spare node (nta_tree_reserve()). Its
 * node waits unlinked (pend) until the next insert, which links it.
 */
void nta_tree_insert(struct nta_tree *t, uint64_t start, uint64_t len);
/* Remove extent (start, len). 0, or -1 if it is not in the tree. */
int nta_tree_remove(struct nta_tree *t, uint64_t start, uint64_t len);
/* Remove node i (in the tree); every other node keeps its index and extent. */
void nta_tree_remove_node(struct nta_tree *t, avl_t i);
/*
 * Give node i (in the tree) the extent (start, len): in place when the new
 * key keeps its in-order position or i waits unlinked (no link changes), else
 * by unlinking and linking the same node again. Needs no spare node.
 */
void nta_tree_rekey(struct nta_tree *t, avl_t i, uint64_t start, uint64_t len);
/* Node of the smallest extent of at least len units (lowest start on ties). */
avl_t nta_tree_best_fit(const struct nta_tree *t, uint64_t len);
/* Node of extent (start, len), 0 if it is not in the tree. */
avl_t nta_tree_find(const struct nta_tree *t, uint64_t start, uint64_t len);
/* Node of the largest extent, 0 if empty. */
avl_t nta_tree_last(const struct nta_tree *t);
/* In-order walk: first node, next node; 0 at the end. */
avl_t nta_tree_first(const struct nta_tree *t);
avl_t nta_tree_next(const struct nta_tree *t, avl_t n);
/* In-order predecessor of n; 0 at the start. */
avl_t nta_tree_prev(const struct nta_tree *t, avl_t n);
static inline uint32_t
nta_tree_height(const struct nta_tree *t)
{
	return t->root ? nta_node(t, t->root)->height : 0;
}
/* Number of violated tree invariants; each is reported through report. */
unsigned int nta_tree_check(const struct nta_tree *t,
		void (*report)(void *arg, const char *what), void *arg);

/*
 * A region: units [0, units) of memory at base, and its out-of-band control
 * block (this struct, the bitmaps and the tree, all outside the memory).
 *
 * Invariants (checked by nta_verify()):
 *   head bit 0 is set (unit 0 starts a block)
 *   free  ⊆ head; used ⊆ head; free ∩ used = ∅
 *   used[u] = min(units of the block at u, 255) for every used block
 *   for each free extent (s, l): free bit s set, the next head is s + l
 *       (or units), and (s, l) is in the tree exactly once
 *   the tree holds no other extent; free_units = Σ l over the tree
 *   no two free extents are adjacent: if free bit s and the extent ends at
 *       e < units, then free bit e is clear
 *   a head bit with neither free nor used set is a cached block, held by
 *       exactly one thread cache
 *   nonfree_blocks = head bits - free extents
 *   tree.capacity >= nonfree_blocks + 1 (or the most nodes the region can
 *       need): any free finds a node (a take reserves nonfree_blocks + 3)
 */
struct nta_region {
	uint8_t *base;
	uint64_t units;
	uint32_t id;
	bool jumbo;
	bool owned;               /* the arena mapped it and unmaps it */
	bool in_reservation;      /* mapped inside the arena's address range */
	uint64_t iova;
	size_t map_len;
	int fd;                   /* its hugetlbfs file (no name), or -1 */
	struct nta_bitmap head;   /* a block starts at unit u */
	struct nta_bitmap free;   /* a free extent starts at unit u */
	uint8_t *used;            /* not 0: a caller's buffer starts at unit u; */
				  /* min(its units, 255) (nta_used_code()) */
	struct nta_tree tree;
	uint64_t free_units;      /* units in the tree */
	uint64_t max_free;        /* units of the largest free extent */
	uint64_t nonfree_blocks;  /* used + cached blocks */
	uint8_t fit_classes;      /* classes of the arena's fit index it is in */
	/*
	 * High-water mark (under lock): units [hi, units) have never been part
	 * of a buffer or the start of a free extent but the first, so their used
	 * bytes and their head and free bits are zero and the metadata pages
	 * that cover only them were never written (they cost nothing: see
	 * nta_meta_alloc()). 1 <= hi <= units; hi only grows. nta_verify()
	 * checks that the maps are zero from hi on. (A refused free of a
	 * pointer above hi exchanges a zero byte: the one page it writes is not
	 * counted.)
	 */
	uint64_t hi;
};

/* One entry of a thread cache. */
struct nta_cache_ent {
	uint8_t *ptr;
	uint8_t *mark;     /* its byte in the region's used map */
	uint32_t unit;     /* first unit in its region */
	uint16_t region;
	uint16_t next;     /* next entry of the same bin + 1; 0 ends the bin */
};

#define NTA_CACHE_BINS (NTA_CACHE_MAX_UNITS + 1)
/*
 * Places of caches in an arena: one per thread slot, then NTA_DEPOT_MAX
 * depot places (full caches handed over), then as many spare places (empty
 * caches for the next hand-overs).
 */
#define NTA_DEPOT_MAX 4
#define NTA_CACHE_DEPOT NTA_MAX_THREADS
#define NTA_CACHE_SPARE (NTA_MAX_THREADS + NTA_DEPOT_MAX)
#define NTA_CACHE_SLOTS (NTA_MAX_THREADS + 2 * NTA_DEPOT_MAX)
#define NTA_CACHE_CAP (NTA_CACHE_SIZE > 0 ? NTA_CACHE_SIZE : 1)
/* Most units a cache holds: a thread never sits on more than this. */
#define NTA_CACHE_UNITS_CAP ((uint64_t)NTA_CACHE_MAX_BYTES / NTA_UNIT)
/*
 * Within that, a cache holds at most 1 / 2^NTA_CACHE_LIVE_SHIFT of the units
 * its arena has out of the trees (used or cached, measured at each drain),
 * but never less than NTA_CACHE_UNITS_MIN (a few of the largest blocks it
 * takes, so that any cacheable block fits an emptied cache): the memory a
 * cache sits on is bounded relative to the live set, not by a constant.
 */
#define NTA_CACHE_LIVE_SHIFT 3
#define NTA_CACHE_UNITS_MIN (4 * (uint64_t)NTA_CACHE_MAX_UNITS < NTA_CACHE_UNITS_CAP ? \
	4 * (uint64_t)NTA_CACHE_MAX_UNITS : NTA_CACHE_UNITS_CAP)

_Static_assert(NTA_MAX_REGIONS - 1 <= UINT16_MAX, "a region id fits nta_cache_ent.region");
_Static_assert(NTA_CACHE_CAP <= UINT16_MAX,
	"entry + 1 fits the uint16_t links (next, spare, bin) of a cache");
_Static_assert(NTA_REGION_MAX_UNITS - 1 <= UINT32_MAX, "a unit index fits nta_cache_ent.unit");

/*
 * A per-thread cache of freed buffers, binned by exact unit count. Only the
 * thread whose slot holds it touches it, or anyone under the arena lock while
 * it sits in the depot or as the spare (see struct nta_arena); nta_verify()
 * and nta_cache_flush_all() require the arena to be quiescent.
 *
 * Invariants:
 *   count = Σ over bins of the bin's list length <= NTA_CACHE_SIZE
 *   units <= limit, NTA_CACHE_UNITS_MIN <= limit <= NTA_CACHE_UNITS_CAP
 *   (limit changes at creation, at drains and trims, where units <= limit
 *   still holds, and to NTA_CACHE_UNITS_CAP when a hand-over gives it to a
 *   freeing thread)
 *   every entry is on exactly one list: a bin's, or the spare list
 *   an entry in bin n is a cached block of exactly n units
 *   units = Σ n over cached entries
 *   hits (allocations it served) = frees - count - given: every entry that
 *   came in was a free, and left by a hit or to the trees (so the hit path
 *   counts nothing)
 */
struct nta_cache {
	/* What the hit and the cached free read and write: the first line. */
	uint32_t count;
	uint16_t spare;                   /* first spare entry + 1 */
	uint64_t units;
	uint64_t limit;                   /* units it may hold before it drains */
	uint64_t frees;                   /* buffers pushed (by whichever thread held it) */
	uint16_t bin[NTA_CACHE_BINS];     /* first entry + 1 of each size */
	struct nta_cache_ent ent[NTA_CACHE_CAP];
	/* Counters, written by the thread that holds it (or under lock). */
	uint64_t allocs;   /* allocations this thread made from a tree */
	uint64_t given;    /* entries given back to the trees (drains, trims) */
	uint64_t flushes;
};

/*
 * The arena lock: one 32-bit word, 0 free, 1 held, 2 held and a thread may
 * sleep on it (futex). Taking a free lock is one compare-and-swap inline,
 * releasing it one exchange; only contention leaves the inline code (a short
 * spin, then FUTEX_WAIT; the release of a lock with sleepers wakes one).
 * pthread_mutex_lock() + unlock cost ~50 instructions per hold in calls.
 *
 * Invariant: v in {0, 1, 2}; v = 0 iff no thread holds the lock.
 */
struct nta_lock {
	uint32_t v;
};

#define NTA_LOCK_INIT { 0 }

void nta_lock_wait(struct nta_lock *l);
void nta_lock_wake(struct nta_lock *l);

static inline void
nta_lock(struct nta_lock *l)
{
	uint32_t free_ = 0;

	if (likely(__atomic_compare_exchange_n(&l->v, &free_, 1, false, __ATOMIC_ACQUIRE,
			__ATOMIC_RELAXED)))
		return;
	nta_lock_wait(l);
}

static inline void
nta_unlock(struct nta_lock *l)
{
	if (unlikely(__atomic_exchange_n(&l->v, 0, __ATOMIC_RELEASE) == 2))
		nta_lock_wake(l);
}

/* Registry of regions for lock-free lookup: sorted by base address. */
struct nta_region_index {
	uint32_t n;
	struct nta_region *r[];
};

/*
 * The fit index of an arena: class c lists the ordinary regions whose largest
 * free extent has at least 2^c units, so that an allocation visits only
 * regions that may serve it (lowest id first) instead of every region.
 */
#define NTA_FIT_CLASSES (NTA_AVL_BITS + 1)

struct nta_arena {
	uint64_t gen;             /* unique id of this arena, never 0 */
	/*
	 * On the line of gen, which every allocation and free reads: a cache
	 * miss of a thread alone looks at nothing else of the arena.
	 * hungry: slot + 1 of the last thread that missed its cache while the
	 * depot was empty, 0 if none (a hint, read without lock; written only
	 * when it changes, so a thread alone writes it once).
	 * handed: 0 until the first cache hand-over of the arena, then 1 for
	 * good (set under lock, read without). Invariant: a depot place is
	 * taken only if handed = 1; a miss looks at the depot only if
	 * handed = 1.
	 */
	int hungry;
	int handed;
	char name[NTA_NAME_LEN];
	struct nta_arena_config cfg;
	size_t region_size;       /* bytes of an ordinary region */
	size_t page_size;         /* page size of the backing */
	uint64_t region_units;    /* units of an ordinary region */
	uint64_t max_units;       /* largest buffer ever possible */
	struct nta_lock lock;     /* trees, head/free bitmaps, region table */
	struct nta_region **regions;  /* by id; max_ids entries */
	uint32_t max_ids;         /* max_regions, plus one for the jumbo region */
	uint32_t n_regions;       /* published with release */
	uint32_t n_ordinary;
	int jumbo;                /* id of the jumbo region, -1 if none */
	/*
	 * Fit index (under lock): bit k of word fit[c * fit_words + k / 64] is
	 * set iff region k is ordinary and its max_free >= 2^c; fit_classes of
	 * region k = the number of classes it is in = bit width of max_free.
	 */
	uint64_t *fit;
	uint32_t fit_words;
	/* The "cannot grow" warning, at most one a second (under lock). */
	uint64_t grow_warn_ns;    /* when it was last logged (CLOCK_MONOTONIC) */
	uint64_t grow_warn_quiet; /* failures not logged since */
	/*
	 * Address lookup in O(1): regions the arena maps live in one reserved
	 * range, slot k at va_base + k * region_size (jumbo slots first); the
	 * region of p is slot[(p - va_base) >> va_shift]. Memory given by the
	 * caller is found by binary search in the sorted index instead.
	 */
	uintptr_t va_base;
	size_t va_len;
	uint32_t va_shift;
	uint32_t n_slots;
	uint32_t jumbo_slots;
	struct nta_region **slot;
	struct nta_region_index *index;     /* current lookup table */
	struct nta_region_index **old_index;  /* max_ids entries */
	uint32_t n_old_index;
	/*
	 * Caches by thread slot, then (under lock) the depot places, full
	 * caches a freeing thread handed over for an allocating one, and the
	 * spare places, empty caches for the next hand-overs. A cache moves
	 * between these places whole (with its counters) and is freed only
	 * with the arena (hungry and handed, above, say who waits for one).
	 * Invariants (checked by nta_verify()): no cache is in two places; the
	 * spares hold no buffer.
	 */
	struct nta_cache *cache[NTA_CACHE_SLOTS];
	/* Counters under lock. */
	uint64_t allocs;
	uint64_t frees;
	uint64_t tree_allocs;
	uint64_t tree_frees;
	uint64_t merges;
	uint64_t flushes;
	/* Counters updated atomically. */
	uint64_t alloc_fails;
	uint64_t free_errors;
};

/* Logging (nta_log.c). */
void nta_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* nta_log(), unless a is an NTA_ARENA_F_QUIET arena (a may be NULL). */
void nta_arena_log(const struct nta_arena *a, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set nta_errno to err; -1. */
static inline int
nta_fail(int err)
{
	nta_errno = err;
	return -1;
}

/* Backings (nta_backing.c): map a region's memory, or unmap it. */
/* Map size bytes for r, at address at (MAP_FIXED inside the arena's
 * reservation) or anywhere (at == NULL). 0 or a negative errno. */
int nta_backing_map(struct nta_arena *a, struct nta_region *r, size_t size, void *at);
void nta_backing_unmap(struct nta_region *r);
size_t nta_backing_page_size(const struct nta_arena_config *cfg);
size_t nta_backing_default_region(const struct nta_arena_config *cfg);

/* ---- counters written by one thread, read by stats ---- */

static inline void
nta_cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t
nta_cnt_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/*
 * Number of violated invariants (0: sound) of region r (NULL: of every
 * region) and of the calling thread's cache mine (NULL: none). Under lock;
 * see nta_verify.c.
 */
unsigned int nta_verify_locked(struct nta_arena *a, const struct nta_region *r,
		const struct nta_cache *mine);

/*
 * Checks compiled in by -Dverify_mutations=true (NTA_VERIFY_MUTATIONS):
 * after every slow-path change (a tree allocation, a free to a tree, a cache
 * drain, a new region), with the arena lock held, check what changed (region
 * r, or every region when r is NULL, and the calling thread's cache mine)
 * and abort with the violations logged if it is not sound.
 */
#ifdef NTA_VERIFY_MUTATIONS
void nta_verify_mutation(struct nta_arena *a, const struct nta_region *r,
		const struct nta_cache *mine, const char *what);
#define NTA_VERIFY_MUTATION(a, r, mine, what) nta_verify_mutation((a), (r), (mine), (what))
#else
#define NTA_VERIFY_MUTATION(a, r, mine, what) do { } while (0)
#endif

#endif /* NTA_PRIVATE_H */
