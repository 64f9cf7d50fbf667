/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-bench: NTA against the allocators a packet I/O stack would otherwise
 * use, in one run, on identical traces, with ratios against NTA.
 *
 *   throughput  alloc+free pairs per second and the latency of single
 *               allocations (p50/p99/p99.9), 4096 live buffers, each step
 *               frees a random live buffer and allocates a new one;
 *   memory      bytes reserved / bytes requested for the same live sets;
 *   frag        external fragmentation after long random churn at a given
 *               occupancy of a fixed-size arena.
 *
 * Not a test: it asserts nothing but prints PASS/FAIL against the targets
 * of the design, and always exits 0 when it could measure.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BENCH_HAVE_TSC 1
#endif

#include <nta.h>

#include "bench.h"

#define LIVE_BUFFERS 4096
#define HEADROOM 128
#define MBUF_DATA_ROOM 2176   /* RTE_MBUF_DEFAULT_BUF_SIZE */
#define MBUF_HEADER 128       /* sizeof(struct rte_mbuf) */
#define MAX_RUNS 101
#define MAX_FRAG_SIZES 4
#define CHUNK 16384           /* steps between progress checks */

/* Targets of the design (doc/benchmarks.md). */
#define TARGET_IMIX_RATIO 1.02
#define TARGET_VS_RTE 10.0
#define TARGET_P999_NS 2000.0
/* Targets of issue 11, against rivals measured in the same run. */
#define TARGET_TREE_VS_JE_IMIX 4.0   /* tree path (no cache) / jemalloc, IMIX */
#define TARGET_TREE_VS_JE_JUMBO 3.0
#define TARGET_P999_IMIX_NS 100.0

/* ---- options -------------------------------------------------------- */

enum {
	SEC_THROUGHPUT = 1,
	SEC_MEMORY = 2,
	SEC_FRAG = 4,
	SEC_ALL = 7,
};

static struct {
	uint64_t steps;        /* trace steps per run (throughput) */
	uint64_t ops;          /* random operations (frag) */
	unsigned int runs;
	unsigned int sections;
	bool csv;
	bool quick;
	bool hugetlbfs;
	bool no_dpdk;
	uint64_t seed;
	size_t frag_mb[MAX_FRAG_SIZES];
	unsigned int n_frag;
	bool skip[BA_COUNT];
} opt = {
	.steps = 1000000,
	.ops = 10000000,
	.runs = 5,
	.sections = SEC_ALL,
	.seed = 0x4e5441u,
	.frag_mb = { 64, 2 },
	.n_frag = 2,
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [options]\n"
		"Benchmark NTA against glibc malloc, jemalloc, mimalloc, rte_malloc and a\n"
		"power-of-two buddy allocator on identical traces (single thread).\n"
		"\n"
		"  --quick           a few seconds (CI smoke): --steps 20000 --ops 200000\n"
		"                    --runs 3 (explicit options given after it still win)\n"
		"  --steps N         trace steps per timed run, throughput section (1000000)\n"
		"  --ops N           random operations per fragmentation case (10000000)\n"
		"  --runs N          timed runs per allocator; the median is reported (5)\n"
		"  --only LIST       sections to run, comma separated: throughput, memory,\n"
		"                    frag (all)\n"
		"  --frag-mb LIST    fixed arena sizes in MB for the frag section, powers of\n"
		"                    two, comma separated, at most %d (64,2)\n"
		"  --alloc LIST      allocators to run, comma separated (all): nta,\n"
		"                    nta-nocache, glibc, jemalloc, mimalloc, rte_malloc,\n"
		"                    pow2 (for profiling one of them)\n"
		"  --seed N          seed of the traces (0x4e5441)\n"
		"  --hugetlbfs       NTA arenas on hugetlbfs instead of anonymous memory\n"
		"  --no-dpdk         do not start the EAL (no rte_malloc rows)\n"
		"  --csv             print CSV instead of tables\n"
		"  --help            this text\n"
		"\n"
		"Progress goes to stderr, results to stdout.\n",
		prog, MAX_FRAG_SIZES);
}

static int
parse_u64(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s == NULL || *s == '\0' || *s == '-') {
		fprintf(stderr, "nta-bench: %s needs a number, got '%s'\n", name,
				s != NULL ? s : "");
		return -1;
	}
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0') {
		fprintf(stderr, "nta-bench: %s: '%s' is not a number\n", name, s);
		return -1;
	}
	if (v < min || v > max) {
		fprintf(stderr, "nta-bench: %s: %llu is out of range [%" PRIu64 ", %" PRIu64
				"]\n", name, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_sections(const char *s)
{
	char buf[128];
	char *tok, *save = NULL;
	unsigned int sec = 0;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "nta-bench: --only: list too long\n");
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "throughput") == 0)
			sec |= SEC_THROUGHPUT;
		else if (strcmp(tok, "memory") == 0)
			sec |= SEC_MEMORY;
		else if (strcmp(tok, "frag") == 0)
			sec |= SEC_FRAG;
		else {
			fprintf(stderr, "nta-bench: --only: unknown section '%s' (throughput, "
					"memory, frag)\n", tok);
			return -1;
		}
	}
	if (sec == 0) {
		fprintf(stderr, "nta-bench: --only: no section given\n");
		return -1;
	}
	opt.sections = sec;
	return 0;
}

static int
parse_frag_sizes(const char *s)
{
	char buf[128];
	char *tok, *save = NULL;
	uint64_t v;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "nta-bench: --frag-mb: list too long\n");
		return -1;
	}
	strcpy(buf, s);
	opt.n_frag = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (opt.n_frag == MAX_FRAG_SIZES) {
			fprintf(stderr, "nta-bench: --frag-mb: at most %d sizes\n",
					MAX_FRAG_SIZES);
			return -1;
		}
		if (parse_u64("--frag-mb", tok, 1, 4096, &v) != 0)
			return -1;
		if ((v & (v - 1)) != 0) {
			fprintf(stderr, "nta-bench: --frag-mb: %" PRIu64 " is not a power of "
					"two (the buddy allocator needs one)\n", v);
			return -1;
		}
		opt.frag_mb[opt.n_frag++] = v;
	}
	if (opt.n_frag == 0) {
		fprintf(stderr, "nta-bench: --frag-mb: no size given\n");
		return -1;
	}
	return 0;
}

static const char *const alloc_keys[BA_COUNT] = {
	[BA_NTA] = "nta", [BA_NTA_NOCACHE] = "nta-nocache", [BA_GLIBC] = "glibc",
	[BA_JEMALLOC] = "jemalloc", [BA_MIMALLOC] = "mimalloc", [BA_RTE] = "rte_malloc",
	[BA_POW2] = "pow2",
};

static int
parse_allocs(const char *s)
{
	char buf[256];
	char *tok, *save = NULL;
	unsigned int i, n = 0;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "nta-bench: --alloc: list too long\n");
		return -1;
	}
	strcpy(buf, s);
	for (i = 0; i < BA_COUNT; i++)
		opt.skip[i] = true;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < BA_COUNT; i++)
			if (strcmp(tok, alloc_keys[i]) == 0)
				break;
		if (i == BA_COUNT) {
			fprintf(stderr, "nta-bench: --alloc: unknown allocator '%s' (nta, "
					"nta-nocache, glibc, jemalloc, mimalloc, rte_malloc, "
					"pow2)\n", tok);
			return -1;
		}
		opt.skip[i] = false;
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "nta-bench: --alloc: no allocator given\n");
		return -1;
	}
	return 0;
}

/* 0 to go on, 1 to exit 0 (help), -1 to exit 1. */
static int
parse_args(int argc, char **argv)
{
	enum { O_QUICK = 256, O_STEPS, O_OPS, O_RUNS, O_ONLY, O_FRAG, O_SEED, O_HUGE,
		O_NODPDK, O_CSV, O_HELP, O_ALLOC };
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, O_QUICK },
		{ "steps", required_argument, NULL, O_STEPS },
		{ "ops", required_argument, NULL, O_OPS },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "only", required_argument, NULL, O_ONLY },
		{ "frag-mb", required_argument, NULL, O_FRAG },
		{ "seed", required_argument, NULL, O_SEED },
		{ "alloc", required_argument, NULL, O_ALLOC },
		{ "hugetlbfs", no_argument, NULL, O_HUGE },
		{ "no-dpdk", no_argument, NULL, O_NODPDK },
		{ "csv", no_argument, NULL, O_CSV },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case O_QUICK:
			opt.quick = true;
			opt.steps = 20000;
			opt.ops = 200000;
			opt.runs = 3;
			break;
		case O_STEPS:
			if (parse_u64("--steps", optarg, 1000, 1000000000, &opt.steps) != 0)
				return -1;
			break;
		case O_OPS:
			if (parse_u64("--ops", optarg, 1000, 10000000000ull, &opt.ops) != 0)
				return -1;
			break;
		case O_RUNS:
			if (parse_u64("--runs", optarg, 1, MAX_RUNS, &v) != 0)
				return -1;
			opt.runs = (unsigned int)v;
			break;
		case O_ONLY:
			if (parse_sections(optarg) != 0)
				return -1;
			break;
		case O_FRAG:
			if (parse_frag_sizes(optarg) != 0)
				return -1;
			break;
		case O_ALLOC:
			if (parse_allocs(optarg) != 0)
				return -1;
			break;
		case O_SEED:
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &opt.seed) != 0)
				return -1;
			break;
		case O_HUGE:
			opt.hugetlbfs = true;
			break;
		case O_NODPDK:
			opt.no_dpdk = true;
			break;
		case O_CSV:
			opt.csv = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout, argv[0]);
			return 1;
		case ':':
			fprintf(stderr, "nta-bench: option %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "nta-bench: unknown option '%s' (try --help)\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nta-bench: unexpected argument '%s' (try --help)\n",
				argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- time, random numbers, progress --------------------------------- */

static double tsc_ns = 1.0;   /* ns per timer tick */
static double timer_overhead_ns;
static const char *timer_name = "clock_gettime(CLOCK_MONOTONIC)";

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread: what it spends descheduled does not count. */
static inline uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
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

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
timer_calibrate(void)
{
	uint64_t s[1001];
	uint64_t t0, n0, t1, n1;
	unsigned int i;

#ifdef BENCH_HAVE_TSC
	timer_name = "rdtsc (lfence-fenced)";
	n0 = now_ns();
	t0 = ticks();
	while (now_ns() - n0 < 200000000u)
		;
	n1 = now_ns();
	t1 = ticks();
	tsc_ns = (double)(n1 - n0) / (double)(t1 - t0);
#endif
	(void)t0;
	(void)t1;
	(void)n0;
	(void)n1;
	for (i = 0; i < 1001; i++) {
		uint64_t a = ticks();
		uint64_t b = ticks();

		s[i] = b - a;
	}
	qsort(s, 1001, sizeof(s[0]), cmp_u64);
	timer_overhead_ns = (double)s[500] * tsc_ns;
}

/* splitmix64: small, fast and the same everywhere. */
static inline uint64_t
rnd_next(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t
rnd_below(uint64_t *st, uint32_t n)
{
	return (uint32_t)(((rnd_next(st) >> 32) * n) >> 32);
}

static uint64_t progress_last;
static const char *progress_what = "";

static void
progress_set(const char *what)
{
	progress_what = what;
	progress_last = now_ns();
	fprintf(stderr, "nta-bench: %s\n", what);
}

static void
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

/* ---- packet size mixes and traces ----------------------------------- */

struct mix {
	const char *name;
	unsigned int n;
	uint32_t size[3];    /* requested bytes, headroom included */
	uint32_t weight[3];
};

static const struct mix mixes[] = {
	{ "IMIX", 3, { 64 + HEADROOM, 594 + HEADROOM, 1518 + HEADROOM }, { 7, 4, 1 } },
	{ "jumbo", 1, { 9000 + HEADROOM }, { 1 } },
};
#define N_MIX (sizeof(mixes) / sizeof(mixes[0]))

static uint32_t
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

static uint32_t
mix_max(const struct mix *m)
{
	uint32_t i, mx = 0;

	for (i = 0; i < m->n; i++)
		if (m->size[i] > mx)
			mx = m->size[i];
	return mx;
}

static double
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

/* The throughput trace: the same arrays for every allocator. */
struct trace {
	uint32_t fill[LIVE_BUFFERS];
	uint64_t steps;
	uint32_t *victim;
	uint32_t *size;
};

static int
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

static void
trace_free(struct trace *t)
{
	free(t->victim);
	free(t->size);
}

/* ---- results and tables --------------------------------------------- */

struct tp_result {
	bool ok;
	char why[200];
	double ns_pair;         /* median over runs, thread CPU time */
	double wall_pair;       /* median over runs, wall-clock time */
	double p50, p99, p999;  /* ns, median over runs */
	double max_ns;          /* largest single alloc seen in any run */
	struct bench_mem mem;
	uint64_t requested;     /* bytes of the live set measured in mem */
};

struct frag_result {
	bool ran;
	char why[200];
	uint64_t live_req;     /* requested bytes live at the end */
	uint64_t fails;        /* allocations refused during the churn */
	double ns_op;
	struct bench_mem mem;
};

static struct bench_alloc allocs[BA_COUNT];
static struct tp_result tp[N_MIX][BA_COUNT];
static struct frag_result fr[MAX_FRAG_SIZES][3][BA_COUNT];
static const unsigned int occupancy[3] = { 50, 80, 95 };

#define MAX_COLS 14
#define MAX_ROWS 64
#define CELL 64

struct table {
	const char *section;
	unsigned int ncols, nrows;
	char head[MAX_COLS][CELL];
	char cell[MAX_ROWS][MAX_COLS][CELL];
	bool right[MAX_COLS];
};

static void
table_init(struct table *t, const char *section, unsigned int ncols, ...)
{
	va_list ap;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->section = section;
	t->ncols = ncols;
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++) {
		snprintf(t->head[i], CELL, "%s", va_arg(ap, const char *));
		t->right[i] = i > 0;
	}
	va_end(ap);
}

/* Text columns read better left-aligned. */
static void
table_left(struct table *t, unsigned int col)
{
	t->right[col] = false;
}

static char *
table_cell(struct table *t, unsigned int col)
{
	return t->cell[t->nrows][col];
}

static void
table_set(struct table *t, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->cell[t->nrows][col], CELL, fmt, ap);
	va_end(ap);
}

static void
table_row_done(struct table *t)
{
	if (t->nrows < MAX_ROWS - 1)
		t->nrows++;
}

static void
table_print(const struct table *t)
{
	size_t w[MAX_COLS];
	unsigned int r, c;

	if (opt.csv) {
		printf("section");
		for (c = 0; c < t->ncols; c++)
			printf(",%s", t->head[c]);
		printf("\n");
		for (r = 0; r < t->nrows; r++) {
			printf("%s", t->section);
			for (c = 0; c < t->ncols; c++) {
				const char *s = t->cell[r][c];

				if (strchr(s, ',') != NULL)
					printf(",\"%s\"", s);
				else
					printf(",%s", s);
			}
			printf("\n");
		}
		printf("\n");
		return;
	}
	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nrows; r++)
			if (strlen(t->cell[r][c]) > w[c])
				w[c] = strlen(t->cell[r][c]);
	}
	printf("|");
	for (c = 0; c < t->ncols; c++)
		printf(" %-*s |", (int)w[c], t->head[c]);
	printf("\n|");
	for (c = 0; c < t->ncols; c++) {
		size_t i;

		putchar(t->right[c] ? '-' : ':');
		for (i = 0; i < w[c]; i++)
			putchar('-');
		printf("%s|", t->right[c] ? ":" : "-");
	}
	printf("\n");
	for (r = 0; r < t->nrows; r++) {
		printf("|");
		for (c = 0; c < t->ncols; c++) {
			if (t->right[c])
				printf(" %*s |", (int)w[c], t->cell[r][c]);
			else
				printf(" %-*s |", (int)w[c], t->cell[r][c]);
		}
		printf("\n");
	}
	printf("\n");
}

static void
fmt_bytes(char *out, int64_t b)
{
	if (b < 0)
		snprintf(out, CELL, "n/a");
	else if (opt.csv)
		snprintf(out, CELL, "%" PRId64, b);
	else if (b >= 10ll << 20)
		snprintf(out, CELL, "%.1f MB", (double)b / (1 << 20));
	else if (b >= 10ll << 10)
		snprintf(out, CELL, "%.1f KB", (double)b / (1 << 10));
	else
		snprintf(out, CELL, "%" PRId64 " B", b);
}

/* ---- section 1 and 2: the 4096-live-buffer trace -------------------- */

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

static void
run_trace(unsigned int mi, unsigned int ai, const struct trace *t, bool timed)
{
	const struct mix *m = &mixes[mi];
	struct bench_alloc *a = &allocs[ai];
	struct tp_result *r = &tp[mi][ai];
	struct bench_params p = {
		.capacity = (size_t)LIVE_BUFFERS * mix_max(m),
		.expected = (size_t)(LIVE_BUFFERS * mix_mean(m)),
		.max_size = mix_max(m),
		.fixed = false,
	};
	void **live = calloc(LIVE_BUFFERS, sizeof(void *));
	uint32_t *lat = timed ? malloc(t->steps * sizeof(uint32_t)) : NULL;
	uint32_t *sizes = calloc(LIVE_BUFFERS, sizeof(uint32_t));
	double ns[MAX_RUNS], wall[MAX_RUNS], p50[MAX_RUNS], p99[MAX_RUNS], p999[MAX_RUNS];
	char what[96];
	unsigned int run, i;
	uint64_t s, req = 0;

	memset(r, 0, sizeof(*r));
	if (opt.skip[ai]) {
		snprintf(r->why, sizeof(r->why), "not selected (--alloc)");
		goto out;
	}
	if (live == NULL || sizes == NULL || (timed && lat == NULL)) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	a->why[0] = '\0';
	a->base_reserved = a->base_metadata = -1;
	if (a->ops->init(a, &p) != 0) {
		snprintf(r->why, sizeof(r->why), "%s", a->why);
		goto out;
	}
	snprintf(what, sizeof(what), "%s %s: %s", m->name, a->name,
			timed ? "warm-up" : "churn");
	progress_set(what);
	for (i = 0; i < LIVE_BUFFERS; i++) {
		live[i] = a->ops->alloc(a->ctx, t->fill[i]);
		if (live[i] == NULL) {
			snprintf(r->why, sizeof(r->why), "fill: allocation %u failed", i);
			goto fail;
		}
	}
	/* Warm-up (or the only pass): pages touched, caches and heaps primed. */
	if (pass_plain(a, t, live, "warm-up") != 0) {
		snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
		goto fail;
	}
	for (run = 0; timed && run < opt.runs; run++) {
		uint64_t t0, t1, c0, c1;

		t0 = now_ns();
		c0 = cpu_ns();
		if (pass_plain(a, t, live, "throughput") != 0) {
			snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
			goto fail;
		}
		c1 = cpu_ns();
		t1 = now_ns();
		ns[run] = (double)(c1 - c0) / (double)t->steps;
		wall[run] = (double)(t1 - t0) / (double)t->steps;
	}
	for (run = 0; timed && run < opt.runs; run++) {
		uint64_t n = t->steps;

		if (pass_latency(a, t, live, lat) != 0) {
			snprintf(r->why, sizeof(r->why), "allocation failed in the trace");
			goto fail;
		}
		qsort(lat, n, sizeof(*lat), cmp_u32);
		p50[run] = lat[n / 2] * tsc_ns;
		p99[run] = lat[(uint64_t)((double)n * 0.99)] * tsc_ns;
		p999[run] = lat[(uint64_t)((double)n * 0.999)] * tsc_ns;
		if (lat[n - 1] * tsc_ns > r->max_ns)
			r->max_ns = lat[n - 1] * tsc_ns;
	}
	if (timed) {
		r->ns_pair = median(ns, opt.runs);
		r->wall_pair = median(wall, opt.runs);
		r->p50 = median(p50, opt.runs);
		r->p99 = median(p99, opt.runs);
		r->p999 = median(p999, opt.runs);
	}
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
	r->ok = true;
fail:
	free_live(a, live, LIVE_BUFFERS);
	a->ops->fini(a);
out:
	free(live);
	free(lat);
	free(sizes);
}

static void
fmt_ratio(char *out, double v, double ref)
{
	if (ref <= 0 || v <= 0)
		snprintf(out, CELL, "-");
	else
		snprintf(out, CELL, "%.2fx", v / ref);
}

static void
print_throughput(void)
{
	struct table t;
	unsigned int mi, ai;

	table_init(&t, "throughput", 11, "mix", "allocator", "ns/pair", "Mpairs/s",
			"time vs NTA", "p50 ns", "p99 ns", "p99.9 ns", "max ns", "wall ns/pair",
			"note");
	table_left(&t, 1);
	table_left(&t, 10);
	for (mi = 0; mi < N_MIX; mi++) {
		double ref = tp[mi][BA_NTA].ok ? tp[mi][BA_NTA].ns_pair : 0;

		for (ai = 0; ai < BA_COUNT; ai++) {
			struct tp_result *r = &tp[mi][ai];

			table_set(&t, 0, "%s", mixes[mi].name);
			table_set(&t, 1, "%s", allocs[ai].name);
			if (!r->ok) {
				table_set(&t, 2, "n/a");
				table_set(&t, 10, "%.*s", CELL - 1, r->why);
				table_row_done(&t);
				continue;
			}
			table_set(&t, 2, "%.1f", r->ns_pair);
			table_set(&t, 3, "%.1f", 1000.0 / r->ns_pair);
			fmt_ratio(table_cell(&t, 4), r->ns_pair, ref);
			table_set(&t, 5, "%.0f", r->p50);
			table_set(&t, 6, "%.0f", r->p99);
			table_set(&t, 7, "%.0f", r->p999);
			table_set(&t, 8, "%.0f", r->max_ns);
			table_set(&t, 9, "%.1f", r->wall_pair);
			table_row_done(&t);
		}
	}
	if (!opt.csv)
		printf("### Throughput and latency (single thread, %d live buffers, "
				"%" PRIu64 " steps per run, median of %u runs)\n\n"
				"ns/pair: one free of a random live buffer + one allocation, in "
				"thread CPU time (CLOCK_THREAD_CPUTIME_ID: time spent descheduled "
				"on a shared machine does not count; \"wall ns/pair\" is the same "
				"in wall-clock time). "
				"Latency: single allocation calls, timer included (%s, "
				"overhead %.1f ns, not subtracted). \"time vs NTA\" > 1: slower "
				"than NTA.\n\n", LIVE_BUFFERS, opt.steps, opt.runs, timer_name,
				timer_overhead_ns);
	table_print(&t);
}

static void
print_memory(void)
{
	struct table t;
	unsigned int mi, ai, i;
	char b[CELL];

	table_init(&t, "memory", 9, "mix", "allocator", "requested", "reserved",
			"reserved/req", "vs NTA", "metadata", "(res+meta)/req", "how");
	table_left(&t, 1);
	table_left(&t, 8);
	for (mi = 0; mi < N_MIX; mi++) {
		const struct mix *m = &mixes[mi];
		const struct tp_result *nr = &tp[mi][BA_NTA];
		double ref = nr->ok && nr->mem.reserved > 0 ?
			(double)nr->mem.reserved / (double)nr->requested : 0;
		uint64_t req = nr->ok ? nr->requested : 0;
		double fixed_res = 0, fixed_meta = 0;
		unsigned int k;

		/* Fixed 2176-byte mbufs over the same live set (computed). */
		for (ai = 0; ai < BA_COUNT && req == 0; ai++)
			if (tp[mi][ai].ok)
				req = tp[mi][ai].requested;
		if (req != 0) {
			/* Same live set as everybody: expected value per size class. */
			double w = 0;

			for (k = 0; k < m->n; k++)
				w += m->weight[k];
			for (k = 0; k < m->n; k++) {
				double segs = ceil((double)m->size[k] / MBUF_DATA_ROOM);

				fixed_res += m->weight[k] / w * segs * MBUF_DATA_ROOM;
				fixed_meta += m->weight[k] / w * segs * MBUF_HEADER;
			}
			fixed_res /= mix_mean(m);
			fixed_meta /= mix_mean(m);
			table_set(&t, 0, "%s", m->name);
			table_set(&t, 1, "fixed 2176 B mbuf");
			table_set(&t, 2, "-");
			table_set(&t, 3, "-");
			table_set(&t, 4, "%.3f", fixed_res);
			fmt_ratio(table_cell(&t, 5), fixed_res, ref);
			table_set(&t, 6, "128 B/seg");
			table_set(&t, 7, "%.3f", fixed_res + fixed_meta);
			table_set(&t, 8, "computed%s", m->n > 1 || m->size[0] > MBUF_DATA_ROOM ?
					(m->size[0] > MBUF_DATA_ROOM ? ", chained segs" : ", mix mean") :
					"");
			table_row_done(&t);
		}
		for (ai = 0; ai < BA_COUNT; ai++) {
			const struct tp_result *r = &tp[mi][ai];
			double ratio;

			table_set(&t, 0, "%s", m->name);
			table_set(&t, 1, "%s", allocs[ai].name);
			if (!r->ok || r->mem.reserved < 0) {
				table_set(&t, 2, "n/a");
				table_set(&t, 8, "%.*s", CELL - 1, r->ok ? "not exposed" : r->why);
				table_row_done(&t);
				continue;
			}
			ratio = (double)r->mem.reserved / (double)r->requested;
			fmt_bytes(b, (int64_t)r->requested);
			table_set(&t, 2, "%s", b);
			fmt_bytes(b, r->mem.reserved);
			table_set(&t, 3, "%s", b);
			table_set(&t, 4, "%.3f", ratio);
			fmt_ratio(table_cell(&t, 5), ratio, ref);
			fmt_bytes(b, r->mem.metadata);
			table_set(&t, 6, "%s", r->mem.metadata < 0 ? "in band" : b);
			if (r->mem.metadata >= 0)
				table_set(&t, 7, "%.3f", (double)(r->mem.reserved + r->mem.metadata) /
						(double)r->requested);
			else
				table_set(&t, 7, "%.3f", ratio);
			table_set(&t, 8, "note %u", ai + 1);
			table_row_done(&t);
			if ((ai == BA_NTA || ai == BA_NTA_NOCACHE) && r->mem.in_use >= 0) {
				table_set(&t, 0, "%s", m->name);
				table_set(&t, 1, "%s, bytes_used only", allocs[ai].name);
				fmt_bytes(b, (int64_t)r->requested);
				table_set(&t, 2, "%s", b);
				fmt_bytes(b, r->mem.in_use);
				table_set(&t, 3, "%s", b);
				table_set(&t, 4, "%.3f", (double)r->mem.in_use / (double)r->requested);
				fmt_ratio(table_cell(&t, 5), (double)r->mem.in_use /
						(double)r->requested, ref);
				fmt_bytes(b, r->mem.metadata);
				table_set(&t, 6, "%s", b);
				table_set(&t, 7, "%.3f", (double)(r->mem.in_use + r->mem.metadata) /
						(double)r->requested);
				table_set(&t, 8, "caches excluded");
				table_row_done(&t);
			}
		}
	}
	if (!opt.csv)
		printf("### Memory: bytes reserved / bytes requested (%d live buffers after the "
				"trace; request = packet + %d B headroom)\n\n", LIVE_BUFFERS, HEADROOM);
	table_print(&t);
	if (!opt.csv) {
		printf("How each figure is obtained:\n");
		for (i = 0; i < BA_COUNT; i++)
			printf("- note %u, %s: %s\n", i + 1, allocs[i].name, allocs[i].mem_note);
		printf("- fixed 2176 B mbuf: computed, one %d B data room per buffer (jumbo: "
				"chained segments, each a full data room); metadata = struct rte_mbuf "
				"(%d B) per segment.\n", MBUF_DATA_ROOM, MBUF_HEADER);
		for (mi = 0; mi < N_MIX; mi++) {
			const struct tp_result *r = &tp[mi][BA_NTA];

			if (r->ok && r->mem.metadata >= 0 && r->mem.total > 0)
				printf("- NTA metadata on %s is proportional to the arena, not to "
						"the live set: %.1f KB for a %.1f MB arena (%.2f%%)."
						"\n", mixes[mi].name, (double)r->mem.metadata / 1024,
						(double)r->mem.total / (1 << 20),
						100.0 * (double)r->mem.metadata /
						(double)r->mem.total);
		}
		printf("\n");
	}
}

/* ---- section 3: fragmentation --------------------------------------- */

static void
run_frag(unsigned int fi, unsigned int oi, unsigned int ai)
{
	const struct mix *m = &mixes[0];
	size_t arena = opt.frag_mb[fi] << 20;
	uint64_t target = arena / 100 * occupancy[oi];
	struct bench_alloc *a = &allocs[ai];
	struct frag_result *r = &fr[fi][oi][ai];
	struct bench_params p = { .capacity = arena, .expected = arena, .max_size = mix_max(m),
		.fixed = true };
	size_t cap = arena / m->size[0] + 16;
	void **ptr = calloc(cap, sizeof(void *));
	uint32_t *sz = calloc(cap, sizeof(uint32_t));
	uint32_t *live = calloc(cap, sizeof(uint32_t));    /* live slot ids */
	uint32_t *freeslot = calloc(cap, sizeof(uint32_t)); /* unused slot ids */
	uint32_t n_live = 0, n_free = 0, pending;
	uint64_t st = opt.seed ^ 0xf4a9ull, live_req = 0, op, t0, t1;
	char what[96];

	memset(r, 0, sizeof(*r));
	memset(&r->mem, 0xff, sizeof(r->mem));
	if (opt.skip[ai]) {
		snprintf(r->why, sizeof(r->why), "not selected (--alloc)");
		goto out;
	}
	if (ptr == NULL || sz == NULL || live == NULL || freeslot == NULL) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	a->why[0] = '\0';
	a->base_reserved = a->base_metadata = -1;
	if (a->ops->init(a, &p) != 0) {
		snprintf(r->why, sizeof(r->why), "%s", a->why);
		goto out;
	}
	snprintf(what, sizeof(what), "frag %zu MB %u%% %s", opt.frag_mb[fi], occupancy[oi],
			a->name);
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
	for (op = 0; op < opt.ops; op++) {
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
			progress("%" PRIu64 "/%" PRIu64 " ops", op, opt.ops);
	}
	t1 = cpu_ns();
	r->ns_op = (double)(t1 - t0) / (double)opt.ops;
	r->live_req = live_req;
	{
		void **lp = malloc((n_live + 1) * sizeof(void *));
		uint32_t *ls = malloc((n_live + 1) * sizeof(uint32_t));
		uint32_t k;

		if (lp != NULL && ls != NULL) {
			for (k = 0; k < n_live; k++) {
				lp[k] = ptr[live[k]];
				ls[k] = sz[live[k]];
			}
			a->ops->mem(a, lp, ls, n_live, &r->mem);
		}
		free(lp);
		free(ls);
	}
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

static const unsigned int frag_allocs[] = { BA_NTA, BA_POW2, BA_RTE, BA_GLIBC, BA_JEMALLOC,
	BA_MIMALLOC };
#define N_FRAG_ALLOCS (sizeof(frag_allocs) / sizeof(frag_allocs[0]))

static void
print_frag(void)
{
	struct table t;
	unsigned int fi, oi, k;
	char b[CELL];

	table_init(&t, "frag", 13, "arena", "occ.", "allocator", "live req.", "reserved",
			"failed allocs", "free", "largest free", "frag", "free blocks",
			"largest obtainable", "ns/op", "note");
	table_left(&t, 2);
	table_left(&t, 12);
	for (fi = 0; fi < opt.n_frag; fi++) {
		for (oi = 0; oi < 3; oi++) {
			for (k = 0; k < N_FRAG_ALLOCS; k++) {
				unsigned int ai = frag_allocs[k];
				const struct frag_result *r = &fr[fi][oi][ai];

				table_set(&t, 0, "%zu MB", opt.frag_mb[fi]);
				table_set(&t, 1, "%u%%", occupancy[oi]);
				table_set(&t, 2, "%s", allocs[ai].name);
				if (!r->ran) {
					table_set(&t, 3, "n/a");
					table_set(&t, 12, "%.*s", CELL - 1, r->why);
					table_row_done(&t);
					continue;
				}
				fmt_bytes(b, (int64_t)r->live_req);
				table_set(&t, 3, "%s", b);
				fmt_bytes(b, r->mem.reserved);
				table_set(&t, 4, "%s", b);
				table_set(&t, 5, "%" PRIu64, r->fails);
				fmt_bytes(b, r->mem.free_bytes);
				table_set(&t, 6, "%s", b);
				fmt_bytes(b, r->mem.largest_free);
				table_set(&t, 7, "%s", b);
				if (r->mem.free_bytes > 0 && r->mem.largest_free >= 0)
					table_set(&t, 8, "%.3f", 1.0 - (double)r->mem.largest_free /
							(double)r->mem.free_bytes);
				else
					table_set(&t, 8, "n/a");
				if (r->mem.extents >= 0)
					table_set(&t, 9, "%" PRId64, r->mem.extents);
				else
					table_set(&t, 9, "n/a");
				table_set(&t, 10, "%s", r->mem.largest_ok < 0 ? "untried" :
						r->mem.largest_ok ? "yes" : "NO");
				table_set(&t, 11, "%.1f", r->ns_op);
				if (ai == BA_GLIBC || ai == BA_JEMALLOC)
					table_set(&t, 12, "process-wide heap, no fixed arena");
				table_row_done(&t);
			}
		}
	}
	if (!opt.csv)
		printf("### External fragmentation after %" PRIu64 " random operations (IMIX, "
				"fixed arena, occupancy = requested live bytes / arena)\n\n"
				"frag = 1 - largest free / total free; ns/op in thread CPU time. NTA: stats after "
				"nta_cache_flush(); its largest free block can never exceed one "
				"region (%llu KB in this build), so in an arena of several regions "
				"frag has that floor; the single-region arena shows the allocator "
				"itself. \"largest obtainable\": an allocation of the largest free "
				"block was tried for real. rte_malloc: an external heap of exactly "
				"the arena (rte_malloc_get_socket_stats). glibc: mallinfo2 "
				"(fordblks, ordblks); jemalloc: stats.active - stats.allocated; "
				"neither exposes its largest free block, mimalloc exposes none of "
				"these (n/a).\n\n", opt.ops,
				(unsigned long long)(NTA_REGION_MAX_BYTES >> 10));
	table_print(&t);
}

/* ---- targets -------------------------------------------------------- */

static unsigned int n_fail;

static void
target(bool measured, bool pass, const char *fmt, ...)
{
	va_list ap;

	if (!measured)
		printf("SKIP ");
	else if (pass)
		printf("PASS ");
	else {
		printf("FAIL ");
		n_fail++;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Issue 11's targets 1, 2 and 4 for mix mi. */
static void
print_targets_11(unsigned int mi)
{
	const struct tp_result *n = &tp[mi][BA_NTA], *nc = &tp[mi][BA_NTA_NOCACHE];
	const struct tp_result *je = &tp[mi][BA_JEMALLOC], *mm = &tp[mi][BA_MIMALLOC];
	double best = je->ok && (!mm->ok || je->ns_pair <= mm->ns_pair) ? je->ns_pair :
		mm->ok ? mm->ns_pair : 0;
	double k = mi == 0 ? TARGET_TREE_VS_JE_IMIX : TARGET_TREE_VS_JE_JUMBO;

	target(n->ok && best > 0, n->ok && n->ns_pair <= best,
			"%s: NTA ns/pair <= min(jemalloc, mimalloc) (%.1f vs %.1f)",
			mixes[mi].name, n->ns_pair, best);
	target(nc->ok && je->ok, nc->ok && je->ok && nc->ns_pair <= k * je->ns_pair,
			"%s: NTA tree path (no cache) <= %.0fx jemalloc (%.2fx: %.1f vs %.1f ns/pair)",
			mixes[mi].name, k, je->ok && je->ns_pair > 0 ? nc->ns_pair / je->ns_pair : 0,
			nc->ns_pair, je->ns_pair);
	if (mi == 0)
		target(n->ok, n->ok && n->p999 <= TARGET_P999_IMIX_NS,
				"%s: NTA p99.9 alloc latency %.0f ns <= %.0f ns (timer included; "
				"max after warm-up %.0f ns)", mixes[mi].name, n->p999,
				TARGET_P999_IMIX_NS, n->max_ns);
}

static void
print_targets(void)
{
	unsigned int mi;

	if (!opt.csv)
		printf("### Targets\n\n```\n");
	if (opt.sections & SEC_MEMORY) {
		const struct tp_result *r = &tp[0][BA_NTA];
		double ratio = r->ok && r->mem.reserved >= 0 ?
			(double)r->mem.reserved / (double)r->requested : -1;

		target(ratio > 0, ratio <= TARGET_IMIX_RATIO,
				"NTA reserved/requested on IMIX (bytes_used + bytes_cached) = %.4f "
				"<= %.2f", ratio, TARGET_IMIX_RATIO);
		if (r->ok && r->mem.in_use >= 0) {
			double u = (double)r->mem.in_use / (double)r->requested;

			target(true, u <= TARGET_IMIX_RATIO,
					"NTA reserved/requested on IMIX (bytes_used only) = %.4f "
					"<= %.2f", u, TARGET_IMIX_RATIO);
		}
	}
	if (opt.sections & SEC_THROUGHPUT) {
		for (mi = 0; mi < N_MIX; mi++) {
			const struct tp_result *n = &tp[mi][BA_NTA];
			const struct tp_result *mm = &tp[mi][BA_MIMALLOC];
			const struct tp_result *rt = &tp[mi][BA_RTE];

			target(n->ok && mm->ok, n->ok && mm->ok && n->ns_pair <= mm->ns_pair,
					"%s: NTA throughput >= mimalloc's (%.1f vs %.1f ns/pair)",
					mixes[mi].name, n->ns_pair, mm->ns_pair);
			target(n->ok && rt->ok, n->ok && rt->ok &&
					n->ns_pair * TARGET_VS_RTE <= rt->ns_pair,
					"%s: NTA throughput >= %.0fx rte_malloc's (%.1fx: %.1f vs "
					"%.1f ns/pair)", mixes[mi].name, TARGET_VS_RTE,
					n->ok && n->ns_pair > 0 ? rt->ns_pair / n->ns_pair : 0,
					n->ns_pair, rt->ns_pair);
			target(n->ok, n->ok && n->p999 < TARGET_P999_NS,
					"%s: NTA p99.9 alloc latency %.0f ns < %.0f ns",
					mixes[mi].name, n->p999, TARGET_P999_NS);
			print_targets_11(mi);
		}
	}
	if (!opt.csv)
		printf("```\n\n");
}

/* ---- main ----------------------------------------------------------- */

static void
print_header(int argc, char **argv)
{
	struct utsname u;
	char host[128] = "?", date[64];
	time_t now = time(NULL);
	FILE *f;
	char line[256], cpu[160] = "?";
	int i;

	if (opt.csv)
		return;
	uname(&u);
	gethostname(host, sizeof(host) - 1);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	f = fopen("/proc/cpuinfo", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char *c = strchr(line, ':');

			if (strncmp(line, "model name", 10) == 0 && c != NULL) {
				snprintf(cpu, sizeof(cpu), "%s", c + 2);
				cpu[strcspn(cpu, "\n")] = '\0';
				break;
			}
		}
		fclose(f);
	}
	printf("## nta-bench results\n\n");
	printf("- command: `");
	for (i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	printf("`\n- date: %s\n- machine: %s, %ld online CPUs, %s %s\n", date, cpu,
			sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release);
	printf("- NTA: unit %d B, avl_t %d bit, region max %llu KB, per-thread cache %d "
			"buffers up to %d units, %s backing\n", NTA_UNIT, NTA_AVL_BITS,
			(unsigned long long)(NTA_REGION_MAX_BYTES >> 10), NTA_CACHE_SIZE,
			NTA_CACHE_MAX_UNITS, opt.hugetlbfs ? "hugetlbfs" : "anonymous");
	f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			printf("- load average at the end (1/5/15 min, runnable/total): %s "
					"(other work on the machine skews timings)\n", line);
		}
		fclose(f);
	}
	printf("- rte_malloc: EAL memory %s\n", bench_dpdk_memory());
	printf("- seed %#" PRIx64 ", %u runs, %" PRIu64 " steps/run, %" PRIu64
			" frag ops%s\n\n", opt.seed, opt.runs, opt.steps, opt.ops,
			opt.quick ? " (--quick)" : "");
}

int
main(int argc, char **argv)
{
	struct trace t;
	unsigned int mi, ai, fi, oi, k;
	char why[200];
	int rc;

	rc = parse_args(argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	/* First: may re-execute the program (see bench_rivals.c). */
	bench_rivals_load(argc, argv, !opt.skip[BA_JEMALLOC], !opt.skip[BA_MIMALLOC]);
	if (!opt.no_dpdk && !opt.skip[BA_RTE] && bench_dpdk_init(argv[0], why, sizeof(why)) != 0)
		fprintf(stderr, "nta-bench: rte_malloc rows unavailable: %s\n", why);
	bench_allocs_setup(allocs, opt.hugetlbfs);
	progress_set("calibrating the timer");
	timer_calibrate();

	if (opt.sections & (SEC_THROUGHPUT | SEC_MEMORY)) {
		bool timed = (opt.sections & SEC_THROUGHPUT) != 0;

		for (mi = 0; mi < N_MIX; mi++) {
			if (trace_make(&t, &mixes[mi], opt.steps, opt.seed + mi) != 0) {
				fprintf(stderr, "nta-bench: no memory for a trace of %" PRIu64
						" steps\n", opt.steps);
				return 1;
			}
			for (ai = 0; ai < BA_COUNT; ai++)
				run_trace(mi, ai, &t, timed);
			trace_free(&t);
		}
	}
	if (opt.sections & SEC_FRAG) {
		for (fi = 0; fi < opt.n_frag; fi++)
			for (oi = 0; oi < 3; oi++)
				for (k = 0; k < N_FRAG_ALLOCS; k++) {
					ai = frag_allocs[k];
					if (ai == BA_MIMALLOC) {
						snprintf(fr[fi][oi][ai].why, sizeof(fr[0][0][0].why),
								"exposes no free/largest-free figures");
						continue;
					}
					run_frag(fi, oi, ai);
				}
	}
	fprintf(stderr, "nta-bench: done\n");

	print_header(argc, argv);
	if (opt.sections & SEC_THROUGHPUT)
		print_throughput();
	if (opt.sections & SEC_MEMORY)
		print_memory();
	if (opt.sections & SEC_FRAG)
		print_frag();
	if (opt.sections & (SEC_THROUGHPUT | SEC_MEMORY))
		print_targets();
	fflush(stdout);
	bench_dpdk_fini();
	return 0;
}
