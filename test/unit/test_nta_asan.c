/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Under AddressSanitizer, memory of a region that no caller holds (a free
 * extent, or a buffer waiting in a thread cache) is poisoned: a write after
 * free inside a region must be reported. Each bad write runs in a forked
 * child, which must die with AddressSanitizer's report; the parent checks
 * both. Skipped (77) in a build without AddressSanitizer.
 */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nta.h"
#include "nta_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define REGION_SIZE (64 * 1024)

static struct nta_arena *
make_arena(enum nta_backing backing, unsigned int flags)
{
	struct nta_arena_config cfg = {
		.name = "asan",
		.backing = backing,
		.region_size = REGION_SIZE,
		.max_regions = 4,
		.flags = flags,
	};

	return nta_arena_create(&cfg);
}

/*
 * Write one byte at p in a child: 1 if the child died of an AddressSanitizer
 * report, 0 if the write went through, -1 if it could not be tried.
 */
static int
write_dies(void *p)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		*(volatile uint8_t *)p = 0x5a;
		_exit(0);
	}
	close(fds[1]);
	/* Read the report to its end (the child blocks on a full pipe); keep its start. */
	for (;;) {
		char rest[512];

		if (got < sizeof(buf) - 1)
			n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		else
			n = read(fds[0], rest, sizeof(rest));
		if (n <= 0)
			break;
		if (got < sizeof(buf) - 1)
			got += (size_t)n;
	}
	buf[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (strstr(buf, "AddressSanitizer") == NULL) {
		printf("child died without AddressSanitizer's report:\n%s\n", buf);
		return -1;
	}
	return 1;
}

/* A buffer freed into the calling thread's cache, then written. */
static int
test_cached_write(void)
{
	struct nta_arena *a = make_arena(NTA_BACKING_ANON, 0);
	uint8_t *p;

	TEST_ASSERT_NOT_NULL(a, "arena");
	p = nta_alloc(a, 100);
	TEST_ASSERT_NOT_NULL(p, "alloc");
	memset(p, 1, 100);
	TEST_ASSERT_EQUAL(nta_free(a, p), 0, "free");
	TEST_ASSERT_EQUAL(write_dies(p + 10), 1, "write into a cached buffer went through");
	/* The cache hands it out again: writable. */
	TEST_ASSERT(nta_alloc(a, 100) == p, "the cached buffer comes back");
	memset(p, 2, 100);
	TEST_ASSERT_EQUAL(write_dies(p + 10), 0, "write into an allocated buffer died");
	TEST_ASSERT_EQUAL(nta_free(a, p), 0, "free");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

/* A buffer returned to the tree (no cache), then written; a free extent too. */
static int
test_tree_write(void)
{
	struct nta_arena *a = make_arena(NTA_BACKING_ANON, NTA_ARENA_F_NO_CACHE);
	uint8_t *p, *q;

	TEST_ASSERT_NOT_NULL(a, "arena");
	p = nta_alloc(a, 64);
	q = nta_alloc(a, 64);
	TEST_ASSERT(p != NULL && q != NULL, "alloc");
	TEST_ASSERT_EQUAL(write_dies(q + 64), 1, "write into a free extent went through");
	TEST_ASSERT_EQUAL(nta_free(a, p), 0, "free");
	TEST_ASSERT_EQUAL(write_dies(p), 1, "write into a freed (merged) buffer went through");
	TEST_ASSERT_EQUAL(write_dies(q + 63), 0, "write into an allocated buffer died");
	TEST_ASSERT_EQUAL(nta_free(a, q), 0, "free");
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

/* Memory given with add_memory is the caller's again, unpoisoned, after destroy. */
static int
test_destroy_unpoisons(void)
{
	struct nta_arena *a = make_arena(NTA_BACKING_EXTERNAL, 0);
	size_t len = 2 * REGION_SIZE;
	uint8_t *mem = aligned_alloc(4096, len), *p;

	TEST_ASSERT(a != NULL && mem != NULL, "arena and memory");
	TEST_ASSERT(nta_arena_add_memory(a, mem, len, UINT64_MAX) >= 0, "add_memory");
	p = nta_alloc(a, 1000);
	TEST_ASSERT_NOT_NULL(p, "alloc");
	TEST_ASSERT_EQUAL(nta_free(a, p), 0, "free");
	TEST_ASSERT_EQUAL(write_dies(mem + len - 1), 1, "write into a free extent went through");
	nta_arena_destroy(a);
#ifdef HAVE_ASAN
	TEST_ASSERT(__asan_region_is_poisoned(mem, len) == NULL, "memory poisoned after destroy");
#endif
	memset(mem, 0, len);
	free(mem);
	return TEST_SUCCESS;
}

static int
setup(void)
{
#ifdef HAVE_ASAN
	return TEST_SUCCESS;
#else
	printf("not built with AddressSanitizer: nothing to check\n");
	return TEST_SKIPPED;
#endif
}

static const struct nta_test_case cases[] = {
	{ "cached_write", test_cached_write },
	{ "tree_write", test_tree_write },
	{ "destroy_unpoisons", test_destroy_unpoisons },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta ASan poisoning",
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
