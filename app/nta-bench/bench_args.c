/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* nta-bench: the command line. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_opt bench_opt = {
	.steps = 1000000,
	.ops = 10000000,
	.runs = 5,
	.sections = SEC_ALL,
	.hugetlbfs = true,
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
		"power-of-two buddy allocator on identical traces (single thread; the xthread\n"
		"section: one thread allocates, another frees).\n"
		"\n"
		"  --quick           a few seconds (CI smoke): --steps 20000 --ops 200000\n"
		"                    --runs 3 (explicit options given after it still win)\n"
		"  --steps N         trace steps per timed run, throughput section (1000000)\n"
		"  --ops N           random operations per fragmentation case (10000000)\n"
		"  --runs N          timed runs per allocator; the median is reported (5)\n"
		"  --only LIST       sections to run, comma separated: throughput, memory,\n"
		"                    frag, xthread (one thread allocates, another frees)\n"
		"                    (all)\n"
		"  --frag-mb LIST    fixed arena sizes in MB for the frag section, powers of\n"
		"                    two, comma separated, at most %d (64,2)\n"
		"  --alloc LIST      allocators to run, comma separated (all): nta,\n"
		"                    nta-nocache, glibc, jemalloc, mimalloc, rte_malloc,\n"
		"                    pow2 (for profiling one of them)\n"
		"  --map-dir DIR     frag section: after the churn of each case, write the\n"
		"                    region maps of NTA and of the pow2 buddy to\n"
		"                    DIR/{nta,pow2}-<MB>MB-<occ>.json (nta_dump_map format)\n"
		"                    and draw DIR/frag-<MB>MB-<occ>.svg with nta-map\n"
		"  --seed N          seed of the traces (0x4e5441)\n"
		"  --hugetlbfs       NTA arenas on hugetlbfs (the default: the deployment)\n"
		"  --anonymous       NTA arenas on anonymous memory instead of hugetlbfs\n"
		"  --svg FILE        also draw the time ratios of every rival against NTA\n"
		"                    (throughput and across threads) as an SVG chart in FILE\n"
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

/*
 * Call one() on each item of the comma-separated list s given to option
 * name: 0, or -1 with a message (the list longer than max_len - 1 bytes, no
 * item, or one() refused an item and said why).
 */
static int
parse_list(const char *name, const char *s, size_t max_len, const char *noun,
		int (*one)(const char *item))
{
	char buf[256];
	char *tok, *save = NULL;
	unsigned int n = 0;

	if (strlen(s) >= max_len || strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "nta-bench: %s: list too long\n", name);
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (one(tok) != 0)
			return -1;
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "nta-bench: %s: no %s given\n", name, noun);
		return -1;
	}
	return 0;
}

static int
section_one(const char *tok)
{
	if (strcmp(tok, "throughput") == 0)
		bench_opt.sections |= SEC_THROUGHPUT;
	else if (strcmp(tok, "memory") == 0)
		bench_opt.sections |= SEC_MEMORY;
	else if (strcmp(tok, "frag") == 0)
		bench_opt.sections |= SEC_FRAG;
	else if (strcmp(tok, "xthread") == 0)
		bench_opt.sections |= SEC_XTHREAD;
	else {
		fprintf(stderr, "nta-bench: --only: unknown section '%s' (throughput, "
				"memory, frag, xthread)\n", tok);
		return -1;
	}
	return 0;
}

static int
frag_size_one(const char *tok)
{
	uint64_t v;

	if (bench_opt.n_frag == MAX_FRAG_SIZES) {
		fprintf(stderr, "nta-bench: --frag-mb: at most %d sizes\n", MAX_FRAG_SIZES);
		return -1;
	}
	if (parse_u64("--frag-mb", tok, 1, 4096, &v) != 0)
		return -1;
	if ((v & (v - 1)) != 0) {
		fprintf(stderr, "nta-bench: --frag-mb: %" PRIu64 " is not a power of "
				"two (the buddy allocator needs one)\n", v);
		return -1;
	}
	bench_opt.frag_mb[bench_opt.n_frag++] = v;
	return 0;
}

const char *const bench_alloc_keys[BA_COUNT] = {
	[BA_NTA] = "nta", [BA_NTA_NOCACHE] = "nta-nocache", [BA_GLIBC] = "glibc",
	[BA_JEMALLOC] = "jemalloc", [BA_MIMALLOC] = "mimalloc", [BA_RTE] = "rte_malloc",
	[BA_POW2] = "pow2",
};

static int
alloc_one(const char *tok)
{
	unsigned int i;

	for (i = 0; i < BA_COUNT; i++)
		if (strcmp(tok, bench_alloc_keys[i]) == 0)
			break;
	if (i == BA_COUNT) {
		fprintf(stderr, "nta-bench: --alloc: unknown allocator '%s' (nta, "
				"nta-nocache, glibc, jemalloc, mimalloc, rte_malloc, "
				"pow2)\n", tok);
		return -1;
	}
	bench_opt.skip[i] = false;
	return 0;
}

/* --only: the sections given replace the default (all). */
static int
parse_sections(const char *s)
{
	bench_opt.sections = 0;
	return parse_list("--only", s, 128, "section", section_one);
}

static int
parse_frag_sizes(const char *s)
{
	bench_opt.n_frag = 0;
	return parse_list("--frag-mb", s, 128, "size", frag_size_one);
}

/* --alloc: only the allocators given run, the others are listed as skipped. */
static int
parse_allocs(const char *s)
{
	unsigned int i;

	for (i = 0; i < BA_COUNT; i++)
		bench_opt.skip[i] = true;
	return parse_list("--alloc", s, 256, "allocator", alloc_one);
}

/* 0 to go on, 1 to exit 0 (help), -1 to exit 1. */
int
bench_parse_args(int argc, char **argv)
{
	enum { O_QUICK = 256, O_STEPS, O_OPS, O_RUNS, O_ONLY, O_FRAG, O_SEED, O_HUGE,
		O_NODPDK, O_CSV, O_HELP, O_ALLOC, O_MAPDIR, O_ANON, O_SVG };
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, O_QUICK },
		{ "steps", required_argument, NULL, O_STEPS },
		{ "ops", required_argument, NULL, O_OPS },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "only", required_argument, NULL, O_ONLY },
		{ "frag-mb", required_argument, NULL, O_FRAG },
		{ "seed", required_argument, NULL, O_SEED },
		{ "alloc", required_argument, NULL, O_ALLOC },
		{ "map-dir", required_argument, NULL, O_MAPDIR },
		{ "hugetlbfs", no_argument, NULL, O_HUGE },
		{ "anonymous", no_argument, NULL, O_ANON },
		{ "svg", required_argument, NULL, O_SVG },
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
			bench_opt.quick = true;
			bench_opt.steps = 20000;
			bench_opt.ops = 200000;
			bench_opt.runs = 3;
			break;
		case O_STEPS:
			if (parse_u64("--steps", optarg, 1000, 1000000000, &bench_opt.steps) != 0)
				return -1;
			break;
		case O_OPS:
			if (parse_u64("--ops", optarg, 1000, 10000000000ull, &bench_opt.ops) != 0)
				return -1;
			break;
		case O_RUNS:
			if (parse_u64("--runs", optarg, 1, MAX_RUNS, &v) != 0)
				return -1;
			bench_opt.runs = (unsigned int)v;
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
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &bench_opt.seed) != 0)
				return -1;
			break;
		case O_MAPDIR:
			bench_opt.map_dir = optarg;
			break;
		case O_HUGE:
			bench_opt.hugetlbfs = true;
			break;
		case O_ANON:
			bench_opt.hugetlbfs = false;
			break;
		case O_SVG:
			if (*optarg == '\0') {
				fprintf(stderr, "nta-bench: --svg needs a file name\n");
				return -1;
			}
			bench_opt.svg = optarg;
			break;
		case O_NODPDK:
			bench_opt.no_dpdk = true;
			break;
		case O_CSV:
			bench_opt.csv = true;
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
