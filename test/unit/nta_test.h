/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_TEST_H
#define NTA_TEST_H

/*
 * A small unit-test-suite runner in the style of DPDK's app/test: a suite
 * has an optional setup and teardown and named cases; each case returns
 * TEST_SUCCESS, TEST_FAILED or TEST_SKIPPED. The program prints a summary
 * and exits 0 when every case that ran passed, 1 when one failed, 77 (the
 * meson/automake "skip" code) when every case was skipped.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#define TEST_SUCCESS 0
#define TEST_FAILED (-1)
#define TEST_SKIPPED 77

/* Exit code meson reads as "skipped". */
#define NTA_TEST_EXIT_SKIP 77

void nta_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST_ASSERT(cond, fmt, ...) do { \
	if (!(cond)) { \
		nta_test_fail(__FILE__, __LINE__, "assert (%s) failed: " fmt, #cond, \
				##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(a, b, fmt, ...) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { \
		nta_test_fail(__FILE__, __LINE__, "%s (%lld) != %s (%lld): " fmt, #a, _a, #b, \
				_b, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NULL(p, fmt, ...) TEST_ASSERT((p) == NULL, fmt, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_NULL(p, fmt, ...) TEST_ASSERT((p) != NULL, fmt, ##__VA_ARGS__)

struct nta_test_case {
	const char *name;
	int (*fn)(void);
};

struct nta_test_suite {
	const char *name;
	/* One line per program option besides the common ones, or NULL. */
	const char *usage;
	/*
	 * Parse argv[*i] (and following arguments, advancing *i): 1 when
	 * consumed, 0 when not an option of this program, -1 on a bad value
	 * (after printing why). NULL when the program has no options.
	 */
	int (*parse_opt)(int argc, char **argv, int *i);
	/* Called once before the first case; TEST_SKIPPED skips them all. */
	int (*setup)(void);
	void (*teardown)(void);
	/* Terminated by a case with a NULL name. */
	const struct nta_test_case *cases;
};

/*
 * Parse the common options (--help, --list, case names), run the suite and
 * return the program's exit code.
 */
int nta_test_main(const struct nta_test_suite *suite, int argc, char **argv);

/* Deterministic PRNG (xoshiro256**), seeded by nta_test_seed(). */
struct nta_rng {
	uint64_t s[4];
};

void nta_rng_seed(struct nta_rng *r, uint64_t seed);
uint64_t nta_rng_next(struct nta_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t nta_rng_below(struct nta_rng *r, uint64_t n);
/* Uniform in [lo, hi]. */
uint64_t nta_rng_range(struct nta_rng *r, uint64_t lo, uint64_t hi);

/*
 * Seed for this run: NTA_TEST_SEED from the environment, or the default
 * given. Printed so that a failure can be replayed.
 */
uint64_t nta_test_seed(uint64_t dflt);

/* Unsigned number from the environment, or dflt when unset; exits on junk. */
uint64_t nta_test_env_u64(const char *name, uint64_t dflt);

/* Parse an unsigned decimal/hex number; -1 on junk. */
int nta_test_parse_u64(const char *s, uint64_t *v);

/* Monotonic time in seconds. */
double nta_test_now(void);

/*
 * Pattern helpers: fill / check len bytes at p with a pattern derived from
 * id. Check returns the offset of the first wrong byte, or len if intact.
 */
void nta_test_fill(void *p, size_t len, uint64_t id);
size_t nta_test_check(const void *p, size_t len, uint64_t id);

#endif /* NTA_TEST_H */
