/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-prof: NTA alone on nta-bench's throughput trace shape, for profilers.
 *
 * 4096 live buffers; each step frees a random one and allocates a new one
 * (IMIX 64/594/1518 B at 7:4:1 or 9000 B jumbo frames, + 128 B headroom).
 * The timed steps run in prof_steps() and nothing else does, so that
 *   valgrind --tool=callgrind --toggle-collect=prof_steps nta-prof ...
 * counts exactly the steps (instructions / --steps = per alloc+free pair,
 * the loop's own ~30 included), and perf record sees no rival, sorting or
 * table code. Prints thread-CPU ns per pair and, with --latency, how many
 * allocations of the run were slower than 100 ns, 200 ns, 500 ns and 1 us,
 * and how many went to the trees.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nta.h>

#define LIVE 4096
#define HEADROOM 128
#define WARM_STEPS 100000

static const char *prog = "nta-prof";
static void *live[LIVE];
static uint64_t rng = 0x4e5441;

static inline uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [0, n) without a division. */
static inline uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

static inline size_t
draw(bool jumbo)
{
	uint32_t r;

	if (jumbo)
		return 9000 + HEADROOM;
	r = rnd_below(12);
	return (r < 7 ? 64 : r < 11 ? 594 : 1518) + HEADROOM;
}

static inline uint64_t
ticks(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
#endif
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* One step: free a random live buffer, allocate another. false: out of memory. */
static inline bool
step(struct nta_arena *a, bool jumbo)
{
	uint32_t i = rnd_below(LIVE);

	nta_free(a, live[i]);
	live[i] = nta_alloc(a, draw(jumbo));
	return live[i] != NULL;
}

static inline bool
run_steps(struct nta_arena *a, uint64_t n, bool jumbo)
{
	uint64_t s;

	for (s = 0; s < n; s++)
		if (!step(a, jumbo))
			return false;
	return true;
}

/* The warm-up, apart from the steps a profiler counts (noipa: never folded into them). */
static __attribute__((noipa)) bool
prof_warm(struct nta_arena *a, uint64_t n, bool jumbo)
{
	return run_steps(a, n, jumbo);
}

/* The counted steps (callgrind --toggle-collect=prof_steps). */
static __attribute__((noipa)) bool
prof_steps(struct nta_arena *a, uint64_t n, bool jumbo)
{
	return run_steps(a, n, jumbo);
}

/* The steps again, each allocation timed into lat[]. */
static __attribute__((noinline)) bool
prof_latency(struct nta_arena *a, uint64_t n, bool jumbo, uint32_t *lat)
{
	uint64_t s;

	for (s = 0; s < n; s++) {
		uint32_t i = rnd_below(LIVE);
		size_t size = draw(jumbo);
		uint64_t t0, t1;

		nta_free(a, live[i]);
		t0 = ticks();
		live[i] = nta_alloc(a, size);
		t1 = ticks();
		if (live[i] == NULL)
			return false;
		lat[s] = t1 - t0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(t1 - t0);
	}
	return true;
}

/* ns per timer tick, from 100 ms of both clocks. */
static double
tick_ns(void)
{
	uint64_t n0 = now_ns(CLOCK_MONOTONIC), t0 = ticks(), n1, t1;

	while (now_ns(CLOCK_MONOTONIC) - n0 < 100000000u)
		;
	n1 = now_ns(CLOCK_MONOTONIC);
	t1 = ticks();
	return (double)(n1 - n0) / (double)(t1 - t0);
}

static void
print_latency(struct nta_arena *a, uint64_t n, bool jumbo)
{
	static const double lim[] = { 100, 200, 500, 1000 };
	uint64_t over[4] = { 0 }, s, k;
	struct nta_stats st0, st1;
	double tns = tick_ns();
	uint32_t *lat = malloc(n * sizeof(*lat));

	if (lat == NULL) {
		fprintf(stderr, "%s: no memory for %" PRIu64 " latencies\n", prog, n);
		exit(1);
	}
	nta_stats_get(a, &st0);
	if (!prof_latency(a, n, jumbo, lat)) {
		fprintf(stderr, "%s: allocation failed: %s\n", prog, nta_strerror(nta_errno));
		exit(1);
	}
	nta_stats_get(a, &st1);
	for (s = 0; s < n; s++)
		for (k = 0; k < 4; k++)
			over[k] += (double)lat[s] * tns > lim[k];
	printf("latency (timer included), allocations of %" PRIu64 " above 100/200/500/1000 ns: "
		"%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "; from the trees %" PRIu64
		", cache flushes %" PRIu64 "\n", n, over[0], over[1], over[2], over[3],
		st1.tree_allocs - st0.tree_allocs, st1.cache_flushes - st0.cache_flushes);
	free(lat);
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: %s [options]\n"
		"NTA alone on nta-bench's throughput trace (4096 live buffers, free a random\n"
		"one, allocate another), for profilers: the timed steps run in prof_steps().\n\n"
		"  --mix imix|jumbo  sizes: IMIX 64/594/1518 B at 7:4:1 or 9000 B (+128 B\n"
		"                    headroom) (imix)\n"
		"  --steps N         timed steps (1000000)\n"
		"  --no-cache        no per-thread caches: the tree path alone\n"
		"  --anonymous       anonymous memory instead of hugetlbfs\n"
		"  --latency         then N more steps timing each allocation: the tail\n"
		"  --help            this text\n\n"
		"Instructions per pair: valgrind --tool=callgrind --toggle-collect=prof_steps\n"
		"%s --steps 200000 --anonymous, then the total divided by the steps.\n",
		prog, prog);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mix", required_argument, NULL, 'm' },
		{ "steps", required_argument, NULL, 's' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "anonymous", no_argument, NULL, 'a' },
		{ "latency", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool jumbo = false, nocache = false, anon = false, latency = false;
	struct nta_arena_config cfg;
	struct nta_arena *a;
	uint64_t steps = 1000000, t0, t1;
	char *end;
	int c, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "imix") != 0 && strcmp(optarg, "jumbo") != 0) {
				fprintf(stderr, "%s: --mix: '%s' is neither imix nor jumbo\n",
					prog, optarg);
				return 1;
			}
			jumbo = strcmp(optarg, "jumbo") == 0;
			break;
		case 's':
			errno = 0;
			steps = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || steps == 0 ||
					steps > UINT64_C(1) << 32) {
				fprintf(stderr, "%s: --steps: '%s' is not a count from 1 to 2^32\n",
					prog, optarg);
				return 1;
			}
			break;
		case 'n':
			nocache = true;
			break;
		case 'a':
			anon = true;
			break;
		case 'l':
			latency = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 1;
	}
	/* As nta-bench sizes it: the live set plus a quarter, 2 MB regions, made at once. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "nta-prof";
	cfg.backing = anon ? NTA_BACKING_ANON : NTA_BACKING_HUGETLBFS;
	cfg.flags = nocache ? NTA_ARENA_F_NO_CACHE : 0;
	cfg.region_size = 2u << 20;
	cfg.initial_regions = jumbo ? 24 : 3;
	cfg.max_regions = 64;
	a = nta_arena_create(&cfg);
	if (a == NULL) {
		fprintf(stderr, "%s: nta_arena_create: %s%s\n", prog, nta_strerror(nta_errno),
			anon ? "" : " (no free hugepages? --anonymous)");
		return 1;
	}
	for (i = 0; i < LIVE; i++) {
		live[i] = nta_alloc(a, draw(jumbo));
		if (live[i] == NULL) {
			fprintf(stderr, "%s: allocation failed: %s\n", prog,
				nta_strerror(nta_errno));
			return 1;
		}
	}
	if (!prof_warm(a, WARM_STEPS, jumbo))
		goto oom;
	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (!prof_steps(a, steps, jumbo))
		goto oom;
	t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	printf("%s %s%s: %.1f ns per free + alloc pair (thread CPU time, %" PRIu64 " steps)\n",
		jumbo ? "jumbo" : "IMIX", nocache ? "no cache" : "cached",
		anon ? ", anonymous" : ", hugetlbfs", (double)(t1 - t0) / (double)steps, steps);
	if (latency)
		print_latency(a, steps, jumbo);
	for (i = 0; i < LIVE; i++)
		nta_free(a, live[i]);
	nta_arena_destroy(a);
	return 0;
oom:
	fprintf(stderr, "%s: allocation failed: %s\n", prog, nta_strerror(nta_errno));
	return 1;
}
