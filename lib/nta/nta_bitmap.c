/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Bitmaps with summary levels. Level k+1 has one bit per word of level k,
 * set iff that word is not zero, so the next (or previous) set bit is found
 * by going up until a word has a candidate, then down along lowest (or
 * highest) bits: at most 2 x levels word reads, whatever the distance.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nta_private.h"

static inline uint64_t
ld(const uint64_t *w)
{
	return __atomic_load_n(w, __ATOMIC_RELAXED);
}

static inline void
st(uint64_t *w, uint64_t v)
{
	__atomic_store_n(w, v, __ATOMIC_RELAXED);
}

/* First level-0 bit covered by word i of level k. */
static inline uint64_t
span_first(uint64_t i, uint32_t k)
{
	return i << (6 * (k + 1));
}

static size_t
meta_page(void)
{
	static size_t page;
	size_t p = __atomic_load_n(&page, __ATOMIC_RELAXED);

	if (p == 0) {
		long v = sysconf(_SC_PAGESIZE);

		p = v > 0 ? (size_t)v : 4096;
		__atomic_store_n(&page, p, __ATOMIC_RELAXED);
	}
	return p;
}

void *
nta_meta_alloc(size_t bytes)
{
	void *p;

	if (bytes < meta_page())
		return calloc(bytes != 0 ? bytes : 1, 1);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		-1, 0);
	return p != MAP_FAILED ? p : NULL;
}

void
nta_meta_free(void *p, size_t bytes)
{
	if (bytes < meta_page())
		free(p);
	else if (p != NULL)
		munmap(p, bytes);
}

uint64_t
nta_meta_cost(size_t total, uint64_t used)
{
	uint64_t page = meta_page();

	if (total < page)
		return total;
	used = (used + page - 1) / page * page;
	return used < total ? used : total;
}

int
nta_bitmap_init(struct nta_bitmap *bm, uint64_t nbits)
{
	uint64_t n = nbits;
	uint32_t k;

	memset(bm, 0, sizeof(*bm));
	bm->nbits = nbits;
	for (k = 0; k < NTA_BM_MAX_LEVELS; k++) {
		bm->words[k] = (n + 63) / 64;
		if (bm->words[k] == 0)
			bm->words[k] = 1;
		bm->lvl[k] = nta_meta_alloc(bm->words[k] * sizeof(uint64_t));
		if (bm->lvl[k] == NULL) {
			nta_bitmap_fini(bm);
			return -ENOMEM;
		}
		bm->levels = k + 1;
		if (bm->words[k] == 1)
			return 0;
		n = bm->words[k];
	}
	nta_bitmap_fini(bm);
	return -EINVAL;
}

void
nta_bitmap_fini(struct nta_bitmap *bm)
{
	uint32_t k;

	for (k = 0; k < NTA_BM_MAX_LEVELS; k++) {
		if (bm->lvl[k] != NULL)
			nta_meta_free(bm->lvl[k], bm->words[k] * sizeof(uint64_t));
		bm->lvl[k] = NULL;
	}
	bm->levels = 0;
}

void
nta_bitmap_set_up(struct nta_bitmap *bm, uint32_t k, uint64_t i)
{
	for (; k < bm->levels; k++) {
		uint64_t *w = &bm->lvl[k][i / 64];
		uint64_t old = ld(w);

		st(w, old | (UINT64_C(1) << (i % 64)));
		if (old != 0)
			return;     /* upper levels already say "not empty" */
		i /= 64;
	}
}

void
nta_bitmap_clear_up(struct nta_bitmap *bm, uint32_t k, uint64_t i)
{
	for (; k < bm->levels; k++) {
		uint64_t *w = &bm->lvl[k][i / 64];
		uint64_t v = ld(w) & ~(UINT64_C(1) << (i % 64));

		st(w, v);
		if (v != 0)
			return;     /* the word is still not empty */
		i /= 64;
	}
}

uint64_t
nta_bitmap_next(const struct nta_bitmap *bm, uint64_t i)
{
	uint32_t k = 0;
	uint64_t w;

	if (i >= bm->nbits)
		return bm->nbits;
	/* Up: find the first level whose word at or after i has a bit. */
	for (;;) {
		w = ld(&bm->lvl[k][i / 64]) & (~UINT64_C(0) << (i % 64));
		if (w != 0)
			break;
		if (++k == bm->levels)
			return bm->nbits;
		i = i / 64 + 1;
		if (i / 64 >= bm->words[k])
			return bm->nbits;
	}
	i = (i & ~UINT64_C(63)) + (uint64_t)__builtin_ctzll(w);
	/* Down: lowest bit of each word below. */
	while (k-- > 0) {
		w = ld(&bm->lvl[k][i]);
		if (w == 0)   /* a writer emptied it meanwhile: skip its span */
			return nta_bitmap_next(bm, span_first(i, k));
		i = i * 64 + (uint64_t)__builtin_ctzll(w);
	}
	return i < bm->nbits ? i : bm->nbits;
}

uint64_t
nta_bitmap_prev(const struct nta_bitmap *bm, uint64_t i)
{
	uint32_t k = 0;
	uint64_t w;

	if (i >= bm->nbits)
		i = bm->nbits - 1;
	for (;;) {
		uint32_t sh = 63 - (uint32_t)(i % 64);

		w = ld(&bm->lvl[k][i / 64]) & (~UINT64_C(0) >> sh);
		if (w != 0)
			break;
		if (++k == bm->levels || i < 64)
			return UINT64_MAX;
		i = i / 64 - 1;
	}
	i = (i & ~UINT64_C(63)) + 63 - (uint64_t)__builtin_clzll(w);
	while (k-- > 0) {
		w = ld(&bm->lvl[k][i]);
		if (w == 0)
			return span_first(i, k) == 0 ? UINT64_MAX :
				nta_bitmap_prev(bm, span_first(i, k) - 1);
		i = i * 64 + 63 - (uint64_t)__builtin_clzll(w);
	}
	return i;
}

unsigned int
nta_bitmap_check(const struct nta_bitmap *bm)
{
	unsigned int bad = 0;
	uint64_t w;
	uint32_t k;

	for (k = 0; k + 1 < bm->levels; k++)
		for (w = 0; w < bm->words[k]; w++) {
			bool up = (bm->lvl[k + 1][w / 64] >> (w % 64)) & 1;

			if (up != (bm->lvl[k][w] != 0))
				bad++;
		}
	if (bm->nbits % 64 != 0 && (bm->lvl[0][bm->words[0] - 1] >> (bm->nbits % 64)) != 0)
		bad++;
	return bad;
}
