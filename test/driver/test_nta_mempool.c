/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Unit tests of the mempool driver 'nta' on DPDK's public API.
 *
 * Usage: test_nta_mempool [EAL options] [-- test-name...]
 * Run with at least two lcores (-l 0-1), --in-memory --no-pci. Exit status
 * 0 when every test passed, 1 otherwise. Each check that fails prints one
 * line with its file and line.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include <nta.h>
#include <rte_mempool_nta.h>

#include "drv_check.h"

unsigned int failures;
unsigned int checks;

static struct rte_mempool *
make_pool(const char *name, unsigned int n, unsigned int elt_size, unsigned int cache,
		unsigned int flags)
{
	struct rte_mempool *mp;
	int ret;

	mp = rte_mempool_create_empty(name, n, elt_size, cache, 0, SOCKET_ID_ANY, flags);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, "nta", NULL);
	if (ret == 0) {
		ret = rte_mempool_populate_default(mp);
		ret = ret < 0 ? ret : 0;
	}
	if (ret != 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	return mp;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Take every object one by one, check placement, counts, then give back. */
static void
test_sizes(void)
{
	static const unsigned int sizes[] = { 1, 64, 100, 1000, 2176, 9000, 70000, 1 << 20 };
	unsigned int s;

	for (s = 0; s < RTE_DIM(sizes); s++) {
		unsigned int n = sizes[s] >= 70000 ? 40 : 1000;
		struct rte_mempool *mp;
		struct nta_stats st;
		struct nta_arena *arena;
		uintptr_t *addr;
		void **objs;
		size_t total;
		unsigned int i, overlaps = 0, misaligned = 0, outside = 0;
		void *extra;
		char name[32];

		snprintf(name, sizeof(name), "sz%u", sizes[s]);
		mp = make_pool(name, n, sizes[s], 0, 0);
		CHECK(mp != NULL, "pool of %u x %u bytes: %s", n, sizes[s], rte_strerror(rte_errno));
		if (mp == NULL)
			continue;
		total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
		CHECK(rte_mempool_avail_count(mp) == n, "avail %u", rte_mempool_avail_count(mp));
		arena = rte_nta_mempool_arena(mp);
		CHECK(arena != NULL, "arena of %s", name);
		objs = calloc(n, sizeof(*objs));
		addr = calloc(n, sizeof(*addr));
		for (i = 0; i < n; i++) {
			CHECK(rte_mempool_get(mp, &objs[i]) == 0, "get %u of %u", i, n);
			CHECK(rte_mempool_avail_count(mp) == n - i - 1, "avail after %u gets", i + 1);
			addr[i] = (uintptr_t)objs[i] - mp->header_size;
			if ((uintptr_t)objs[i] % RTE_MEMPOOL_ALIGN != 0)
				misaligned++;
			if (arena != NULL && nta_size(arena, (void *)addr[i]) < total)
				outside++;
		}
		CHECK(rte_mempool_get(mp, &extra) != 0, "get from an empty pool of %u", sizes[s]);
		CHECK(rte_mempool_avail_count(mp) == 0, "avail of an empty pool");
		qsort(addr, n, sizeof(*addr), cmp_ptr);
		for (i = 0; i + 1 < n; i++)
			if (addr[i] + total > addr[i + 1])
				overlaps++;
		CHECK(overlaps == 0, "%u overlapping objects of %zu bytes", overlaps, total);
		CHECK(misaligned == 0, "%u objects not aligned to %u", misaligned, RTE_MEMPOOL_ALIGN);
		CHECK(outside == 0, "%u objects not allocated in the arena", outside);
		if (arena != NULL && nta_stats_get(arena, &st) == 0)
			CHECK(st.buffers_used == n && st.bytes_used >= n * total,
				"arena holds %" PRIu64 " buffers, %" PRIu64 " bytes", st.buffers_used,
				st.bytes_used);
		/* Give back in bulks of 7 (and the rest), counting after each. */
		for (i = 0; i < n; ) {
			unsigned int k = RTE_MIN(7u, n - i);

			rte_mempool_put_bulk(mp, &objs[i], k);
			i += k;
			CHECK(rte_mempool_avail_count(mp) == i, "avail %u after %u puts",
				rte_mempool_avail_count(mp), i);
		}
		rte_mempool_audit(mp);
		/* Bulk gets of 32: all or nothing. */
		for (i = 0; i + 32 <= n; i += 32) {
			CHECK(rte_mempool_get_bulk(mp, &objs[i], 32) == 0, "bulk get at %u", i);
			CHECK(rte_mempool_avail_count(mp) == n - i - 32, "avail after bulk get");
		}
		if (n - i > 0) {
			CHECK(rte_mempool_get_bulk(mp, &objs[i], 32) != 0, "bulk get past the end");
			CHECK(rte_mempool_avail_count(mp) == n - i, "failed bulk get changed count");
		}
		rte_mempool_put_bulk(mp, objs, i);
		CHECK(rte_mempool_avail_count(mp) == n, "avail after bulk put");
		rte_mempool_audit(mp);
		rte_mempool_free(mp);
		free(objs);
		free(addr);
	}
}

/* The mempool cache on top of the ops. */
static void
test_cache(void)
{
	struct rte_mempool *mp = make_pool("cached", 4096, 256, 64, 0);
	void *objs[512];
	unsigned int i;

	CHECK(mp != NULL, "pool with cache: %s", rte_strerror(rte_errno));
	if (mp == NULL)
		return;
	for (i = 0; i < 16; i++) {
		CHECK(rte_mempool_get_bulk(mp, &objs[i * 32], 32) == 0, "cached bulk get %u", i);
		CHECK(rte_mempool_avail_count(mp) == 4096 - (i + 1) * 32, "cached count");
	}
	rte_mempool_put_bulk(mp, objs, 512);
	CHECK(rte_mempool_avail_count(mp) == 4096, "cached count after put");
	rte_mempool_audit(mp);
	rte_mempool_free(mp);
}

/* ---- Two lcores at once. */

struct mt_arg {
	struct rte_mempool *mp;
	unsigned int iters;
	unsigned int bulk;
	unsigned int errors;
	unsigned int fails;
};

/* Each object holds a token: 0 when free, the holder's id + 1 when taken. */
static int
mt_worker(void *a)
{
	struct mt_arg *arg = a;
	uint32_t me = rte_lcore_id() + 1;
	void *objs[64];
	unsigned int it, i;

	for (it = 0; it < arg->iters; it++) {
		unsigned int k = 1 + (it % arg->bulk);

		if (rte_mempool_get_bulk(arg->mp, objs, k) != 0) {
			arg->fails++;
			continue;
		}
		for (i = 0; i < k; i++) {
			uint32_t zero = 0;

			if (!__atomic_compare_exchange_n((uint32_t *)objs[i], &zero, me, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				arg->errors++;
		}
		for (i = 0; i < k; i++)
			__atomic_store_n((uint32_t *)objs[i], 0, __ATOMIC_RELEASE);
		rte_mempool_put_bulk(arg->mp, objs, k);
	}
	return 0;
}

static void
test_two_lcores(unsigned int cache)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct mt_arg a0 = { .iters = 400000, .bulk = 33 };
	struct mt_arg a1;
	struct rte_mempool *mp;
	char name[32];

	if (worker >= RTE_MAX_LCORE) {
		CHECK(worker < RTE_MAX_LCORE, "needs two lcores (-l 0-1)");
		return;
	}
	snprintf(name, sizeof(name), "mt%u", cache);
	/* Small enough that both lcores often find the pool empty. */
	mp = make_pool(name, 96, 64, cache, 0);
	CHECK(mp != NULL, "pool for two lcores: %s", rte_strerror(rte_errno));
	if (mp == NULL)
		return;
	/* The objects must start free (token 0). */
	{
		void *objs[96];
		unsigned int i;

		CHECK(rte_mempool_get_bulk(mp, objs, 96) == 0, "take all to clear tokens");
		for (i = 0; i < 96; i++)
			memset(objs[i], 0, 64);
		rte_mempool_put_bulk(mp, objs, 96);
	}
	a0.mp = mp;
	a1 = a0;
	rte_eal_remote_launch(mt_worker, &a1, worker);
	mt_worker(&a0);
	rte_eal_wait_lcore(worker);
	CHECK(a0.errors == 0 && a1.errors == 0, "an object handed out twice (%u, %u)",
		a0.errors, a1.errors);
	CHECK(a0.fails + a1.fails < a0.iters, "nearly every get failed (%u, %u)",
		a0.fails, a1.fails);
	CHECK(rte_mempool_avail_count(mp) == 96, "avail %u after the run",
		rte_mempool_avail_count(mp));
	rte_mempool_audit(mp);
	rte_mempool_free(mp);
}

/* Objects left in another lcore's stack are found when needed. */
static int
hoard(void *a)
{
	struct rte_mempool *mp = a;
	void *objs[40];

	if (rte_mempool_get_bulk(mp, objs, 40) != 0)
		return -1;
	rte_mempool_put_bulk(mp, objs, 40);
	return 0;
}

static void *
thread_getput(void *a)
{
	struct rte_mempool *mp = a;
	void *objs[40];
	intptr_t ok = 0;

	if (rte_mempool_get_bulk(mp, objs, 40) == 0) {
		ok = rte_mempool_avail_count(mp) == 0;
		rte_mempool_put_bulk(mp, objs, 40);
	}
	return (void *)ok;
}

static void
test_steal(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct rte_mempool *mp = make_pool("steal", 40, 64, 0, 0);
	void *objs[40], *ret = NULL;
	pthread_t th;

	CHECK(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	if (mp == NULL || worker >= RTE_MAX_LCORE)
		return;
	rte_eal_remote_launch(hoard, mp, worker);
	CHECK(rte_eal_wait_lcore(worker) == 0, "worker took every object");
	CHECK(rte_mempool_avail_count(mp) == 40, "count with objects on the worker");
	CHECK(rte_mempool_get_bulk(mp, objs, 40) == 0, "main gets what the worker put back");
	CHECK(rte_mempool_avail_count(mp) == 0, "count after stealing");
	rte_mempool_put_bulk(mp, objs, 40);
	/* A non-EAL thread uses the shared stack and may steal too. */
	CHECK(pthread_create(&th, NULL, thread_getput, mp) == 0, "pthread_create");
	pthread_join(th, &ret);
	CHECK(ret == (void *)1, "non-EAL thread got every object");
	CHECK(rte_mempool_avail_count(mp) == 40, "count at the end");
	rte_mempool_audit(mp);
	rte_mempool_free(mp);
}

/* ---- Bad input. */

static void
mz_count(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static void
heap_used(size_t *used, unsigned int *mzs)
{
	struct rte_malloc_socket_stats s;

	*used = 0;
	if (rte_malloc_get_socket_stats(rte_socket_id(), &s) == 0)
		*used = s.heap_allocsz_bytes;
	*mzs = 0;
	rte_memzone_walk(mz_count, mzs);
}

/* The number in a file of one line, 0 if there is none. */
static uint64_t
read_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * Free hugepages of the machine: their bytes, every page size (the return
 * value), and *pages of size *size, the default size (/proc/meminfo).
 */
static uint64_t
hugepages_free(uint64_t *pages, uint64_t *size)
{
	const char *dir = "/sys/kernel/mm/hugepages";
	unsigned long long kb = 0;
	char path[512], line[128];
	uint64_t bytes = 0;
	struct dirent *e;
	DIR *d;
	FILE *f;

	*pages = 0;
	*size = 0;
	f = fopen("/proc/meminfo", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1)
			*size = (uint64_t)kb << 10;
	if (f != NULL)
		fclose(f);
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		uint64_t n;

		if (sscanf(e->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, e->d_name);
		n = read_u64(path);
		bytes += n * ((uint64_t)kb << 10);
		if (((uint64_t)kb << 10) == *size)
			*pages = n;
	}
	if (d != NULL)
		closedir(d);
	return bytes;
}

/*
 * Most memory the EAL can ever hold in this run: what its heaps have, plus
 * every free hugepage (whatever the machine reserved, and whatever
 * --socket-limit says, it cannot have more).
 */
static uint64_t
eal_memory_max(void)
{
	struct rte_malloc_socket_stats s;
	uint64_t pages, size, bytes = hugepages_free(&pages, &size);
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0)
			bytes += s.heap_totalsz_bytes;
	return bytes;
}

/* n objects of size bytes, n at least 1 and at most UINT_MAX. */
static unsigned int
count_of(uint64_t bytes, uint64_t size)
{
	return (unsigned int)RTE_MIN(bytes / size + 1, (uint64_t)UINT_MAX);
}

/*
 * mbufs of data_room_size bytes (no private area) that need one region
 * more than there are free hugepages of the default size: a hugetlbfs pool
 * of that many cannot be had, whatever the machine reserved.
 */
static unsigned int
mbufs_above_hugepages(uint16_t data_room_size, bool pinned)
{
	uint64_t pages, size;
	size_t stride = rte_nta_pktmbuf_stride(0, data_room_size, pinned);
	uint64_t per;

	hugepages_free(&pages, &size);
	per = RTE_MIN(size != 0 ? size : (uint64_t)2 << 20, (uint64_t)NTA_REGION_MAX_BYTES) /
		stride;
	return (unsigned int)RTE_MIN((pages + 1) * per, (uint64_t)UINT_MAX);
}

static void
test_bad_input(void)
{
	uint64_t mem = eal_memory_max();
	struct rte_mempool *mp;
	size_t used0, used1;
	unsigned int mz0, mz1;

	printf("bad_input: the EAL can have at most %" PRIu64 " MB\n", mem >> 20);
	heap_used(&used0, &mz0);
	/* Twice as many bytes of mbufs as the EAL can ever have. */
	mp = rte_pktmbuf_pool_create_by_ops("too_big", count_of(2 * mem, 2048), 0, 0, 2048,
			SOCKET_ID_ANY, "nta");
	CHECK(mp == NULL && rte_errno == ENOMEM, "pool larger than memory: %s",
		mp == NULL ? rte_strerror(rte_errno) : "created");
	rte_mempool_free(mp);
	/* Memory that fits the shared stack but not the objects. */
	mp = rte_pktmbuf_pool_create_by_ops("too_big2", count_of(mem, 4000), 0, 0, 4000,
			SOCKET_ID_ANY, "nta");
	CHECK(mp == NULL && rte_errno == ENOMEM, "pool larger than memory: %s",
		mp == NULL ? rte_strerror(rte_errno) : "created");
	rte_mempool_free(mp);
	heap_used(&used1, &mz1);
	CHECK(used0 == used1 && mz0 == mz1, "leak: heap %zu -> %zu bytes, memzones %u -> %u",
		used0, used1, mz0, mz1);

	/* Elements no region can hold (with 16-bit avl_t: above 2 MB). */
	if (NTA_REGION_MAX_BYTES < UINT32_MAX / 2) {
		mp = make_pool("absurd", 4, (unsigned int)NTA_REGION_MAX_BYTES + 1, 0, 0);
		CHECK(mp == NULL && rte_errno == EINVAL, "element above a region: %s",
			mp == NULL ? rte_strerror(rte_errno) : "created");
		rte_mempool_free(mp);
	}
	mp = make_pool("absurd2", 4, UINT32_MAX - 4096, 0, 0);
	CHECK(mp == NULL && rte_errno == EINVAL, "element of 4 GB: %s",
		mp == NULL ? rte_strerror(rte_errno) : "created");
	rte_mempool_free(mp);
	heap_used(&used1, &mz1);
	CHECK(used0 == used1 && mz0 == mz1, "leak: heap %zu -> %zu bytes, memzones %u -> %u",
		used0, used1, mz0, mz1);

	/* A pool_config that is not ours. */
	mp = rte_mempool_create_empty("badcfg", 16, 64, 0, 0, SOCKET_ID_ANY, 0);
	if (mp != NULL) {
		static uint32_t junk[8] = { 1, 2, 3 };

		CHECK(rte_mempool_set_ops_byname(mp, "nta", junk) == 0, "set ops");
		CHECK(rte_mempool_populate_default(mp) == -EINVAL, "foreign pool_config refused");
		rte_mempool_free(mp);
	}
}

/* An object of another pool enqueued: caught in a debug build. */
static void
test_foreign(void)
{
#ifdef NTA_MEMPOOL_DEBUG
	struct rte_mempool *a = make_pool("own", 64, 128, 0, 0);
	struct rte_mempool *b = make_pool("other", 64, 128, 0, 0);
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log, *old = rte_log_get_stream();
	void *obj, *mine;

	CHECK(a != NULL && b != NULL, "pools: %s", rte_strerror(rte_errno));
	if (a == NULL || b == NULL)
		return;
	CHECK(rte_mempool_get(b, &obj) == 0, "get from the other pool");
	CHECK(rte_mempool_get(a, &mine) == 0, "get from the own pool");
	log = open_memstream(&logbuf, &loglen);
	rte_openlog_stream(log);
	rte_mempool_ops_enqueue_bulk(a, &obj, 1);
	rte_openlog_stream(old);
	fclose(log);
	CHECK(logbuf != NULL && strstr(logbuf, "not an object of this pool") != NULL,
		"message: %s", logbuf != NULL ? logbuf : "(none)");
	CHECK(rte_mempool_avail_count(a) == 63, "the foreign object was not taken (%u)",
		rte_mempool_avail_count(a));
	printf("debug check said: %s", logbuf != NULL ? logbuf : "");
	free(logbuf);
	rte_mempool_put(a, mine);
	rte_mempool_put(b, obj);
	rte_mempool_audit(a);
	rte_mempool_free(a);
	rte_mempool_free(b);
#else
	printf("SKIP foreign: the driver is not a debug build (NTA_MEMPOOL_DEBUG)\n");
#endif
}

/* ---- Exact-size mbufs and pools on hugetlbfs memory. */

static uint64_t
arena_used(struct nta_arena *a)
{
	struct nta_stats st;

	nta_cache_flush(a);
	if (nta_stats_get(a, &st) != 0)
		return UINT64_MAX;
	return st.bytes_used;
}

static void
test_exact(void)
{
	struct nta_arena_config cfg = { .name = "exact_t", .backing = NTA_BACKING_HUGETLBFS };
	struct rte_mempool *clones;
	struct rte_nta_exact *ex;
	struct rte_mbuf *m, *c, *m2, *m3, *ci;
	struct nta_arena *arena;
	char *p;
	unsigned int i;

	arena = nta_arena_create(&cfg);
	CHECK(arena != NULL, "hugetlbfs arena: %s", nta_strerror(nta_errno));
	if (arena == NULL)
		return;
	ex = rte_nta_exact_create("ext", arena, 64, 0, SOCKET_ID_ANY);
	clones = rte_pktmbuf_pool_create("clones", 64, 0, 0, 0, SOCKET_ID_ANY);
	CHECK(ex != NULL && clones != NULL, "exact source: %s", rte_strerror(rte_errno));
	if (ex == NULL || clones == NULL)
		goto out;

	m = rte_nta_pktmbuf_alloc_exact(ex, 9000, 0);
	CHECK(m != NULL, "9000-byte exact mbuf: %s", rte_strerror(rte_errno));
	if (m == NULL)
		goto out;
	CHECK(m->buf_len == RTE_ALIGN_CEIL(9000, NTA_UNIT), "buf_len %u", m->buf_len);
	CHECK(RTE_MBUF_HAS_EXTBUF(m), "attached as an external buffer");
	CHECK(nta_size(arena, m->buf_addr) == m->buf_len, "one arena buffer of buf_len");
	CHECK(m->buf_iova == nta_iova(arena, m->buf_addr) && m->buf_iova != RTE_BAD_IOVA,
		"buf_iova 0x%" PRIx64 " vs nta_iova 0x%" PRIx64, m->buf_iova,
		nta_iova(arena, m->buf_addr));
	p = rte_pktmbuf_append(m, 9000);
	CHECK(p != NULL && m->nb_segs == 1 && m->pkt_len == 9000, "a jumbo frame in one segment");
	if (p != NULL)
		for (i = 0; i < 9000; i++)
			p[i] = (char)i;
	CHECK(arena_used(arena) == m->buf_len, "arena bytes used %" PRIu64, arena_used(arena));

	/* Clone, free the original: the buffer stays; free the clone: it goes. */
	c = rte_pktmbuf_clone(m, clones);
	CHECK(c != NULL && rte_pktmbuf_mtod(c, char *) == p, "clone shares the data");
	rte_pktmbuf_free(m);
	CHECK(arena_used(arena) == RTE_ALIGN_CEIL(9000, NTA_UNIT), "buffer alive with a clone");
	rte_pktmbuf_free(c);
	CHECK(arena_used(arena) == 0, "buffer freed with its last reference (%" PRIu64 ")",
		arena_used(arena));

	/* A chain of three, an indirect mbuf on its second segment, a clone. */
	m = rte_nta_pktmbuf_alloc_exact(ex, 64, 0);
	m2 = rte_nta_pktmbuf_alloc_exact(ex, 1500, 0);
	m3 = rte_nta_pktmbuf_alloc_exact(ex, 100, 32);
	CHECK(m != NULL && m2 != NULL && m3 != NULL, "three exact mbufs");
	if (m == NULL || m2 == NULL || m3 == NULL)
		goto out;
	CHECK(m3->data_off == 32 && m3->buf_len == 128, "headroom 32, buffer 128 (%u, %u)",
		m3->data_off, m3->buf_len);
	rte_pktmbuf_append(m, 64);
	rte_pktmbuf_append(m2, 1500);
	rte_pktmbuf_append(m3, 60);
	CHECK(rte_pktmbuf_chain(m, m2) == 0 && rte_pktmbuf_chain(m, m3) == 0, "chain");
	CHECK(m->nb_segs == 3 && m->pkt_len == 1624, "chain of 3, %u bytes", m->pkt_len);
	ci = rte_pktmbuf_alloc(clones);
	CHECK(ci != NULL, "mbuf for an indirect attach");
	if (ci != NULL)
		rte_pktmbuf_attach(ci, m2);
	c = rte_pktmbuf_clone(m, clones);
	CHECK(c != NULL && c->nb_segs == 3, "clone of the chain");
	CHECK(rte_nta_exact_free(ex) == -1 && rte_errno == EBUSY, "free refused while in use");
	rte_pktmbuf_free(m);
	CHECK(arena_used(arena) == 64 + 1504 + 128, "all alive via clone and indirect");
	rte_pktmbuf_free(c);
	CHECK(arena_used(arena) == 1504, "the indirect one holds the 1500-byte buffer");
	rte_pktmbuf_free(ci);
	CHECK(arena_used(arena) == 0, "no leak: bytes used %" PRIu64, arena_used(arena));

	/* Bad sizes. */
	CHECK(rte_nta_pktmbuf_alloc_exact(ex, 0, 0) == NULL && rte_errno == EINVAL, "size 0");
	CHECK(rte_nta_pktmbuf_alloc_exact(ex, 70000, 0) == NULL && rte_errno == EINVAL,
		"size above the mbuf limit");
	CHECK(rte_nta_pktmbuf_alloc_exact(ex, 100, 101) == NULL && rte_errno == EINVAL,
		"headroom above size");
	CHECK(rte_nta_pktmbuf_alloc_exact(NULL, 100, 0) == NULL && rte_errno == EINVAL,
		"NULL source");
	CHECK(nta_verify(arena) == 0, "arena invariants");
out:
	if (ex != NULL)
		CHECK(rte_nta_exact_free(ex) == 0, "exact source freed");
	rte_mempool_free(clones);
	rte_nta_arena_dma_unregister(arena);
	nta_arena_destroy(arena);
}

static void
test_hugetlbfs_pool(void)
{
	struct nta_region_info ri;
	struct rte_mbuf *m[64];
	struct rte_mempool *mp;
	struct nta_arena *arena;
	struct nta_desc d;
	unsigned int i, bad_iova = 0, bad_desc = 0;

	mp = rte_nta_pktmbuf_pool_create("hpool", 4000, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			SOCKET_ID_ANY, NULL);
	CHECK(mp != NULL, "hugetlbfs pool: %s", rte_strerror(rte_errno));
	if (mp == NULL)
		return;
	arena = rte_nta_mempool_arena(mp);
	CHECK(arena != NULL && nta_region_count(arena) >= 4, "arena with %u regions",
		nta_region_count(arena));
	CHECK(nta_region_info(arena, 0, &ri) == 0 && ri.fd >= 0 && ri.path[0] == '\0',
		"region 0 has an unnamed file (fd %d, path '%s')", ri.fd, ri.path);
	CHECK(rte_mempool_avail_count(mp) == 4000, "all mbufs free");
	CHECK(rte_pktmbuf_alloc_bulk(mp, m, 64) == 0, "alloc 64 mbufs");
	for (i = 0; i < 64; i++) {
		char *data;

		if (m[i]->buf_iova != nta_iova(arena, m[i]->buf_addr) ||
				m[i]->buf_iova == RTE_BAD_IOVA)
			bad_iova++;
		data = rte_pktmbuf_append(m[i], 100);
		if (data == NULL || rte_nta_mbuf_to_desc(arena, m[i], &d) != 0 ||
				nta_from_desc(arena, &d) != data || d.len != 100)
			bad_desc++;
	}
	CHECK(bad_iova == 0, "%u mbufs with a wrong buf_iova", bad_iova);
	CHECK(bad_desc == 0, "%u mbufs whose descriptor does not map back", bad_desc);
	rte_pktmbuf_free_bulk(m, 64);
	CHECK(rte_mempool_avail_count(mp) == 4000, "all mbufs free again");
	rte_mempool_audit(mp);
	CHECK(rte_nta_mempool_arena(NULL) == NULL && rte_errno == EINVAL, "arena of NULL");
	rte_mempool_free(mp);

	mp = rte_nta_pktmbuf_pool_create("hbad", 100, 0, 3, 2048, SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && rte_errno == EINVAL, "misaligned priv_size refused");
	mp = rte_nta_pktmbuf_pool_create("hbig", mbufs_above_hugepages(2048, false), 0, 0, 2048,
			SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && (rte_errno == ENOMEM || rte_errno == ENOSPC),
		"pool above the hugepages: %s", rte_strerror(rte_errno));
}

/*
 * A hugetlbfs pool holds the regions its mbufs need and no more: objects
 * never straddle a region, so n mbufs of a stride take ceil(n / (region /
 * stride)) regions, at most one more than the bytes alone would need. All
 * n mbufs can be taken at once and given back.
 */
static void
test_pool_regions(void)
{
	static const unsigned int counts[] = { 1, 936, 937, 4096, 20000 };
	static const uint16_t rooms[] = { 2048, 9216 };
	unsigned int c, r;

	for (r = 0; r < RTE_DIM(rooms); r++) {
		for (c = 0; c < RTE_DIM(counts); c++) {
			unsigned int n = counts[c];
			size_t stride = rte_nta_pktmbuf_stride(0, rooms[r], false);
			struct rte_mbuf **m = calloc(n, sizeof(*m));
			struct nta_region_info ri;
			struct rte_mempool *mp;
			struct nta_arena *arena;
			struct nta_stats st;
			uint64_t per, want, bound;
			char name[32];
			uint32_t got;

			snprintf(name, sizeof(name), "preg%u_%u", rooms[r], n);
			mp = rte_nta_pktmbuf_pool_create(name, n, 0, 0, rooms[r], SOCKET_ID_ANY,
					NULL);
			CHECK(mp != NULL && m != NULL, "pool %s: %s", name,
				rte_strerror(rte_errno));
			if (mp == NULL || m == NULL) {
				free(m);
				rte_mempool_free(mp);
				continue;
			}
			arena = rte_nta_mempool_arena(mp);
			CHECK(nta_region_info(arena, 0, &ri) == 0 && ri.size >= stride,
				"region 0 of %s", name);
			per = ri.size / stride;
			want = (n + per - 1) / per;
			bound = ((uint64_t)n * stride + ri.size - 1) / ri.size + 1;
			got = nta_region_count(arena);
			CHECK(got == want && want <= bound, "%s: %u regions of %zu bytes, want %"
				PRIu64 " (%" PRIu64 " mbufs of stride %zu per region)", name, got,
				ri.size, want, per, stride);
			CHECK(nta_stats_get(arena, &st) == 0 && st.regions == want &&
				st.buffers_used == n, "%s: stats say %u regions, %" PRIu64
				" buffers", name, st.regions, st.buffers_used);
			CHECK(rte_pktmbuf_alloc_bulk(mp, m, n) == 0, "%s: all %u mbufs at once",
				name, n);
			CHECK(rte_mempool_avail_count(mp) == 0, "%s: %u left", name,
				rte_mempool_avail_count(mp));
			rte_pktmbuf_free_bulk(m, n);
			CHECK(rte_mempool_avail_count(mp) == n, "%s: %u back of %u", name,
				rte_mempool_avail_count(mp), n);
			printf("pool_regions: %u mbufs of %u bytes (stride %zu): %u regions\n",
				n, rooms[r], stride, got);
			rte_mempool_free(mp);
			free(m);
		}
	}
}

/* Is [p, p + len) inside a region of the arena? */
static bool
in_arena(struct nta_arena *arena, const void *p, size_t len)
{
	return nta_region_of(arena, p) >= 0 ||
		nta_region_of(arena, (const char *)p + len - 1) >= 0;
}

static void
test_pinned_pool(void)
{
	struct rte_mbuf *m[64], *again[64], *clone;
	struct rte_mempool *mp, *cpool;
	struct nta_arena *arena;
	struct nta_region_info ri;
	struct nta_desc d;
	unsigned int i, bad_hdr = 0, bad_buf = 0, bad_desc = 0, moved = 0, found;
	void *bufs[64];

	mp = rte_nta_pktmbuf_pool_create_pinned("ppool", 4000, 32, 16, RTE_MBUF_DEFAULT_BUF_SIZE,
			SOCKET_ID_ANY, NULL);
	CHECK(mp != NULL, "pinned pool: %s", rte_strerror(rte_errno));
	if (mp == NULL)
		return;
	CHECK(rte_pktmbuf_priv_flags(mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, "pinned flag");
	CHECK(rte_pktmbuf_data_room_size(mp) == RTE_MBUF_DEFAULT_BUF_SIZE &&
		rte_pktmbuf_priv_size(mp) == 16, "data room %u, priv %u",
		rte_pktmbuf_data_room_size(mp), rte_pktmbuf_priv_size(mp));
	arena = rte_nta_mempool_arena(mp);
	CHECK(arena != NULL && nta_region_count(arena) >= 4, "data arena with %u regions",
		nta_region_count(arena));
	if (arena == NULL) {
		rte_mempool_free(mp);
		return;
	}
	CHECK(nta_region_info(arena, 0, &ri) == 0 && ri.fd >= 0 && ri.path[0] == '\0',
		"region 0 has an unnamed file (fd %d, path '%s')", ri.fd, ri.path);
	CHECK(rte_mempool_avail_count(mp) == 4000, "all mbufs free");
	CHECK(rte_pktmbuf_alloc_bulk(mp, m, 64) == 0, "alloc 64 mbufs");
	for (i = 0; i < 64; i++) {
		char *data;

		bufs[i] = m[i]->buf_addr;
		/* The header (with its private area) is not in the arena; the
		 * data buffer is, whole.
		 */
		if (in_arena(arena, m[i], sizeof(*m[i]) + 16))
			bad_hdr++;
		if (!RTE_MBUF_HAS_EXTBUF(m[i]) || !RTE_MBUF_HAS_PINNED_EXTBUF(m[i]) ||
				nta_region_of(arena, m[i]->buf_addr) < 0 ||
				nta_region_of(arena, (char *)m[i]->buf_addr + m[i]->buf_len - 1) !=
				nta_region_of(arena, m[i]->buf_addr) ||
				m[i]->buf_len != RTE_MBUF_DEFAULT_BUF_SIZE ||
				m[i]->data_off != RTE_PKTMBUF_HEADROOM ||
				m[i]->buf_iova != nta_iova(arena, m[i]->buf_addr) ||
				m[i]->buf_iova == RTE_BAD_IOVA ||
				in_arena(arena, m[i]->shinfo, sizeof(*m[i]->shinfo)))
			bad_buf++;
		data = rte_pktmbuf_append(m[i], 100);
		if (data == NULL || rte_nta_mbuf_to_desc(arena, m[i], &d) != 0 ||
				nta_from_desc(arena, &d) != data || d.len != 100)
			bad_desc++;
	}
	CHECK(bad_hdr == 0, "%u mbuf headers in the arena", bad_hdr);
	CHECK(bad_buf == 0, "%u mbufs without a pinned buffer of the arena", bad_buf);
	CHECK(bad_desc == 0, "%u mbufs whose descriptor does not map back", bad_desc);

	/* Freed, the mbufs keep their buffers: the same pairs come back. */
	rte_pktmbuf_free_bulk(m, 64);
	CHECK(rte_mempool_avail_count(mp) == 4000, "all mbufs free again");
	CHECK(rte_pktmbuf_alloc_bulk(mp, again, 64) == 0, "alloc 64 again");
	for (i = 0; i < 64; i++) {
		unsigned int j;

		found = 0;
		for (j = 0; j < 64; j++)
			if (again[i] == m[j])
				found = bufs[j] == again[i]->buf_addr ? 1 : 2;
		if (found == 2 || !RTE_MBUF_HAS_EXTBUF(again[i]) || again[i]->data_len != 0)
			moved++;
	}
	CHECK(moved == 0, "%u mbufs lost or changed their buffer", moved);

	/* A clone freed after its parent returns the parent to the pool. */
	cpool = rte_pktmbuf_pool_create("ppool_cl", 64, 0, 0, 0, SOCKET_ID_ANY);
	CHECK(cpool != NULL, "clone pool: %s", rte_strerror(rte_errno));
	if (cpool != NULL) {
		clone = rte_pktmbuf_clone(again[0], cpool);
		CHECK(clone != NULL && rte_pktmbuf_mtod(clone, void *) ==
			rte_pktmbuf_mtod(again[0], void *), "clone shares the data");
		rte_pktmbuf_free(again[0]);
		CHECK(rte_mempool_avail_count(mp) == 4000 - 64, "parent held by its clone");
		rte_pktmbuf_free(clone);
		CHECK(rte_mempool_avail_count(mp) == 4000 - 63,
			"parent back when the clone goes (%u free)", rte_mempool_avail_count(mp));
		CHECK(rte_mempool_full(cpool), "clone back in its pool");
		rte_mempool_free(cpool);
	}
	rte_pktmbuf_free_bulk(again + 1, 63);
	CHECK(rte_mempool_avail_count(mp) == 4000, "all mbufs free at the end");
	rte_mempool_audit(mp);
	rte_mempool_free(mp);

	mp = rte_nta_pktmbuf_pool_create_pinned("pbad", 100, 0, 3, 2048, SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && rte_errno == EINVAL, "misaligned priv_size refused");
	mp = rte_nta_pktmbuf_pool_create_pinned("pbad", 100, 0, 0, 0, SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && rte_errno == EINVAL, "no data room refused");
	mp = rte_nta_pktmbuf_pool_create_pinned(NULL, 100, 0, 0, 2048, SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && rte_errno == EINVAL, "NULL name refused");
	mp = rte_nta_pktmbuf_pool_create_pinned("pbig", mbufs_above_hugepages(2048, true), 0, 0,
			2048, SOCKET_ID_ANY, NULL);
	CHECK(mp == NULL && (rte_errno == ENOMEM || rte_errno == ENOSPC),
		"pool above the hugepages: %s", rte_strerror(rte_errno));
	mp = rte_nta_pktmbuf_pool_create_pinned("pdup", 100, 0, 0, 2048, SOCKET_ID_ANY, NULL);
	CHECK(mp != NULL, "small pinned pool: %s", rte_strerror(rte_errno));
	CHECK(rte_nta_pktmbuf_pool_create_pinned("pdup", 100, 0, 0, 2048, SOCKET_ID_ANY,
		NULL) == NULL && rte_errno == EEXIST, "same name refused: %s",
		rte_strerror(rte_errno));
	rte_mempool_free(mp);
}

#define CONTIG_PAGES 64

/*
 * The contiguity rule of DMA registration: memory gets one IOVA (and a DMA
 * mapping) only when its pages are IOVA-contiguous. Ordinary pages with IOVA
 * as PA usually are not: they are then registered with the IOVA of each page
 * and no single IOVA, so that nothing hands a device base + offset past the
 * first page. Checked against the IOVAs DPDK reports page by page, for
 * rte_nta_extmem_register() and for an arena's region
 * (rte_nta_arena_dma_register()).
 */
static void
test_extmem_contig(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = CONTIG_PAGES * pg;
	struct nta_arena_config cfg = {
		.name = "t_contig",
		.backing = NTA_BACKING_EXTERNAL,
		.region_size = len,
		.max_regions = 1,
		.flags = NTA_ARENA_F_NO_CACHE,
	};
	rte_iova_t pages[CONTIG_PAGES];
	struct nta_region_info ri;
	struct nta_arena *arena;
	uint64_t iova = 0, want;
	bool contig = true;
	unsigned int i;
	char *va, *buf;

	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(va != MAP_FAILED, "mmap of %zu bytes", len);
	if (va == MAP_FAILED)
		return;
	memset(va, 1, len);     /* every page gets a frame of its own */
	for (i = 0; i < CONTIG_PAGES; i++) {
		pages[i] = rte_mem_virt2iova(va + i * pg);
		if (pages[i] == RTE_BAD_IOVA || pages[i] != pages[0] + i * pg)
			contig = false;
	}
	want = contig ? pages[0] : UINT64_MAX;
	printf("extmem_contig: IOVA as %s, %u pages of %zu bytes %sIOVA-contiguous\n",
		rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA", CONTIG_PAGES, pg,
		contig ? "" : "not ");

	CHECK(rte_nta_extmem_register(va + 8, len - pg, pg, &iova) == -1 && rte_errno == EINVAL,
		"misaligned start accepted");
	CHECK(rte_nta_extmem_register(va, len - 8, pg, &iova) == -1 && rte_errno == EINVAL,
		"partial page accepted");
	CHECK(rte_nta_extmem_register(va, len, 0, &iova) == -1 && rte_errno == EINVAL,
		"page size 0 accepted");
	CHECK(rte_nta_extmem_register(va, len, pg, &iova) == 0, "register: %s",
		rte_strerror(rte_errno));
	CHECK(iova == want, "IOVA %#" PRIx64 ", want %#" PRIx64, iova, want);
	/* DPDK knows every page at its own IOVA. */
	for (i = 0; i < CONTIG_PAGES; i++)
		if (pages[i] != RTE_BAD_IOVA)
			CHECK(rte_mem_virt2iova(va + i * pg + 8) == pages[i] + 8,
				"page %u at IOVA %#" PRIx64 ", want %#" PRIx64, i,
				rte_mem_virt2iova(va + i * pg + 8), pages[i] + 8);
	CHECK(rte_nta_extmem_unregister(va, len, iova) == 0, "unregister: %s",
		rte_strerror(rte_errno));
	CHECK(rte_nta_extmem_unregister(va, len, iova) == -1, "second unregister succeeded");

	/* The same memory as an arena's region. */
	arena = nta_arena_create(&cfg);
	CHECK(arena != NULL, "external arena: %s", nta_strerror(nta_errno));
	if (arena == NULL)
		goto out;
	CHECK(nta_arena_add_memory(arena, va, len, UINT64_MAX) == 0, "add memory: %s",
		nta_strerror(nta_errno));
	CHECK(rte_nta_arena_dma_register(arena, pg) == 0, "arena register: %s",
		rte_strerror(rte_errno));
	CHECK(nta_region_info(arena, 0, &ri) == 0 && ri.iova == want,
		"region IOVA %#" PRIx64 ", want %#" PRIx64, ri.iova, want);
	buf = nta_alloc(arena, 3 * pg);
	CHECK(buf != NULL, "alloc: %s", nta_strerror(nta_errno));
	if (buf != NULL) {
		CHECK(nta_iova(arena, buf + 2 * pg) == (contig ? want + (uint64_t)(buf - va) +
			2 * pg : UINT64_MAX), "IOVA of a buffer past the first page");
		nta_free(arena, buf);
	}
	rte_nta_arena_dma_unregister(arena);
	nta_arena_destroy(arena);
out:
	munmap(va, len);
}

/* Print what telemetry must say of a pool: name, mbufs, regions, region 0. */
static void
serve_describe(struct rte_mempool *mp)
{
	struct nta_arena *arena = rte_nta_mempool_arena(mp);
	struct nta_region_info ri = { .iova = UINT64_MAX };

	if (arena != NULL)
		nta_region_info(arena, 0, &ri);
	printf("POOL %s %u %u 0x%" PRIxPTR " 0x%" PRIx64 "\n", mp->name, mp->size,
		nta_region_count(arena), (uintptr_t)ri.base, ri.iova);
}

/*
 * Not a test: three nta pools (ops only, hugetlbfs, pinned) for a telemetry
 * client (test/driver/dpdk_driver_tests.py telemetry). Prints a POOL line for
 * each, then READY, and frees them when standard input ends.
 */
static void
serve_telemetry(void)
{
	struct rte_mempool *mp[3];
	unsigned int i;
	char line[64];

	mp[0] = rte_pktmbuf_pool_create_by_ops("tel_ops", 1000, 0, 0, 2048, SOCKET_ID_ANY, "nta");
	mp[1] = rte_nta_pktmbuf_pool_create("tel_huge", 1000, 0, 0, 2048, SOCKET_ID_ANY, NULL);
	mp[2] = rte_nta_pktmbuf_pool_create_pinned("tel_pin", 1000, 0, 0, 2048, SOCKET_ID_ANY,
			NULL);
	for (i = 0; i < RTE_DIM(mp); i++) {
		CHECK(mp[i] != NULL, "pool %u: %s", i, rte_strerror(rte_errno));
		if (mp[i] != NULL)
			serve_describe(mp[i]);
	}
	printf("READY\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL)
		;
	for (i = 0; i < RTE_DIM(mp); i++)
		rte_mempool_free(mp[i]);
}

struct test {
	const char *name;
	void (*fn)(void);
	bool by_name;           /* run only when named */
};

static void test_two_lcores_nocache(void) { test_two_lcores(0); }
static void test_two_lcores_cache(void) { test_two_lcores(16); }

static const struct test tests[] = {
	{ "sizes", test_sizes },
	{ "cache", test_cache },
	{ "two_lcores", test_two_lcores_nocache },
	{ "two_lcores_cache", test_two_lcores_cache },
	{ "steal", test_steal },
	{ "bad_input", test_bad_input },
	{ "foreign", test_foreign },
	{ "exact", test_exact },
	{ "hugetlbfs_pool", test_hugetlbfs_pool },
	{ "pool_regions", test_pool_regions },
	{ "pinned_pool", test_pinned_pool },
	{ "extmem_contig", test_extmem_contig },
	{ "telemetry_serve", serve_telemetry, true },
};

int
main(int argc, char **argv)
{
	unsigned int i;
	int ret, t;

	for (t = 1; t < argc; t++) {
		if (strcmp(argv[t], "--help") == 0 || strcmp(argv[t], "-h") == 0) {
			printf("usage: %s [EAL options] [-- test...]\ntests:", argv[0]);
			for (i = 0; i < RTE_DIM(tests); i++)
				printf(" %s", tests[i].name);
			printf("\n");
			return 0;
		}
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot init EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	for (t = 1; t < argc; t++) {
		for (i = 0; i < RTE_DIM(tests); i++)
			if (strcmp(argv[t], tests[i].name) == 0)
				break;
		if (i == RTE_DIM(tests)) {
			fprintf(stderr, "unknown test '%s' (--help lists them)\n", argv[t]);
			rte_eal_cleanup();
			return 1;
		}
	}
	for (i = 0; i < RTE_DIM(tests); i++) {
		unsigned int f0 = failures, c0 = checks;
		bool run = argc <= 1 && !tests[i].by_name;

		for (t = 1; t < argc; t++)
			run |= strcmp(argv[t], tests[i].name) == 0;
		if (!run)
			continue;
		tests[i].fn();
		printf("%s %s (%u checks)\n", failures == f0 ? "PASS" : "FAIL", tests[i].name,
			checks - c0);
	}
	printf("%u checks, %u failed\n", checks, failures);
	rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
