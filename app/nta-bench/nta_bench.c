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
 *               occupancy of a fixed-size arena;
 *   xthread     one thread allocates, another frees (RX core and worker).
 *
 * Not a test: it asserts nothing but prints PASS/FAIL against the targets
 * of the design, and always exits 0 when it could measure.
 *
 * Where things are:
 *   bench_args.c        the command line
 *   bench_trace.c       size mixes, traces, progress lines, medians
 *   bench_throughput.c  sections 1 and 2: the trace, timed (throughput,
 *                       latency) and its live set (memory)
 *   bench_frag.c        section 3: fragmentation
 *   bench_xthread.c     section 4: across threads
 *   bench_svg.c         --svg: the ratios as a chart
 *   bench_table.c       Markdown/CSV tables
 *   bench_report.c      the report: header, tables, targets
 *   bench_nta.c, bench_rivals.c, bench_rte.c, bench_buddy.c: the allocators
 *                       behind struct bench_alloc_ops (bench.h)
 */

#include <stdio.h>

#include "bench.h"

int
main(int argc, char **argv)
{
	char why[200];
	int rc;

	rc = bench_parse_args(argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	/* First: may re-execute the program (see bench_rivals.c). */
	bench_rivals_load(argc, argv, !bench_opt.skip[BA_JEMALLOC], !bench_opt.skip[BA_MIMALLOC]);
	if (!bench_opt.no_dpdk && !bench_opt.skip[BA_RTE] &&
			bench_dpdk_init(argv[0], why, sizeof(why)) != 0)
		fprintf(stderr, "nta-bench: rte_malloc rows unavailable: %s\n", why);
	bench_allocs_setup(bench_allocs, bench_opt.hugetlbfs);
	progress_set("calibrating the timer");
	bench_timer_calibrate();

	if ((bench_opt.sections & (SEC_THROUGHPUT | SEC_MEMORY)) != 0 &&
			bench_throughput_run((bench_opt.sections & SEC_THROUGHPUT) != 0) != 0)
		return 1;
	if (bench_opt.sections & SEC_FRAG)
		bench_frag_run();
	if (bench_opt.sections & SEC_XTHREAD)
		bench_xthread_run();
	fprintf(stderr, "nta-bench: done\n");

	bench_print_header(argc, argv);
	if (bench_opt.sections & SEC_THROUGHPUT)
		bench_print_throughput();
	if (bench_opt.sections & SEC_MEMORY)
		bench_print_memory();
	if (bench_opt.sections & SEC_FRAG)
		bench_print_frag();
	if (bench_opt.sections & SEC_XTHREAD)
		bench_print_xthread();
	if (bench_opt.sections & (SEC_THROUGHPUT | SEC_MEMORY | SEC_XTHREAD))
		bench_print_targets();
	fflush(stdout);
	if (bench_opt.svg != NULL && bench_write_svg(bench_opt.svg) != 0)
		rc = 1;
	bench_dpdk_fini();
	return rc;
}
