/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The power-of-two allocator of the comparison: a binary buddy allocator
 * over one mmap'ed buffer. One free list per power-of-two class (64 B up to
 * the whole buffer); a request takes the smallest class that holds it,
 * splitting a larger block when its own list is empty; a freed block merges
 * with its buddy as long as the buddy is free and whole. This is the classic
 * "segregated free lists per power of two" allocator (Linux's page allocator,
 * many packet pools), with coalescing so that its fragmentation figures are
 * its best case.
 *
 * Free-list links live inside free blocks (in band, like most allocators);
 * one byte per 64-byte granule of out-of-band state tells the order of the
 * block that starts there and whether it is free. No locking: the benchmark
 * is single-threaded.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#define BUDDY_MIN_ORDER 6   /* 64 bytes */
#define BUDDY_MAX_ORDER 40
#define BUDDY_FREE 0x80     /* state byte: block starting here is free */
#define BUDDY_HEAD 0x40     /* state byte: a block starts here */
#define BUDDY_ORDER_MASK 0x3f

struct buddy_link {
	struct buddy_link *next;
	struct buddy_link *prev;
};

struct buddy {
	uint8_t *base;
	size_t size;            /* power of two */
	unsigned int top;       /* log2(size) */
	uint64_t nonempty;      /* bit k: free list k not empty */
	struct buddy_link head[BUDDY_MAX_ORDER + 1]; /* circular lists */
	uint8_t *state;         /* per granule */
	size_t reserved;
	size_t free_bytes;
	size_t free_blocks;
};

static inline size_t
granule(const struct buddy *b, const void *p)
{
	return (size_t)((const uint8_t *)p - b->base) >> BUDDY_MIN_ORDER;
}

static void
list_push(struct buddy *b, unsigned int k, void *blk)
{
	struct buddy_link *l = blk;
	struct buddy_link *h = &b->head[k];

	l->next = h->next;
	l->prev = h;
	h->next->prev = l;
	h->next = l;
	b->nonempty |= 1ull << k;
	b->state[granule(b, blk)] = BUDDY_HEAD | BUDDY_FREE | k;
	b->free_bytes += (size_t)1 << k;
	b->free_blocks++;
}

static void
list_remove(struct buddy *b, unsigned int k, void *blk)
{
	struct buddy_link *l = blk;

	l->prev->next = l->next;
	l->next->prev = l->prev;
	if (b->head[k].next == &b->head[k])
		b->nonempty &= ~(1ull << k);
	b->free_bytes -= (size_t)1 << k;
	b->free_blocks--;
}

struct buddy *
buddy_create(size_t bytes)
{
	struct buddy *b;
	unsigned int top = BUDDY_MIN_ORDER;
	unsigned int k;

	while (((size_t)1 << top) < bytes && top < BUDDY_MAX_ORDER)
		top++;
	if (((size_t)1 << top) < bytes) {
		errno = E2BIG;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->size = (size_t)1 << top;
	b->top = top;
	b->base = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (b->base == MAP_FAILED) {
		free(b);
		return NULL;
	}
	b->state = calloc(b->size >> BUDDY_MIN_ORDER, 1);
	if (b->state == NULL) {
		munmap(b->base, b->size);
		free(b);
		return NULL;
	}
	for (k = 0; k <= BUDDY_MAX_ORDER; k++)
		b->head[k].next = b->head[k].prev = &b->head[k];
	list_push(b, top, b->base);
	return b;
}

void
buddy_destroy(struct buddy *b)
{
	if (b == NULL)
		return;
	munmap(b->base, b->size);
	free(b->state);
	free(b);
}

void *
buddy_alloc(struct buddy *b, size_t size)
{
	unsigned int want = BUDDY_MIN_ORDER;
	unsigned int k;
	uint64_t avail;
	uint8_t *blk;

	if (size == 0 || size > b->size)
		return NULL;
	if (size > ((size_t)1 << BUDDY_MIN_ORDER))
		want = 64 - (unsigned int)__builtin_clzll((uint64_t)size - 1);
	avail = b->nonempty >> want;
	if (avail == 0)
		return NULL;
	k = want + (unsigned int)__builtin_ctzll(avail);
	blk = (uint8_t *)b->head[k].next;
	list_remove(b, k, blk);
	while (k > want) {
		k--;
		list_push(b, k, blk + ((size_t)1 << k));
	}
	b->state[granule(b, blk)] = BUDDY_HEAD | want;
	b->reserved += (size_t)1 << want;
	return blk;
}

void
buddy_free(struct buddy *b, void *ptr)
{
	size_t off;
	uint8_t st;
	unsigned int k;

	if (ptr == NULL)
		return;
	off = (size_t)((uint8_t *)ptr - b->base);
	st = b->state[off >> BUDDY_MIN_ORDER];
	if ((st & BUDDY_HEAD) == 0 || (st & BUDDY_FREE) != 0)
		abort(); /* the benchmark never does this: a bug in the bench */
	k = st & BUDDY_ORDER_MASK;
	b->state[off >> BUDDY_MIN_ORDER] = 0;
	b->reserved -= (size_t)1 << k;
	while (k < b->top) {
		size_t bud = off ^ ((size_t)1 << k);
		uint8_t bs = b->state[bud >> BUDDY_MIN_ORDER];

		if (bs != (BUDDY_HEAD | BUDDY_FREE | k))
			break;
		list_remove(b, k, b->base + bud);
		b->state[bud >> BUDDY_MIN_ORDER] = 0;
		off &= ~((size_t)1 << k);
		k++;
	}
	list_push(b, k, b->base + off);
}

size_t
buddy_reserved(const struct buddy *b)
{
	return b->reserved;
}

size_t
buddy_free_bytes(const struct buddy *b)
{
	return b->free_bytes;
}

size_t
buddy_largest_free(const struct buddy *b)
{
	if (b->nonempty == 0)
		return 0;
	return (size_t)1 << (63 - __builtin_clzll(b->nonempty));
}

size_t
buddy_free_blocks(const struct buddy *b)
{
	return b->free_blocks;
}

size_t
buddy_metadata(const struct buddy *b)
{
	return b->size >> BUDDY_MIN_ORDER;
}

size_t
buddy_size(const struct buddy *b)
{
	return b->size;
}

int
buddy_walk(const struct buddy *b, int (*fn)(void *arg, size_t off, size_t bytes, bool used),
		void *arg)
{
	size_t off = 0;
	size_t bytes;
	uint8_t st;
	int rc;

	while (off < b->size) {
		st = b->state[off >> BUDDY_MIN_ORDER];
		if ((st & BUDDY_HEAD) == 0)
			abort(); /* blocks tile the buffer: a bug in the bench */
		bytes = (size_t)1 << (st & BUDDY_ORDER_MASK);
		rc = fn(arg, off, bytes, (st & BUDDY_FREE) == 0);
		if (rc != 0)
			return rc;
		off += bytes;
	}
	return 0;
}
