/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench: the workloads (packet size mixes, the throughput trace), the
 * progress lines on stderr and the median of the runs.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

const struct mix bench_mixes[N_MIX] = {
	{ "IMIX", 3, { 64 + HEADROOM, 594 + HEADROOM, 1518 + HEADROOM }, { 7, 4, 1 } },
	{ "jumbo", 1, { 9000 + HEADROOM }, { 1 } },
};

uint32_t
mix_draw(const struct mix *m, uint64_t *st)
{
	uint32_t total = 0, r, i;

	for (i = 0; i < m->n; i++)
		total += m->weight[i];
	r = rnd_below(st, total);
	for (i = 0; i < m->n; i++) {
		if (r < m->weight[i])
			return m->size[i];
		r -= m->weight[i];
	}
	return m->size[m->n - 1];
}

uint32_t
mix_max(const struct mix *m)
{
	uint32_t i, mx = 0;

	for (i = 0; i < m->n; i++)
		if (m->size[i] > mx)
			mx = m->size[i];
	return mx;
}

double
mix_mean(const struct mix *m)
{
	uint32_t i, w = 0;
	double s = 0;

	for (i = 0; i < m->n; i++) {
		s += (double)m->size[i] * m->weight[i];
		w += m->weight[i];
	}
	return s / w;
}

int
trace_make(struct trace *t, const struct mix *m, uint64_t steps, uint64_t seed)
{
	uint64_t st = seed;
	uint64_t i;

	t->steps = steps;
	t->victim = malloc(steps * sizeof(uint32_t));
	t->size = malloc(steps * sizeof(uint32_t));
	if (t->victim == NULL || t->size == NULL) {
		free(t->victim);
		free(t->size);
		return -1;
	}
	for (i = 0; i < LIVE_BUFFERS; i++)
		t->fill[i] = mix_draw(m, &st);
	for (i = 0; i < steps; i++) {
		t->victim[i] = rnd_below(&st, LIVE_BUFFERS);
		t->size[i] = mix_draw(m, &st);
	}
	return 0;
}

void
trace_free(struct trace *t)
{
	free(t->victim);
	free(t->size);
}

static uint64_t progress_last;
static const char *progress_what = "";

void
progress_set(const char *what)
{
	progress_what = what;
	progress_last = now_ns();
	fprintf(stderr, "nta-bench: %s\n", what);
}

void
progress(const char *fmt, ...)
{
	uint64_t t = now_ns();
	va_list ap;

	if (t - progress_last < 1000000000u)
		return;
	progress_last = t;
	fprintf(stderr, "nta-bench:   %s: ", progress_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
