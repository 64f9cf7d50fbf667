/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * A hugetlbfs-backed arena shared with another process: the parent writes a
 * pattern into buffers in two regions (the second one made when the arena
 * grows), then fork+execs the child program
 * (--child PATH), which maps the region files read-only by the paths that
 * nta_region_info() gives and checks the pattern at the descriptors'
 * offsets. The child must also report a wrong pattern (so its "intact" means
 * something). After nta_arena_destroy() the region files must be gone.
 *
 * Skips (exit 77) only when no hugepage can be had at all: the arena cannot
 * be created (ENOMEM/ENOENT) and /proc/meminfo shows no free hugepage or no
 * hugetlbfs is mounted.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nta.h"
#include "nta_test.h"

#define HUGETLBFS_MAGIC_NR 0x958458f6
#define N_BUF 48

static const char *child_path;

static long
meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int
hugetlbfs_mounted(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " hugetlbfs ") != NULL)
			found = 1;
	fclose(f);
	return found;
}

/* Run the child with argv; its exit status, or -1. */
static int
run_child(char **argv)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (!WIFEXITED(st)) {
		printf("child died by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
		return -1;
	}
	return WEXITSTATUS(st);
}

struct buf {
	uint8_t *p;
	size_t len;
	struct nta_desc d;
};

static int
test_share_with_child(void)
{
	struct nta_arena_config cfg = {
		.name = "nta-test-share",
		.backing = NTA_BACKING_HUGETLBFS,
		.initial_regions = 1,
		.max_regions = 4,
		.flags = NTA_ARENA_F_QUIET,
	};
	static struct buf b[N_BUF];
	static char paths[NTA_MAX_REGIONS][256];
	static char args[N_BUF + 8][64];
	char *argv[2 * N_BUF + 16];
	struct nta_region_info ri[2];
	struct nta_arena *a;
	struct nta_stats st;
	struct stat sb;
	struct statfs sf;
	struct nta_rng rng;
	uint8_t *big = NULL;
	unsigned int i, n_paths = 0, r, argc;
	int rc = TEST_FAILED, ex;

	a = nta_arena_create(&cfg);
	if (a == NULL) {
		int err = nta_errno;
		long free_pages = meminfo("HugePages_Free");

		printf("nta_arena_create(hugetlbfs): errno %d (%s); HugePages_Free %ld, "
			"hugetlbfs %smounted\n", err, nta_strerror(err), free_pages,
			hugetlbfs_mounted() ? "" : "not ");
		if ((err == ENOMEM || err == ENOENT) && (free_pages <= 0 || !hugetlbfs_mounted()))
			return TEST_SKIPPED;
		return TEST_FAILED;
	}
	if (nta_region_info(a, 0, &ri[0]) != 0 || nta_region_count(a) != 1) {
		printf("region 0: errno %d, %u regions\n", nta_errno, nta_region_count(a));
		goto out;
	}
	/*
	 * Buffers of mixed sizes; a big one in the middle pushes the later ones
	 * to the second region (best fit takes the first region's rest first).
	 */
	nta_rng_seed(&rng, 77);
	for (i = 0; i < N_BUF; i++) {
		if (i == N_BUF / 2) {
			nta_stats_get(a, &st);
			big = nta_alloc(a, ri[0].size - (st.bytes_used + 64 * 1024));
			(void)big;
		}
		b[i].len = nta_rng_range(&rng, 60, 9000);
		b[i].p = nta_alloc(a, b[i].len);
		if (b[i].p == NULL || nta_to_desc(a, b[i].p, 0, &b[i].d) != 0) {
			printf("alloc/to_desc of buffer %u: errno %d\n", i, nta_errno);
			goto out;
		}
		nta_test_fill(b[i].p, b[i].d.len, 1000 + i);
	}
	/* The second region was created by growth: a second file. */
	if (nta_region_count(a) < 2) {
		printf("the arena did not grow: %u regions\n", nta_region_count(a));
		goto out;
	}
	n_paths = nta_region_count(a);
	for (r = 0; r < n_paths; r++) {
		struct nta_region_info x;

		if (nta_region_info(a, r, &x) != 0) {
			printf("nta_region_info(%u): errno %d\n", r, nta_errno);
			goto out;
		}
		snprintf(paths[r], sizeof(paths[r]), "%s", x.path);
		if (r < 2)
			ri[r] = x;
		if (x.path[0] == '\0' || stat(x.path, &sb) != 0 || statfs(x.path, &sf) != 0 ||
				(unsigned long)sf.f_type != HUGETLBFS_MAGIC_NR) {
			printf("region %u: path '%s' is not a file on hugetlbfs\n", r, x.path);
			goto out;
		}
		printf("  region %u: %s, %zu B\n", r, x.path, x.size);
	}
	/* Arguments: -r PATH SIZE, then OFFSET:LEN:ID, per region. */
	argc = 0;
	argv[argc++] = (char *)(uintptr_t)child_path;
	for (r = 0; r < 2; r++) {
		unsigned int in_r = 0;

		argv[argc++] = (char *)(uintptr_t)"-r";
		argv[argc++] = paths[r];
		snprintf(args[N_BUF + r], sizeof(args[0]), "%zu", ri[r].size);
		argv[argc++] = args[N_BUF + r];
		for (i = 0; i < N_BUF; i++) {
			if (b[i].d.region != ri[r].id)
				continue;
			snprintf(args[i], sizeof(args[i]), "%u:%u:%u", b[i].d.offset, b[i].d.len,
				1000 + i);
			argv[argc++] = args[i];
			in_r++;
		}
		printf("  %u buffers in region %u\n", in_r, r);
		if (in_r == 0) {
			printf("no buffer landed in region %u\n", r);
			goto out;
		}
	}
	argv[argc] = NULL;
	ex = run_child(argv);
	if (ex != 0) {
		printf("child exit %d (want 0: every buffer intact)\n", ex);
		goto out;
	}
	/* The parent changes one buffer in place: the child sees it (no copy). */
	nta_test_fill(b[3].p, b[3].d.len, 5555);
	snprintf(args[3], sizeof(args[3]), "%u:%u:%u", b[3].d.offset, b[3].d.len, 5555);
	ex = run_child(argv);
	if (ex != 0) {
		printf("child exit %d after an in-place change (want 0)\n", ex);
		goto out;
	}
	/* And a wrong expectation must fail. */
	snprintf(args[3], sizeof(args[3]), "%u:%u:%u", b[3].d.offset, b[3].d.len, 1003);
	ex = run_child(argv);
	if (ex != 1) {
		printf("child exit %d for a wrong pattern (want 1)\n", ex);
		goto out;
	}
	for (i = 0; i < N_BUF; i++)
		if (nta_free(a, b[i].p) != 0) {
			printf("free: errno %d\n", nta_errno);
			goto out;
		}
	if (big != NULL && nta_free(a, big) != 0)
		goto out;
	nta_cache_flush(a);
	if (nta_verify(a) != 0 || nta_stats_get(a, &st) != 0 || st.bytes_used != 0) {
		printf("arena not sound or not empty after freeing\n");
		goto out;
	}
	rc = TEST_SUCCESS;
out:
	nta_arena_destroy(a);
	for (r = 0; r < n_paths; r++) {
		if (stat(paths[r], &sb) == 0 || errno != ENOENT) {
			printf("region file %s still exists after nta_arena_destroy()\n", paths[r]);
			rc = TEST_FAILED;
		}
	}
	return rc;
}

static int
parse_opt(int argc, char **argv, int *i)
{
	if (strcmp(argv[*i], "--child") != 0)
		return 0;
	if (*i + 1 >= argc || access(argv[*i + 1], X_OK) != 0) {
		fprintf(stderr, "%s: --child needs the path of nta_hugetlbfs_child (executable)\n",
			argv[0]);
		return -1;
	}
	child_path = argv[++(*i)];
	return 1;
}

static int
setup(void)
{
	if (child_path == NULL) {
		printf("no --child PATH given: cannot run the sharing test\n");
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "share_with_child", test_share_with_child },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta hugetlbfs sharing",
	.usage = "  --child PATH   the nta_hugetlbfs_child program (required)\n",
	.parse_opt = parse_opt,
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
