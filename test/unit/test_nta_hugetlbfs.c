/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Hugetlbfs-backed arenas.
 *
 * share_with_child: the parent writes a pattern into buffers in two regions
 * (the second one made when the arena grows), then fork+execs the child
 * program (--child PATH), which maps the regions read-only through the fds
 * that nta_region_info() gives (the region files have no name): region 0's
 * fd inherited across exec, region 1's opened as /proc/<parent>/fd/<fd>,
 * and checks the pattern at the descriptors' offsets. The child must also
 * report a wrong pattern (so its "intact" means something).
 *
 * same_name: arenas of the same name (the default one included) live side
 * by side in one process.
 *
 * killed_child: a process that maps regions and dies by SIGKILL leaves no
 * file in any hugetlbfs mount, and its hugepages are free again.
 *
 * Skips (exit 77) only when no hugepage can be had at all: the arena cannot
 * be created (ENOMEM/ENOENT) and /proc/meminfo shows no free hugepage or no
 * hugetlbfs is mounted.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nta.h"
#include "nta_test.h"

#define HUGETLBFS_MAGIC_NR 0x958458f6
#define N_BUF 48
/* Files in hugetlbfs mounts that a test looks at. */
#define MAX_FILES 256

static const char *child_path;
/* An fd the child program inherits (its FD_CLOEXEC cleared), or -1. */
static int child_fd = -1;

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

/*
 * Names of the nta-* files in every hugetlbfs mount ("<mount>/<name>"), at
 * most max of them; their number.
 */
static unsigned int
nta_files(char (*names)[512], unsigned int max)
{
	char line[512], mnt[256], type[64];
	unsigned int n = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct dirent *e;
		DIR *d;

		if (sscanf(line, "%*s %255s %63s", mnt, type) != 2 ||
				strcmp(type, "hugetlbfs") != 0 || (d = opendir(mnt)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL)
			if (strncmp(e->d_name, "nta-", 4) == 0 && n < max)
				snprintf(names[n++], sizeof(names[0]), "%s/%s", mnt, e->d_name);
		closedir(d);
	}
	fclose(f);
	return n;
}

/*
 * The nta-* files in hugetlbfs mounts that are not among before[0, n_before):
 * printed, and removed when rm (so that a failing test leaks no hugepage).
 * Their number.
 */
static unsigned int
new_nta_files(char (*before)[512], unsigned int n_before, int rm)
{
	static char now[MAX_FILES][512];
	unsigned int n = nta_files(now, MAX_FILES), i, j, found = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n_before && strcmp(now[i], before[j]) != 0; j++)
			;
		if (j < n_before)
			continue;
		printf("file left in hugetlbfs: %s%s\n", now[i], rm ? " (removed)" : "");
		if (rm)
			unlink(now[i]);
		found++;
	}
	return found;
}

/* True if nta_dump(verbose) names fd, the way to a region's unnamed file. */
static int
dump_shows_fd(struct nta_arena *a, int fd)
{
	char *text = NULL, want[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int found;

	if (f == NULL)
		return 0;
	nta_dump(f, a, 1);
	fclose(f);
	snprintf(want, sizeof(want), ", fd %d, ", fd);
	found = text != NULL && strstr(text, want) != NULL;
	if (!found)
		printf("nta_dump does not show the region's fd %d:\n%s", fd, text);
	free(text);
	return found;
}

/*
 * True (and says so) when a region of this build cannot hold one default
 * hugepage: -Dunit_size=8 with 16-bit avl_t caps regions at 512 KB, below a
 * 2 MB hugepage, and nta_arena_create() refuses hugetlbfs with EINVAL.
 */
static bool
hugepage_above_region(void)
{
	long kb = meminfo("Hugepagesize");

	if (kb <= 0 || (uint64_t)kb * 1024 <= NTA_REGION_MAX_BYTES)
		return false;
	printf("hugepages of %ld KB, regions of at most %llu KB in this build (unit %d B, "
		"avl_bits %d): -Davl_bits=32 for hugetlbfs\n", kb,
		(unsigned long long)(NTA_REGION_MAX_BYTES >> 10), NTA_UNIT, NTA_AVL_BITS);
	return true;
}

/*
 * An arena on hugetlbfs from cfg in *a: TEST_SUCCESS, TEST_SKIPPED when no
 * hugepage can be had at all (or none fits a region of this build),
 * TEST_FAILED otherwise.
 */
static int
create_or_skip(const struct nta_arena_config *cfg, struct nta_arena **a)
{
	int err;
	long free_pages;

	*a = nta_arena_create(cfg);
	if (*a != NULL)
		return TEST_SUCCESS;
	err = nta_errno;
	if (err == EINVAL && hugepage_above_region())
		return TEST_SKIPPED;
	free_pages = meminfo("HugePages_Free");
	printf("nta_arena_create(hugetlbfs): errno %d (%s); HugePages_Free %ld, "
		"hugetlbfs %smounted\n", err, nta_strerror(err), free_pages,
		hugetlbfs_mounted() ? "" : "not ");
	if ((err == ENOMEM || err == ENOENT) && (free_pages <= 0 || !hugetlbfs_mounted()))
		return TEST_SKIPPED;
	return TEST_FAILED;
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
		if (child_fd >= 0)
			fcntl(child_fd, F_SETFD, 0);
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
	static char files[MAX_FILES][512];
	static char args[N_BUF + 8][64];
	char *argv[2 * N_BUF + 16];
	struct nta_region_info ri[2];
	struct nta_arena *a;
	struct nta_stats st;
	struct statfs sf;
	struct nta_rng rng;
	uint8_t *big = NULL;
	unsigned int i, n_files, r, argc;
	int rc, ex;

	n_files = nta_files(files, MAX_FILES);
	rc = create_or_skip(&cfg, &a);
	if (rc != TEST_SUCCESS)
		return rc;
	rc = TEST_FAILED;
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
	for (r = 0; r < nta_region_count(a); r++) {
		struct nta_region_info x;

		if (nta_region_info(a, r, &x) != 0) {
			printf("nta_region_info(%u): errno %d\n", r, nta_errno);
			goto out;
		}
		if (r < 2)
			ri[r] = x;
		/* A file on hugetlbfs, with no name: shared by its fd only. */
		if (x.fd < 0 || x.path[0] != '\0' || fstatfs(x.fd, &sf) != 0 ||
				(unsigned long)sf.f_type != HUGETLBFS_MAGIC_NR) {
			printf("region %u: fd %d, path '%s': not an unnamed file on hugetlbfs\n", r,
				x.fd, x.path);
			goto out;
		}
		printf("  region %u: fd %d, %zu B\n", r, x.fd, x.size);
	}
	if (new_nta_files(files, n_files, 0) != 0 || !dump_shows_fd(a, ri[1].fd))
		goto out;
	/*
	 * Arguments: -r FILE SIZE, then OFFSET:LEN:ID, per region. Region 0's
	 * fd is inherited; region 1 is opened as /proc/<pid>/fd/<fd>, as an
	 * unrelated process given the pid and the fd would.
	 */
	child_fd = ri[0].fd;
	snprintf(args[N_BUF + 2], sizeof(args[0]), "fd:%d", ri[0].fd);
	snprintf(args[N_BUF + 3], sizeof(args[0]), "/proc/%d/fd/%d", (int)getpid(), ri[1].fd);
	argc = 0;
	argv[argc++] = (char *)(uintptr_t)child_path;
	for (r = 0; r < 2; r++) {
		unsigned int in_r = 0;

		argv[argc++] = (char *)(uintptr_t)"-r";
		argv[argc++] = args[N_BUF + 2 + r];
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
	child_fd = -1;
	nta_arena_destroy(a);
	if (new_nta_files(files, n_files, 1) != 0)
		rc = TEST_FAILED;
	return rc;
}

/* Arenas of the same name, the default one included, in one process. */
static int
test_same_name(void)
{
	static const char *const names[] = { NULL, NULL, "nta" };
	struct nta_arena_config cfg = {
		.backing = NTA_BACKING_HUGETLBFS,
		.flags = NTA_ARENA_F_QUIET,
	};
	struct nta_arena *a[3] = { NULL };
	unsigned int i;
	int rc = TEST_FAILED;

	for (i = 0; i < 3; i++) {
		struct nta_region_info ri;
		uint8_t *p;

		cfg.name = names[i];
		rc = create_or_skip(&cfg, &a[i]);
		if (rc == TEST_SKIPPED && i == 0)
			return rc;
		if (rc != TEST_SUCCESS) {
			printf("arena %u (name %s) not created beside the others\n", i,
				names[i] != NULL ? names[i] : "default");
			rc = TEST_FAILED;
			goto out;
		}
		rc = TEST_FAILED;
		p = nta_alloc(a[i], 1000);
		if (p == NULL || nta_region_info(a[i], 0, &ri) != 0 || ri.fd < 0 ||
				nta_verify(a[i]) != 0) {
			printf("arena %u: alloc %p, errno %d\n", i, (void *)p, nta_errno);
			goto out;
		}
		nta_test_fill(p, 1000, i);
	}
	rc = TEST_SUCCESS;
out:
	for (i = 0; i < 3; i++)
		nta_arena_destroy(a[i]);
	return rc;
}

/*
 * A child process creates a hugetlbfs arena, allocates from three regions
 * and is killed (SIGKILL): no file remains in any hugetlbfs mount, and its
 * hugepages are free again.
 */
static int
test_killed_child(void)
{
	static char files[MAX_FILES][512];
	unsigned int n_files = nta_files(files, MAX_FILES);
	long free0 = meminfo("HugePages_Free"), free_mid, free1 = -1;
	int pfd[2], st, rc = TEST_SUCCESS, i;
	char c = 0;
	pid_t pid;

	if (free0 < 3 || !hugetlbfs_mounted()) {
		printf("HugePages_Free %ld, hugetlbfs %smounted: cannot run\n", free0,
			hugetlbfs_mounted() ? "" : "not ");
		return TEST_SKIPPED;
	}
	if (hugepage_above_region())
		return TEST_SKIPPED;
	TEST_ASSERT(pipe(pfd) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		struct nta_arena_config cfg = {
			.name = "nta-test-kill",
			.backing = NTA_BACKING_HUGETLBFS,
			.initial_regions = 3,
			.max_regions = 4,
			.flags = NTA_ARENA_F_QUIET,
		};
		struct nta_arena *a = nta_arena_create(&cfg);

		close(pfd[0]);
		for (i = 0; a != NULL && i < 3; i++) {
			uint8_t *p = nta_alloc(a, (size_t)1 << 20);

			if (p == NULL)
				_exit(2);
			memset(p, 0x5a, (size_t)1 << 20);
		}
		c = a != NULL ? 'y' : 'n';
		if (write(pfd[1], &c, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1 || c != 'y') {
		printf("child could not create its arena or allocate (%c)\n", c);
		rc = TEST_FAILED;
	}
	close(pfd[0]);
	free_mid = meminfo("HugePages_Free");
	kill(pid, SIGKILL);
	TEST_ASSERT(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		"child not killed");
	if (rc != TEST_SUCCESS)
		return rc;
	if (new_nta_files(files, n_files, 1) != 0)
		rc = TEST_FAILED;
	/* The pages go back when the last mapping and fd go: give it a moment. */
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		free1 = meminfo("HugePages_Free");
		if (free1 >= free0)
			break;
		nanosleep(&ts, NULL);
	}
	printf("  HugePages_Free: %ld before, %ld with the child, %ld after it was killed\n",
		free0, free_mid, free1);
	if (free_mid > free0 - 3) {
		printf("the child's arena took no hugepages\n");
		rc = TEST_FAILED;
	}
	if (free1 < free0) {
		printf("hugepages not returned: %ld free, %ld before\n", free1, free0);
		rc = TEST_FAILED;
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
	{ "same_name", test_same_name },
	{ "killed_child", test_killed_child },
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
