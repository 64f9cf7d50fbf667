/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* nta-bench: the report on stdout: the header, the three tables, the targets. */

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <nta.h>

#include "bench.h"

void
bench_print_header(int argc, char **argv)
{
	struct utsname u;
	char host[128] = "?", date[64];
	time_t now = time(NULL);
	FILE *f;
	char line[256], cpu[160] = "?";
	int i;

	if (bench_opt.csv)
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
			NTA_CACHE_MAX_UNITS, bench_opt.hugetlbfs ? "hugetlbfs" : "anonymous");
	f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			printf("- load average at the end (1/5/15 min, runnable/total): %s "
					"(other work on the machine skews timings)\n", line);
		}
		fclose(f);
	}
	printf("- machine noise: %.0f gaps > 1 us per second in a loop that only reads the "
			"timer (interrupts, the hypervisor: see the latency tail)\n",
			bench_noise_per_s);
	printf("- rte_malloc: EAL memory %s\n", bench_dpdk_memory());
	printf("- seed %#" PRIx64 ", %u runs, %" PRIu64 " steps/run, %" PRIu64
			" frag ops%s\n\n", bench_opt.seed, bench_opt.runs, bench_opt.steps,
			bench_opt.ops, bench_opt.quick ? " (--quick)" : "");
}

/*
 * The first cells of a timed row: mix, allocator, ns/pair, Mpairs/s and the
 * ratio to ref in columns 0-4. Not measured: "n/a", why in column note, the
 * row done, and false.
 */
static bool
time_cells(struct table *t, unsigned int mi, unsigned int ai, bool ok, const char *why,
		unsigned int note, double ns_pair, double ref)
{
	table_set(t, 0, "%s", bench_mixes[mi].name);
	table_set(t, 1, "%s", bench_allocs[ai].name);
	if (!ok) {
		table_set(t, 2, "n/a");
		table_set(t, note, "%.*s", CELL - 1, why);
		table_row_done(t);
		return false;
	}
	table_set(t, 2, "%.1f", ns_pair);
	table_set(t, 3, "%.1f", 1000.0 / ns_pair);
	fmt_ratio(table_cell(t, 4), ns_pair, ref);
	return true;
}

static void bench_print_tail(void);

void
bench_print_throughput(void)
{
	struct table t;
	unsigned int mi, ai;

	table_init(&t, "throughput", 11, "mix", "allocator", "ns/pair", "Mpairs/s",
			"time vs NTA", "p50 ns", "p99 ns", "p99.9 ns", "max ns", "wall ns/pair",
			"note");
	table_left(&t, 1);
	table_left(&t, 10);
	for (mi = 0; mi < N_MIX; mi++) {
		double ref = bench_tp[mi][BA_NTA].ok ? bench_tp[mi][BA_NTA].ns_pair : 0;

		for (ai = 0; ai < BA_COUNT; ai++) {
			struct tp_result *r = &bench_tp[mi][ai];

			if (!time_cells(&t, mi, ai, r->ok, r->why, 10, r->ns_pair, ref))
				continue;
			table_set(&t, 5, "%.0f", r->p50);
			table_set(&t, 6, "%.0f", r->p99);
			table_set(&t, 7, "%.0f", r->p999);
			table_set(&t, 8, "%.0f", r->max_ns);
			table_set(&t, 9, "%.1f", r->wall_pair);
			table_row_done(&t);
		}
	}
	if (!bench_opt.csv)
		printf("### Throughput and latency (single thread, %d live buffers, "
				"%" PRIu64 " steps per run, median of %u runs)\n\n"
				"ns/pair: one free of a random live buffer + one allocation, in "
				"thread CPU time (CLOCK_THREAD_CPUTIME_ID: time spent descheduled "
				"on a shared machine does not count; \"wall ns/pair\" is the same "
				"in wall-clock time). "
				"Latency: single allocation calls, timer included (%s, "
				"overhead %.1f ns, not subtracted). \"time vs NTA\" > 1: slower "
				"than NTA.\n\n", LIVE_BUFFERS, bench_opt.steps, bench_opt.runs,
				bench_timer_name,
				bench_timer_overhead_ns);
	table_print(&t);
	bench_print_tail();
}

/*
 * The latency tail: how many allocations of a million were slower than each
 * threshold. The p99.9 is the 1000th slowest; the machine's own
 * interruptions (the header's noise rate) put some of every allocator's
 * calls above 1 us.
 */
static void
bench_print_tail(void)
{
	struct table t;
	unsigned int mi, ai, k;

	table_init(&t, "latency tail", 6, "mix", "allocator", "> 100 ns", "> 200 ns",
			"> 500 ns", "> 1 us");
	table_left(&t, 1);
	for (mi = 0; mi < N_MIX; mi++) {
		for (ai = 0; ai < BA_COUNT; ai++) {
			const struct tp_result *r = &bench_tp[mi][ai];

			if (!r->ok)
				continue;
			table_set(&t, 0, "%s", bench_mixes[mi].name);
			table_set(&t, 1, "%s", bench_allocs[ai].name);
			for (k = 0; k < N_TAIL; k++)
				table_set(&t, 2 + k, "%.0f", r->tail[k]);
			table_row_done(&t);
		}
	}
	if (!bench_opt.csv)
		printf("### Latency tail (allocations per million above each time, timer "
				"included, median of %u runs)\n\n"
				"The p99.9 is the 1000th slowest allocation of a million. The "
				"machine's own interruptions (%.0f a second here, see the "
				"header) land in some timed calls of every allocator: the \"> 1 "
				"us\" column is mostly them.\n\n", bench_opt.runs,
				bench_noise_per_s);
	table_print(&t);
}

/* The computed row: fixed 2176-byte mbufs over the same live set. */
static void
memory_row_fixed(struct table *t, unsigned int mi, double ref)
{
	const struct mix *m = &bench_mixes[mi];
	const struct tp_result *nr = &bench_tp[mi][BA_NTA];
	uint64_t req = nr->ok ? nr->requested : 0;
	double fixed_res = 0, fixed_meta = 0, w = 0;
	unsigned int ai, k;

	for (ai = 0; ai < BA_COUNT && req == 0; ai++)
		if (bench_tp[mi][ai].ok)
			req = bench_tp[mi][ai].requested;
	if (req == 0)
		return;
	/* Same live set as everybody: expected value per size class. */
	for (k = 0; k < m->n; k++)
		w += m->weight[k];
	for (k = 0; k < m->n; k++) {
		double segs = ceil((double)m->size[k] / MBUF_DATA_ROOM);

		fixed_res += m->weight[k] / w * segs * MBUF_DATA_ROOM;
		fixed_meta += m->weight[k] / w * segs * MBUF_HEADER;
	}
	fixed_res /= mix_mean(m);
	fixed_meta /= mix_mean(m);
	table_set(t, 0, "%s", m->name);
	table_set(t, 1, "fixed 2176 B mbuf");
	table_set(t, 2, "-");
	table_set(t, 3, "-");
	table_set(t, 4, "%.3f", fixed_res);
	fmt_ratio(table_cell(t, 5), fixed_res, ref);
	table_set(t, 6, "128 B/seg");
	table_set(t, 7, "%.3f", fixed_res + fixed_meta);
	table_set(t, 8, "computed%s", m->n > 1 || m->size[0] > MBUF_DATA_ROOM ?
			(m->size[0] > MBUF_DATA_ROOM ? ", chained segs" : ", mix mean") : "");
	table_row_done(t);
}

/* Columns 2 to 7 of a measured row: held bytes of the live set against requested. */
static void
memory_cells(struct table *t, uint64_t requested, int64_t held, int64_t metadata, double ref)
{
	double ratio = (double)held / (double)requested;
	char b[CELL];

	fmt_bytes(b, (int64_t)requested);
	table_set(t, 2, "%s", b);
	fmt_bytes(b, held);
	table_set(t, 3, "%s", b);
	table_set(t, 4, "%.3f", ratio);
	fmt_ratio(table_cell(t, 5), ratio, ref);
	fmt_bytes(b, metadata);
	table_set(t, 6, "%s", metadata < 0 ? "in band" : b);
	if (metadata >= 0)
		table_set(t, 7, "%.3f", (double)(held + metadata) / (double)requested);
	else
		table_set(t, 7, "%.3f", ratio);
}

/* The row of allocator ai; NTA's get a second one without the caches. */
static void
memory_rows_alloc(struct table *t, unsigned int mi, unsigned int ai, double ref)
{
	const struct tp_result *r = &bench_tp[mi][ai];
	const char *mix = bench_mixes[mi].name;

	table_set(t, 0, "%s", mix);
	table_set(t, 1, "%s", bench_allocs[ai].name);
	if (!r->ok || r->mem.reserved < 0) {
		table_set(t, 2, "n/a");
		table_set(t, 8, "%.*s", CELL - 1, r->ok ? "not exposed" : r->why);
		table_row_done(t);
		return;
	}
	memory_cells(t, r->requested, r->mem.reserved, r->mem.metadata, ref);
	table_set(t, 8, "note %u", ai + 1);
	table_row_done(t);
	if ((ai == BA_NTA || ai == BA_NTA_NOCACHE) && r->mem.in_use >= 0) {
		table_set(t, 0, "%s", mix);
		table_set(t, 1, "%s, bytes_used only", bench_allocs[ai].name);
		memory_cells(t, r->requested, r->mem.in_use, r->mem.metadata, ref);
		table_set(t, 8, "caches excluded");
		table_row_done(t);
	}
}

/* Under the memory table: how each figure is obtained. */
static void
memory_notes(void)
{
	unsigned int i, mi;

	printf("How each figure is obtained:\n");
	for (i = 0; i < BA_COUNT; i++)
		printf("- note %u, %s: %s\n", i + 1, bench_allocs[i].name,
				bench_allocs[i].mem_note);
	printf("- fixed 2176 B mbuf: computed, one %d B data room per buffer (jumbo: "
			"chained segments, each a full data room); metadata = struct rte_mbuf "
			"(%d B) per segment.\n", MBUF_DATA_ROOM, MBUF_HEADER);
	for (mi = 0; mi < N_MIX; mi++) {
		const struct tp_result *r = &bench_tp[mi][BA_NTA];

		if (r->ok && r->mem.metadata >= 0 && r->mem.total > 0)
			printf("- NTA metadata on %s is proportional to the arena, not to "
					"the live set: %.1f KB for a %.1f MB arena (%.2f%%)."
					"\n", bench_mixes[mi].name, (double)r->mem.metadata / 1024,
					(double)r->mem.total / (1 << 20),
					100.0 * (double)r->mem.metadata / (double)r->mem.total);
	}
	printf("\n");
}

void
bench_print_memory(void)
{
	struct table t;
	unsigned int mi, ai;

	table_init(&t, "memory", 9, "mix", "allocator", "requested", "reserved",
			"reserved/req", "vs NTA", "metadata", "(res+meta)/req", "how");
	table_left(&t, 1);
	table_left(&t, 8);
	for (mi = 0; mi < N_MIX; mi++) {
		const struct tp_result *nr = &bench_tp[mi][BA_NTA];
		double ref = nr->ok && nr->mem.reserved > 0 ?
			(double)nr->mem.reserved / (double)nr->requested : 0;

		memory_row_fixed(&t, mi, ref);
		for (ai = 0; ai < BA_COUNT; ai++)
			memory_rows_alloc(&t, mi, ai, ref);
	}
	if (!bench_opt.csv)
		printf("### Memory: bytes reserved / bytes requested (%d live buffers after the "
				"trace; request = packet + %d B headroom)\n\n", LIVE_BUFFERS,
				HEADROOM);
	table_print(&t);
	if (!bench_opt.csv)
		memory_notes();
}

void
bench_print_frag(void)
{
	struct table t;
	unsigned int fi, oi, k;
	char b[CELL];

	table_init(&t, "frag", 13, "arena", "occ.", "allocator", "live req.", "reserved",
			"failed allocs", "free", "largest free", "frag", "free blocks",
			"largest obtainable", "ns/op", "note");
	table_left(&t, 2);
	table_left(&t, 12);
	for (fi = 0; fi < bench_opt.n_frag; fi++) {
		for (oi = 0; oi < 3; oi++) {
			for (k = 0; k < N_FRAG_ALLOCS; k++) {
				unsigned int ai = bench_frag_allocs[k];
				const struct frag_result *r = &bench_fr[fi][oi][ai];

				table_set(&t, 0, "%zu MB", bench_opt.frag_mb[fi]);
				table_set(&t, 1, "%u%%", bench_occupancy[oi]);
				table_set(&t, 2, "%s", bench_allocs[ai].name);
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
	if (!bench_opt.csv)
		printf("### External fragmentation after %" PRIu64 " random operations (IMIX, "
				"fixed arena, occupancy = requested live bytes / arena)\n\n"
				"frag = 1 - largest free / total free; ns/op in thread CPU time. "
				"NTA: stats after nta_cache_flush(); its largest free block can "
				"never exceed one region (%llu KB in this build), so in an arena "
				"of several regions frag has that floor; the single-region arena "
				"shows the allocator itself. \"largest obtainable\": an allocation "
				"of the largest free block was tried for real. rte_malloc: an "
				"external heap of exactly the arena (rte_malloc_get_socket_stats). "
				"glibc: mallinfo2 "
				"(fordblks, ordblks); jemalloc: stats.active - stats.allocated; "
				"neither exposes its largest free block, mimalloc exposes none of "
				"these (n/a).\n\n", bench_opt.ops,
				(unsigned long long)(NTA_REGION_MAX_BYTES >> 10));
	table_print(&t);
	bench_frag_print_maps();
}

void
bench_print_xthread(void)
{
	struct table t;
	unsigned int mi, ai;

	table_init(&t, "xthread", 6, "mix", "allocator", "ns/pair", "Mpairs/s", "time vs NTA",
			"note");
	table_left(&t, 1);
	table_left(&t, 5);
	for (mi = 0; mi < N_MIX; mi++) {
		const struct xt_result *n = &bench_xt[mi][BA_NTA];

		for (ai = 0; ai < BA_COUNT; ai++) {
			const struct xt_result *r = &bench_xt[mi][ai];

			if (ai == BA_RTE || ai == BA_POW2)
				continue;
			if (time_cells(&t, mi, ai, r->ok, r->why, 5, r->ns_pair,
					n->ok ? n->ns_pair : 0))
				table_row_done(&t);
		}
	}
	if (!bench_opt.csv)
		printf("### Across threads: one thread allocates, another frees (%" PRIu64
				" buffers per run, median of %u runs)\n\n"
				"The allocating thread (an RX core) passes each buffer through a "
				"ring of 1024 to a second thread (a worker) that frees it; the two "
				"are pinned to CPUs 0 and 1. ns/pair in wall-clock time over the "
				"whole run (both threads busy). \"time vs NTA\" > 1: slower than "
				"NTA.\n\n", bench_opt.steps, bench_opt.runs);
	table_print(&t);
}

/* One target line: SKIP when not measured, else PASS or FAIL. */
static void
target(bool measured, bool pass, const char *fmt, ...)
{
	va_list ap;

	if (!measured)
		printf("SKIP ");
	else if (pass)
		printf("PASS ");
	else
		printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Issue 11's targets 1, 2 and 4 for mix mi. */
static void
print_targets_11(unsigned int mi)
{
	const struct tp_result *n = &bench_tp[mi][BA_NTA], *nc = &bench_tp[mi][BA_NTA_NOCACHE];
	const struct tp_result *je = &bench_tp[mi][BA_JEMALLOC], *mm = &bench_tp[mi][BA_MIMALLOC];
	double best = je->ok && (!mm->ok || je->ns_pair <= mm->ns_pair) ? je->ns_pair :
		mm->ok ? mm->ns_pair : 0;
	double k = mi == 0 ? TARGET_TREE_VS_JE_IMIX : TARGET_TREE_VS_JE_JUMBO;

	target(n->ok && best > 0, n->ok && n->ns_pair <= best,
			"%s: NTA ns/pair <= min(jemalloc, mimalloc) (%.1f vs %.1f)",
			bench_mixes[mi].name, n->ns_pair, best);
	target(nc->ok && je->ok, nc->ok && je->ok && nc->ns_pair <= k * je->ns_pair,
			"%s: NTA tree path (no cache) <= %.0fx jemalloc (%.2fx: %.1f vs %.1f ns/pair)",
			bench_mixes[mi].name, k,
			je->ok && je->ns_pair > 0 ? nc->ns_pair / je->ns_pair : 0,
			nc->ns_pair, je->ns_pair);
	if (mi == 0)
		target(n->ok, n->ok && n->p999 <= TARGET_P999_IMIX_NS,
				"%s: NTA p99.9 alloc latency %.0f ns <= %.0f ns (timer included; "
				"max after warm-up %.0f ns)", bench_mixes[mi].name, n->p999,
				TARGET_P999_IMIX_NS, n->max_ns);
}

void
bench_print_targets(void)
{
	unsigned int mi;

	if (!bench_opt.csv)
		printf("### Targets\n\n```\n");
	if (bench_opt.sections & SEC_MEMORY) {
		const struct tp_result *r = &bench_tp[0][BA_NTA];
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
		for (mi = 0; mi < N_MIX; mi++) {
			const struct tp_result *m = &bench_tp[mi][BA_NTA];
			double lim = mi == 0 ? TARGET_MEM_IMIX : TARGET_MEM_JUMBO;
			bool ok = m->ok && m->mem.reserved >= 0 && m->mem.metadata >= 0;
			double all = ok ? (double)(m->mem.reserved + m->mem.metadata) /
				(double)m->requested : 0;

			target(ok, all <= lim, "%s: NTA (reserved + metadata) / requested, "
					"caches counted = %.4f <= %.2f (metadata %.1f KB)",
					bench_mixes[mi].name, all, lim,
					ok ? (double)m->mem.metadata / 1024 : 0);
		}
	}
	if (bench_opt.sections & SEC_THROUGHPUT) {
		for (mi = 0; mi < N_MIX; mi++) {
			const struct tp_result *n = &bench_tp[mi][BA_NTA];
			const struct tp_result *mm = &bench_tp[mi][BA_MIMALLOC];
			const struct tp_result *rt = &bench_tp[mi][BA_RTE];

			target(n->ok && mm->ok, n->ok && mm->ok && n->ns_pair <= mm->ns_pair,
					"%s: NTA throughput >= mimalloc's (%.1f vs %.1f ns/pair)",
					bench_mixes[mi].name, n->ns_pair, mm->ns_pair);
			target(n->ok && rt->ok, n->ok && rt->ok &&
					n->ns_pair * TARGET_VS_RTE <= rt->ns_pair,
					"%s: NTA throughput >= %.0fx rte_malloc's (%.1fx: %.1f vs "
					"%.1f ns/pair)", bench_mixes[mi].name, TARGET_VS_RTE,
					n->ok && n->ns_pair > 0 ? rt->ns_pair / n->ns_pair : 0,
					n->ns_pair, rt->ns_pair);
			target(n->ok, n->ok && n->p999 < TARGET_P999_NS,
					"%s: NTA p99.9 alloc latency %.0f ns < %.0f ns",
					bench_mixes[mi].name, n->p999, TARGET_P999_NS);
			print_targets_11(mi);
		}
	}
	if (bench_opt.sections & SEC_XTHREAD) {
		for (mi = 0; mi < N_MIX; mi++) {
			const struct xt_result *n = &bench_xt[mi][BA_NTA];
			const struct xt_result *je = &bench_xt[mi][BA_JEMALLOC];
			const struct xt_result *mm = &bench_xt[mi][BA_MIMALLOC];

			target(n->ok && je->ok && mm->ok, n->ok && je->ok && mm->ok &&
					n->ns_pair <= je->ns_pair && n->ns_pair <= mm->ns_pair,
					"%s: NTA across threads (one allocates, one frees) >= jemalloc "
					"and mimalloc (%.1f vs %.1f and %.1f ns/pair)",
					bench_mixes[mi].name, n->ns_pair, je->ns_pair, mm->ns_pair);
		}
	}
	if (!bench_opt.csv)
		printf("```\n\n");
}
