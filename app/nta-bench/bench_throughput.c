/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench, sections 1 and 2: the 4096-live-buffer trace. Each step frees a
 * random live buffer and allocates a new one; the throughput runs time whole
 * passes, the latency runs time each allocation; after the trace the live
 * set gives the memory figures.
 *
 * The timed loops (pass_plain, pass_latency) and the timer they read are
 * static in this file: moving one of them, or what it calls, to another
 * translation unit changes the code that is measured, and the figures.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BENCH_HAVE_TSC 1
#endif

#include "bench.h"

struct bench_alloc bench_allocs[BA_COUNT];
struct tp_result bench_tp[N_MIX][BA_COUNT];

double bench_tsc_ns = 1.0;
double bench_timer_overhead_ns;
double bench_noise_per_s;
const double bench_tail_ns[N_TAIL] = { 100, 200, 500, 1000 };
const char *bench_timer_name = "clock_gettime(CLOCK_MONOTONIC)";

static inline uint64_t
ticks(void)
{
#ifdef BENCH_HAVE_TSC
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
#else
	return now_ns();
#endif
}

void
bench_timer_calibrate(void)
{
	uint64_t s[1001];
	unsigned int i;

#ifdef BENCH_HAVE_TSC
	uint64_t t0, n0, t1, n1;

	bench_timer_name = "rdtsc (lfence-fenced)";
	n0 = now_ns();
	t0 = ticks();
	while (now_ns() - n0 < 200000000u)
		;
	n1 = now_ns();
	t1 = ticks();
	bench_tsc_ns = (double)(n1 - n0) / (double)(t1 - t0);
#endif
	for (i = 0; i < 1001; i++) {
		uint64_t a = ticks();
		uint64_t b = ticks();

		s[i] = b - a;
	}
	qsort(s, 1001, sizeof(s[0]), cmp_u64);
	bench_timer_overhead_ns = (double)s[500] * bench_tsc_ns;
	bench_noise_probe();
}

/*
 * 200 ms of reading the timer back to back: every gap above 1 us is the
 * machine (an interrupt, the hypervisor), not code. Their rate sets a floor
 * under any allocator's tail: a timed call of d ns meets one with
 * probability rate * d.
 */
void
bench_noise_probe(void)
{
	uint64_t t0 = now_ns(), prev = ticks(), gaps = 0, t;
	double limit = 1000.0 / bench_tsc_ns;

	while (now_ns() - t0 < 200000000u) {
		t = ticks();
		gaps += (double)(t - prev) > limit;
		prev = t;
	}
	bench_noise_per_s = (double)gaps * 1e9 / (double)(now_ns() - t0);
}

static void
free_live(struct bench_alloc *a, void **live, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		a->ops->free(a->ctx, live[i]);
		live[i] = NULL;
	}
}

/* One pass over the trace; -1 when an allocation fails. */
static int
pass_plain(struct bench_alloc *a, const struct trace *t, void **live, const char *what)
{
	void *(*al)(void *, size_t) = a->ops->alloc;
	void (*fr_)(void *, void *) = a->ops->free;
	void *ctx = a->ctx;
	uint64_t s, e;

	for (s = 0; s < t->steps; s = e) {
		e = s + CHUNK < t->steps ? s + CHUNK : t->steps;
		for (; s < e; s++) {
			uint32_t v = t->victim[s];

			fr_(ctx, live[v]);
			live[v] = al(ctx, t->size[s]);
			if (live[v] == NULL)
				return -1;
		}
		progress("%s %" PRIu64 "/%" PRIu64 " steps", what, e, t->steps);
	}
	return 0;
}

/* One pass timing every allocation; lat[] gets ticks. */
static int
pass_latency(struct bench_alloc *a, const struct trace *t, void **live, uint32_t *lat)
{
	void *(*al)(void *, size_t) = a->ops->alloc;
	void (*fr_)(void *, void *) = a->ops->free;
	void *ctx = a->ctx;
	uint64_t s, e;

	for (s = 0; s < t->steps; s = e) {
		e = s + CHUNK < t->steps ? s + CHUNK : t->steps;
		for (; s < e; s++) {
			uint32_t v = t->victim[s];
			uint64_t t0, t1;

			fr_(ctx, live[v]);
			t0 = ticks();
			live[v] = al(ctx, t->size[s]);
			t1 = ticks();
			if (live[v] == NULL)
				return -1;
			lat[s] = t1 - t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(t1 - t0);
		}
		progress("latency %" PRIu64 "/%" PRIu64 " steps", e, t->steps);
	}
	return 0;
}


/* The live set, then the warm-up pass (the only pass when not timed). */
static int
trace_fill_warm(struct bench_alloc *a, const struct trace *t, void **live, struct tp_result *r)
{
	unsigned int i;

	for (i = 0; i < LIVE_BUFFERS; i++) {
		live[i] = a->ops->alloc(a->ctx, t->fill[i]);
		if (live[i] == NULL) {
			snprintf(r->why, sizeof(r->why), "fill: allocation %u failed", i);
			return -1;
		}
	}
	/* Warm-up (or the only pass): pages touched, caches and heaps primed. */
	if (pass_plain(a, t, live, "warm-up") != 0) {
		snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
		return -1;
	}
	return 0;
}

/* The throughput runs: median ns per pair in CPU (*cpu) and wall-clock (*wall_pair) time. */
static int
trace_time_runs(struct bench_alloc *a, const struct trace *t, void **live, struct tp_result *r,
		double *cpu, double *wall_pair)
{
	double ns[MAX_RUNS], wall[MAX_RUNS];
	unsigned int run;

	for (run = 0; run < bench_opt.runs; run++) {
		uint64_t t0, t1, c0, c1;

		t0 = now_ns();
		c0 = cpu_ns();
		if (pass_plain(a, t, live, "throughput") != 0) {
			snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
			return -1;
		}
		c1 = cpu_ns();
		t1 = now_ns();
		ns[run] = (double)(c1 - c0) / (double)t->steps;
		wall[run] = (double)(t1 - t0) / (double)t->steps;
	}
	*cpu = median(ns, bench_opt.runs);
	*wall_pair = median(wall, bench_opt.runs);
	return 0;
}

/* Entries of sorted lat[0, n) above ticks. */
static uint64_t
count_above(const uint32_t *lat, uint64_t n, double ticks_)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if ((double)lat[mid] > ticks_)
			hi = mid;
		else
			lo = mid + 1;
	}
	return n - lo;
}

/* The latency runs: median percentiles of single allocations, largest seen. */
static int
trace_latency_runs(struct bench_alloc *a, const struct trace *t, void **live, uint32_t *lat,
		struct tp_result *r)
{
	double p50[MAX_RUNS], p99[MAX_RUNS], p999[MAX_RUNS], tail[N_TAIL][MAX_RUNS];
	unsigned int run, k;

	for (run = 0; run < bench_opt.runs; run++) {
		uint64_t n = t->steps;

		if (pass_latency(a, t, live, lat) != 0) {
			snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
			return -1;
		}
		qsort(lat, n, sizeof(*lat), cmp_u32);
		p50[run] = lat[n / 2] * bench_tsc_ns;
		p99[run] = lat[(uint64_t)((double)n * 0.99)] * bench_tsc_ns;
		p999[run] = lat[(uint64_t)((double)n * 0.999)] * bench_tsc_ns;
		if (lat[n - 1] * bench_tsc_ns > r->max_ns)
			r->max_ns = lat[n - 1] * bench_tsc_ns;
		for (k = 0; k < N_TAIL; k++)
			tail[k][run] = (double)count_above(lat, n, bench_tail_ns[k] /
				bench_tsc_ns) * 1e6 / (double)n;
	}
	r->p50 = median(p50, bench_opt.runs);
	r->p99 = median(p99, bench_opt.runs);
	r->p999 = median(p999, bench_opt.runs);
	for (k = 0; k < N_TAIL; k++)
		r->tail[k] = median(tail[k], bench_opt.runs);
	return 0;
}

/* Memory figures of the live set left by the trace. */
static void
trace_live_mem(struct bench_alloc *a, const struct trace *t, void **live, uint32_t *sizes,
		struct tp_result *r)
{
	uint64_t s, req = 0;
	unsigned int i;

	/* Requested sizes of the live set: replay which step wrote each slot. */
	for (i = 0; i < LIVE_BUFFERS; i++)
		sizes[i] = t->fill[i];
	for (s = 0; s < t->steps; s++)
		sizes[t->victim[s]] = t->size[s];
	for (i = 0; i < LIVE_BUFFERS; i++)
		req += sizes[i];
	r->requested = req;
	memset(&r->mem, 0xff, sizeof(r->mem)); /* every field -1 */
	a->ops->mem(a, live, sizes, LIVE_BUFFERS, &r->mem);
}

static void
run_trace(unsigned int mi, unsigned int ai, const struct trace *t, bool timed)
{
	const struct mix *m = &bench_mixes[mi];
	struct bench_alloc *a = &bench_allocs[ai];
	struct tp_result *r = &bench_tp[mi][ai];
	struct bench_params p = {
		.capacity = (size_t)LIVE_BUFFERS * mix_max(m),
		.expected = (size_t)(LIVE_BUFFERS * mix_mean(m)),
		.max_size = mix_max(m),
		.fixed = false,
	};
	void **live = calloc(LIVE_BUFFERS, sizeof(void *));
	uint32_t *lat = timed ? malloc(t->steps * sizeof(uint32_t)) : NULL;
	uint32_t *sizes = calloc(LIVE_BUFFERS, sizeof(uint32_t));
	double ns_pair = 0, wall_pair = 0;
	char what[96];

	memset(r, 0, sizeof(*r));
	if (bench_opt.skip[ai]) {
		snprintf(r->why, sizeof(r->why), "not selected (--alloc)");
		goto out;
	}
	if (live == NULL || sizes == NULL || (timed && lat == NULL)) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	if (bench_alloc_init(a, &p, r->why, sizeof(r->why)) != 0)
		goto out;
	snprintf(what, sizeof(what), "%s %s: %s", m->name, a->name,
			timed ? "warm-up" : "churn");
	progress_set(what);
	if (trace_fill_warm(a, t, live, r) == 0 &&
			(!timed || (trace_time_runs(a, t, live, r, &ns_pair, &wall_pair) == 0 &&
				trace_latency_runs(a, t, live, lat, r) == 0))) {
		r->ns_pair = ns_pair;
		r->wall_pair = wall_pair;
		trace_live_mem(a, t, live, sizes, r);
		r->ok = true;
	}
	free_live(a, live, LIVE_BUFFERS);
	a->ops->fini(a);
out:
	free(live);
	free(lat);
	free(sizes);
}

int
bench_throughput_run(bool timed)
{
	struct trace t;
	unsigned int mi, ai;

	for (mi = 0; mi < N_MIX; mi++) {
		if (trace_make(&t, &bench_mixes[mi], bench_opt.steps, bench_opt.seed + mi) != 0) {
			fprintf(stderr, "nta-bench: no memory for a trace of %" PRIu64
					" steps\n", bench_opt.steps);
			return -1;
		}
		for (ai = 0; ai < BA_COUNT; ai++)
			run_trace(mi, ai, &t, timed);
		trace_free(&t);
	}
	return 0;
}
