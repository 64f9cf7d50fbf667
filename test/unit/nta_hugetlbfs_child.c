/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The NTA authors
 */

/*
 * Child of test_nta_hugetlbfs: a process that does not link the allocator
 * maps region files read-only and checks the pattern of each buffer named on
 * its command line:
 *
 *   nta_hugetlbfs_child -r FILE SIZE OFFSET:LEN:ID ... [-r FILE SIZE ...]
 *
 * FILE is "fd:N" for a descriptor inherited from the parent, or a path
 * (region files have no name: /proc/<pid>/fd/<fd> of the process that has
 * the arena).
 *
 * Exit: 0 every buffer intact, 1 a buffer differs, 2 bad usage or a file
 * that cannot be opened or mapped.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nta_test.h"

static void
usage(const char *prog)
{
	printf("Usage: %s -r FILE SIZE OFFSET:LEN:ID ... [-r FILE SIZE OFFSET:LEN:ID ...]\n"
		"Map each region file FILE (SIZE bytes; a path, or fd:N for inherited\n"
		"descriptor N) read-only and check that the LEN bytes at OFFSET carry\n"
		"the test pattern of ID.\n"
		"Exit: 0 intact, 1 a buffer differs, 2 bad usage or I/O error.\n", prog);
}

int
main(int argc, char **argv)
{
	const uint8_t *map = NULL;
	uint64_t size = 0, checked = 0;
	int i, bad = 0;

	if (argc < 2) {
		usage(argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		uint64_t off, len, id;
		char *s, *t;
		size_t at;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(argv[0]);
			return 0;
		}
		if (strcmp(argv[i], "-r") == 0) {
			int fd;

			if (map != NULL)
				munmap((void *)(uintptr_t)map, size);
			if (i + 2 >= argc || nta_test_parse_u64(argv[i + 2], &size) < 0 ||
					size == 0) {
				fprintf(stderr, "%s: -r needs FILE and a size in bytes\n", argv[0]);
				return 2;
			}
			if (strncmp(argv[i + 1], "fd:", 3) == 0) {
				uint64_t v;

				fd = nta_test_parse_u64(argv[i + 1] + 3, &v) == 0 &&
					v <= INT32_MAX ? (int)v : -1;
				errno = EBADF;
			} else {
				fd = open(argv[i + 1], O_RDONLY);
			}
			if (fd < 0) {
				fprintf(stderr, "%s: open %s: %s\n", argv[0], argv[i + 1],
					strerror(errno));
				return 2;
			}
			map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
			close(fd);
			if (map == MAP_FAILED) {
				fprintf(stderr, "%s: mmap %s (%" PRIu64 " B): %s\n", argv[0],
					argv[i + 1], size, strerror(errno));
				return 2;
			}
			i += 2;
			continue;
		}
		if (map == NULL) {
			fprintf(stderr, "%s: buffer '%s' before any -r FILE SIZE\n", argv[0],
				argv[i]);
			return 2;
		}
		s = strdup(argv[i]);
		if (s == NULL)
			return 2;
		t = strtok(s, ":");
		if (t == NULL || nta_test_parse_u64(t, &off) < 0 ||
				(t = strtok(NULL, ":")) == NULL || nta_test_parse_u64(t, &len) < 0 ||
				(t = strtok(NULL, ":")) == NULL || nta_test_parse_u64(t, &id) < 0 ||
				strtok(NULL, ":") != NULL || off > size || len > size - off) {
			fprintf(stderr, "%s: bad buffer '%s' (want OFFSET:LEN:ID inside %" PRIu64
				" B)\n", argv[0], argv[i], size);
			free(s);
			return 2;
		}
		free(s);
		at = nta_test_check(map + off, len, id);
		if (at != len) {
			fprintf(stderr, "%s: buffer at offset %" PRIu64 " (id %" PRIu64
				") differs at byte %zu\n", argv[0], off, id, at);
			bad++;
		}
		checked++;
	}
	printf("child: %" PRIu64 " buffers checked, %d differ\n", checked, bad);
	return bad == 0 ? 0 : 1;
}
