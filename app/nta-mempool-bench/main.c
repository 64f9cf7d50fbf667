/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * nta-mempool-bench: get/put rate of mempool ops without the mempool cache,
 * on DPDK's public API: 'nta' against ring_mp_mc, ring_sp_sc, stack, bucket.
 * Runs alternate between the ops; the table shows medians in millions of
 * objects per second (one object = one get and one put) and nta's ratio to
 * the best rival. A benchmark, not a test.
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#define MAX_OPS 8
#define MAX_RUNS 31
#define MAX_BULK 64

static const char *ops_names[MAX_OPS] = { "nta", "ring_mp_mc", "ring_sp_sc", "stack", "bucket" };
static unsigned int n_ops = 5;
static unsigned int n_objs = 8192;
static unsigned int elt_size = 2048;
static unsigned int runs = 5;
static double seconds = 0.5;
static unsigned int bulks[4] = { 1, 32 };
static unsigned int n_bulks = 2;
static unsigned int cores_max = 2;

struct worker {
	struct rte_mempool *mp;
	unsigned int bulk;
	uint64_t cycles;
	uint64_t objs;
	int error;
} __rte_cache_aligned;

static struct worker workers[RTE_MAX_LCORE];
static volatile int go;

static int
run_worker(void *arg)
{
	struct worker *w = arg;
	void *objs[MAX_BULK];
	uint64_t end, n = 0;

	while (!go)
		rte_pause();
	end = rte_get_timer_cycles() + w->cycles;
	while (rte_get_timer_cycles() < end) {
		unsigned int i;

		for (i = 0; i < 64; i++) {
			if (rte_mempool_generic_get(w->mp, objs, w->bulk, NULL) != 0) {
				w->error = -1;
				continue;
			}
			rte_mempool_generic_put(w->mp, objs, w->bulk, NULL);
			n += w->bulk;
		}
	}
	w->objs = n;
	return 0;
}

/* Millions of objects per second over all cores, or -1 if the ops failed. */
static double
measure(const char *ops, unsigned int cores, unsigned int bulk)
{
	struct rte_mempool *mp;
	unsigned int lcore, k = 0;
	uint64_t total = 0;
	int ret;

	mp = rte_mempool_create_empty("bench", n_objs, elt_size, 0, 0, SOCKET_ID_ANY, 0);
	if (mp == NULL)
		return -1;
	ret = rte_mempool_set_ops_byname(mp, ops, NULL);
	if (ret == 0)
		ret = rte_mempool_populate_default(mp) < 0 ? -1 : 0;
	if (ret != 0) {
		fprintf(stderr, "ops %s: cannot create a pool: %s\n", ops,
			rte_strerror(rte_errno));
		rte_mempool_free(mp);
		return -1;
	}
	go = 0;
	RTE_LCORE_FOREACH(lcore) {
		struct worker *w = &workers[lcore];

		if (k == cores)
			break;
		memset(w, 0, sizeof(*w));
		w->mp = mp;
		w->bulk = bulk;
		w->cycles = (uint64_t)(seconds * rte_get_timer_hz());
		if (lcore != rte_get_main_lcore())
			rte_eal_remote_launch(run_worker, w, lcore);
		k++;
	}
	go = 1;
	run_worker(&workers[rte_get_main_lcore()]);
	rte_eal_mp_wait_lcore();
	k = 0;
	RTE_LCORE_FOREACH(lcore) {
		if (k++ == cores)
			break;
		total += workers[lcore].objs;
	}
	if (rte_mempool_avail_count(mp) != n_objs)
		fprintf(stderr, "ops %s: %u objects of %u came back\n", ops,
			rte_mempool_avail_count(mp), n_objs);
	rte_mempool_free(mp);
	return total / seconds / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
		"  --ops LIST      comma-separated ops (nta,ring_mp_mc,ring_sp_sc,stack,bucket)\n"
		"  --bulk LIST     objects per get/put (1,32; at most %d)\n"
		"  --cores N       measure 1..N cores (2; needs N lcores)\n"
		"  --runs N        alternating runs per configuration, median shown (5)\n"
		"  --seconds S     length of one run (0.5)\n"
		"  --objs N        objects in the pool (8192)\n"
		"  --elt BYTES     element size (2048)\n"
		"Load the nta driver with the EAL option -d <path>/librte_mempool_nta.so.\n",
		prog, MAX_BULK);
}

static int
parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < min || x > max)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ops", required_argument, NULL, 'o' },
		{ "bulk", required_argument, NULL, 'b' },
		{ "cores", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "objs", required_argument, NULL, 'n' },
		{ "elt", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	char *tok, *save;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			n_ops = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
					tok = strtok_r(NULL, ",", &save)) {
				if (n_ops == MAX_OPS) {
					fprintf(stderr, "--ops: at most %d names\n", MAX_OPS);
					return -1;
				}
				ops_names[n_ops++] = tok;
			}
			if (n_ops == 0) {
				fprintf(stderr, "--ops: no name given\n");
				return -1;
			}
			break;
		case 'b':
			n_bulks = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
					tok = strtok_r(NULL, ",", &save)) {
				if (n_bulks == RTE_DIM(bulks) ||
						parse_uint(tok, 1, MAX_BULK, &bulks[n_bulks]) != 0) {
					fprintf(stderr, "--bulk: up to 4 values of 1..%d, got '%s'\n",
						MAX_BULK, tok);
					return -1;
				}
				n_bulks++;
			}
			break;
		case 'c':
			if (parse_uint(optarg, 1, RTE_MAX_LCORE, &cores_max) != 0) {
				fprintf(stderr, "--cores: a number of cores, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'r':
			if (parse_uint(optarg, 1, MAX_RUNS, &runs) != 0) {
				fprintf(stderr, "--runs: 1..%d, got '%s'\n", MAX_RUNS, optarg);
				return -1;
			}
			break;
		case 's': {
			char *end;

			seconds = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(seconds > 0 && seconds <= 60)) {
				fprintf(stderr, "--seconds: 0 to 60, got '%s'\n", optarg);
				return -1;
			}
			break;
		}
		case 'n':
			if (parse_uint(optarg, 1024, 1u << 24, &n_objs) != 0) {
				fprintf(stderr, "--objs: 1024..16M, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'e':
			if (parse_uint(optarg, 8, 1u << 20, &elt_size) != 0) {
				fprintf(stderr, "--elt: 8..1M bytes, got '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	double res[MAX_OPS][MAX_RUNS], med[MAX_OPS];
	unsigned int cores, b, r, o;
	int i, ret;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot init EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	if (cores_max > rte_lcore_count()) {
		fprintf(stderr, "--cores %u needs as many lcores (have %u)\n", cores_max,
			rte_lcore_count());
		rte_eal_cleanup();
		return 1;
	}
	printf("no-cache get/put, %u objects of %u bytes, %u runs of %.2f s, medians "
		"in M objects/s\n", n_objs, elt_size, runs, seconds);
	printf("%-5s %-4s", "cores", "bulk");
	for (o = 0; o < n_ops; o++)
		printf(" %11s", ops_names[o]);
	printf(" %9s\n", "nta/best");
	for (cores = 1; cores <= cores_max; cores++) {
		for (b = 0; b < n_bulks; b++) {
			double best = 0, nta = -1;

			for (r = 0; r < runs; r++) {
				/* Progress on stderr: a row takes runs x ops x seconds. */
				fprintf(stderr, "nta-mempool-bench: %u cores, bulk %u: run %u/%u\n",
						cores, bulks[b], r + 1, runs);
				for (o = 0; o < n_ops; o++) {
					/* ring_sp_sc is only safe for one core. */
					if (cores > 1 && strcmp(ops_names[o], "ring_sp_sc") == 0)
						res[o][r] = -1;
					else
						res[o][r] = measure(ops_names[o], cores, bulks[b]);
				}
			}
			printf("%-5u %-4u", cores, bulks[b]);
			for (o = 0; o < n_ops; o++) {
				qsort(res[o], runs, sizeof(double), cmp_double);
				med[o] = res[o][runs / 2];
				if (med[o] < 0)
					printf(" %11s", "n/a");
				else
					printf(" %11.1f", med[o]);
				if (strcmp(ops_names[o], "nta") == 0)
					nta = med[o];
				else if (med[o] > best)
					best = med[o];
			}
			if (nta > 0 && best > 0)
				printf(" %9.2f\n", nta / best);
			else
				printf(" %9s\n", "-");
			fflush(stdout);
		}
	}
	rte_eal_cleanup();
	return 0;
}
