/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_BENCH_H
#define NTA_BENCH_H

/*
 * nta-bench internals: the allocators under test behind one small interface,
 * and the power-of-two (buddy) allocator written for the comparison.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* What an allocator is built for. */
struct bench_params {
	/* Bytes the allocator must be able to hold (requested sizes). */
	size_t capacity;
	/* Bytes the live set is expected to take (mean size x buffers). */
	size_t expected;
	/* Largest single request. */
	size_t max_size;
	/*
	 * true: a fixed arena of exactly `capacity` bytes (fragmentation
	 * section); false: sized to fit comfortably (throughput, memory).
	 */
	bool fixed;
};

/* Memory figures an allocator exposes about itself; -1 means "not exposed". */
struct bench_mem {
	int64_t reserved;      /* bytes the live buffers take (see note) */
	int64_t in_use;        /* NTA: bytes held by callers only (no caches) */
	int64_t metadata;      /* out-of-band metadata bytes */
	int64_t free_bytes;    /* free bytes inside the arena/heap */
	int64_t largest_free;  /* largest free block */
	int64_t extents;       /* number of free blocks */
	int64_t total;         /* bytes of the arena or heap, when it has a size */
	int largest_ok;        /* 1: largest_free was allocated for real, 0: failed, -1: untried */
};

struct bench_alloc;

struct bench_alloc_ops {
	/* 0, or -1 with a reason in a->why. */
	int (*init)(struct bench_alloc *a, const struct bench_params *p);
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	/*
	 * Fill m (all fields preset to -1). live/n/sizes: the live buffers and
	 * their requested sizes, for allocators that only expose per-buffer
	 * sizes. Called with the calling thread quiescent.
	 */
	void (*mem)(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
			struct bench_mem *m);
	void (*fini)(struct bench_alloc *a);
	/*
	 * Optional (NULL: no map): write the allocator's free-space map to f as
	 * an nta_dump_map() document (lib/nta/nta.h) that nta-map draws; 0, or
	 * -1 with a reason in a->why. Called after mem(), live set still held.
	 */
	int (*map)(struct bench_alloc *a, FILE *f);
};

struct bench_alloc {
	const char *name;
	/* How `reserved` is obtained (printed under the memory table). */
	const char *mem_note;
	const struct bench_alloc_ops *ops;
	void *ctx;
	/* Measured before the live set exists (heap-delta allocators). */
	int64_t base_reserved;
	int64_t base_metadata;
	char why[160];
};

/* The allocators, in table order; those unavailable are still listed. */
enum bench_alloc_id {
	BA_NTA = 0,
	BA_NTA_NOCACHE,
	BA_GLIBC,
	BA_JEMALLOC,
	BA_MIMALLOC,
	BA_RTE,
	BA_POW2,
	BA_COUNT,
};

/* Fill a[] with every allocator; availability is checked by init(). */
void bench_allocs_setup(struct bench_alloc a[BA_COUNT], bool hugetlbfs);

/*
 * Reset a's reasons and baselines, then init it for p: 0, or -1 with the
 * reason copied into why.
 */
int bench_alloc_init(struct bench_alloc *a, const struct bench_params *p, char *why,
		size_t whylen);

/* The operations of the families kept in their own files. */
extern const struct bench_alloc_ops bench_nta_ops;
extern const struct bench_alloc_ops bench_nta_nocache_ops;
extern const struct bench_alloc_ops bench_rte_ops;
/* NTA arenas on hugetlbfs (true) or anonymous memory. */
void bench_nta_set_hugetlbfs(bool on);

/* Load jemalloc/mimalloc (dlopen); may re-exec the program, see there. */
void bench_rivals_load(int argc, char **argv, bool want_je, bool want_mi);

/* EAL for rte_malloc: 0 when usable; otherwise -1 and a reason. */
int bench_dpdk_init(const char *prog, char *why, size_t whylen);
/* Which memory the EAL got ("hugepages" / "no-huge (anonymous)"). */
const char *bench_dpdk_memory(void);
void bench_dpdk_fini(void);

/* Power-of-two buddy allocator over one buffer (bench_buddy.c). */
struct buddy;
struct buddy *buddy_create(size_t bytes);
void buddy_destroy(struct buddy *b);
void *buddy_alloc(struct buddy *b, size_t size);
void buddy_free(struct buddy *b, void *ptr);
size_t buddy_reserved(const struct buddy *b);
size_t buddy_free_bytes(const struct buddy *b);
size_t buddy_largest_free(const struct buddy *b);
size_t buddy_free_blocks(const struct buddy *b);
size_t buddy_metadata(const struct buddy *b);
size_t buddy_size(const struct buddy *b);
/*
 * Call fn(arg, offset, bytes, used) for every block of b in address order
 * (the blocks tile the buffer); stops at the first nonzero return of fn and
 * returns it, else 0.
 */
int buddy_walk(const struct buddy *b, int (*fn)(void *arg, size_t off, size_t bytes, bool used),
		void *arg);

/* ---- the benchmark proper (nta_bench.c and the files of its sections) ---- */

#define LIVE_BUFFERS 4096
#define HEADROOM 128
#define MBUF_DATA_ROOM 2176   /* RTE_MBUF_DEFAULT_BUF_SIZE */
#define MBUF_HEADER 128       /* sizeof(struct rte_mbuf) */
#define MAX_RUNS 101
#define MAX_FRAG_SIZES 4
#define N_OCCUPANCY 3
#define CHUNK 16384           /* steps between progress checks */

/* Targets of the design (doc/benchmarks.md). */
#define TARGET_IMIX_RATIO 1.02
#define TARGET_VS_RTE 10.0
#define TARGET_P999_NS 2000.0
/* Targets of issue 11, against rivals measured in the same run. */
#define TARGET_TREE_VS_JE_IMIX 4.0   /* tree path (no cache) / jemalloc, IMIX */
#define TARGET_TREE_VS_JE_JUMBO 3.0
#define TARGET_P999_IMIX_NS 100.0
/* (reserved + metadata) / requested, caches counted: IMIX, jumbo. */
#define TARGET_MEM_IMIX 1.03
#define TARGET_MEM_JUMBO 1.01

/* Sections of the run (--only). */
enum {
	SEC_THROUGHPUT = 1,
	SEC_MEMORY = 2,
	SEC_FRAG = 4,
	SEC_XTHREAD = 8,
	SEC_ALL = 15,
};

/* The command line (bench_args.c); read-only once parsed. */
struct bench_opt {
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
	const char *map_dir;   /* --map-dir: where frag maps go; NULL: none */
	const char *svg;       /* --svg: the chart of ratios; NULL: none */
};

extern struct bench_opt bench_opt;
/* The allocators' names of --alloc, also the stems of the map files. */
extern const char *const bench_alloc_keys[BA_COUNT];

/* 0 to go on, 1 to exit 0 (help), -1 to exit 1 (message printed). */
int bench_parse_args(int argc, char **argv);

/* A packet size mix; sizes are requested bytes, headroom included. */
struct mix {
	const char *name;
	unsigned int n;
	uint32_t size[3];
	uint32_t weight[3];
};

#define N_MIX 2
extern const struct mix bench_mixes[N_MIX];

/*
 * The throughput trace: the same arrays for every allocator. Step s frees
 * live buffer victim[s] and allocates size[s] bytes in its place.
 */
struct trace {
	uint32_t fill[LIVE_BUFFERS];
	uint64_t steps;
	uint32_t *victim;
	uint32_t *size;
};

/* bench_trace.c: workloads, progress lines, medians. */
uint32_t mix_draw(const struct mix *m, uint64_t *st);
uint32_t mix_max(const struct mix *m);
double mix_mean(const struct mix *m);
/* 0, or -1 when out of memory. */
int trace_make(struct trace *t, const struct mix *m, uint64_t steps, uint64_t seed);
void trace_free(struct trace *t);
/* Start a new progress topic (printed at once). */
void progress_set(const char *what);
/* A progress line about the current topic, at most one a second. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cmp_u64(const void *a, const void *b);
int cmp_u32(const void *a, const void *b);
/* Sorts v. */
double median(double *v, unsigned int n);

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

/* Thresholds of the latency tail table (ns): 100, 200, 500, 1000. */
#define N_TAIL 4
extern const double bench_tail_ns[N_TAIL];
/*
 * Gaps above 1 us per second in a loop that does nothing but read the timer
 * (measured at calibration): interruptions of the machine itself, which land
 * in some timed allocations of every allocator.
 */
extern double bench_noise_per_s;

/* Results of the throughput and memory sections, one per mix and allocator. */
struct tp_result {
	bool ok;
	char why[200];
	double ns_pair;         /* median over runs, thread CPU time */
	double wall_pair;       /* median over runs, wall-clock time */
	double p50, p99, p999;  /* ns, median over runs */
	double max_ns;          /* largest single alloc seen in any run */
	/* Allocations above bench_tail_ns[k], per million, median over runs. */
	double tail[N_TAIL];
	struct bench_mem mem;
	uint64_t requested;     /* bytes of the live set measured in mem */
};

/* Results of the fragmentation section, one per arena, occupancy, allocator. */
struct frag_result {
	bool ran;
	char why[200];
	uint64_t live_req;     /* requested bytes live at the end */
	uint64_t fails;        /* allocations refused during the churn */
	double ns_op;
	struct bench_mem mem;
	bool map;              /* --map-dir: its map was written */
};

extern struct bench_alloc bench_allocs[BA_COUNT];
extern struct tp_result bench_tp[N_MIX][BA_COUNT];
extern struct frag_result bench_fr[MAX_FRAG_SIZES][N_OCCUPANCY][BA_COUNT];
extern const unsigned int bench_occupancy[N_OCCUPANCY];

/* The allocators of the frag section, in table order. */
#define N_FRAG_ALLOCS 6
extern const unsigned int bench_frag_allocs[N_FRAG_ALLOCS];

/* bench_throughput.c: the timer, and sections 1 and 2 over every mix. */
extern double bench_tsc_ns;           /* ns per timer tick */
extern double bench_timer_overhead_ns;
extern const char *bench_timer_name;
void bench_timer_calibrate(void);
/* Measure bench_noise_per_s (called by bench_timer_calibrate()). */
void bench_noise_probe(void);
/* Fill bench_tp; timed: the throughput runs too (else the memory figures only). 0 or -1. */
int bench_throughput_run(bool timed);

/* Results of the cross-thread section, one per mix and allocator. */
struct xt_result {
	bool ok;
	char why[200];
	double ns_pair;        /* wall-clock ns per pair, median over runs */
};

extern struct xt_result bench_xt[N_MIX][BA_COUNT];

/* bench_xthread.c: section 4, filling bench_xt. */
void bench_xthread_run(void);

/* bench_frag.c: section 3, filling bench_fr. */
void bench_frag_run(void);
/* The pictures drawn from the maps of --map-dir, or how to draw them (stdout). */
void bench_frag_print_maps(void);

/* bench_table.c: a table of text cells, printed as Markdown or CSV (--csv). */
#define MAX_COLS 14
#define MAX_ROWS 64
#define CELL 64

struct table {
	const char *section;
	unsigned int ncols, nrows;
	char head[MAX_COLS][CELL];
	char cell[MAX_ROWS][MAX_COLS][CELL];
	bool right[MAX_COLS];   /* right-aligned; all but the first by default */
};

/* ncols column titles follow (const char *). */
void table_init(struct table *t, const char *section, unsigned int ncols, ...);
/* Text columns read better left-aligned. */
void table_left(struct table *t, unsigned int col);
/* The cell of column col in the row being filled (CELL bytes). */
char *table_cell(struct table *t, unsigned int col);
void table_set(struct table *t, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Next row; past MAX_ROWS - 1 rows the last one is overwritten. */
void table_row_done(struct table *t);
void table_print(const struct table *t);
/* Bytes into a CELL: "n/a" when negative, exact in CSV, else B, KB or MB. */
void fmt_bytes(char *out, int64_t b);
/* v / ref as "1.23x" into a CELL, "-" when either is not positive. */
void fmt_ratio(char *out, double v, double ref);

/* bench_report.c: the tables and the targets, on stdout. */
void bench_print_header(int argc, char **argv);
void bench_print_throughput(void);
void bench_print_memory(void);
void bench_print_frag(void);
void bench_print_xthread(void);
void bench_print_targets(void);
/* --svg: the time ratios of every rival against NTA as a bar chart. 0 or -1. */
int bench_write_svg(const char *path);

#endif /* NTA_BENCH_H */
