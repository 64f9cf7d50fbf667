/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Where region memory comes from: anonymous mappings, hugetlbfs files of the
 * hugepage size libhugetlbfs reports (shareable with other processes by fd
 * only: they have no name), or the caller (external memory is never mapped
 * nor unmapped here).
 *
 * A hugetlbfs region is a memfd_create(MFD_HUGETLB) file: a file of the
 * kernel's own hugetlbfs mount that never has a name, so that nothing is
 * left to pin hugepages when a process exits or is killed without
 * destroying its arena (the pages go with the last mapping and fd), and so
 * that arenas of the same name never collide. Its memfd name,
 * nta-<arena>-<pid>-<region id>, shows in /proc/<pid>/maps
 * ("/memfd:nta-... (deleted)") for whoever looks for an arena's mappings.
 * Other processes map it through the fd: passed over a unix socket, or
 * opened as /proc/<pid>/fd/<fd>.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hugetlbfs.h>
#include <linux/memfd.h>

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
	return 0;
}

/*
 * A hugetlbfs file for a region of a: its fd, or a negative errno (ENOENT:
 * the kernel has no hugepages of that size).
 */
static int
hugetlbfs_file(struct nta_arena *a, struct nta_region *r)
{
	size_t page = a->page_size;
	char name[NTA_NAME_LEN + 32];
	int fd, err;

	if (page == 0 || (page & (page - 1)) != 0)
		return -ENOENT;
	snprintf(name, sizeof(name), "nta-%s-%d-%u", a->name, (int)getpid(), r->id);
	/* Sealing allowed (none is added here): a process that lends the
	 * file read-only seals it against writes (F_SEAL_FUTURE_WRITE).
	 */
	fd = memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB | MFD_ALLOW_SEALING |
		((unsigned int)__builtin_ctzll(page) << MFD_HUGE_SHIFT));
	if (fd >= 0)
		return fd;
	err = errno;
	nta_arena_log(a, NTA_LOG_ERR, "%s: cannot create a hugetlbfs file of %zu-byte pages: %s",
		a->name, page, strerror(err));
	/* EINVAL: no such hugepage size (the flags and name are right). */
	return err == EINVAL ? -ENOENT : -err;
}

static int
map_hugetlbfs(struct nta_arena *a, struct nta_region *r, size_t size, void *at)
{
	int fd = hugetlbfs_file(a, r);
	void *p;

	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)size) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	/* MAP_SHARED on hugetlbfs reserves the pages now or fails. */
	p = mmap(at, size, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_POPULATE | (at != NULL ? MAP_FIXED : 0), fd, 0);
	if (p == MAP_FAILED) {
		/* A failed MAP_FIXED may have punched the reservation: restore it. */
		if (at != NULL)
			mmap(at, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				MAP_NORESERVE, -1, 0);
		close(fd);
		return -ENOMEM;
	}
	r->base = p;
	r->map_len = size;
	r->fd = fd;
	return 0;
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
