/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench, section 4: the packet pattern across cores. One thread (the
 * "RX core") allocates buffers of the mix and passes them through a
 * single-producer single-consumer ring to another thread (the "worker"),
 * which frees them. Pairs per second over the whole run, wall-clock time,
 * the two threads pinned to CPUs 0 and 1 when the machine has two. Every
 * allocator here must be thread-safe: NTA (with and without cache), glibc,
 * jemalloc and mimalloc (rte_malloc and the pow2 buddy are left out: the
 * buddy is single-threaded, rte_malloc is not what an RX core would use).
 */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct xt_result bench_xt[N_MIX][BA_COUNT];

/* Buffers in flight between the threads at most (a NIC ring's worth). */
#define XT_RING 1024
/* Spins on an empty or full ring before yielding the CPU. */
#define XT_SPINS 256

struct xt_ring {
	_Alignas(64) uint64_t head;     /* written by the producer */
	_Alignas(64) uint64_t tail;     /* written by the consumer */
	_Alignas(64) void *slot[XT_RING];
};

struct xt_run {
	struct bench_alloc *a;
	const struct trace *t;
	struct xt_ring *ring;
	int cpu;
	bool failed;
};

static void
xt_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline void
xt_wait(unsigned int *spins)
{
	if (++*spins < XT_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	*spins = 0;
	sched_yield();    /* a shared machine: let the other thread run */
}

static void *
xt_consumer(void *arg)
{
	struct xt_run *x = arg;
	struct xt_ring *q = x->ring;
	void (*fr_)(void *, void *) = x->a->ops->free;
	void *ctx = x->a->ctx;
	uint64_t s, n = x->t->steps;
	unsigned int spins = 0;

	xt_pin(x->cpu);
	for (s = 0; s < n; s++) {
		while (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == s)
			xt_wait(&spins);
		fr_(ctx, q->slot[s % XT_RING]);
		__atomic_store_n(&q->tail, s + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* One run: the calling thread allocates, a new one frees. -1 on failure. */
static int
xt_pass(struct bench_alloc *a, const struct trace *t, int cpu0, int cpu1)
{
	void *(*al)(void *, size_t) = a->ops->alloc;
	void *ctx = a->ctx;
	struct xt_ring *q = aligned_alloc(64, sizeof(*q));
	struct xt_run x = { .a = a, .t = t, .cpu = cpu1 };
	unsigned int spins = 0;
	pthread_t th;
	uint64_t s;
	int rc = 0;

	if (q == NULL)
		return -1;
	memset(q, 0, sizeof(*q));
	x.ring = q;
	xt_pin(cpu0);
	if (pthread_create(&th, NULL, xt_consumer, &x) != 0) {
		free(q);
		return -1;
	}
	for (s = 0; s < t->steps; s++) {
		void *p;

		while (s - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= XT_RING)
			xt_wait(&spins);
		p = al(ctx, t->size[s]);
		if (p == NULL) {
			/* Let the consumer finish: hand it what it can free (NULL). */
			rc = -1;
		}
		q->slot[s % XT_RING] = p;
		__atomic_store_n(&q->head, s + 1, __ATOMIC_RELEASE);
	}
	pthread_join(th, NULL);
	free(q);
	return rc;
}

static void
xt_one(unsigned int mi, unsigned int ai, const struct trace *t, int cpu0, int cpu1)
{
	const struct mix *m = &bench_mixes[mi];
	struct bench_alloc *a = &bench_allocs[ai];
	struct xt_result *r = &bench_xt[mi][ai];
	struct bench_params p = {
		.capacity = (size_t)XT_RING * 2 * mix_max(m),
		.expected = (size_t)(XT_RING * mix_mean(m)),
		.max_size = mix_max(m),
		.fixed = false,
	};
	double ns[MAX_RUNS];
	unsigned int run;
	char what[96];

	memset(r, 0, sizeof(*r));
	if (ai == BA_RTE || ai == BA_POW2) {
		snprintf(r->why, sizeof(r->why), "not in this section");
		return;
	}
	if (bench_opt.skip[ai]) {
		snprintf(r->why, sizeof(r->why), "not selected (--alloc)");
		return;
	}
	if (bench_alloc_init(a, &p, r->why, sizeof(r->why)) != 0)
		return;
	snprintf(what, sizeof(what), "cross-thread %s %s", m->name, a->name);
	progress_set(what);
	/* One untimed pass warms the heaps, then the timed runs. */
	if (xt_pass(a, t, cpu0, cpu1) != 0) {
		snprintf(r->why, sizeof(r->why), "allocation failed");
		goto out;
	}
	for (run = 0; run < bench_opt.runs; run++) {
		uint64_t t0 = now_ns();

		if (xt_pass(a, t, cpu0, cpu1) != 0) {
			snprintf(r->why, sizeof(r->why), "allocation failed");
			goto out;
		}
		ns[run] = (double)(now_ns() - t0) / (double)t->steps;
		progress("run %u/%u: %.1f ns/pair", run + 1, bench_opt.runs, ns[run]);
	}
	r->ns_pair = median(ns, bench_opt.runs);
	r->ok = true;
out:
	a->ops->fini(a);
}

void
bench_xthread_run(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cpu0 = ncpu >= 2 ? 0 : -1, cpu1 = ncpu >= 2 ? 1 : -1;
	cpu_set_t saved;
	struct trace t;
	unsigned int mi, ai;

	pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	for (mi = 0; mi < N_MIX; mi++) {
		if (trace_make(&t, &bench_mixes[mi], bench_opt.steps, bench_opt.seed + 16 + mi) != 0) {
			fprintf(stderr, "nta-bench: no memory for a trace of %" PRIu64 " steps\n",
					bench_opt.steps);
			return;
		}
		for (ai = 0; ai < BA_COUNT; ai++)
			xt_one(mi, ai, &t, cpu0, cpu1);
		trace_free(&t);
	}
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
}
