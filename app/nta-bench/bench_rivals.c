/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * The allocators of nta-bench behind one interface, and their table
 * (bench_allocs_setup). Here glibc malloc, jemalloc, mimalloc and the
 * power-of-two buddy allocator of bench_buddy.c; NTA is in bench_nta.c,
 * rte_malloc in bench_rte.c.
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
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---- power-of-two buddy (bench_buddy.c) ----------------------------- */

/*
 * Here, not in bench_buddy.c: called through the ops table like every
 * other allocator, not inlined into buddy_alloc's own file.
 */

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

/*
 * The buddy's map in nta_dump_map()'s format, so that nta-map draws it
 * beside NTA's at the same scale: units of 32 B (NTA's unit; the buddy's
 * blocks are multiples of 64 B), the buffer cut into regions of 2 MB like
 * the bench's NTA arenas, runs u (allocated blocks, internal waste
 * included) and f (free blocks). A region's largest free extent is its
 * largest free block: neighbouring free blocks that are not buddies never
 * serve one request together.
 */
#define POW2_MAP_UNIT 32
#define POW2_MAP_REGION ((size_t)2 << 20)

struct pow2_map {
	FILE *f;
	FILE *runs;             /* the current region's "runs" text */
	char *text;             /* open_memstream's buffer of runs */
	size_t text_len;
	size_t region;          /* bytes per region */
	uint32_t id;            /* the current region */
	uint64_t used, free;    /* its units so far */
	uint64_t largest_start, largest_units;
	char run_state;         /* 'u' or 'f' of the open run; 0: none */
	uint64_t run_units;
};

static void
pow2_map_flush_run(struct pow2_map *w)
{
	if (w->run_state != 0)
		fprintf(w->runs, "%c%" PRIu64 " ", w->run_state, w->run_units);
	w->run_state = 0;
	w->run_units = 0;
}

/* Close region w->id: its JSON object on w->f. 0, or -1 when writing failed. */
static int
pow2_map_region_end(struct pow2_map *w)
{
	pow2_map_flush_run(w);
	if (fflush(w->runs) != 0)
		return -1;
	fprintf(w->f, "%s{\"id\": %u, \"jumbo\": 0, \"units\": %zu, \"used\": %" PRIu64
			", \"cached\": 0, \"free\": %" PRIu64 ", \"largest_start\": %" PRIu64
			", \"largest_units\": %" PRIu64 ", \"runs\": \"%.*s\"}",
			w->id == 0 ? "" : ", ", w->id, w->region / POW2_MAP_UNIT, w->used, w->free,
			w->largest_start, w->largest_units,
			(int)(w->text_len > 0 ? w->text_len - 1 : 0), w->text);
	if (fseek(w->runs, 0, SEEK_SET) != 0)
		return -1;
	w->id++;
	w->used = w->free = w->largest_start = w->largest_units = 0;
	return ferror(w->f) ? -1 : 0;
}

/* buddy_walk's callback: one block, cut at the region boundaries. */
static int
pow2_map_block(void *arg, size_t off, size_t bytes, bool used)
{
	struct pow2_map *w = arg;
	char state = used ? 'u' : 'f';

	while (bytes > 0) {
		size_t end = (off / w->region + 1) * w->region;
		size_t n = bytes < end - off ? bytes : end - off;
		uint64_t units = n / POW2_MAP_UNIT;

		if (used) {
			w->used += units;
		} else {
			w->free += units;
			if (units > w->largest_units) {
				w->largest_units = units;
				w->largest_start = (off % w->region) / POW2_MAP_UNIT;
			}
		}
		if (w->run_state != state)
			pow2_map_flush_run(w);
		w->run_state = state;
		w->run_units += units;
		off += n;
		bytes -= n;
		if (off == end && pow2_map_region_end(w) != 0)
			return -1;
	}
	return 0;
}

static int
pow2_map(struct bench_alloc *a, FILE *f)
{
	struct buddy *b = a->ctx;
	struct pow2_map w = { .f = f };
	int rc;

	w.region = buddy_size(b) < POW2_MAP_REGION ? buddy_size(b) : POW2_MAP_REGION;
	w.runs = open_memstream(&w.text, &w.text_len);
	if (w.runs == NULL) {
		snprintf(a->why, sizeof(a->why), "open_memstream: %s", strerror(errno));
		return -1;
	}
	fprintf(f, "{\"format\": \"nta-map\", \"version\": 1, \"arenas\": [{\"name\": \"%s\", "
			"\"unit\": %d, \"regions\": [", a->name, POW2_MAP_UNIT);
	rc = buddy_walk(b, pow2_map_block, &w);
	fclose(w.runs);
	free(w.text);
	fprintf(f, "]}]}\n");
	if (rc != 0 || ferror(f)) {
		snprintf(a->why, sizeof(a->why), "writing the map failed");
		return -1;
	}
	return 0;
}

static const struct bench_alloc_ops pow2_ops = {
	.init = pow2_init, .alloc = pow2_alloc, .free = pow2_free, .mem = pow2_mem,
	.fini = pow2_fini, .map = pow2_map,
};

void
bench_allocs_setup(struct bench_alloc a[BA_COUNT], bool hugetlbfs)
{
	memset(a, 0, sizeof(*a) * BA_COUNT);
	bench_nta_set_hugetlbfs(hugetlbfs);
	a[BA_NTA] = (struct bench_alloc){ .name = "NTA", .ops = &bench_nta_ops,
		.mem_note = "nta_stats: bytes_used + bytes_cached (freed buffers in the "
			"per-thread cache are still taken)" };
	a[BA_NTA_NOCACHE] = (struct bench_alloc){ .name = "NTA no-cache",
		.ops = &bench_nta_nocache_ops,
		.mem_note = "nta_stats: bytes_used + bytes_cached (tree path, no cache)" };
	a[BA_GLIBC] = (struct bench_alloc){ .name = "glibc malloc", .ops = &glibc_ops,
		.mem_note = "mallinfo2().uordblks delta (chunk headers included)" };
	a[BA_JEMALLOC] = (struct bench_alloc){ .name = "jemalloc", .ops = &je_ops,
		.mem_note = "mallctl stats.allocated delta (size classes; metadata = "
			"stats.metadata delta)" };
	a[BA_MIMALLOC] = (struct bench_alloc){ .name = "mimalloc", .ops = &mi_ops,
		.mem_note = "sum of mi_usable_size() over live buffers (size classes)" };
	a[BA_RTE] = (struct bench_alloc){ .name = "rte_malloc", .ops = &bench_rte_ops,
		.mem_note = "rte_malloc_get_socket_stats: heap_allocsz_bytes delta "
			"(measured; 128 B element header/trailer and 64 B rounding in band)" };
	a[BA_POW2] = (struct bench_alloc){ .name = "pow2 buddy", .ops = &pow2_ops,
		.mem_note = "sum of power-of-two blocks (exact; metadata = 1 B per 64 B "
			"granule)" };
}

int
bench_alloc_init(struct bench_alloc *a, const struct bench_params *p, char *why, size_t whylen)
{
	a->why[0] = '\0';
	a->base_reserved = a->base_metadata = -1;
	if (a->ops->init(a, p) != 0) {
		snprintf(why, whylen, "%s", a->why);
		return -1;
	}
	return 0;
}
