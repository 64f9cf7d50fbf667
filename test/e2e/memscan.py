#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Scan the mappings of a process whose path contains NAME.

memscan.py PID NAME VALUE LO HI
  Reads every mapping of PID whose path contains NAME through
  /proc/PID/mem and prints: mappings, bytes read, hits (8-byte aligned
  little-endian words equal to VALUE, e.g. the mbuf pool pointer every mbuf
  header holds), span_overlap (mappings meeting [LO, HI), addresses of PID).
"""

import struct
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    pid, name = sys.argv[1], sys.argv[2]
    value, lo, hi = (int(x, 0) for x in sys.argv[3:6])
    needle = struct.pack('<Q', value)
    maps = []
    with open(f'/proc/{pid}/maps') as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 6 or name not in parts[5]:
                continue
            a, b = (int(x, 16) for x in parts[0].split('-'))
            maps.append((a, b))
    nbytes = hits = overlap = 0
    with open(f'/proc/{pid}/mem', 'rb', buffering=0) as mem:
        for a, b in maps:
            if a < hi and lo < b:
                overlap += 1
            mem.seek(a)
            data = mem.read(b - a)
            nbytes += len(data)
            i = data.find(needle)
            while i >= 0:
                if i % 8 == 0:
                    hits += 1
                i = data.find(needle, i + 1)
    print(f'mappings={len(maps)} bytes={nbytes} hits={hits} span_overlap={overlap}')


if __name__ == '__main__':
    main()
