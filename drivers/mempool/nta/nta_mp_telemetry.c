/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/* Telemetry of 'nta' pools: /nta/pools, /nta/stats,<pool>, /nta/regions,<pool>. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "nta_mempool_private.h"

/* Every allocated pool. */
static TAILQ_HEAD(, mpn_pool) mpn_pools = TAILQ_HEAD_INITIALIZER(mpn_pools);
static rte_spinlock_t mpn_pools_lock = RTE_SPINLOCK_INITIALIZER;

void
mpn_tel_add(struct mpn_pool *p)
{
	rte_spinlock_lock(&mpn_pools_lock);
	TAILQ_INSERT_TAIL(&mpn_pools, p, next);
	rte_spinlock_unlock(&mpn_pools_lock);
}

void
mpn_tel_remove(struct mpn_pool *p)
{
	rte_spinlock_lock(&mpn_pools_lock);
	TAILQ_REMOVE(&mpn_pools, p, next);
	rte_spinlock_unlock(&mpn_pools_lock);
}

/* The pool named params (mpn_pools_lock held), or NULL. */
static struct mpn_pool *
mpn_tel_find(const char *params)
{
	struct mpn_pool *p;

	if (params == NULL)
		return NULL;
	TAILQ_FOREACH(p, &mpn_pools, next)
		if (strcmp(p->mp->name, params) == 0)
			return p;
	return NULL;
}

/*
 * The arena telemetry describes: the one rte_nta_mempool_arena() gives, the
 * data buffers' for a pinned pool (once created: until then its headers').
 */
struct nta_arena *
mpn_tel_arena(const struct mpn_pool *p)
{
	struct nta_arena *data = __atomic_load_n(&p->data_arena, __ATOMIC_ACQUIRE);

	return data != NULL ? data : p->arena;
}

/*
 * The answer to a request for a pool that is not there. DPDK 22.11 turns a
 * negative return into null, the answer to an unknown command as well: an
 * error that says what went wrong is a dictionary, returned as success.
 */
int
mpn_tel_error(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char msg[RTE_TEL_MAX_STRING_LEN];

	if (params == NULL || params[0] == '\0')
		snprintf(msg, sizeof(msg), "%s needs a pool name: %s,<pool>", cmd, cmd);
	else
		snprintf(msg, sizeof(msg), "no nta pool named '%s' (see /nta/pools)", params);
	return mpn_tel_refuse(d, msg);
}

int
mpn_tel_refuse(struct rte_tel_data *d, const char *why)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", why);
	return 0;
}

int
mpn_tel_with_pool(const char *name, int (*fn)(struct mpn_pool *p, void *arg), void *arg)
{
	struct mpn_pool *p;
	int ret = -EINVAL;

	rte_spinlock_lock(&mpn_pools_lock);
	p = mpn_tel_find(name);
	if (p != NULL)
		ret = fn(p, arg);
	rte_spinlock_unlock(&mpn_pools_lock);
	return ret;
}

static int
mpn_tel_pools(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct mpn_pool *p;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	rte_spinlock_lock(&mpn_pools_lock);
	TAILQ_FOREACH(p, &mpn_pools, next)
		rte_tel_data_add_array_string(d, p->mp->name);
	rte_spinlock_unlock(&mpn_pools_lock);
	return 0;
}

static void
mpn_tel_stats_dict(const struct mpn_pool *p, bool pinned, const struct nta_stats *st,
		struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "pool", p->mp->name);
	rte_tel_data_add_dict_int(d, "pinned", pinned);
	rte_tel_data_add_dict_u64(d, "objects", p->mp->size);
	rte_tel_data_add_dict_u64(d, "objects_free", mpn_stack_count(p->mp));
	rte_tel_data_add_dict_u64(d, "regions", st->regions);
	rte_tel_data_add_dict_u64(d, "bytes_total", st->bytes_total);
	rte_tel_data_add_dict_u64(d, "bytes_used", st->bytes_used);
	rte_tel_data_add_dict_u64(d, "bytes_free", st->bytes_free);
	rte_tel_data_add_dict_u64(d, "bytes_cached", st->bytes_cached);
	rte_tel_data_add_dict_u64(d, "largest_free", st->largest_free);
	rte_tel_data_add_dict_u64(d, "free_extents", st->free_extents);
	/* No floating-point values in DPDK 22.11 telemetry: millionths. */
	rte_tel_data_add_dict_u64(d, "fragmentation_ppm",
		(uint64_t)(st->fragmentation * 1e6 + 0.5));
	rte_tel_data_add_dict_u64(d, "tree_height_max", st->tree_height_max);
	rte_tel_data_add_dict_u64(d, "metadata_bytes", st->metadata_bytes);
	rte_tel_data_add_dict_u64(d, "allocs", st->allocs);
	rte_tel_data_add_dict_u64(d, "frees", st->frees);
	rte_tel_data_add_dict_u64(d, "foreign_objects", p->foreign);
}

/* Under the pool list's lock (mpn_tel_with_pool): p is alive. */
static int
mpn_tel_stats_of(struct mpn_pool *p, void *arg)
{
	struct nta_arena *arena = mpn_tel_arena(p);
	struct nta_stats st;

	if (nta_stats_get(arena, &st) != 0)
		return -ENOMEM;
	mpn_tel_stats_dict(p, arena != p->arena, &st, arg);
	return 0;
}

static int
mpn_tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = mpn_tel_with_pool(params, mpn_tel_stats_of, d);

	return ret == -EINVAL ? mpn_tel_error(cmd, params, d) : ret;
}

/* One region as a dictionary, or NULL. */
static struct rte_tel_data *
mpn_tel_region(const struct nta_region_info *ri)
{
	struct rte_tel_data *r = rte_tel_data_alloc();
	char hex[32];

	if (r == NULL)
		return NULL;
	rte_tel_data_start_dict(r);
	snprintf(hex, sizeof(hex), "0x%" PRIxPTR, (uintptr_t)ri->base);
	rte_tel_data_add_dict_string(r, "base", hex);
	rte_tel_data_add_dict_u64(r, "size", ri->size);
	/* 0xffffffffffffffff (RTE_BAD_IOVA): no IOVA known. */
	snprintf(hex, sizeof(hex), "0x%" PRIx64, ri->iova);
	rte_tel_data_add_dict_string(r, "iova", hex);
	rte_tel_data_add_dict_int(r, "jumbo", ri->jumbo);
	/* 1: a hugetlbfs file with no name, shareable by fd (nta_region_info). */
	rte_tel_data_add_dict_int(r, "file", ri->fd >= 0);
	return r;
}

/* Under the pool list's lock (mpn_tel_with_pool): p is alive. */
static int
mpn_tel_regions_of(struct mpn_pool *p, void *arg)
{
	struct nta_arena *arena = mpn_tel_arena(p);
	struct rte_tel_data *d = arg;
	struct nta_region_info ri;
	uint32_t i, n = nta_region_count(arena);

	rte_tel_data_start_dict(d);
	for (i = 0; i < n; i++) {
		struct rte_tel_data *r;
		char key[16];

		if (nta_region_info(arena, i, &ri) != 0)
			continue;
		r = mpn_tel_region(&ri);
		if (r == NULL)
			break;
		snprintf(key, sizeof(key), "%u", ri.id);
		rte_tel_data_add_dict_container(d, key, r, 0);
	}
	return 0;
}

static int
mpn_tel_regions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = mpn_tel_with_pool(params, mpn_tel_regions_of, d);

	return ret == -EINVAL ? mpn_tel_error(cmd, params, d) : ret;
}

RTE_INIT(mpn_tel_init)
{
	rte_telemetry_register_cmd("/nta/pools", mpn_tel_pools,
		"Mempools using the nta ops. No parameters");
	rte_telemetry_register_cmd("/nta/stats", mpn_tel_stats,
		"Arena stats of an nta mempool (of its data buffers if pinned). "
		"Parameters: pool name");
	rte_telemetry_register_cmd("/nta/regions", mpn_tel_regions,
		"Regions of an nta mempool's arena (of its data buffers if pinned). "
		"Parameters: pool name");
}
