/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The allocators of nta-bench behind one interface: NTA (with and without
 * per-thread caches), glibc malloc, jemalloc, mimalloc, rte_malloc and the
 * power-of-two buddy allocator of bench_buddy.c.
 *
 * jemalloc and mimalloc: Debian's libjemalloc.so.2 and libmimalloc.so.2
 * both export the unprefixed malloc/free (checked with nm -D: jemalloc has
 * no je_ symbols, mimalloc exports malloc next to mi_malloc). Linking either
 * one would therefore replace malloc for the whole process, glibc row, NTA's
 * metadata and DPDK included, and the glibc figures would be jemalloc's. So
 * neither is linked: both are loaded at run time with
 * dlopen(RTLD_LOCAL | RTLD_DEEPBIND) and called through dlsym'ed pointers
 * (jemalloc's own malloc/free/malloc_usable_size/mallctl, mimalloc's
 * mi_malloc/mi_free/mi_usable_size). RTLD_LOCAL keeps their malloc out of
 * the global symbol scope, RTLD_DEEPBIND makes each library bind its own
 * internal references to itself, so each is a private heap next to glibc's.
 *
 * Both libraries are built with the initial-exec TLS model (DF_STATIC_TLS).
 * glibc's surplus of static TLS is too small for jemalloc when it is
 * dlopen'ed ("cannot allocate memory in static TLS block"); the standard
 * cure is the tunable glibc.rtld.optional_static_tls, which glibc reads only
 * at start-up. bench_rivals_load() therefore re-executes the program once
 * with that tunable added to GLIBC_TUNABLES when (and only when) the first
 * dlopen fails for that reason. This is the same process image, arguments and
 * seed, so the traces stay identical.
 */

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <nta.h>

#ifdef BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#endif

#include "bench.h"

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_UNDER_ASAN 1
#endif
#endif

#define BENCH_REEXEC_ENV "NTA_BENCH_REEXEC"
#define BENCH_STATIC_TLS "glibc.rtld.optional_static_tls=65536"

/* ---- jemalloc and mimalloc, loaded with dlopen ---------------------- */

struct rival_lib {
	const char *soname;
	const char *sym_malloc;
	const char *sym_free;
	const char *sym_usable;
	void *handle;
	void *(*malloc)(size_t);
	void (*free)(void *);
	size_t (*usable)(void *);
	int (*mallctl)(const char *, void *, size_t *, void *, size_t); /* jemalloc */
	char why[160];
};

static struct rival_lib je_lib = {
	.soname = "libjemalloc.so.2",
	.sym_malloc = "malloc",
	.sym_free = "free",
	.sym_usable = "malloc_usable_size",
};

static struct rival_lib mi_lib = {
	.soname = "libmimalloc.so.2",
	.sym_malloc = "mi_malloc",
	.sym_free = "mi_free",
	.sym_usable = "mi_usable_size",
};

static int
rival_open(struct rival_lib *l)
{
	const char *err;

	l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (l->handle == NULL) {
		err = dlerror();
		snprintf(l->why, sizeof(l->why), "%s", err != NULL ? err : "dlopen failed");
		return -1;
	}
	/* dlsym returns void *; POSIX guarantees the conversion works. */
	*(void **)&l->malloc = dlsym(l->handle, l->sym_malloc);
	*(void **)&l->free = dlsym(l->handle, l->sym_free);
	*(void **)&l->usable = dlsym(l->handle, l->sym_usable);
	*(void **)&l->mallctl = dlsym(l->handle, "mallctl");
	if (l->malloc == NULL || l->free == NULL) {
		snprintf(l->why, sizeof(l->why), "%s: no %s/%s", l->soname, l->sym_malloc,
				l->sym_free);
		dlclose(l->handle);
		l->handle = NULL;
		return -1;
	}
	return 0;
}

void
bench_rivals_load(int argc, char **argv, bool want_je, bool want_mi)
{
	(void)argc;
#ifdef BENCH_UNDER_ASAN
	/*
	 * AddressSanitizer refuses RTLD_DEEPBIND (and owns malloc anyway):
	 * no rival heaps in a sanitizer build, whose timings mean nothing.
	 */
	snprintf(je_lib.why, sizeof(je_lib.why), "not under AddressSanitizer");
	snprintf(mi_lib.why, sizeof(mi_lib.why), "not under AddressSanitizer");
	(void)argv;
	(void)want_je;
	(void)want_mi;
	return;
#endif
#ifdef BENCH_HAVE_JEMALLOC
	if (!want_je)
		snprintf(je_lib.why, sizeof(je_lib.why), "not selected (--alloc)");
	else if (rival_open(&je_lib) != 0 && strstr(je_lib.why, "static TLS") != NULL &&
			getenv(BENCH_REEXEC_ENV) == NULL) {
		/* See the comment at the top of the file. */
		const char *old = getenv("GLIBC_TUNABLES");
		char buf[1024];

		if (old != NULL && old[0] != '\0')
			snprintf(buf, sizeof(buf), "%s:%s", old, BENCH_STATIC_TLS);
		else
			snprintf(buf, sizeof(buf), "%s", BENCH_STATIC_TLS);
		setenv("GLIBC_TUNABLES", buf, 1);
		setenv(BENCH_REEXEC_ENV, "1", 1);
		fflush(NULL);
		/*
		 * argv[0] first (under valgrind /proc/self/exe is the tool,
		 * not us), then /proc/self/exe when argv[0] is not runnable.
		 */
		execvp(argv[0], argv);
		execv("/proc/self/exe", argv);
		/* exec failed: go on without jemalloc. */
		snprintf(je_lib.why, sizeof(je_lib.why), "re-exec for static TLS failed: %s",
				strerror(errno));
	}
#else
	(void)want_je;
	snprintf(je_lib.why, sizeof(je_lib.why), "not found at build time (libjemalloc-dev)");
#endif
#ifdef BENCH_HAVE_MIMALLOC
	if (want_mi)
		rival_open(&mi_lib);
	else
		snprintf(mi_lib.why, sizeof(mi_lib.why), "not selected (--alloc)");
#else
	(void)want_mi;
	snprintf(mi_lib.why, sizeof(mi_lib.why), "not found at build time (libmimalloc-dev)");
	(void)argv;
#endif
}

static int
rival_init(struct bench_alloc *a, struct rival_lib *l)
{
	if (l->handle == NULL) {
		snprintf(a->why, sizeof(a->why), "%s", l->why);
		return -1;
	}
	a->ctx = l;
	return 0;
}

static void *
rival_alloc(void *ctx, size_t size)
{
	return ((struct rival_lib *)ctx)->malloc(size);
}

static void
rival_free(void *ctx, void *ptr)
{
	((struct rival_lib *)ctx)->free(ptr);
}

static void
rival_fini(struct bench_alloc *a)
{
	a->ctx = NULL; /* the library stays loaded: its heap may be reused */
}

static int64_t
je_stat(struct rival_lib *l, const char *name)
{
	uint64_t epoch = 1;
	size_t val, len = sizeof(epoch);

	if (l->mallctl == NULL)
		return -1;
	l->mallctl("epoch", &epoch, &len, &epoch, len);
	len = sizeof(val);
	if (l->mallctl(name, &val, &len, NULL, 0) != 0)
		return -1;
	return (int64_t)val;
}

static int
je_init(struct bench_alloc *a, const struct bench_params *p)
{
	(void)p;
	if (rival_init(a, &je_lib) != 0)
		return -1;
	a->base_reserved = je_stat(&je_lib, "stats.allocated");
	a->base_metadata = je_stat(&je_lib, "stats.metadata");
	return 0;
}

static void
je_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	int64_t alloc = je_stat(&je_lib, "stats.allocated");
	int64_t meta = je_stat(&je_lib, "stats.metadata");
	int64_t active = je_stat(&je_lib, "stats.active");

	(void)live;
	(void)sizes;
	(void)n;
	if (alloc >= 0 && a->base_reserved >= 0)
		m->reserved = alloc - a->base_reserved;
	if (meta >= 0 && a->base_metadata >= 0)
		m->metadata = meta - a->base_metadata;
	if (active >= 0 && alloc >= 0)
		m->free_bytes = active - alloc;
}

static int
mi_init(struct bench_alloc *a, const struct bench_params *p)
{
	(void)p;
	return rival_init(a, &mi_lib);
}

static void
mi_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	int64_t sum = 0;
	size_t i;

	(void)a;
	(void)sizes;
	if (mi_lib.usable == NULL)
		return;
	for (i = 0; i < n; i++)
		if (live[i] != NULL)
			sum += (int64_t)mi_lib.usable(live[i]);
	m->reserved = sum;
}

static const struct bench_alloc_ops je_ops = {
	.init = je_init, .alloc = rival_alloc, .free = rival_free, .mem = je_mem,
	.fini = rival_fini,
};

static const struct bench_alloc_ops mi_ops = {
	.init = mi_init, .alloc = rival_alloc, .free = rival_free, .mem = mi_mem,
	.fini = rival_fini,
};

/* ---- glibc malloc --------------------------------------------------- */

static int
glibc_init(struct bench_alloc *a, const struct bench_params *p)
{
	(void)p;
	malloc_trim(0);
	a->base_reserved = (int64_t)mallinfo2().uordblks;
	return 0;
}

static void *
glibc_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void
glibc_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

static void
glibc_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	struct mallinfo2 mi = mallinfo2();

	(void)live;
	(void)sizes;
	(void)n;
	m->reserved = (int64_t)mi.uordblks - a->base_reserved;
	m->free_bytes = (int64_t)mi.fordblks;
	m->extents = (int64_t)mi.ordblks;
}

static void
glibc_fini(struct bench_alloc *a)
{
	(void)a;
	malloc_trim(0);
}

static const struct bench_alloc_ops glibc_ops = {
	.init = glibc_init, .alloc = glibc_alloc, .free = glibc_free, .mem = glibc_mem,
	.fini = glibc_fini,
};

/* ---- NTA ------------------------------------------------------------ */

struct nta_ctx {
	struct nta_arena *arena;
};

static bool bench_hugetlbfs;

static int
nta_init_flags(struct bench_alloc *a, const struct bench_params *p, unsigned int flags)
{
	struct nta_arena_config cfg;
	size_t region = NTA_REGION_MAX_BYTES < (2u << 20) ? NTA_REGION_MAX_BYTES : (2u << 20);
	size_t regions, max_regions;
	struct nta_ctx *c;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "nta-bench";
	cfg.backing = bench_hugetlbfs ? NTA_BACKING_HUGETLBFS : NTA_BACKING_ANON;
	cfg.flags = flags;
	if (p->fixed) {
		/* Exactly capacity bytes: whole regions of at most 2 MB. */
		if (p->capacity < region)
			region = p->capacity;
		regions = p->capacity / region;
		cfg.flags |= NTA_ARENA_F_QUIET; /* a full arena refuses on purpose */
		max_regions = regions;
	} else {
		/*
		 * Sized to fit: regions for the expected live set plus a
		 * quarter (caches, fragmentation) made at once, so that the
		 * timed runs never grow the arena; room to grow up to the
		 * worst case (every buffer of the largest size) all the same.
		 */
		regions = (p->expected + p->expected / 4 + region - 1) / region + 1;
		max_regions = (p->capacity + region - 1) / region + 2;
		if (max_regions < regions)
			max_regions = regions;
	}
	if (max_regions > NTA_MAX_REGIONS) {
		snprintf(a->why, sizeof(a->why), "needs %zu regions, NTA_MAX_REGIONS is %d",
				max_regions, NTA_MAX_REGIONS);
		return -1;
	}
	cfg.region_size = region;
	cfg.initial_regions = (unsigned int)regions;
	cfg.max_regions = (unsigned int)max_regions;
	if (p->max_size > region)
		cfg.jumbo_size = (p->max_size + region - 1) / region * region;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(a->why, sizeof(a->why), "out of memory");
		return -1;
	}
	c->arena = nta_arena_create(&cfg);
	if (c->arena == NULL) {
		snprintf(a->why, sizeof(a->why), "nta_arena_create: %s",
				nta_strerror(nta_errno));
		free(c);
		return -1;
	}
	a->ctx = c;
	return 0;
}

static int
nta_init_cached(struct bench_alloc *a, const struct bench_params *p)
{
	return nta_init_flags(a, p, 0);
}

static int
nta_init_nocache(struct bench_alloc *a, const struct bench_params *p)
{
	return nta_init_flags(a, p, NTA_ARENA_F_NO_CACHE);
}

static void *
nta_b_alloc(void *ctx, size_t size)
{
	return nta_alloc(((struct nta_ctx *)ctx)->arena, size);
}

static void
nta_b_free(void *ctx, void *ptr)
{
	nta_free(((struct nta_ctx *)ctx)->arena, ptr);
}

static void
nta_b_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	struct nta_ctx *c = a->ctx;
	struct nta_stats st;
	void *big;

	(void)live;
	(void)sizes;
	(void)n;
	if (nta_stats_get(c->arena, &st) != 0)
		return;
	/* Freed buffers in a cache are still taken from the arena. */
	m->reserved = (int64_t)(st.bytes_used + st.bytes_cached);
	m->in_use = (int64_t)st.bytes_used;
	m->metadata = (int64_t)st.metadata_bytes;
	m->total = (int64_t)st.bytes_total;
	/* Free space as the trees see it: caches returned first. */
	nta_cache_flush(c->arena);
	if (nta_stats_get(c->arena, &st) != 0)
		return;
	m->free_bytes = (int64_t)st.bytes_free;
	m->largest_free = (int64_t)st.largest_free;
	m->extents = (int64_t)st.free_extents;
	m->largest_ok = 0;
	if (st.largest_free > 0) {
		big = nta_alloc(c->arena, st.largest_free);
		if (big != NULL) {
			m->largest_ok = 1;
			nta_free(c->arena, big);
			nta_cache_flush(c->arena);
		}
	}
}

static void
nta_b_fini(struct bench_alloc *a)
{
	struct nta_ctx *c = a->ctx;

	if (c == NULL)
		return;
	nta_arena_destroy(c->arena);
	free(c);
	a->ctx = NULL;
}

static const struct bench_alloc_ops nta_ops = {
	.init = nta_init_cached, .alloc = nta_b_alloc, .free = nta_b_free, .mem = nta_b_mem,
	.fini = nta_b_fini,
};

static const struct bench_alloc_ops nta_nocache_ops = {
	.init = nta_init_nocache, .alloc = nta_b_alloc, .free = nta_b_free, .mem = nta_b_mem,
	.fini = nta_b_fini,
};

/* ---- power-of-two buddy --------------------------------------------- */

static int
pow2_init(struct bench_alloc *a, const struct bench_params *p)
{
	/* Sized to fit: every buffer may double, plus the same again. */
	size_t bytes = p->fixed ? p->capacity : p->capacity * 4;

	a->ctx = buddy_create(bytes);
	if (a->ctx == NULL) {
		snprintf(a->why, sizeof(a->why), "buddy_create(%zu): %s", bytes,
				strerror(errno));
		return -1;
	}
	return 0;
}

static void *
pow2_alloc(void *ctx, size_t size)
{
	return buddy_alloc(ctx, size);
}

static void
pow2_free(void *ctx, void *ptr)
{
	buddy_free(ctx, ptr);
}

static void
pow2_mem(struct bench_alloc *a, void *const *live, const uint32_t *sizes, size_t n,
		struct bench_mem *m)
{
	struct buddy *b = a->ctx;
	void *big;

	(void)live;
	(void)sizes;
	(void)n;
	m->reserved = (int64_t)buddy_reserved(b);
	m->metadata = (int64_t)buddy_metadata(b);
	m->total = (int64_t)buddy_size(b);
	m->free_bytes = (int64_t)buddy_free_bytes(b);
	m->largest_free = (int64_t)buddy_largest_free(b);
	m->extents = (int64_t)buddy_free_blocks(b);
	m->largest_ok = 0;
	if (m->largest_free > 0) {
		big = buddy_alloc(b, (size_t)m->largest_free);
		if (big != NULL) {
			m->largest_ok = 1;
			buddy_free(b, big);
		}
	}
}

static void
pow2_fini(struct bench_alloc *a)
{
	buddy_destroy(a->ctx);
	a->ctx = NULL;
}

static const struct bench_alloc_ops pow2_ops = {
	.init = pow2_init, .alloc = pow2_alloc, .free = pow2_free, .mem = pow2_mem,
	.fini = pow2_fini,
};

/* ---- rte_malloc ----------------------------------------------------- */

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

static const struct bench_alloc_ops rte_ops = {
	.init = rte_b_init, .alloc = rte_b_alloc, .free = rte_b_free, .mem = rte_b_mem,
	.fini = rte_b_fini,
};

void
bench_allocs_setup(struct bench_alloc a[BA_COUNT], bool hugetlbfs)
{
	memset(a, 0, sizeof(*a) * BA_COUNT);
	bench_hugetlbfs = hugetlbfs;
	a[BA_NTA] = (struct bench_alloc){ .name = "NTA", .ops = &nta_ops,
		.mem_note = "nta_stats: bytes_used + bytes_cached (freed buffers in the "
			"per-thread cache are still taken)" };
	a[BA_NTA_NOCACHE] = (struct bench_alloc){ .name = "NTA no-cache",
		.ops = &nta_nocache_ops,
		.mem_note = "nta_stats: bytes_used + bytes_cached (tree path, no cache)" };
	a[BA_GLIBC] = (struct bench_alloc){ .name = "glibc malloc", .ops = &glibc_ops,
		.mem_note = "mallinfo2().uordblks delta (chunk headers included)" };
	a[BA_JEMALLOC] = (struct bench_alloc){ .name = "jemalloc", .ops = &je_ops,
		.mem_note = "mallctl stats.allocated delta (size classes; metadata = "
			"stats.metadata delta)" };
	a[BA_MIMALLOC] = (struct bench_alloc){ .name = "mimalloc", .ops = &mi_ops,
		.mem_note = "sum of mi_usable_size() over live buffers (size classes)" };
	a[BA_RTE] = (struct bench_alloc){ .name = "rte_malloc", .ops = &rte_ops,
		.mem_note = "rte_malloc_get_socket_stats: heap_allocsz_bytes delta "
			"(measured; 128 B element header/trailer and 64 B rounding in band)" };
	a[BA_POW2] = (struct bench_alloc){ .name = "pow2 buddy", .ops = &pow2_ops,
		.mem_note = "sum of power-of-two blocks (exact; metadata = 1 B per 64 B "
			"granule)" };
}
