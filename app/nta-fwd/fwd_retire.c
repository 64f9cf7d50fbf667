/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Retirement: when a slot's consumer detaches or is expelled, no packet
 * received afterwards may be placed in memory it mapped. The slot's pool is
 * pinned (mbuf headers in private memory, data rooms in the arena): once
 * every mbuf is back in the pool, each one's data room is re-pointed to a
 * room of a fresh generation of hugetlbfs regions (registered with DPDK and
 * DMA-mapped like the first), and the old generation is destroyed (DMA
 * unmapped, unregistered, unmapped, closed). Until every mbuf is back the
 * slot's queues are not polled (and stopped, on devices that can), so no
 * packet lands in the old rooms meanwhile.
 *
 * The old consumer may keep its mapping of the old generation: those
 * hugepages stay pinned until it unmaps them or exits. Each such generation
 * is tracked (pidfd of the old consumer, the inodes of its files, checked in
 * its /proc/<pid>/maps), and their total is bounded by --max-retired-mb:
 * a consumer is refused (EDQUOT) when its slot's retirement could pass it.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nta.h"
#include "rte_mempool_nta.h"
#include "fwd.h"

/* A file as /proc/PID/maps names it. */
struct file_id {
	unsigned int major, minor;
	unsigned long long ino;
};

/* Files of a retired generation, to find them in the old consumer's maps. */
static struct file_id retired_file[FWD_MAX_RETIRED][FWD_MAX_REGIONS + 2];
static uint32_t retired_n_file[FWD_MAX_RETIRED];

/* Add the file of fd to retired entry i. */
static void
retired_file_add(unsigned int i, int fd)
{
	struct file_id *id = &retired_file[i][retired_n_file[i]];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0)
		return;
	id->major = major(st.st_dev);
	id->minor = minor(st.st_dev);
	id->ino = (unsigned long long)st.st_ino;
	retired_n_file[i]++;
}

void
fwd_gen_destroy(struct fwd_gen *g)
{
	uint32_t i;

	for (i = 0; i < g->n_regions; i++) {
		if (g->region[i].ro_fd >= 0)
			close(g->region[i].ro_fd);
		g->region[i].ro_fd = -1;
	}
	if (g->owned && g->arena != NULL) {
		rte_nta_arena_dma_unregister(g->arena);
		nta_arena_destroy(g->arena);
	}
	g->arena = NULL;
	g->n_regions = 0;
	g->bytes = 0;
}

/* What re-pointing the mbufs needs: the rooms of the new generation, in order. */
struct repoint_ctx {
	struct nta_arena *arena;
	void **rooms;
	uint32_t next;
};

static void
repoint_one(struct rte_mempool *mp __rte_unused, void *opaque, void *obj,
		unsigned int idx __rte_unused)
{
	struct repoint_ctx *ctx = opaque;
	struct rte_mbuf *m = obj;
	void *room = ctx->rooms[ctx->next++];
	uint64_t iova = nta_iova(ctx->arena, room);

	m->buf_addr = room;
	rte_mbuf_iova_set(m, iova == UINT64_MAX ? RTE_BAD_IOVA : (rte_iova_t)iova);
	m->data_off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
}

/*
 * A fresh generation g for slot s: a hugetlbfs arena with a data room for
 * every mbuf of the pool (in rooms[]), registered with DPDK, its regions
 * sealed and ready to lend. 0, or -1 (logged; nothing left behind).
 */
static int
gen_create(struct fwd_sess *s, struct fwd_gen *g, void **rooms)
{
	uint16_t room = rte_pktmbuf_data_room_size(s->pool);
	size_t stride = rte_nta_pktmbuf_stride(0, room, true);
	uint32_t n = s->pool->size, per_region = (uint32_t)(FWD_HUGEPAGE_SIZE / stride), i;
	struct nta_arena_config cfg;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < FWD_MAX_REGIONS; i++)
		g->region[i].ro_fd = g->region[i].rw_fd = -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "fwd";
	cfg.backing = NTA_BACKING_HUGETLBFS;
	cfg.region_size = FWD_HUGEPAGE_SIZE;
	cfg.initial_regions = (n + per_region - 1) / per_region;
	cfg.max_regions = cfg.initial_regions;
	cfg.flags = NTA_ARENA_F_NO_CACHE;
	g->arena = nta_arena_create(&cfg);
	if (g->arena == NULL) {
		if (!s->retire_failed)
			printf("nta-fwd: slot %u: no fresh generation (%u regions of 2 MB): %s;"
					" its queues stay stopped, retried every %d ms\n", s->id,
					cfg.initial_regions, nta_strerror(nta_errno),
					FWD_ROTATE_RETRY_MS);
		return -1;
	}
	g->owned = 1;
	g->number = s->gen.number + 1;
	for (i = 0; i < n; i++) {
		rooms[i] = nta_alloc(g->arena, room);
		if (rooms[i] == NULL)
			goto fail;
	}
	if (rte_nta_arena_dma_register(g->arena, FWD_HUGEPAGE_SIZE) != 0)
		goto fail;
	g->n_regions = nta_region_count(g->arena);
	if (g->n_regions > FWD_MAX_REGIONS)
		goto fail;
	for (i = 0; i < g->n_regions; i++) {
		struct nta_region_info info;

		if (nta_region_info(g->arena, i, &info) != 0 ||
				fwd_region_lend(&g->region[i], &info) != 0)
			goto fail;
		g->bytes += info.size;
	}
	return 0;
fail:
	if (!s->retire_failed)
		printf("nta-fwd: slot %u: fresh generation failed: %s; its queues stay stopped,"
				" retried every %d ms\n", s->id, nta_strerror(nta_errno),
				FWD_ROTATE_RETRY_MS);
	fwd_gen_destroy(g);
	return -1;
}

/*
 * Bytes a consumer of slot s is lent and keeps when it leaves: the receive
 * regions of generation g, its transmit region and its copy region (the
 * last two are replaced at the next session).
 */
static uint64_t
lent_bytes(const struct fwd_sess *s, const struct fwd_gen *g)
{
	return g->bytes + (s->tx_region.base != NULL ? s->tx_region.size : 0) +
		(s->copy_region.base != NULL ? s->copy_region.size : 0);
}

/* Track generation g that pid may still map; charged to --max-retired-mb. */
static void
retired_add(struct fwd *f, const struct fwd_sess *s, const struct fwd_gen *g, int pid)
{
	unsigned int i, k;
	int fd;

	if (pid <= 0)
		return;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		if (errno != ESRCH)
			printf("nta-fwd: slot %u: cannot follow old consumer %d (pidfd_open: %s):"
					" its retired memory is not counted\n", s->id, pid,
					strerror(errno));
		return;
	}
	for (i = 0; i < FWD_MAX_RETIRED; i++)
		if (f->retired[i].pidfd < 0)
			break;
	if (i == FWD_MAX_RETIRED) {
		/* Cannot happen: fwd_retired_room() keeps an entry for every session. */
		printf("nta-fwd: slot %u: more than %u retired generations followed\n", s->id,
				FWD_MAX_RETIRED);
		close(fd);
		return;
	}
	f->retired[i].pidfd = fd;
	f->retired[i].pid = pid;
	f->retired[i].slot = s->id;
	f->retired[i].gen = g->number;
	f->retired[i].bytes = lent_bytes(s, g);
	retired_n_file[i] = 0;
	for (k = 0; k < g->n_regions; k++)
		retired_file_add(i, g->region[k].ro_fd);
	if (s->tx_region.base != NULL)
		retired_file_add(i, s->tx_region.rw_fd);
	if (s->copy_region.base != NULL)
		retired_file_add(i, s->copy_region.rw_fd);
	f->retired_bytes += f->retired[i].bytes;
}

/* 1 when pid still maps one of the files of retired entry i (or cannot tell). */
static int
still_mapped(const struct fwd *f, unsigned int i)
{
	char path[64], line[512];
	int found = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", f->retired[i].pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return errno != ENOENT && errno != ESRCH;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		struct file_id id;
		uint32_t k;

		/* address perms offset major:minor inode path */
		if (sscanf(line, "%*s %*s %*s %x:%x %llu", &id.major, &id.minor, &id.ino) != 3 ||
				id.ino == 0)
			continue;
		for (k = 0; k < retired_n_file[i]; k++)
			if (id.ino == retired_file[i][k].ino &&
					id.major == retired_file[i][k].major &&
					id.minor == retired_file[i][k].minor)
				found = 1;
	}
	fclose(fp);
	return found;
}

void
fwd_retired_poll(struct fwd *f)
{
	struct pollfd pfd;
	unsigned int i;

	for (i = 0; i < FWD_MAX_RETIRED; i++) {
		struct fwd_retired *r = &f->retired[i];

		if (r->pidfd < 0)
			continue;
		pfd.fd = r->pidfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* Readable: the process exited, its mappings are gone. */
		if (poll(&pfd, 1, 0) == 0 && still_mapped(f, i))
			continue;
		close(r->pidfd);
		r->pidfd = -1;
		f->retired_bytes -= r->bytes;
		printf("nta-fwd: slot %u: generation %u released by pid %d: %zu KB, retired"
				" memory now %" PRIu64 " KB\n", r->slot, r->gen, r->pid, r->bytes >> 10,
				f->retired_bytes >> 10);
	}
}

uint64_t
fwd_retired_committed(const struct fwd *f, const struct fwd_sess *s)
{
	uint64_t committed = f->retired_bytes + lent_bytes(s, &s->gen);
	uint32_t k;

	/* Every attached session will retire its generation too. */
	for (k = 0; k < f->n_consumers; k++)
		if (f->sess[k] != s && f->sess[k]->attached)
			committed += lent_bytes(f->sess[k], &f->sess[k]->gen);
	return committed;
}

int
fwd_retired_room(const struct fwd *f, const struct fwd_sess *s)
{
	uint32_t k, entries = 1;  /* the new session's */

	if (!f->retire)
		return 1;
	/* Each retirement needs an entry to be followed: never one untracked. */
	for (k = 0; k < FWD_MAX_RETIRED; k++)
		entries += f->retired[k].pidfd >= 0;
	for (k = 0; k < f->n_consumers; k++)
		entries += f->sess[k] != s && f->sess[k]->attached;
	return entries <= FWD_MAX_RETIRED && fwd_retired_committed(f, s) <= f->max_retired;
}

/* Push back mbufs the devices hold: transmit completions of the slot's queues. */
static void
retire_reclaim(struct fwd_sess *s)
{
	unsigned int p;

	for (p = 0; p < 2; p++)
		rte_eth_tx_done_cleanup(s->f->ports[p], s->id, 0);
}

/* Begin retiring slot s's generation: its queues are polled no more. */
void
fwd_retire_begin(struct fwd_sess *s)
{
	unsigned int p;

	s->retiring = 1;
	s->retire_warned = 0;
	s->retire_failed = 0;
	s->retire_since = rte_rdtsc();
	/* A NIC's pre-posted receive buffers come back when its queue stops. */
	for (p = 0; p < 2; p++)
		s->rxq_stopped[p] = rte_eth_dev_rx_queue_stop(s->f->ports[p], s->id) == 0;
	fwd_retire_poll(s);
}

/* >8 Start of retiring a generation. */
int
fwd_retire_poll(struct fwd_sess *s)
{
	struct fwd *f = s->f;
	uint64_t t0, t1, hz = rte_get_tsc_hz();
	uint32_t n = s->pool->size, in_use;
	struct repoint_ctx ctx;
	struct fwd_gen fresh, old;
	unsigned int p;
	void **rooms;

	if (!s->retiring)
		return 1;
	retire_reclaim(s);
	in_use = rte_mempool_in_use_count(s->pool);
	if (in_use != 0) {
		if (!s->retire_warned && rte_rdtsc() - s->retire_since >
				hz / 1000 * FWD_ROTATE_WARN_MS) {
			printf("nta-fwd: slot %u: %u mbufs still out after %d ms; its queues stay"
					" stopped until they are back\n", s->id, in_use,
					FWD_ROTATE_WARN_MS);
			s->retire_warned = 1;
		}
		return 0;
	}
	t0 = rte_rdtsc();
	if (s->retire_failed && t0 < s->retire_next)
		return -1;
	rooms = malloc((size_t)n * sizeof(*rooms));
	if (rooms == NULL || gen_create(s, &fresh, rooms) != 0) {
		free(rooms);
		s->retire_failed = 1;
		s->retire_next = t0 + hz / 1000 * FWD_ROTATE_RETRY_MS;
		return -1;
	}
	s->retire_failed = 0;
	/* Every mbuf is in the pool (ring or cache): none is in use. */
	ctx.arena = fresh.arena;
	ctx.rooms = rooms;
	ctx.next = 0;
	rte_mempool_obj_iter(s->pool, repoint_one, &ctx);
	free(rooms);
	old = s->gen;
	s->gen = fresh;
	retired_add(f, s, &old, s->old_pid);
	fwd_gen_destroy(&old);
	for (p = 0; p < 2; p++) {
		if (s->rxq_stopped[p] && rte_eth_dev_rx_queue_start(f->ports[p], s->id) != 0)
			printf("nta-fwd: slot %u: cannot restart receive queue of port %u\n",
					s->id, f->ports[p]);
		s->rxq_stopped[p] = 0;
	}
	s->retiring = 0;
	s->dirty = 0;
	s->st.rotations++;
	t1 = rte_rdtsc();
	printf("nta-fwd: slot %u: generation %u retired, generation %u in: %u mbufs"
			" re-pointed in %" PRIu64 " us, queues stopped %" PRIu64 " us\n", s->id,
			old.number, s->gen.number, ctx.next, (t1 - t0) * 1000000 / hz,
			(t1 - s->retire_since) * 1000000 / hz);
	return 1;
}
/* >8 End of retiring a generation. */
