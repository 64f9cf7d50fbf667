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

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
bench_frag_run(void)
{
	unsigned int fi, oi, k, ai;

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
}
