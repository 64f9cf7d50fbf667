/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

#ifndef NTA_H
#define NTA_H

/**
 * @file
 * NTA: the network tree allocator.
 *
 * An arena is a set of contiguous memory regions cut in units of
 * NTA_UNIT_SIZE bytes (32 by default). A buffer takes exactly the units it
 * needs; a freed buffer merges at once with the free neighbours on either
 * side; free extents are indexed per region in an AVL tree keyed by
 * (size, address), so an allocation is best fit, lowest address first, and
 * every search, insert and delete is O(log2 N) worst case. A per-thread cache
 * of recently freed buffers makes the common case O(1); the tree is the
 * bound, not the hot path.
 *
 * All allocator metadata lives outside the regions: nothing but buffer data
 * is ever written inside a region, so a process that maps a region can read
 * (or write) packets but never corrupt the allocator.
 *
 * The library has no DPDK dependency. Errors follow DPDK's convention: a
 * function returns NULL or -1 and sets nta_errno (a thread-local errno value,
 * like rte_errno); each function documents the codes it sets. A refused call
 * leaves the arena exactly as it was. Calls that would change an arena
 * (nta_arena_create(), nta_arena_add_memory(), nta_alloc(),
 * nta_alloc_aligned(), nta_free()) also log one line when refused, unless
 * the arena is NTA_ARENA_F_QUIET; an allocation refused for lack of memory
 * (ENOMEM) only counts in the stats, and a failure to add a region when the
 * arena grows logs one warning, then at most one a second. Queries
 * (nta_size(), nta_to_desc(), nta_from_desc(), nta_desc_check(), nta_iova(),
 * nta_region_of(), nta_region_info(), nta_region_set_iova(), nta_stats_get())
 * log nothing: nta_errno alone says why one is refused.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nta_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Allocation unit in bytes: every buffer is a whole number of units. */
#define NTA_UNIT NTA_UNIT_SIZE

/**
 * Most units one region can hold: 2^NTA_AVL_BITS, so that every start and
 * length fits the allocator's NTA_AVL_BITS-wide tree fields.
 */
#define NTA_REGION_MAX_UNITS ((uint64_t)1 << NTA_AVL_BITS)
/** Most bytes one region can hold (2 MB with 16-bit avl_t and 32 B units). */
#define NTA_REGION_MAX_BYTES (NTA_REGION_MAX_UNITS * NTA_UNIT)
/** Most regions in one arena. */
#define NTA_MAX_REGIONS 4096
/** Longest arena name, terminating NUL included. */
#define NTA_NAME_LEN 32

/** Thread-local error code of the last failed call (errno values). */
extern __thread int nta_errno;

/** Where an arena's regions come from. */
enum nta_backing {
	/** Anonymous private memory: tests and tools, not shareable. */
	NTA_BACKING_ANON = 0,
	/**
	 * Hugetlbfs files of the hugepage size (hugepage_size, else the
	 * default size libhugetlbfs reports), one per region, that never have
	 * a name (memfd_create(MFD_HUGETLB)): nothing is left in any hugetlbfs
	 * mount, even when the process dies without destroying the arena, and
	 * arenas of the same name never collide. Another process maps a region
	 * through its fd (nta_region_info()): passed over a unix socket
	 * (SCM_RIGHTS), inherited, or opened as /proc/<pid>/fd/<fd>. The fds
	 * are O_CLOEXEC and closed when the arena is destroyed.
	 */
	NTA_BACKING_HUGETLBFS,
	/** Memory given by the caller with nta_arena_add_memory(). */
	NTA_BACKING_EXTERNAL,
};

/** How to build an arena; zero means "the default" in every field. */
struct nta_arena_config {
	/**
	 * Name used in logs and in the hugetlbfs files' memfd names,
	 * nta-<name>-<pid>-<region id>, seen in /proc/<pid>/maps ("nta").
	 * Need not be unique.
	 */
	const char *name;
	/** Where regions come from (NTA_BACKING_ANON). */
	enum nta_backing backing;
	/**
	 * Bytes per ordinary region: a multiple of the backing page size and
	 * of NTA_UNIT, at most NTA_REGION_MAX_BYTES. Default: the hugepage
	 * size for hugetlbfs, 2 MB (or NTA_REGION_MAX_BYTES if smaller) for
	 * anonymous memory.
	 */
	size_t region_size;
	/** Ordinary regions created at once (1; 0 for an external arena). */
	unsigned int initial_regions;
	/**
	 * Ordinary regions the arena may grow to (64); with a jumbo region at
	 * most NTA_MAX_REGIONS - 1, else NTA_MAX_REGIONS.
	 */
	unsigned int max_regions;
	/**
	 * Bytes of the one contiguous jumbo region, for buffers larger than an
	 * ordinary region; 0: no jumbo region. At most NTA_REGION_MAX_BYTES.
	 */
	size_t jumbo_size;
	/** Hugepage size for NTA_BACKING_HUGETLBFS (libhugetlbfs default). */
	size_t hugepage_size;
	/** NTA_ARENA_F_* flags. */
	unsigned int flags;
};

/** Do not use per-thread caches: every call goes to the tree. */
#define NTA_ARENA_F_NO_CACHE 0x1
/** Do not log refused calls, arena creation included (tests provoke them). */
#define NTA_ARENA_F_QUIET 0x2

struct nta_arena;

/**
 * A buffer as it crosses a process boundary: the region it is in, its byte
 * offset from the region start, and its length in bytes.
 */
struct nta_desc {
	uint32_t region;
	uint32_t offset;
	uint32_t len;
};

/** What nta_region_info() tells about one region. */
struct nta_region_info {
	uint32_t id;            /**< Region id, as in descriptors. */
	int jumbo;              /**< 1 for the jumbo region. */
	void *base;             /**< Start of the region in this process. */
	size_t size;            /**< Bytes in the region (whole units). */
	uint64_t iova;          /**< IO address of base, or UINT64_MAX. */
	int fd;                 /**< Backing file descriptor (hugetlbfs), or -1. */
	/**
	 * Always "": region files have no name (NTA_BACKING_HUGETLBFS); share
	 * the fd. Kept so that the struct does not change.
	 */
	char path[256];
	size_t page_size;       /**< Page size of the mapping; 0 for caller memory. */
};

/** Arena statistics; a snapshot, exact when no other thread works. */
struct nta_stats {
	uint64_t bytes_total;      /**< Bytes in all regions. */
	uint64_t bytes_used;       /**< Bytes in buffers held by callers. */
	uint64_t bytes_cached;     /**< Bytes in freed buffers held by caches. */
	uint64_t bytes_free;       /**< Bytes in free extents (the trees). */
	uint64_t largest_free;     /**< Largest free extent, bytes. */
	uint64_t free_extents;     /**< Number of free extents. */
	double fragmentation;      /**< 1 - largest_free / bytes_free (0 if none). */
	uint32_t tree_height_max;  /**< Highest AVL tree of any region. */
	uint32_t regions;          /**< Regions, the jumbo one included. */
	uint64_t buffers_used;     /**< Buffers held by callers. */
	uint64_t metadata_bytes;   /**< Out-of-band bytes: bitmaps, nodes, caches. */
	uint64_t allocs;           /**< Successful allocations. */
	uint64_t frees;            /**< Successful frees. */
	uint64_t alloc_fails;      /**< Allocations refused (any reason). */
	uint64_t free_errors;      /**< Frees refused (bad pointer, double free). */
	uint64_t cache_hits;       /**< Allocations served by a cache. */
	uint64_t cache_flushes;    /**< Cache flushes to the trees. */
	uint64_t tree_allocs;      /**< Allocations served by a tree. */
	uint64_t tree_frees;       /**< Buffers returned to a tree. */
	uint64_t merges;           /**< Free neighbours merged on return. */
};

/**
 * Create an arena.
 *
 * @param cfg
 *   Settings; NULL for all defaults (anonymous memory).
 * @return
 *   The arena, or NULL with nta_errno set:
 *   - EINVAL: a setting out of range (region_size not a multiple of the
 *     unit or page size, or above NTA_REGION_MAX_BYTES, max_regions plus the
 *     jumbo region above NTA_MAX_REGIONS, jumbo_size too large, unknown backing or flag).
 *   - ENOMEM: memory for the regions or the metadata could not be had
 *     (e.g. too few free hugepages).
 *   - ENOENT: hugetlbfs backing, but no hugepage size known, or the kernel
 *     has no hugepages of that size.
 *   - EMFILE, ENFILE, EPERM: hugetlbfs backing, and no file descriptor for
 *     a region could be had (the error of memfd_create(2) or ftruncate(2)).
 */
struct nta_arena *nta_arena_create(const struct nta_arena_config *cfg);

/**
 * Destroy an arena: unmap its regions (and close their hugetlbfs files:
 * their hugepages are free once no other process maps them or holds an fd),
 * free its metadata. Buffers still allocated are lost. NULL does nothing.
 * No other thread may use the arena during or after the call.
 */
void nta_arena_destroy(struct nta_arena *arena);

/**
 * Add memory given by the caller as region(s) of an external arena. The
 * memory is cut into regions of at most the arena's region size; the arena
 * never unmaps it. All or nothing: a refused call adds no region.
 *
 * @param addr
 *   Start of the memory; aligned to NTA_UNIT.
 * @param len
 *   Length in bytes; the tail that is not a whole unit is not used. Any
 *   number of whole units is taken: the last region (or an arena's
 *   region_size) may be as small as one unit.
 * @param iova
 *   IO address of addr, or UINT64_MAX if unknown (then nta_iova() reports
 *   UINT64_MAX for buffers in it).
 * @return
 *   Id of the first region added, or -1 with nta_errno set:
 *   - EINVAL: NULL arena or addr, addr misaligned, len below one unit, the
 *     arena is not NTA_BACKING_EXTERNAL, or the memory overlaps a region.
 *   - ENOSPC: the memory needs more regions than the arena may still add
 *     (max_regions, at most NTA_MAX_REGIONS, minus the regions it has).
 *   - ENOMEM: no memory for the metadata.
 */
int nta_arena_add_memory(struct nta_arena *arena, void *addr, size_t len, uint64_t iova);

/**
 * Allocate a buffer of at least size bytes (rounded up to whole units),
 * aligned to NTA_UNIT. Best fit, lowest address first; buffers larger than
 * an ordinary region come from the jumbo region. Thread-safe.
 *
 * @return
 *   The buffer, or NULL with nta_errno set:
 *   - EINVAL: arena NULL or size 0.
 *   - E2BIG: size larger than the largest region can ever hold.
 *   - ENOMEM: no free extent large enough, and the arena cannot grow.
 */
void *nta_alloc(struct nta_arena *arena, size_t size);

/**
 * Allocate a buffer of at least size bytes whose start is aligned to align
 * (a power of two; NTA_UNIT or less gives nta_alloc()). Among the first
 * extents that fit n units it takes one whose start can be aligned, else the
 * best fit of n + align - NTA_UNIT bytes; the units skipped for alignment stay
 * free. Never served by a cache. The arena grows when a new region can
 * serve the buffer: a new region starts aligned to the region size when
 * that is a power of two (else to the backing's page size), so any align up
 * to it costs no units there.
 *
 * @return
 *   The buffer, or NULL with nta_errno set: the codes of nta_alloc(), and
 *   EINVAL when align is not a power of two or above the region size.
 */
void *nta_alloc_aligned(struct nta_arena *arena, size_t size, size_t align);

/**
 * Free a buffer. It merges at once with its free neighbours (or waits in
 * the calling thread's cache). Any thread may free any buffer. Freeing NULL
 * does nothing and returns 0.
 *
 * @return
 *   0, or -1 with nta_errno set, the arena unchanged and one line logged:
 *   - EINVAL: arena NULL, or ptr inside a region but not at the start of a
 *     buffer (interior or misaligned pointer).
 *   - EFAULT: ptr is in no region of this arena.
 *   - EALREADY: ptr is the start of a buffer that is already free (double
 *     free), or points into free memory (a buffer freed again after it
 *     merged with its neighbours, which leaves no start to recognise).
 */
int nta_free(struct nta_arena *arena, void *ptr);

/**
 * Size in bytes of the buffer that starts at ptr (whole units).
 *
 * @return
 *   The size, or 0 with nta_errno set to the codes of nta_free() when ptr is
 *   not an allocated buffer.
 */
size_t nta_size(const struct nta_arena *arena, const void *ptr);

/**
 * Return the calling thread's cached buffers to the trees (merging them).
 * Call before a thread exits for good, or to measure fragmentation.
 */
void nta_cache_flush(struct nta_arena *arena);

/**
 * Return the cached buffers of every thread to the trees. No other thread
 * may use the arena during the call.
 */
void nta_cache_flush_all(struct nta_arena *arena);

/**
 * Describe an allocated buffer as (region, offset, length).
 *
 * @param ptr
 *   Start of an allocated buffer.
 * @param len
 *   Bytes of the buffer the descriptor covers; 0 means the whole buffer.
 * @return
 *   0, or -1 with nta_errno set: the codes of nta_free(), and EINVAL when
 *   desc is NULL or len exceeds the buffer.
 */
int nta_to_desc(const struct nta_arena *arena, const void *ptr, uint32_t len,
		struct nta_desc *desc);

/**
 * Address in this process of the bytes a descriptor names, after checking
 * that they lie inside one region. It does not check that they are an
 * allocated buffer: use nta_desc_check() for descriptors from elsewhere.
 *
 * @return
 *   The address, or NULL with nta_errno set to EINVAL (NULL argument) or
 *   ERANGE (unknown region, offset or length out of the region).
 */
void *nta_from_desc(const struct nta_arena *arena, const struct nta_desc *desc);

/**
 * Check a descriptor that came from another process: its region exists,
 * its offset is the start of a buffer allocated now, and its length fits in
 * that buffer.
 *
 * @return
 *   The buffer's address, or NULL with nta_errno set: ERANGE (unknown
 *   region, offset or length out of range), EINVAL (offset not the start of
 *   a buffer), EALREADY (the buffer is free).
 */
void *nta_desc_check(const struct nta_arena *arena, const struct nta_desc *desc);

/**
 * IO address of a byte in the arena (region IO base + offset).
 *
 * @return
 *   The IO address, or UINT64_MAX when ptr is in no region or the region's
 *   IO address is unknown.
 */
uint64_t nta_iova(const struct nta_arena *arena, const void *ptr);

/**
 * Set the IO address of a region (e.g. after registering it with DPDK).
 * Safe while other threads call nta_iova(): they see the old address or the
 * new one (an atomic store with release order, read with acquire).
 *
 * @return 0, or -1 with nta_errno set to ERANGE when the region does not exist.
 */
int nta_region_set_iova(struct nta_arena *arena, uint32_t region, uint64_t iova);

/** Number of regions (the jumbo one included); 0 for a NULL arena. */
uint32_t nta_region_count(const struct nta_arena *arena);

/**
 * Describe region id. The fd in info stays the arena's (closed by
 * nta_arena_destroy()): dup() it to keep it longer.
 *
 * @return 0, or -1 with nta_errno set to ERANGE (no such region) or EINVAL.
 */
int nta_region_info(const struct nta_arena *arena, uint32_t id, struct nta_region_info *info);

/**
 * Id of the region that holds ptr.
 *
 * @return The id, or -1 with nta_errno set to EFAULT.
 */
int nta_region_of(const struct nta_arena *arena, const void *ptr);

/**
 * Fill stats. Exact when no other thread uses the arena, a consistent
 * snapshot of the trees otherwise (caches are read without stopping them).
 *
 * @return 0, or -1 with nta_errno set to EINVAL (NULL argument).
 */
int nta_stats_get(struct nta_arena *arena, struct nta_stats *stats);

/**
 * Print stats and, when verbose, every region (its base, its file's fd for
 * hugetlbfs, its free extents).
 */
void nta_dump(FILE *f, struct nta_arena *arena, int verbose);

/** State of a run of units in a region map (nta_region_map()). */
enum nta_unit_state {
	NTA_UNITS_USED = 0,     /**< Held by callers. */
	NTA_UNITS_CACHED = 1,   /**< Freed, waiting in a thread's cache. */
	NTA_UNITS_FREE = 2,     /**< In a free extent of the region's tree. */
};

/**
 * Consecutive units of one region in one state: adjacent blocks of the
 * same state (two used buffers side by side, say) make one run.
 */
struct nta_run {
	uint64_t start;               /**< First unit. */
	uint64_t units;               /**< Units in the run (at least 1). */
	enum nta_unit_state state;
};

/** A whole region's figures, as nta_region_map() found them. */
struct nta_region_map {
	uint64_t units;          /**< Units in the region. */
	uint64_t used;           /**< Units held by callers. */
	uint64_t cached;         /**< Units in cached blocks. */
	uint64_t free;           /**< Units in free extents. */
	uint64_t largest_start;  /**< First unit of the largest free extent (lowest one). */
	uint64_t largest_units;  /**< Units of the largest free extent; 0: none. */
	uint64_t runs;           /**< Runs in the whole region. */
	uint64_t next;           /**< First unit after the runs written; units: map complete. */
	uint32_t written;        /**< Runs written to the caller's array. */
};

/**
 * Map of region id as runs, in address order: the region's figures in
 * *map, and into runs[] at most max_runs runs from unit from on (a run that
 * starts before from is cut at from). To read a map in pieces, call again
 * with from = map->next until map->next == map->units.
 *
 * Holds the arena lock for one walk of the region's blocks, O(blocks). Safe
 * while other threads use the arena: the map is then a snapshot in which a
 * buffer that a cache hands out or takes back during the walk may show as
 * used or as cached.
 *
 * @return
 *   0, or -1 with nta_errno set: EINVAL (arena or map NULL, or runs NULL
 *   with max_runs > 0), ERANGE (no region id, or from beyond its units).
 */
int nta_region_map(struct nta_arena *arena, uint32_t id, uint64_t from, struct nta_run *runs,
		uint32_t max_runs, struct nta_region_map *map);

/**
 * Write the map of every region of the arena to f as one JSON document, the
 * dump that the nta-map tool draws:
 *
 *     {"format": "nta-map", "version": 1, "arenas": [{"name": "...",
 *      "unit": 32, "regions": [{"id": 0, "jumbo": 0, "units": 65536,
 *      "used": U, "cached": C, "free": F, "largest_start": S,
 *      "largest_units": L, "runs": "u12 f3 c1 ..."}, ...]}]}
 *
 * "runs" lists the runs in address order, each as its state (u: used,
 * c: cached, f: free) and its units. Takes the arena lock once per region.
 *
 * @return
 *   0, or -1 with nta_errno set: EINVAL (NULL argument), EIO (writing to f
 *   failed).
 */
int nta_dump_map(FILE *f, struct nta_arena *arena);

/**
 * Check every invariant of the arena (each region's units add up; every
 * free extent is in its tree exactly once; tree order, parent links,
 * heights and AVL balance; no two adjacent free extents; every cached
 * buffer is a buffer held by exactly one cache; counters agree) and return
 * the number of violations, printing each to the log. No other thread may
 * use the arena during the call.
 *
 * @return 0 when the arena is sound, the number of violations otherwise,
 *   or -1 with nta_errno = EINVAL for a NULL arena.
 */
int nta_verify(struct nta_arena *arena);

/**
 * Log function for refused calls and violations; NULL restores the default
 * (one line on stderr). Process-wide.
 */
void nta_set_log(void (*fn)(int level, const char *msg));

/**
 * The log function set with nta_set_log(), or NULL when the default (stderr)
 * is in use. A component that wants to bridge the library's messages (the
 * mempool driver does) installs its own only when this returns NULL, so that
 * an application's choice stands.
 */
void (*nta_get_log(void))(int level, const char *msg);

/** Log levels passed to the log function. */
#define NTA_LOG_ERR 3
#define NTA_LOG_WARNING 4
#define NTA_LOG_INFO 6
#define NTA_LOG_DEBUG 7

/** Short text for an nta_errno value. */
const char *nta_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* NTA_H */
