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

#endif /* NTA_BENCH_H */
