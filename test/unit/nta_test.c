/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nta_test.h"

void
nta_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
usage(const struct nta_test_suite *s, const char *prog)
{
	printf("Usage: %s [options] [case ...]\n"
		"Run the test suite \"%s\" (every case, or the cases named).\n"
		"  --help        this text\n"
		"  --list        list the cases and exit\n", prog, s->name);
	if (s->usage != NULL)
		printf("%s", s->usage);
	printf("Environment: NTA_TEST_SEED=N seeds the random generator.\n"
		"Exit code: 0 all passed, 1 a case failed, 77 all skipped, 2 bad usage.\n");
}

static const struct nta_test_case *
find_case(const struct nta_test_suite *s, const char *name)
{
	const struct nta_test_case *c;

	for (c = s->cases; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
nta_test_main(const struct nta_test_suite *s, int argc, char **argv)
{
	const struct nta_test_case *c;
	const char **only = NULL;
	unsigned int n_only = 0, total = 0, passed = 0, failed = 0, skipped = 0;
	unsigned int idx = 0, k;
	int i, rc;

	only = calloc(argc > 0 ? argc : 1, sizeof(*only));
	if (only == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(s, argv[0]);
			free(only);
			return 0;
		}
		if (strcmp(argv[i], "--list") == 0) {
			for (c = s->cases; c->name != NULL; c++)
				printf("%s\n", c->name);
			free(only);
			return 0;
		}
		if (s->parse_opt != NULL) {
			rc = s->parse_opt(argc, argv, &i);
			if (rc < 0) {
				free(only);
				return 2;
			}
			if (rc > 0)
				continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option '%s' (try --help)\n", argv[0], argv[i]);
			free(only);
			return 2;
		}
		if (find_case(s, argv[i]) == NULL) {
			fprintf(stderr, "%s: no test case named '%s' (try --list)\n", argv[0],
				argv[i]);
			free(only);
			return 2;
		}
		only[n_only++] = argv[i];
	}

	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite : %s\n", s->name);
	printf(" + ------------------------------------------------------- +\n");
	fflush(stdout);
	if (s->setup != NULL) {
		rc = s->setup();
		if (rc != TEST_SUCCESS) {
			printf(" + Suite setup %s\n", rc == TEST_SKIPPED ? "skipped" : "FAILED");
			free(only);
			return rc == TEST_SKIPPED ? NTA_TEST_EXIT_SKIP : 1;
		}
	}
	for (c = s->cases; c->name != NULL; c++, idx++) {
		double t0;

		if (n_only > 0) {
			for (k = 0; k < n_only; k++)
				if (strcmp(only[k], c->name) == 0)
					break;
			if (k == n_only)
				continue;
		}
		total++;
		t0 = nta_test_now();
		rc = c->fn();
		if (rc == TEST_SUCCESS)
			passed++;
		else if (rc == TEST_SKIPPED)
			skipped++;
		else
			failed++;
		printf(" + TestCase [%2u] : %s %s (%.2f s)\n", idx, c->name,
			rc == TEST_SUCCESS ? "succeeded" :
			rc == TEST_SKIPPED ? "skipped" : "FAILED", nta_test_now() - t0);
		fflush(stdout);
	}
	if (s->teardown != NULL)
		s->teardown();
	free(only);

	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite Summary : %s\n", s->name);
	printf(" + ------------------------------------------------------- +\n");
	printf(" + Tests Total :  %6u\n", total);
	printf(" + Tests Skipped :%6u\n", skipped);
	printf(" + Tests Passed : %6u\n", passed);
	printf(" + Tests Failed : %6u\n", failed);
	printf(" + ------------------------------------------------------- +\n");
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	fflush(stdout);
	if (failed > 0)
		return 1;
	if (passed == 0 && skipped > 0)
		return NTA_TEST_EXIT_SKIP;
	return 0;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
nta_rng_seed(struct nta_rng *r, uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
nta_rng_next(struct nta_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
nta_rng_below(struct nta_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift; the tiny bias does not matter here. */
	return (uint64_t)(((unsigned __int128)nta_rng_next(r) * n) >> 64);
}

uint64_t
nta_rng_range(struct nta_rng *r, uint64_t lo, uint64_t hi)
{
	return lo + nta_rng_below(r, hi - lo + 1);
}

int
nta_test_parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

uint64_t
nta_test_env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	uint64_t v;

	if (s == NULL || *s == '\0')
		return dflt;
	if (nta_test_parse_u64(s, &v) < 0) {
		fprintf(stderr, "bad value for %s: '%s' (want an unsigned number)\n", name, s);
		exit(2);
	}
	return v;
}

uint64_t
nta_test_seed(uint64_t dflt)
{
	uint64_t seed = nta_test_env_u64("NTA_TEST_SEED", dflt);

	printf("seed: %" PRIu64 " (set NTA_TEST_SEED to replay)\n", seed);
	return seed;
}

double
nta_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline uint64_t
pattern_word(uint64_t id, uint64_t i)
{
	uint64_t x = id * 0x9e3779b97f4a7c15ULL + i * 0xd1b54a32d192ed03ULL;

	return x ^ (x >> 29);
}

void
nta_test_fill(void *p, size_t len, uint64_t id)
{
	uint8_t *b = p;
	size_t i, nw = len / 8;
	uint64_t w;

	for (i = 0; i < nw; i++) {
		w = pattern_word(id, i);
		memcpy(b + i * 8, &w, 8);
	}
	w = pattern_word(id, nw);
	for (i = nw * 8; i < len; i++)
		b[i] = (uint8_t)(w >> (8 * (i % 8)));
}

size_t
nta_test_check(const void *p, size_t len, uint64_t id)
{
	const uint8_t *b = p;
	size_t i, nw = len / 8;
	uint64_t w, v;

	for (i = 0; i < nw; i++) {
		w = pattern_word(id, i);
		memcpy(&v, b + i * 8, 8);
		if (v != w) {
			size_t j;

			for (j = 0; j < 8; j++)
				if ((uint8_t)(v >> (8 * j)) != (uint8_t)(w >> (8 * j)))
					return i * 8 + j;
		}
	}
	w = pattern_word(id, nw);
	for (i = nw * 8; i < len; i++)
		if (b[i] != (uint8_t)(w >> (8 * (i % 8))))
			return i;
	return len;
}
