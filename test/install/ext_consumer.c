/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * An application outside the tree, built from installed files only:
 *   cc ext_consumer.c $(pkg-config --cflags --libs libnta)
 * It uses the allocator (exact sizes, merge, refusal of a double free) and
 * the sharing header, and exits 0 only when every check holds.
 */

#include <stdio.h>
#include <string.h>

#include <nta.h>
#include <nta_consumer.h>

static void
quiet(int level, const char *msg)
{
	(void)level;
	(void)msg;
}

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "ext_consumer: check failed: %s (line %d)\n", #c, __LINE__); \
		return 1; \
	} \
} while (0)

int
main(void)
{
	struct nta_arena_config cfg;
	struct nta_arena *a;
	struct nta_stats st;
	void *p, *q;

	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "ext";
	cfg.backing = NTA_BACKING_ANON;
	a = nta_arena_create(&cfg);
	CHECK(a != NULL);
	p = nta_alloc(a, 192);
	q = nta_alloc(a, 9000);
	CHECK(p != NULL && q != NULL);
	CHECK(nta_size(a, p) == 192);
	CHECK(nta_size(a, q) == (9000 + NTA_UNIT - 1) / NTA_UNIT * NTA_UNIT);
	memset(q, 0xa5, 9000);
	CHECK(nta_free(a, p) == 0);
	CHECK(nta_free(a, q) == 0);
	nta_cache_flush(a);
	/* A double free is refused and changes nothing. */
	nta_set_log(quiet);
	CHECK(nta_free(a, q) == -1 && nta_errno != 0);
	nta_set_log(NULL);
	CHECK(nta_verify(a) == 0);
	CHECK(nta_stats_get(a, &st) == 0);
	CHECK(st.bytes_used == 0 && st.buffers_used == 0);
	nta_arena_destroy(a);
	printf("ext_consumer: libnta (unit %d B) from installed files: ok\n", NTA_UNIT);
	return 0;
}
