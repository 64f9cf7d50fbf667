/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench, section 3: external fragmentation. Random churn of IMIX
 * buffers in a fixed arena held at a given occupancy, then the free space as
 * each allocator sees it.
 *
 * The churn loop is timed: it stays in run_frag, and what it calls keeps its
 * form (mix_draw an ordinary function, rnd_below static inline), since
 * either change alters the measured code.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct frag_result bench_fr[MAX_FRAG_SIZES][N_OCCUPANCY][BA_COUNT];
const unsigned int bench_occupancy[N_OCCUPANCY] = { 50, 80, 95 };
const unsigned int bench_frag_allocs[N_FRAG_ALLOCS] = { BA_NTA, BA_POW2, BA_RTE, BA_GLIBC,
	BA_JEMALLOC, BA_MIMALLOC };

/* Memory figures of the n live buffers left by the churn. */
static void
frag_measure(struct bench_alloc *a, void *const *ptr, const uint32_t *sz, const uint32_t *live,
		uint32_t n_live, struct bench_mem *mem)
{
	void **lp = malloc((n_live + 1) * sizeof(void *));
	uint32_t *ls = malloc((n_live + 1) * sizeof(uint32_t));
	uint32_t k;

	if (lp != NULL && ls != NULL) {
		for (k = 0; k < n_live; k++) {
			lp[k] = ptr[live[k]];
			ls[k] = sz[live[k]];
		}
		a->ops->mem(a, lp, ls, n_live, mem);
	}
	free(lp);
	free(ls);
}

/* --map-dir: the picture of each arena size and occupancy was drawn. */
static bool frag_drawn[MAX_FRAG_SIZES][N_OCCUPANCY];

/* DIR/<stem>-<MB>MB-<occ>.<ext> into out (PATH_MAX bytes). */
static void
frag_map_path(char *out, const char *stem, unsigned int fi, unsigned int oi, const char *ext)
{
	snprintf(out, PATH_MAX, "%s/%s-%zuMB-%u.%s", bench_opt.map_dir, stem,
			bench_opt.frag_mb[fi], bench_occupancy[oi], ext);
}

/* The map of allocator ai after the churn of case (fi, oi), for --map-dir. */
static void
frag_write_map(unsigned int fi, unsigned int oi, unsigned int ai, struct frag_result *r)
{
	struct bench_alloc *a = &bench_allocs[ai];
	char path[PATH_MAX];
	FILE *f;
	int rc;

	frag_map_path(path, bench_alloc_keys[ai], fi, oi, "json");
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "nta-bench: %s: %s\n", path, strerror(errno));
		return;
	}
	rc = a->ops->map(a, f);
	if (fclose(f) != 0 && rc == 0) {
		snprintf(a->why, sizeof(a->why), "%s", strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		fprintf(stderr, "nta-bench: %s: %s\n", path, a->why);
		return;
	}
	r->map = true;
}

/* One case: arena size fi, occupancy oi, allocator ai, into bench_fr[fi][oi][ai]. */
static void
run_frag(unsigned int fi, unsigned int oi, unsigned int ai)
{
	const struct mix *m = &bench_mixes[0];
	size_t arena = bench_opt.frag_mb[fi] << 20;
	uint64_t target = arena / 100 * bench_occupancy[oi];
	struct bench_alloc *a = &bench_allocs[ai];
	struct frag_result *r = &bench_fr[fi][oi][ai];
	struct bench_params p = { .capacity = arena, .expected = arena, .max_size = mix_max(m),
		.fixed = true };
	size_t cap = arena / m->size[0] + 16;
	void **ptr = calloc(cap, sizeof(void *));
	uint32_t *sz = calloc(cap, sizeof(uint32_t));
	uint32_t *live = calloc(cap, sizeof(uint32_t));    /* live slot ids */
	uint32_t *freeslot = calloc(cap, sizeof(uint32_t)); /* unused slot ids */
	uint32_t n_live = 0, n_free = 0, pending;
	uint64_t st = bench_opt.seed ^ 0xf4a9ull, live_req = 0, op, t0, t1;
	char what[96];

	memset(r, 0, sizeof(*r));
	memset(&r->mem, 0xff, sizeof(r->mem));
	if (bench_opt.skip[ai]) {
		snprintf(r->why, sizeof(r->why), "not selected (--alloc)");
		goto out;
	}
	if (ptr == NULL || sz == NULL || live == NULL || freeslot == NULL) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	if (bench_alloc_init(a, &p, r->why, sizeof(r->why)) != 0)
		goto out;
	snprintf(what, sizeof(what), "frag %zu MB %u%% %s", bench_opt.frag_mb[fi],
			bench_occupancy[oi], a->name);
	progress_set(what);
	for (n_free = 0; n_free < cap; n_free++)
		freeslot[n_free] = (uint32_t)(cap - 1 - n_free);
	/*
	 * The trace is logical: which slot is freed and what size comes next
	 * depend on the seed only, never on the allocator; an allocation that
	 * fails leaves its slot logically live with no buffer.
	 */
	pending = mix_draw(m, &st);
	t0 = cpu_ns();
	for (op = 0; op < bench_opt.ops; op++) {
		if (live_req + pending <= target && n_free > 0) {
			uint32_t slot = freeslot[--n_free];

			ptr[slot] = a->ops->alloc(a->ctx, pending);
			if (ptr[slot] == NULL)
				r->fails++;
			sz[slot] = pending;
			live[n_live++] = slot;
			live_req += pending;
			pending = mix_draw(m, &st);
		} else {
			uint32_t k = rnd_below(&st, n_live);
			uint32_t slot = live[k];

			live[k] = live[--n_live];
			a->ops->free(a->ctx, ptr[slot]);
			ptr[slot] = NULL;
			live_req -= sz[slot];
			freeslot[n_free++] = slot;
		}
		if ((op & (CHUNK - 1)) == 0)
			progress("%" PRIu64 "/%" PRIu64 " ops", op, bench_opt.ops);
	}
	t1 = cpu_ns();
	r->ns_op = (double)(t1 - t0) / (double)bench_opt.ops;
	r->live_req = live_req;
	frag_measure(a, ptr, sz, live, n_live, &r->mem);
	r->ran = true;
	if (bench_opt.map_dir != NULL && a->ops->map != NULL)
		frag_write_map(fi, oi, ai, r);
	while (n_live > 0) {
		uint32_t slot = live[--n_live];

		a->ops->free(a->ctx, ptr[slot]);
	}
	a->ops->fini(a);
out:
	free(ptr);
	free(sz);
	free(live);
	free(freeslot);
}

/*
 * The dump options of nta-map for the maps of case (fi, oi) into argv from
 * index n, their paths in paths[] (N_FRAG_ALLOCS x PATH_MAX); the new count.
 */
static unsigned int
frag_map_dumps(unsigned int fi, unsigned int oi, char *argv[], unsigned int n,
		char (*paths)[PATH_MAX])
{
	unsigned int k, m = 0;

	for (k = 0; k < N_FRAG_ALLOCS; k++) {
		unsigned int ai = bench_frag_allocs[k];

		if (!bench_fr[fi][oi][ai].map)
			continue;
		frag_map_path(paths[m], bench_alloc_keys[ai], fi, oi, "json");
		argv[n++] = (char *)"--dump";
		argv[n++] = paths[m++];
	}
	return n;
}

#ifdef NTA_MAP_TOOL
/* Run nta-map (its output on stderr) for case (fi, oi): true when it drew. */
static bool
frag_draw(unsigned int fi, unsigned int oi)
{
	static char paths[N_FRAG_ALLOCS][PATH_MAX];
	char svg[PATH_MAX], title[128];
	char *argv[2 * N_FRAG_ALLOCS + 6];
	posix_spawn_file_actions_t fa;
	unsigned int n;
	int status;
	pid_t pid;
	bool ok;

	n = frag_map_dumps(fi, oi, argv, 1, paths);
	if (n == 1)
		return false;
	frag_map_path(svg, "frag", fi, oi, "svg");
	snprintf(title, sizeof(title), "nta-bench frag: %zu MB arena, %u%% occupancy, %" PRIu64
			" random operations (IMIX)", bench_opt.frag_mb[fi], bench_occupancy[oi],
			bench_opt.ops);
	argv[0] = (char *)NTA_MAP_TOOL;
	argv[n++] = (char *)"-o";
	argv[n++] = svg;
	argv[n++] = (char *)"--title";
	argv[n++] = title;
	argv[n] = NULL;
	fflush(NULL);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return false;
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	ok = posix_spawn(&pid, NTA_MAP_TOOL, &fa, NULL, argv, environ) == 0 &&
			waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			WEXITSTATUS(status) == 0;
	posix_spawn_file_actions_destroy(&fa);
	if (!ok)
		fprintf(stderr, "nta-bench: %s failed, %s not drawn\n", NTA_MAP_TOOL, svg);
	return ok;
}
#endif

/* --map-dir: draw the maps of every case. */
static void
frag_draw_all(void)
{
	unsigned int fi, oi;

#ifdef NTA_MAP_TOOL
	if (access(NTA_MAP_TOOL, X_OK) != 0)
		return;
	for (fi = 0; fi < bench_opt.n_frag; fi++)
		for (oi = 0; oi < N_OCCUPANCY; oi++)
			frag_drawn[fi][oi] = frag_draw(fi, oi);
#else
	(void)fi;
	(void)oi;
#endif
}

void
bench_frag_print_maps(void)
{
	static char paths[N_FRAG_ALLOCS][PATH_MAX];
	char *argv[2 * N_FRAG_ALLOCS + 1];
	char svg[PATH_MAX];
	FILE *out = bench_opt.csv ? stderr : stdout;
#ifdef NTA_MAP_TOOL
	const char *tool = NTA_MAP_TOOL;
#else
	const char *tool = "app/nta-top/nta-map";
#endif
	unsigned int fi, oi, n, i;

	if (bench_opt.map_dir == NULL)
		return;
	fprintf(out, "\nRegion maps after the churn (--map-dir):\n\n");
	for (fi = 0; fi < bench_opt.n_frag; fi++)
		for (oi = 0; oi < N_OCCUPANCY; oi++) {
			n = frag_map_dumps(fi, oi, argv, 0, paths);
			if (n == 0)
				continue;
			frag_map_path(svg, "frag", fi, oi, "svg");
			if (frag_drawn[fi][oi]) {
				fprintf(out, "- %s\n", svg);
				continue;
			}
			/* Not drawn: how to draw it. */
			fprintf(out, "- not drawn, to draw it: %s", tool);
			for (i = 0; i < n; i++)
				fprintf(out, " %s", argv[i]);
			fprintf(out, " -o %s\n", svg);
		}
	fprintf(out, "\n");
}

void
bench_frag_run(void)
{
	unsigned int fi, oi, k, ai;

	if (bench_opt.map_dir != NULL && mkdir(bench_opt.map_dir, 0777) != 0 && errno != EEXIST)
		fprintf(stderr, "nta-bench: --map-dir %s: %s\n", bench_opt.map_dir,
				strerror(errno));

	for (fi = 0; fi < bench_opt.n_frag; fi++)
		for (oi = 0; oi < N_OCCUPANCY; oi++)
			for (k = 0; k < N_FRAG_ALLOCS; k++) {
				ai = bench_frag_allocs[k];
				if (ai == BA_MIMALLOC) {
					snprintf(bench_fr[fi][oi][ai].why,
							sizeof(bench_fr[0][0][0].why),
							"exposes no free/largest-free figures");
					continue;
				}
				run_frag(fi, oi, ai);
			}
	if (bench_opt.map_dir != NULL)
		frag_draw_all();
}
