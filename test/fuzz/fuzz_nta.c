/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Fuzz target: the input is an alloc/free script run on a small arena.
 *
 *   byte 0:      arena flags: bit 0 NTA_ARENA_F_NO_CACHE, bit 1 a jumbo region
 *   then ops of 4 bytes [op, a, b, c]:
 *     op % 10 = 0 alloc       size = a | b << 8
 *               1 alloc big   size = (a | b << 8) * 4 (above the regions)
 *               2 aligned     size = a | b << 8, align = 1 << (c % 20)
 *               3 free        live slot a
 *               4 bogus free  kind c % 5 (stack, heap, interior, misaligned,
 *                             past the buffer end) of live slot a
 *               5 double free a recently freed pointer, slot a
 *               6 flush       this thread's cache
 *               7 descriptor  to_desc/from_desc/desc_check round trip of slot a
 *               8 forged desc region a % 8, offset (b | c << 8) * 8, len from a
 *               9 check       the pattern of live slot a
 *
 * After every op: nta_verify() == 0, stats agree with the model (bytes and
 * buffers in use), no two live buffers overlap, and every result is one the
 * API documents; anything else abort()s. Built with libFuzzer
 * (fuzz_nta_libfuzzer) and as a replayer of input files (fuzz_nta_replay).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nta.h"

#define REGION_SIZE (16 * 1024)
#define MAX_REGIONS 4
#define JUMBO_SIZE (64 * 1024)
#define MAX_LIVE 64
#define MAX_FREED 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct slot {
	uint8_t *p;
	size_t size;
	uint8_t seed;
};

struct fz {
	struct nta_arena *a;
	struct slot live[MAX_LIVE];
	unsigned int n_live;
	uint8_t *freed[MAX_FREED];
	unsigned int n_freed;
	uint64_t used;
	size_t max_size;
	size_t op;
};

#define FUZZ_ASSERT(f, cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_nta: op %zu: assertion '%s' failed at line %d (errno %d)\n", \
			(f)->op, #cond, __LINE__, nta_errno); \
		abort(); \
	} \
} while (0)

static size_t
round_unit(size_t n)
{
	return (n + NTA_UNIT - 1) / NTA_UNIT * NTA_UNIT;
}

/*
 * The pattern covers the first and last EDGE bytes of a buffer (all of a
 * small one): enough to catch a buffer handed out twice or written by the
 * allocator, and cheap enough for libFuzzer's rate.
 */
#define EDGE 256

static inline uint8_t
pat(size_t i, uint8_t seed)
{
	return (uint8_t)(seed + i * 7 + (i >> 8));
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == EDGE && n > 2 * EDGE)
			i = n - EDGE;
		p[i] = pat(i, seed);
	}
}

static int
intact(const uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i == EDGE && n > 2 * EDGE)
			i = n - EDGE;
		if (p[i] != pat(i, seed))
			return 0;
	}
	return 1;
}

/* Live slot whose buffer contains q, or -1. */
static int
find_live(const struct fz *f, const uint8_t *q)
{
	unsigned int i;

	for (i = 0; i < f->n_live; i++)
		if (q >= f->live[i].p && q < f->live[i].p + f->live[i].size)
			return (int)i;
	return -1;
}

static void
new_buffer(struct fz *f, uint8_t *p, size_t req, size_t align, uint8_t seed)
{
	size_t sz = nta_size(f->a, p);
	unsigned int i;

	FUZZ_ASSERT(f, ((uintptr_t)p % align) == 0);
	FUZZ_ASSERT(f, sz == round_unit(req));
	for (i = 0; i < f->n_live; i++)
		FUZZ_ASSERT(f, p + sz <= f->live[i].p || f->live[i].p + f->live[i].size <= p);
	/* A recycled address is no longer a freed one. */
	for (i = 0; i < f->n_freed; i++)
		if (f->freed[i] >= p && f->freed[i] < p + sz)
			f->freed[i] = f->freed[--f->n_freed], i--;
	fill(p, sz, seed);
	if (f->n_live == MAX_LIVE) {
		/* Model full: give the buffer straight back. */
		FUZZ_ASSERT(f, nta_free(f->a, p) == 0);
		return;
	}
	f->live[f->n_live].p = p;
	f->live[f->n_live].size = sz;
	f->live[f->n_live].seed = seed;
	f->n_live++;
	f->used += sz;
}

static void
op_alloc(struct fz *f, size_t req, size_t align, uint8_t seed)
{
	uint8_t *p;

	nta_errno = 0;
	p = align == 0 ? nta_alloc(f->a, req) : nta_alloc_aligned(f->a, req, align);
	if (p != NULL) {
		FUZZ_ASSERT(f, req > 0 && req <= f->max_size);
		new_buffer(f, p, req, align > NTA_UNIT ? align : NTA_UNIT, seed);
		return;
	}
	if (req == 0 || (align != 0 && (align & (align - 1)) != 0))
		FUZZ_ASSERT(f, nta_errno == EINVAL);
	else if (align > REGION_SIZE)
		FUZZ_ASSERT(f, nta_errno == EINVAL || nta_errno == E2BIG);
	else if (req > f->max_size)
		FUZZ_ASSERT(f, nta_errno == E2BIG);
	else
		FUZZ_ASSERT(f, nta_errno == ENOMEM || (align != 0 && align < NTA_UNIT &&
			nta_errno == EINVAL));
}

static void
op_free(struct fz *f, unsigned int k)
{
	struct slot s;

	if (f->n_live == 0)
		return;
	k %= f->n_live;
	s = f->live[k];
	FUZZ_ASSERT(f, intact(s.p, s.size, s.seed));
	FUZZ_ASSERT(f, nta_free(f->a, s.p) == 0);
	f->live[k] = f->live[--f->n_live];
	f->used -= s.size;
	if (f->n_freed < MAX_FREED)
		f->freed[f->n_freed++] = s.p;
	else
		f->freed[s.size % MAX_FREED] = s.p;
}

static void
op_bogus_free(struct fz *f, unsigned int k, unsigned int kind)
{
	uint64_t on_stack[2] = { 0 };
	uint8_t *q = NULL, *heap = NULL;
	int want, j;

	switch (kind % 5) {
	case 0:
		q = (uint8_t *)on_stack;
		want = EFAULT;
		break;
	case 1:
		heap = malloc(64);
		FUZZ_ASSERT(f, heap != NULL);
		q = heap;
		want = EFAULT;
		break;
	default:
		if (f->n_live == 0)
			return;
		k %= f->n_live;
		if (kind % 5 == 2) {
			if (f->live[k].size <= NTA_UNIT)
				return;
			q = f->live[k].p + NTA_UNIT * (1 + k % (f->live[k].size / NTA_UNIT - 1));
			want = EINVAL;
		} else if (kind % 5 == 3) {
			q = f->live[k].p + 1 + k % (NTA_UNIT - 1);
			want = EINVAL;
		} else {
			/* Just past the buffer: another buffer, free memory or outside. */
			q = f->live[k].p + f->live[k].size;
			j = find_live(f, q);
			if (j >= 0 && f->live[j].p == q)
				return; /* the start of a live buffer: a valid free */
			want = -1;
		}
		break;
	}
	nta_errno = 0;
	FUZZ_ASSERT(f, nta_free(f->a, q) == -1);
	if (want >= 0)
		FUZZ_ASSERT(f, nta_errno == want);
	else
		FUZZ_ASSERT(f, nta_errno == EINVAL || nta_errno == EALREADY ||
			nta_errno == EFAULT);
	free(heap);
}

static void
op_double_free(struct fz *f, unsigned int k)
{
	uint8_t *q;
	int j;

	if (f->n_freed == 0)
		return;
	q = f->freed[k % f->n_freed];
	j = find_live(f, q);
	if (j >= 0 && f->live[j].p == q)
		return;
	nta_errno = 0;
	FUZZ_ASSERT(f, nta_free(f->a, q) == -1);
	/* Interior of a buffer allocated since: EINVAL; still free: EALREADY. */
	if (j >= 0)
		FUZZ_ASSERT(f, nta_errno == EINVAL);
	else
		FUZZ_ASSERT(f, nta_errno == EALREADY || nta_errno == EINVAL);
}

static void
op_desc(struct fz *f, unsigned int k, unsigned int lenb)
{
	struct nta_desc d;
	struct slot *s;
	uint32_t len;

	if (f->n_live == 0)
		return;
	s = &f->live[k % f->n_live];
	len = (uint32_t)(lenb * NTA_UNIT / 2) % (s->size + 1);
	FUZZ_ASSERT(f, nta_to_desc(f->a, s->p, len, &d) == 0);
	FUZZ_ASSERT(f, d.len == (len == 0 ? s->size : len));
	FUZZ_ASSERT(f, (int)d.region == nta_region_of(f->a, s->p));
	FUZZ_ASSERT(f, nta_from_desc(f->a, &d) == s->p);
	FUZZ_ASSERT(f, nta_desc_check(f->a, &d) == s->p);
	nta_errno = 0;
	FUZZ_ASSERT(f, nta_to_desc(f->a, s->p, (uint32_t)s->size + 1, &d) == -1);
	FUZZ_ASSERT(f, nta_errno == EINVAL);
}

static void
op_forged(struct fz *f, unsigned int a, unsigned int b, unsigned int c)
{
	struct nta_desc d = {
		.region = a % 8,
		.offset = (uint32_t)((b | c << 8) * 8),
		.len = (uint32_t)((a >> 3) * 64),
	};
	struct nta_region_info ri;
	uint8_t *q;
	int j;

	nta_errno = 0;
	q = nta_desc_check(f->a, &d);
	if (q != NULL) {
		/* Accepted: must be the start of a live buffer that holds len bytes. */
		j = find_live(f, q);
		FUZZ_ASSERT(f, j >= 0 && f->live[j].p == q && d.len <= f->live[j].size);
		FUZZ_ASSERT(f, nta_region_info(f->a, d.region, &ri) == 0);
		FUZZ_ASSERT(f, q == (uint8_t *)ri.base + d.offset);
		return;
	}
	FUZZ_ASSERT(f, nta_errno == ERANGE || nta_errno == EINVAL || nta_errno == EALREADY);
	if (nta_region_info(f->a, d.region, &ri) != 0) {
		FUZZ_ASSERT(f, nta_errno == ERANGE);
		return;
	}
	q = (uint8_t *)ri.base + d.offset;
	/* Refused although it names a live buffer exactly: a false refusal. */
	if (d.len > 0 && (uint64_t)d.offset + d.len <= ri.size) {
		j = find_live(f, q);
		FUZZ_ASSERT(f, !(j >= 0 && f->live[j].p == q && d.len <= f->live[j].size));
	}
}

static void
check_all(struct fz *f)
{
	struct nta_stats st;
	int v = nta_verify(f->a);

	if (v != 0) {
		fprintf(stderr, "fuzz_nta: op %zu: nta_verify() = %d\n", f->op, v);
		nta_dump(stderr, f->a, 1);
		abort();
	}
	FUZZ_ASSERT(f, nta_stats_get(f->a, &st) == 0);
	FUZZ_ASSERT(f, st.bytes_used == f->used);
	FUZZ_ASSERT(f, st.buffers_used == f->n_live);
	FUZZ_ASSERT(f, st.bytes_used + st.bytes_cached + st.bytes_free == st.bytes_total);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nta_arena_config cfg = {
		.name = "fuzz",
		.region_size = REGION_SIZE,
		.initial_regions = 1,
		.max_regions = MAX_REGIONS,
		.flags = NTA_ARENA_F_QUIET,
	};
	static struct fz f;
	struct nta_stats st;
	size_t i;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		cfg.flags |= NTA_ARENA_F_NO_CACHE;
	if (data[0] & 2)
		cfg.jumbo_size = JUMBO_SIZE;
	memset(&f, 0, sizeof(f));
	f.max_size = cfg.jumbo_size > REGION_SIZE ? cfg.jumbo_size : REGION_SIZE;
	f.a = nta_arena_create(&cfg);
	if (f.a == NULL) {
		fprintf(stderr, "fuzz_nta: nta_arena_create: errno %d\n", nta_errno);
		abort();
	}
	for (i = 1; i + 4 <= size; i += 4) {
		unsigned int op = data[i] % 10, a = data[i + 1], b = data[i + 2], c = data[i + 3];

		f.op = i / 4;
		switch (op) {
		case 0:
			op_alloc(&f, a | b << 8, 0, (uint8_t)c);
			break;
		case 1:
			op_alloc(&f, (size_t)(a | b << 8) * 4, 0, (uint8_t)c);
			break;
		case 2:
			op_alloc(&f, a | b << 8, (size_t)1 << (c % 20), (uint8_t)(a ^ c));
			break;
		case 3:
			op_free(&f, a);
			break;
		case 4:
			op_bogus_free(&f, a, c);
			break;
		case 5:
			op_double_free(&f, a);
			break;
		case 6:
			nta_cache_flush(f.a);
			break;
		case 7:
			op_desc(&f, a, b);
			break;
		case 8:
			op_forged(&f, a, b, c);
			break;
		case 9:
			if (f.n_live > 0) {
				struct slot *s = &f.live[a % f.n_live];

				FUZZ_ASSERT(&f, intact(s->p, s->size, s->seed));
			}
			break;
		}
		check_all(&f);
	}
	/* Free everything: every region must be one free extent again. */
	f.op = size;
	while (f.n_live > 0)
		op_free(&f, 0);
	nta_cache_flush(f.a);
	check_all(&f);
	FUZZ_ASSERT(&f, nta_stats_get(f.a, &st) == 0);
	FUZZ_ASSERT(&f, st.bytes_used == 0 && st.bytes_cached == 0);
	FUZZ_ASSERT(&f, st.free_extents == st.regions);
	nta_arena_destroy(f.a);
	return 0;
}

#ifdef NTA_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

static int
replay_file(const char *prog, const char *path)
{
	static uint8_t buf[1 << 20];
	size_t len;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		fprintf(stderr, "%s: cannot open %s\n", prog, path);
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), fp);
	if (ferror(fp)) {
		fprintf(stderr, "%s: cannot read %s\n", prog, path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	return 0;
}

/* Replay the input files (or every file of the directories) given. */
int
main(int argc, char **argv)
{
	struct dirent **ents;
	struct stat sb;
	char path[4096];
	int i, k, ne, n = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("Usage: %s FILE|DIR...\n"
			"Run each FILE (each file of each DIR) through the nta fuzz target, an\n"
			"alloc/free script (see test/fuzz/fuzz_nta.c); abort()s on the first\n"
			"violation. Exit 0 when every input ran clean.\n", argv[0]);
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
			return 2;
		}
		if (!S_ISDIR(sb.st_mode)) {
			if (replay_file(argv[0], argv[i]) < 0)
				return 2;
			n++;
			continue;
		}
		ne = scandir(argv[i], &ents, NULL, alphasort);
		if (ne < 0) {
			fprintf(stderr, "%s: cannot read directory %s\n", argv[0], argv[i]);
			return 2;
		}
		for (k = 0; k < ne; k++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i], ents[k]->d_name);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
				if (replay_file(argv[0], path) < 0)
					return 2;
				n++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	if (n == 0) {
		fprintf(stderr, "%s: no input files\n", argv[0]);
		return 2;
	}
	printf("%d passed, 0 failed\n", n);
	return 0;
}
#endif
