#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Try, as a consumer could, to write the regions it was lent read-only.

rwprobe.py PID NAME
  For every shared read-only mapping of PID whose path contains NAME, reopen
  its file O_RDWR (through /proc/PID/map_files, as a consumer would through
  /proc/self/fd) and try: a writable shared mapping, write(), a hole punched,
  a truncation. Prints: ro=<mappings probed> then one line per attempt that
  succeeded ("WRITABLE <path> <how>"); exit status 1 when any did.
"""

import ctypes
import mmap
import os
import sys

FALLOC_FL_KEEP_SIZE = 1
FALLOC_FL_PUNCH_HOLE = 2


def attempts(fd, length):
    """Names of the write attempts on fd that succeeded."""
    libc = ctypes.CDLL(None, use_errno=True)
    ok = []
    try:
        m = mmap.mmap(fd, length, flags=mmap.MAP_SHARED,
                      prot=mmap.PROT_READ | mmap.PROT_WRITE)
        m.close()
        ok.append('mmap')
    except OSError:
        pass
    try:
        os.pwrite(fd, b'\0', 0)
        ok.append('write')
    except OSError:
        pass
    if libc.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      ctypes.c_long(0), ctypes.c_long(length)) == 0:
        ok.append('punch')
    try:
        os.ftruncate(fd, 0)
        ok.append('truncate')
    except OSError:
        pass
    return ok


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pid, name = sys.argv[1], sys.argv[2]
    probed = bad = 0
    with open(f'/proc/{pid}/maps') as f:
        lines = f.readlines()
    for line in lines:
        parts = line.split(None, 5)
        if len(parts) < 6 or name not in parts[5] or parts[1] != 'r--s':
            continue
        a, b = (int(x, 16) for x in parts[0].split('-'))
        path = parts[5].strip()
        probed += 1
        try:
            fd = os.open(f'/proc/{pid}/map_files/{parts[0]}', os.O_RDWR)
        except OSError:
            continue  # cannot even reopen it writable
        try:
            for how in attempts(fd, b - a):
                print(f'WRITABLE {path} {how}')
                bad += 1
        finally:
            os.close(fd)
    print(f'ro={probed}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
