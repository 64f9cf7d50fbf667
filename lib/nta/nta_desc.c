/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Descriptors and addresses: a buffer as (region, offset, length) for
 * another process, the checks of a descriptor that comes back, and the
 * region and IO address of a pointer. Queries: they change nothing and log
 * nothing (nta_errno says why one is refused).
 */

#include <errno.h>

#include "nta_region.h"

NTA_EXPORT int
nta_to_desc(const struct nta_arena *a, const void *ptr, uint32_t len, struct nta_desc *desc)
{
	struct nta_region *r;
	const char *why;
	uint64_t u, size;
	int err;

	if (desc == NULL)
		return nta_fail(EINVAL);
	err = nta_region_query(a, ptr, &r, &u, &why);
	if (err != 0)
		return nta_fail(err);
	size = nta_block_units(r, u) * NTA_UNIT;
	if (len > size)
		return nta_fail(EINVAL);
	desc->region = r->id;
	desc->offset = (uint32_t)(u * NTA_UNIT);
	desc->len = len != 0 ? len : (uint32_t)size;
	return 0;
}

static struct nta_region *
desc_region(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;

	if (d->region >= __atomic_load_n(&a->n_regions, __ATOMIC_ACQUIRE))
		return NULL;
	r = a->regions[d->region];
	if ((uint64_t)d->offset + d->len > nta_region_bytes(r) ||
			d->offset >= nta_region_bytes(r))
		return NULL;
	return r;
}

NTA_EXPORT void *
nta_from_desc(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;

	if (a == NULL || d == NULL) {
		nta_errno = EINVAL;
		return NULL;
	}
	r = desc_region(a, d);
	if (r == NULL) {
		nta_errno = ERANGE;
		return NULL;
	}
	return r->base + d->offset;
}

NTA_EXPORT void *
nta_desc_check(const struct nta_arena *a, const struct nta_desc *d)
{
	struct nta_region *r;
	const char *why;
	uint64_t u;

	if (a == NULL || d == NULL) {
		nta_errno = EINVAL;
		return NULL;
	}
	r = desc_region(a, d);
	if (r == NULL || d->len == 0) {
		nta_errno = ERANGE;
		return NULL;
	}
	if (d->offset % NTA_UNIT != 0) {
		nta_errno = EINVAL;
		return NULL;
	}
	u = d->offset / NTA_UNIT;
	if (!nta_used_test(r, u)) {
		nta_errno = nta_region_classify((struct nta_arena *)(uintptr_t)a, r, u, &why);
		return NULL;
	}
	if (d->len > nta_block_units(r, u) * NTA_UNIT) {
		nta_errno = ERANGE;
		return NULL;
	}
	return r->base + d->offset;
}

NTA_EXPORT uint64_t
nta_iova(const struct nta_arena *a, const void *ptr)
{
	struct nta_region *r;
	uint64_t iova;

	if (a == NULL || (r = nta_region_lookup(a, ptr)) == NULL)
		return UINT64_MAX;
	iova = nta_region_iova(r);
	if (iova == UINT64_MAX)
		return UINT64_MAX;
	return iova + (uint64_t)((const uint8_t *)ptr - r->base);
}

NTA_EXPORT int
nta_region_of(const struct nta_arena *a, const void *ptr)
{
	const struct nta_region *r = a != NULL ? nta_region_lookup(a, ptr) : NULL;

	if (r == NULL)
		return nta_fail(EFAULT);
	return (int)r->id;
}
