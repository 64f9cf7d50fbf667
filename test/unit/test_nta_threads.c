/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Two threads allocate and free across each other: each allocates buffers,
 * writes a pattern into them and passes most of them to the other thread
 * through a locked queue; each frees what the other sent (after checking
 * the pattern) and some of its own. The main thread reads stats meanwhile.
 * After NTA_TEST_SECONDS (3) seconds: allocations == frees + buffers still
 * live, everything is freed, caches flushed, nta_verify() == 0 and no byte
 * is in use. Run with caches and with NTA_ARENA_F_NO_CACHE.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nta.h"
#include "nta_test.h"

#define QCAP 4096
#define KEEP 512

struct item {
	uint8_t *p;
	size_t size;
	uint64_t id;
};

/* A bounded FIFO under a mutex. */
struct queue {
	pthread_mutex_t lock;
	struct item it[QCAP];
	unsigned int head, n;
};

struct worker {
	unsigned int idx;
	struct nta_arena *a;
	struct queue *in;       /* buffers the other thread allocated */
	struct queue *out;      /* buffers this thread allocated, for the other */
	struct item keep[KEEP]; /* buffers this thread keeps and frees itself */
	unsigned int n_keep;
	uint64_t seed;
	/* Counters. */
	uint64_t allocs, frees, frees_foreign, alloc_fails;
	/* First error, if any. */
	char err[256];
};

static atomic_int stop;
static uint64_t opt_seconds = 3;

static int
q_push(struct queue *q, const struct item *it)
{
	int ok = 0;

	pthread_mutex_lock(&q->lock);
	if (q->n < QCAP) {
		q->it[(q->head + q->n) % QCAP] = *it;
		q->n++;
		ok = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static int
q_pop(struct queue *q, struct item *it)
{
	int ok = 0;

	pthread_mutex_lock(&q->lock);
	if (q->n > 0) {
		*it = q->it[q->head];
		q->head = (q->head + 1) % QCAP;
		q->n--;
		ok = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

/*
 * A buffer up to 128 B carries the pattern of its id throughout; a larger
 * one in its first and last 64 bytes (cheap, and still catches overlaps).
 */
static void
mark(const struct item *it)
{
	if (it->size <= 128) {
		nta_test_fill(it->p, it->size, it->id);
	} else {
		nta_test_fill(it->p, 64, it->id);
		nta_test_fill(it->p + it->size - 64, 64, it->id + 1);
	}
}

static int
check_marks(const struct item *it)
{
	if (it->size <= 128)
		return nta_test_check(it->p, it->size, it->id) == it->size ? 0 : -1;
	if (nta_test_check(it->p, 64, it->id) != 64 ||
			nta_test_check(it->p + it->size - 64, 64, it->id + 1) != 64)
		return -1;
	return 0;
}

static int
free_item(struct worker *w, const struct item *it, int foreign)
{
	if (check_marks(it) != 0) {
		snprintf(w->err, sizeof(w->err), "thread %u: buffer %p id %" PRIu64
			" corrupted", w->idx, (void *)it->p, it->id);
		return -1;
	}
	if (nta_free(w->a, it->p) != 0) {
		snprintf(w->err, sizeof(w->err), "thread %u: free(%p) failed: errno %d",
			w->idx, (void *)it->p, nta_errno);
		return -1;
	}
	w->frees++;
	if (foreign)
		w->frees_foreign++;
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct nta_rng rng;
	struct item it;
	unsigned int burst, k;

	nta_rng_seed(&rng, w->seed);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		burst = 1 + nta_rng_below(&rng, 32);
		for (k = 0; k < burst; k++) {
			size_t req = nta_rng_range(&rng, 1, nta_rng_below(&rng, 8) == 0 ? 9000 : 1600);
			it.p = nta_alloc(w->a, req);
			if (it.p == NULL) {
				if (nta_errno != ENOMEM) {
					snprintf(w->err, sizeof(w->err), "thread %u: alloc(%zu): errno %d",
						w->idx, req, nta_errno);
					goto out;
				}
				w->alloc_fails++;
				break;
			}
			w->allocs++;
			it.size = req;
			it.id = ((uint64_t)w->idx << 56) | w->allocs;
			mark(&it);
			/* Three in four go to the other thread. */
			if (nta_rng_below(&rng, 4) != 0 && q_push(w->out, &it))
				continue;
			if (w->n_keep == KEEP) {
				unsigned int v = nta_rng_below(&rng, KEEP);

				if (free_item(w, &w->keep[v], 0) < 0)
					goto out;
				w->keep[v] = it;
			} else {
				w->keep[w->n_keep++] = it;
			}
		}
		/* Free what the other thread sent, in a burst. */
		burst = 1 + nta_rng_below(&rng, 40);
		for (k = 0; k < burst && q_pop(w->in, &it); k++)
			if (free_item(w, &it, 1) < 0)
				goto out;
		/* And some of our own, from anywhere in the list. */
		if (w->n_keep > 0 && nta_rng_below(&rng, 2) == 0) {
			unsigned int v = nta_rng_below(&rng, w->n_keep);

			if (free_item(w, &w->keep[v], 0) < 0)
				goto out;
			w->keep[v] = w->keep[--w->n_keep];
		}
	}
out:
	/* Give this thread's cache back before it exits. */
	nta_cache_flush(w->a);
	return NULL;
}

static int
run_cross(unsigned int flags)
{
	struct nta_arena_config cfg = {
		.name = "threads", .region_size = 256 * 1024, .initial_regions = 1,
		.max_regions = 64, .flags = flags | NTA_ARENA_F_QUIET,
	};
	static struct queue q[2];
	static struct worker w[2];
	pthread_t th[2];
	struct nta_stats st;
	struct item it;
	uint64_t allocs = 0, frees = 0, live = 0, snaps = 0;
	unsigned int i, k;
	double t0;
	int rc = TEST_FAILED, v;

	memset(q, 0, sizeof(q));
	memset(w, 0, sizeof(w));
	atomic_store(&stop, 0);
	for (i = 0; i < 2; i++)
		pthread_mutex_init(&q[i].lock, NULL);
	struct nta_arena *a = nta_arena_create(&cfg);

	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	for (i = 0; i < 2; i++) {
		w[i].idx = i;
		w[i].a = a;
		w[i].in = &q[i];
		w[i].out = &q[1 - i];
		w[i].seed = 1000 + i + (flags << 4);
	}
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
			atomic_store(&stop, 1);
			if (i == 1)
				pthread_join(th[0], NULL);
			nta_arena_destroy(a);
			TEST_ASSERT(0, "pthread_create failed");
		}
	t0 = nta_test_now();
	while (nta_test_now() - t0 < (double)opt_seconds) {
		/* Stats while both threads work: must not crash, totals stay sane. */
		if (nta_stats_get(a, &st) != 0 || st.bytes_used > st.bytes_total) {
			printf("stats under load: used %" PRIu64 " > total %" PRIu64 "\n",
				st.bytes_used, st.bytes_total);
			atomic_store(&stop, 1);
		}
		snaps++;
		usleep(10000);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++) {
		printf("  thread %u: %" PRIu64 " allocs, %" PRIu64 " frees (%" PRIu64
			" of the other's), %" PRIu64 " ENOMEM, %u kept, %u queued for it\n", i,
			w[i].allocs, w[i].frees, w[i].frees_foreign, w[i].alloc_fails,
			w[i].n_keep, q[i].n);
		if (w[i].err[0] != '\0') {
			printf("  %s\n", w[i].err);
			goto out;
		}
		if (w[i].frees_foreign == 0 || w[i].allocs == 0) {
			printf("  thread %u did no cross-thread work\n", i);
			goto out;
		}
		allocs += w[i].allocs;
		frees += w[i].frees;
		live += w[i].n_keep + q[i].n;
	}
	printf("  %" PRIu64 " allocs, %" PRIu64 " frees, %" PRIu64 " live, %" PRIu64
		" stats snapshots\n", allocs, frees, live, snaps);
	if (allocs != frees + live) {
		printf("counts not conserved: %" PRIu64 " != %" PRIu64 " + %" PRIu64 "\n", allocs,
			frees, live);
		goto out;
	}
	/* The threads flushed their caches: the arena holds exactly the live ones. */
	nta_stats_get(a, &st);
	if (st.buffers_used != live || st.allocs != allocs || st.frees != frees) {
		printf("stats: %" PRIu64 " buffers used (want %" PRIu64 "), allocs %" PRIu64
			", frees %" PRIu64 "\n", st.buffers_used, live, st.allocs, st.frees);
		goto out;
	}
	v = nta_verify(a);
	if (v != 0) {
		printf("nta_verify() = %d after the threads stopped\n", v);
		goto out;
	}
	/* Free the rest from this thread, checking the patterns. */
	for (i = 0; i < 2; i++) {
		for (k = 0; k < w[i].n_keep; k++)
			if (free_item(&w[i], &w[i].keep[k], 0) < 0)
				goto out_err;
		w[i].n_keep = 0;
		while (q_pop(&q[i], &it))
			if (free_item(&w[i], &it, 1) < 0)
				goto out_err;
	}
	nta_cache_flush_all(a);
	v = nta_verify(a);
	nta_stats_get(a, &st);
	if (v != 0 || st.bytes_used != 0 || st.buffers_used != 0 || st.bytes_cached != 0 ||
			st.bytes_free != st.bytes_total || st.free_extents != st.regions ||
			st.frees != allocs) {
		printf("after freeing all: verify %d, used %" PRIu64 ", cached %" PRIu64
			", free %" PRIu64 "/%" PRIu64 ", %" PRIu64 " extents in %u regions, frees %"
			PRIu64 "/%" PRIu64 "\n", v, st.bytes_used, st.bytes_cached, st.bytes_free,
			st.bytes_total, st.free_extents, st.regions, st.frees, allocs);
		goto out;
	}
	rc = TEST_SUCCESS;
	goto out;
out_err:
	for (i = 0; i < 2; i++)
		if (w[i].err[0] != '\0')
			printf("  %s\n", w[i].err);
out:
	nta_arena_destroy(a);
	for (i = 0; i < 2; i++)
		pthread_mutex_destroy(&q[i].lock);
	return rc;
}

static int
test_cross_free(void)
{
	return run_cross(0);
}

static int
test_cross_free_no_cache(void)
{
	return run_cross(NTA_ARENA_F_NO_CACHE);
}

/*
 * More threads over time than there are cache slots (NTA_MAX_THREADS), one
 * after the other, each leaving buffers in its cache (no flush) and some
 * allocated: every thread must still allocate and free correctly, and
 * nta_cache_flush_all() must gather what the exited threads' caches hold.
 */
#define SEQ_THREADS (NTA_MAX_THREADS + 72)
#define SEQ_BUFS 16

struct seq_arg {
	struct nta_arena *a;
	uint8_t *kept[2];
	int err;
};

static void *
seq_main(void *arg)
{
	struct seq_arg *s = arg;
	uint8_t *p[SEQ_BUFS];
	unsigned int i;

	for (i = 0; i < SEQ_BUFS; i++) {
		p[i] = nta_alloc(s->a, 64 + i * 100);
		if (p[i] == NULL) {
			s->err = nta_errno;
			return NULL;
		}
		memset(p[i], (int)i, 64 + i * 100);
	}
	/* Keep two, free the rest into this thread's cache, exit without a flush. */
	s->kept[0] = p[0];
	s->kept[1] = p[SEQ_BUFS - 1];
	for (i = 1; i < SEQ_BUFS - 1; i++)
		if (nta_free(s->a, p[i]) != 0) {
			s->err = nta_errno;
			return NULL;
		}
	return NULL;
}

static int
test_many_threads(void)
{
	struct nta_arena_config cfg = {
		.name = "seq", .region_size = 256 * 1024, .initial_regions = 1,
		.max_regions = 64, .flags = NTA_ARENA_F_QUIET,
	};
	static struct seq_arg args[SEQ_THREADS];
	struct nta_stats st;
	struct nta_arena *a;
	pthread_t th;
	unsigned int i;
	int v;

	a = nta_arena_create(&cfg);
	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	for (i = 0; i < SEQ_THREADS; i++) {
		args[i].a = a;
		args[i].err = 0;
		if (pthread_create(&th, NULL, seq_main, &args[i]) != 0 ||
				pthread_join(th, NULL) != 0) {
			nta_arena_destroy(a);
			TEST_ASSERT(0, "thread %u: pthread_create/join failed", i);
		}
		if (args[i].err != 0) {
			nta_arena_destroy(a);
			TEST_ASSERT(0, "thread %u of %u: errno %d", i, SEQ_THREADS, args[i].err);
		}
	}
	v = nta_verify(a);
	nta_stats_get(a, &st);
	if (v != 0 || st.buffers_used != 2 * SEQ_THREADS) {
		printf("after %u threads: verify %d, %" PRIu64 " buffers used (want %u)\n",
			SEQ_THREADS, v, st.buffers_used, 2 * SEQ_THREADS);
		nta_arena_destroy(a);
		return TEST_FAILED;
	}
	for (i = 0; i < SEQ_THREADS; i++)
		if (nta_free(a, args[i].kept[0]) != 0 || nta_free(a, args[i].kept[1]) != 0) {
			printf("free of thread %u's buffer: errno %d\n", i, nta_errno);
			nta_arena_destroy(a);
			return TEST_FAILED;
		}
	nta_cache_flush_all(a);
	v = nta_verify(a);
	nta_stats_get(a, &st);
	nta_arena_destroy(a);
	TEST_ASSERT_EQUAL(v, 0, "verify after flush_all");
	TEST_ASSERT_EQUAL(st.bytes_used, 0, "bytes used");
	TEST_ASSERT_EQUAL(st.bytes_cached, 0, "bytes still cached after nta_cache_flush_all");
	TEST_ASSERT_EQUAL(st.free_extents, st.regions, "free extents");
	return TEST_SUCCESS;
}

/*
 * Two threads free the same buffers at the same time (a racing double
 * free): each buffer must be freed exactly once, the other call refused
 * (EALREADY, or EINVAL once the buffer merged into an extent it does not
 * start), and the arena must stay sound. nta.h promises that a refused free
 * leaves the arena unchanged; if both calls succeed, the buffer goes into
 * two caches and then twice into the tree, and nta_verify() reports it.
 */
#define RACE_BUFS 5000

struct race_arg {
	struct nta_arena *a;
	uint8_t **p;
	pthread_barrier_t *bar;
	atomic_uint *arrived;
	uint64_t ok, refused, bad_errno;
};

static void *
race_main(void *arg)
{
	struct race_arg *r = arg;
	unsigned int i, k;

	pthread_barrier_wait(r->bar);
	for (i = 0; i < RACE_BUFS; i++) {
		/*
		 * Both free buffer i, then wait for each other (lockstep), so
		 * that the two calls on each buffer really overlap even on a
		 * busy machine.
		 */
		k = i;
		if (nta_free(r->a, r->p[k]) == 0)
			r->ok++;
		else if (nta_errno == EALREADY || nta_errno == EINVAL)
			r->refused++;
		else
			r->bad_errno++;
		atomic_fetch_add(r->arrived, 1);
		while (atomic_load(r->arrived) < 2 * (i + 1))
			sched_yield();
	}
	nta_cache_flush(r->a);
	return NULL;
}

static int
run_race(unsigned int flags)
{
	struct nta_arena_config cfg = {
		.name = "race", .region_size = 256 * 1024, .initial_regions = 1,
		.max_regions = 64, .flags = flags | NTA_ARENA_F_QUIET,
	};
	static uint8_t *p[RACE_BUFS];
	struct race_arg r[2];
	pthread_barrier_t bar;
	atomic_uint arrived;
	struct nta_stats st;
	struct nta_arena *a;
	pthread_t th[2];
	unsigned int i, round;
	int v;

	a = nta_arena_create(&cfg);
	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < RACE_BUFS; i++) {
			p[i] = nta_alloc(a, 32 + (i * 37) % 600);
			if (p[i] == NULL) {
				nta_arena_destroy(a);
				TEST_ASSERT(0, "alloc: errno %d", nta_errno);
			}
		}
		pthread_barrier_init(&bar, NULL, 2);
		atomic_store(&arrived, 0);
		for (i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].a = a;
			r[i].p = p;
			r[i].bar = &bar;
			r[i].arrived = &arrived;
			pthread_create(&th[i], NULL, race_main, &r[i]);
		}
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&bar);
		nta_cache_flush_all(a);
		v = nta_verify(a);
		nta_stats_get(a, &st);
		if (r[0].ok + r[1].ok != RACE_BUFS || r[0].bad_errno + r[1].bad_errno != 0 ||
				v != 0 || st.bytes_used != 0 || st.buffers_used != 0) {
			printf("round %u: frees accepted %" PRIu64 " + %" PRIu64 " (want %u in all)"
				", refused %" PRIu64 " + %" PRIu64 ", bad errno %" PRIu64 ", verify %d,"
				" used %" PRIu64 " B in %" PRIu64 " buffers\n", round, r[0].ok, r[1].ok,
				RACE_BUFS, r[0].refused, r[1].refused,
				r[0].bad_errno + r[1].bad_errno, v, st.bytes_used, st.buffers_used);
			nta_arena_destroy(a);
			return TEST_FAILED;
		}
	}
	printf("  last round: thread 0 freed %" PRIu64 ", thread 1 freed %" PRIu64 "\n",
		r[0].ok, r[1].ok);
	nta_arena_destroy(a);
	return TEST_SUCCESS;
}

static int
test_racing_double_free(void)
{
	return run_race(0);
}

static int
test_racing_double_free_no_cache(void)
{
	return run_race(NTA_ARENA_F_NO_CACHE);
}

/*
 * The packet pattern: one thread allocates, another frees. The freeing
 * thread's full caches are handed over whole to the allocating one, so a
 * good part of the allocations are cache hits; without the hand-over none
 * would be (the allocating thread never frees into its own cache). How many
 * depends on scheduling: with up to QCAP buffers in flight, the depot's
 * NTA_DEPOT_MAX cachefuls are at least a quarter of them.
 */
#define PIPE_BUFS 200000

struct pipe_arg {
	struct nta_arena *a;
	struct queue *q;
	uint64_t freed;
	int err;
};

static void *
pipe_consumer(void *arg)
{
	struct pipe_arg *x = arg;
	struct item it;

	while (x->freed < PIPE_BUFS) {
		if (!q_pop(x->q, &it)) {
			sched_yield();
			continue;
		}
		if (nta_free(x->a, it.p) != 0 && x->err == 0)
			x->err = nta_errno;
		x->freed++;
	}
	return NULL;
}

static int
test_pipeline(void)
{
	static const size_t sizes[] = { 192, 722, 1646, 192, 722, 192, 192 };
	struct nta_arena *a = nta_arena_create(NULL);
	struct queue *q = calloc(1, sizeof(*q));
	struct pipe_arg x = { .a = a, .q = q };
	struct nta_stats st;
	pthread_t th;
	uint64_t i;
	int v;

	TEST_ASSERT_NOT_NULL(a, "create: errno %d", nta_errno);
	TEST_ASSERT_NOT_NULL(q, "queue");
	pthread_mutex_init(&q->lock, NULL);
	TEST_ASSERT_EQUAL(pthread_create(&th, NULL, pipe_consumer, &x), 0, "pthread_create");
	for (i = 0; i < PIPE_BUFS; i++) {
		struct item it = { .size = sizes[i % 7], .id = i };

		it.p = nta_alloc(a, it.size);
		if (it.p == NULL)
			break;
		while (!q_push(q, &it))
			sched_yield();
	}
	if (i < PIPE_BUFS) {
		/* Unblock the consumer: it waits for PIPE_BUFS buffers. */
		x.err = nta_errno != 0 ? nta_errno : -1;
		for (; i < PIPE_BUFS; i++) {
			struct item none = { 0 };

			while (!q_push(q, &none))
				sched_yield();
		}
	}
	pthread_join(th, NULL);
	nta_stats_get(a, &st);
	printf("allocations %" PRIu64 ", cache hits %" PRIu64 ", tree %" PRIu64 "\n",
		st.allocs, st.cache_hits, st.tree_allocs);
	nta_cache_flush_all(a);
	v = nta_verify(a);
	pthread_mutex_destroy(&q->lock);
	free(q);
	TEST_ASSERT_EQUAL(x.err, 0, "an allocation or free failed");
	TEST_ASSERT(st.cache_hits >= PIPE_BUFS / 10, "full caches not handed over: %" PRIu64
		" cache hits of %u allocations", st.cache_hits, PIPE_BUFS);
	TEST_ASSERT_EQUAL(v, 0, "verify after flush_all");
	nta_stats_get(a, &st);
	nta_arena_destroy(a);
	TEST_ASSERT_EQUAL(st.bytes_used, 0, "bytes used");
	TEST_ASSERT_EQUAL(st.bytes_cached, 0, "bytes still cached after nta_cache_flush_all");
	return TEST_SUCCESS;
}

static int
setup(void)
{
	opt_seconds = nta_test_env_u64("NTA_TEST_SECONDS", opt_seconds);
	printf("%" PRIu64 " s per case (NTA_TEST_SECONDS)\n", opt_seconds);
	return TEST_SUCCESS;
}

static const struct nta_test_case cases[] = {
	{ "cross_free", test_cross_free },
	{ "cross_free_no_cache", test_cross_free_no_cache },
	{ "many_threads", test_many_threads },
	{ "racing_double_free", test_racing_double_free },
	{ "racing_double_free_no_cache", test_racing_double_free_no_cache },
	{ "pipeline", test_pipeline },
	{ NULL, NULL },
};

static const struct nta_test_suite suite = {
	.name = "nta two threads",
	.usage = "Env NTA_TEST_SECONDS=N: run each case for N seconds (3).\n",
	.setup = setup,
	.cases = cases,
};

int
main(int argc, char **argv)
{
	return nta_test_main(&suite, argc, argv);
}
