/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * rte_malloc behind the nta-bench interface, and the EAL it needs: the
 * DPDK heap of the EAL (sized to fit), or an external heap of exactly the
 * fixed arena size over memory of our own (fragmentation).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#endif

#include "bench.h"

#ifdef BENCH_HAVE_DPDK
static int dpdk_state; /* 0: not tried, 1: up, -1: failed */
static char dpdk_why[160];
static const char *dpdk_mem = "none";

#define RTE_EXT_HEAP "nta_bench_heap"

struct rte_ctx {
	int socket;
	bool external;
	void *mem;
	size_t len;
};

static bool
hugepages_available(size_t need)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long free_pages = 0, kb = 0;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &kb);
	}
	fclose(f);
	return (size_t)free_pages * kb * 1024 >= need;
}

int
bench_dpdk_init(const char *prog, char *why, size_t whylen)
{
	char *args[16];
	int n = 0;

	if (dpdk_state != 0)
		goto out;
	args[n++] = (char *)(uintptr_t)prog;
	args[n++] = (char *)(uintptr_t)"--in-memory";
	args[n++] = (char *)(uintptr_t)"--no-pci";
	args[n++] = (char *)(uintptr_t)"--no-telemetry";
	args[n++] = (char *)(uintptr_t)"-l";
	args[n++] = (char *)(uintptr_t)"0";
	args[n++] = (char *)(uintptr_t)"-m";
	args[n++] = (char *)(uintptr_t)"512";
	args[n++] = (char *)(uintptr_t)"--log-level=error";
	/* 512 MB of hugepages plus a margin, or anonymous memory instead. */
	if (hugepages_available(600u << 20)) {
		dpdk_mem = "2 MB hugepages (-m 512)";
	} else {
		args[n++] = (char *)(uintptr_t)"--no-huge";
		dpdk_mem = "anonymous memory, --no-huge (no free hugepages)";
	}
	args[n] = NULL;
	if (rte_eal_init(n, args) < 0) {
		snprintf(dpdk_why, sizeof(dpdk_why), "rte_eal_init: %s",
				rte_strerror(rte_errno));
		dpdk_mem = "none";
		dpdk_state = -1;
	} else {
		dpdk_state = 1;
	}
out:
	if (dpdk_state < 0 && why != NULL)
		snprintf(why, whylen, "%s", dpdk_why);
	return dpdk_state > 0 ? 0 : -1;
}

const char *
bench_dpdk_memory(void)
{
	return dpdk_mem;
}

void
bench_dpdk_fini(void)
{
	if (dpdk_state > 0)
		rte_eal_cleanup();
	dpdk_state = -1;
	snprintf(dpdk_why, sizeof(dpdk_why), "EAL already cleaned up");
}

static int
rte_b_init(struct bench_alloc *a, const struct bench_params *p)
{
	struct rte_ctx *c;
	size_t pg = 4096;

	if (dpdk_state <= 0) {
		snprintf(a->why, sizeof(a->why), "%s", dpdk_state == 0 ?
				"EAL not initialised" : dpdk_why);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	if (p->fixed) {
		/*
		 * A fixed arena: an external malloc heap of exactly capacity
		 * bytes of our own memory, so rte_malloc works in the same
		 * space as the others.
		 */
		c->len = (p->capacity + pg - 1) / pg * pg;
		c->mem = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (c->mem == MAP_FAILED) {
			snprintf(a->why, sizeof(a->why), "mmap: %s", strerror(errno));
			free(c);
			return -1;
		}
		if (rte_malloc_heap_create(RTE_EXT_HEAP) != 0 ||
				rte_malloc_heap_memory_add(RTE_EXT_HEAP, c->mem, c->len, NULL,
					(unsigned int)(c->len / pg), pg) != 0) {
			snprintf(a->why, sizeof(a->why), "external heap: %s",
					rte_strerror(rte_errno));
			rte_malloc_heap_destroy(RTE_EXT_HEAP);
			munmap(c->mem, c->len);
			free(c);
			return -1;
		}
		c->socket = rte_malloc_heap_get_socket(RTE_EXT_HEAP);
		c->external = true;
	} else {
		struct rte_malloc_socket_stats st;

		c->socket = (int)rte_socket_id();
		if (c->socket < 0)
			c->socket = 0;
		if (rte_malloc_get_socket_stats(c->socket, &st) == 0)
			a->base_reserved = (int64_t)st.heap_allocsz_bytes;
	}
	a->ctx = c;
	return 0;
}

static void *
rte_b_alloc(void *ctx, size_t size)
{
	return rte_malloc_socket(NULL, size, 0, ((struct rte_ctx *)ctx)->socket);
}

static void
rte_b_free(void *ctx, void *ptr)
{
	(void)ctx;
	rte_free(ptr);
}

static void
rte_b_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	struct rte_ctx *c = a->ctx;
	struct rte_malloc_socket_stats st;

	(void)live;
	(void)sizes;
	(void)n;
	if (rte_malloc_get_socket_stats(c->socket, &st) != 0)
		return;
	/* Element headers and trailers are in band: part of reserved. */
	m->reserved = (int64_t)st.heap_allocsz_bytes - (c->external ? 0 : a->base_reserved);
	m->free_bytes = (int64_t)st.heap_freesz_bytes;
	m->largest_free = (int64_t)st.greatest_free_size;
	m->extents = st.free_count;
	if (c->external)
		m->total = (int64_t)st.heap_totalsz_bytes;
}

static void
rte_b_fini(struct bench_alloc *a)
{
	struct rte_ctx *c = a->ctx;

	if (c == NULL)
		return;
	if (c->external) {
		rte_malloc_heap_memory_remove(RTE_EXT_HEAP, c->mem, c->len);
		rte_malloc_heap_destroy(RTE_EXT_HEAP);
		munmap(c->mem, c->len);
	}
	free(c);
	a->ctx = NULL;
}
#else
int
bench_dpdk_init(const char *prog, char *why, size_t whylen)
{
	(void)prog;
	snprintf(why, whylen, "built without DPDK");
	return -1;
}

const char *
bench_dpdk_memory(void)
{
	return "none";
}

void
bench_dpdk_fini(void)
{
}

static int
rte_b_init(struct bench_alloc *a, const struct bench_params *p)
{
	(void)p;
	snprintf(a->why, sizeof(a->why), "built without DPDK (libdpdk not found)");
	return -1;
}

static void *
rte_b_alloc(void *ctx, size_t size)
{
	(void)ctx;
	(void)size;
	return NULL;
}

static void
rte_b_free(void *ctx, void *ptr)
{
	(void)ctx;
	(void)ptr;
}

static void
rte_b_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	(void)a;
	(void)live;
	(void)sizes;
	(void)n;
	(void)m;
}

static void
rte_b_fini(struct bench_alloc *a)
{
	(void)a;
}
#endif

const struct bench_alloc_ops bench_rte_ops = {
	.init = rte_b_init, .alloc = rte_b_alloc, .free = rte_b_free, .mem = rte_b_mem,
	.fini = rte_b_fini,
};
