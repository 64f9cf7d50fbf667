/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Where region memory comes from: anonymous mappings, files on a hugetlbfs
 * mount found through libhugetlbfs (shareable with other processes by path or
 * by fd), or the caller (external memory is never mapped nor unmapped here).
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hugetlbfs.h>

#include "nta_private.h"

#define ANON_REGION_DEFAULT (2u << 20)

size_t
nta_backing_page_size(const struct nta_arena_config *cfg)
{
	long hp;

	switch (cfg->backing) {
	case NTA_BACKING_HUGETLBFS:
		if (cfg->hugepage_size != 0)
			return cfg->hugepage_size;
		hp = gethugepagesize();
		return hp > 0 ? (size_t)hp : 0;
	case NTA_BACKING_ANON:
		return (size_t)sysconf(_SC_PAGESIZE);
	default:
		return NTA_UNIT;
	}
}

static int
map_anon(struct nta_region *r, size_t size, void *at)
{
	void *p = mmap(at, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | (at != NULL ? MAP_FIXED : 0), -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	r->base = p;
	r->map_len = size;
	r->fd = -1;
	r->path[0] = '\0';
	return 0;
}

static int
map_hugetlbfs(struct nta_arena *a, struct nta_region *r, size_t size, void *at)
{
	size_t page = nta_backing_page_size(&a->cfg);
	const char *mnt;
	void *p;
	int fd;

	if (page == 0)
		return -ENOENT;
	mnt = hugetlbfs_find_path_for_size((long)page);
	if (mnt == NULL)
		return -ENOENT;
	snprintf(r->path, sizeof(r->path), "%s/nta-%s-%d-%u", mnt, a->name, (int)getpid(), r->id);
	fd = open(r->path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;

		nta_arena_log(a, NTA_LOG_ERR, "%s: cannot create %s: %s", a->name, r->path,
			strerror(err));
		r->path[0] = '\0';
		return err == ENOENT ? -ENOENT : -ENOMEM;
	}
	if (ftruncate(fd, (off_t)size) != 0)
		goto fail;
	/* MAP_SHARED on hugetlbfs reserves the pages now or fails. */
	p = mmap(at, size, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_POPULATE | (at != NULL ? MAP_FIXED : 0), fd, 0);
	if (p == MAP_FAILED) {
		/* A failed MAP_FIXED may have punched the reservation: restore it. */
		if (at != NULL)
			mmap(at, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				MAP_NORESERVE, -1, 0);
		goto fail;
	}
	r->base = p;
	r->map_len = size;
	r->fd = fd;
	return 0;
fail:
	close(fd);
	unlink(r->path);
	r->path[0] = '\0';
	return -ENOMEM;
}

int
nta_backing_map(struct nta_arena *a, struct nta_region *r, size_t size, void *at)
{
	int rc;

	switch (a->cfg.backing) {
	case NTA_BACKING_ANON:
		rc = map_anon(r, size, at);
		break;
	case NTA_BACKING_HUGETLBFS:
		rc = map_hugetlbfs(a, r, size, at);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc == 0) {
		r->owned = true;
		r->iova = UINT64_MAX;
	}
	return rc;
}

void
nta_backing_unmap(struct nta_region *r)
{
	if (!r->owned)
		return;
	if (r->in_reservation)
		/* Give the range back to the arena's reservation, not to the process. */
		mmap(r->base, r->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			MAP_NORESERVE, -1, 0);
	else
		munmap(r->base, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->path[0] != '\0')
		unlink(r->path);
	r->owned = false;
}

size_t
nta_backing_default_region(const struct nta_arena_config *cfg)
{
	size_t s = cfg->backing == NTA_BACKING_HUGETLBFS ? nta_backing_page_size(cfg) :
		ANON_REGION_DEFAULT;

	if (s > NTA_REGION_MAX_BYTES)
		s = NTA_REGION_MAX_BYTES;
	return s;
}
