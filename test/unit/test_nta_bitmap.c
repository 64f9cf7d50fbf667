/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Tests of the summarised bitmap (struct nta_bitmap, nta_private.h):
 * nta_bitmap_next()/prev()/test() against a plain byte array on random bit
 * patterns of several densities, for sizes around word and level boundaries
 * (1, 63, 64, 65, 4096, 4097, 65536, 262145, 300000), after sets and after
 * clears, with nta_bitmap_check() == 0 throughout; and nta_bitmap_check()
 * must notice a corrupted summary.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nta_private.h"
#include "nta_test.h"

static uint64_t seed;

static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 127, 4095, 4096, 4097, 65536, 262145, 300000 };

/* Compare every next/prev/test answer with a brute-force scan of ref. */
static int
compare_all(const struct nta_bitmap *bm, const uint8_t *ref, uint64_t n)
{
	uint64_t i, nxt, prv, got;
	unsigned int bad;

	bad = nta_bitmap_check(bm);
	TEST_ASSERT_EQUAL(bad, 0, "nta_bitmap_check (nbits %" PRIu64 ")", n);
	/* Backward scan gives next, forward scan gives prev. */
	nxt = n;
	for (i = n; i-- > 0;) {
		if (ref[i])
			nxt = i;
		got = nta_bitmap_next(bm, i);
		TEST_ASSERT(got == nxt, "nbits %" PRIu64 ": next(%" PRIu64 ") = %" PRIu64
			" want %" PRIu64, n, i, got, nxt);
		TEST_ASSERT_EQUAL(nta_bitmap_test(bm, i), ref[i], "test(%" PRIu64 ")", i);
	}
	prv = UINT64_MAX;
	for (i = 0; i < n; i++) {
		if (ref[i])
			prv = i;
		got = nta_bitmap_prev(bm, i);
		TEST_ASSERT(got == prv, "nbits %" PRIu64 ": prev(%" PRIu64 ") = %" PRIu64
			" want %" PRIu64, n, i, got, prv);
	}
	return TEST_SUCCESS;
}

static int
run_size(uint64_t n, struct nta_rng *rng)
{
	/* One bit in 2^k on average: dense, sparse, very sparse. */
	static const unsigned int density_shift[] = { 1, 3, 6, 12, 16 };
	struct nta_bitmap bm;
	uint8_t *ref;
	uint64_t i, k, hits;
	unsigned int d;
	int rc = TEST_FAILED;

	ref = calloc(n, 1);
	TEST_ASSERT_NOT_NULL(ref, "oom");
	if (nta_bitmap_init(&bm, n) != 0) {
		free(ref);
		TEST_ASSERT(0, "nta_bitmap_init(%" PRIu64 "): errno %d", n, nta_errno);
	}
	/* Empty. */
	if (compare_all(&bm, ref, n) != TEST_SUCCESS)
		goto out;
	/* Only the first bit, then only the last. */
	nta_bitmap_set(&bm, 0);
	ref[0] = 1;
	if (compare_all(&bm, ref, n) != TEST_SUCCESS)
		goto out;
	nta_bitmap_clear(&bm, 0);
	ref[0] = 0;
	nta_bitmap_set(&bm, n - 1);
	ref[n - 1] = 1;
	if (compare_all(&bm, ref, n) != TEST_SUCCESS)
		goto out;
	nta_bitmap_clear(&bm, n - 1);
	ref[n - 1] = 0;
	/* Full. */
	for (i = 0; i < n; i++) {
		nta_bitmap_set(&bm, i);
		ref[i] = 1;
	}
	if (compare_all(&bm, ref, n) != TEST_SUCCESS)
		goto out;
	/* Clear it all again, in random order; the bitmap must be empty. */
	for (i = 0; i < n; i++) {
		k = nta_rng_below(rng, n);
		nta_bitmap_clear(&bm, k);
		ref[k] = 0;
	}
	for (i = 0; i < n; i++) {
		nta_bitmap_clear(&bm, i);
		ref[i] = 0;
	}
	if (compare_all(&bm, ref, n) != TEST_SUCCESS)
		goto out;
	/* Random patterns of each density, built by sets then thinned by clears. */
	for (d = 0; d < sizeof(density_shift) / sizeof(density_shift[0]); d++) {
		hits = (n >> density_shift[d]) + 1;
		for (i = 0; i < hits; i++) {
			k = nta_rng_below(rng, n);
			nta_bitmap_set(&bm, k);
			ref[k] = 1;
		}
		if (compare_all(&bm, ref, n) != TEST_SUCCESS) {
			printf("after setting density 1/2^%u\n", density_shift[d]);
			goto out;
		}
		for (i = 0; i < hits / 2; i++) {
			k = nta_rng_below(rng, n);
			nta_bitmap_clear(&bm, k);
			ref[k] = 0;
		}
		if (compare_all(&bm, ref, n) != TEST_SUCCESS) {
			printf("after clearing density 1/2^%u\n", density_shift[d]);
			goto out;
		}
		/* Start the next density from an empty map. */
		for (i = 0; i < n; i++) {
			if (ref[i]) {
				nta_bitmap_clear(&bm, i);
				ref[i] = 0;
			}
		}
	}
	/* Clustered runs, as a region's head bits are. */
	for (i = 0; i < n; i += 1 + nta_rng_below(rng, 300)) {
		uint64_t run = nta_rng_below(rng, 100), j;

		for (j = i; j < n && j < i + run; j++) {
			nta_bitmap_set(&bm, j);
			ref[j] = 1;
		}
		i = j;
	}
	if (compare_all(&bm, ref, n) != TEST_SUCCESS) {
		printf("clustered pattern\n");
		goto out;
	}
	rc = TEST_SUCCESS;
out:
	nta_bitmap_fini(&bm);
	free(ref);
	return rc;
}

static int
test_next_prev(void)
{
	struct nta_rng rng;
	size_t i;

	nta_rng_seed(&rng, seed);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (run_size(sizes[i], &rng) != TEST_SUCCESS) {
			printf("nbits %" PRIu64 " failed\n", sizes[i]);
			return TEST_FAILED;
		}
	return TEST_SUCCESS;
}

/* Setting a set bit or clearing a clear bit changes nothing. */
static int
test_idempotent(void)
{
	struct nta_bitmap bm;
	uint8_t ref[4097] = { 0 };

	TEST_ASSERT_EQUAL(nta_bitmap_init(&bm, 4097), 0, "init");
	nta_bitmap_set(&bm, 100);
	nta_bitmap_set(&bm, 100);
	nta_bitmap_set(&bm, 4096);
	nta_bitmap_clear(&bm, 5);
	nta_bitmap_clear(&bm, 4096);
	nta_bitmap_clear(&bm, 4096);
	ref[100] = 1;
	if (compare_all(&bm, ref, 4097) != TEST_SUCCESS) {
		nta_bitmap_fini(&bm);
		return TEST_FAILED;
	}
	nta_bitmap_fini(&bm);
	return TEST_SUCCESS;
}

/* nta_bitmap_check() must count a summary bit that disagrees with level 0. */
static int
test_check_detects(void)
{
	struct nta_bitmap bm;
	unsigned int bad_set, bad_clear;

	TEST_ASSERT_EQUAL(nta_bitmap_init(&bm, 300000), 0, "init");
	TEST_ASSERT(bm.levels >= 2, "300000 bits need summary levels, got %u", bm.levels);
	nta_bitmap_set(&bm, 4242);
	TEST_ASSERT_EQUAL(nta_bitmap_check(&bm), 0, "sound bitmap");
	/* A summary bit without a word behind it. */
	bm.lvl[1][0] |= 1ULL << 7;
	bad_set = nta_bitmap_check(&bm);
	bm.lvl[1][0] &= ~(1ULL << 7);
	/* A word whose summary bit is missing. */
	bm.lvl[1][4242 / 64 / 64] &= ~(1ULL << ((4242 / 64) % 64));
	bad_clear = nta_bitmap_check(&bm);
	bm.lvl[1][4242 / 64 / 64] |= 1ULL << ((4242 / 64) % 64);
	TEST_ASSERT_EQUAL(nta_bitmap_check(&bm), 0, "restored bitmap");
	nta_bitmap_fini(&bm);
	TEST_ASSERT(bad_set > 0, "a stray summary bit is not noticed");
	TEST_ASSERT(bad_clear > 0, "a missing summary bit is not noticed");
	return TEST_SUCCESS;
}

static int
setup(void)
{
	seed = nta_test_seed(7);
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "next_prev", test_next_prev },
	{ "idempotent", test_idempotent },
	{ "check_detects", test_check_detects },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta bitmap",
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
