#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_nta (test/fuzz/corpus/seed-*.bin).

Each file is byte 0 (arena flags: bit 0 no cache, bit 1 jumbo region) then
4-byte ops [op, a, b, c] as fuzz_nta.c reads them. Deterministic: the same
files every run.
"""
import os
import random
import sys

ALLOC, BIG, ALIGNED, FREE, BOGUS, DFREE, FLUSH, DESC, FORGED, CHECK = range(10)


def op(o, a=0, b=0, c=0):
    return bytes([o, a & 255, b & 255, c & 255])


def alloc(size, seed=1):
    return op(ALLOC, size & 255, size >> 8, seed)


def script(flags, ops):
    return bytes([flags]) + b"".join(ops)


def random_script(rng, flags, n, weights):
    ops = []
    for _ in range(n):
        o = rng.choices(range(10), weights)[0]
        ops.append(op(o, rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return script(flags, ops)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    if len(sys.argv) > 1:
        if sys.argv[1] in ("-h", "--help"):
            print("usage: gen_corpus.py [OUTDIR]  (default: test/fuzz/corpus)")
            return 0
        out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2026)
    seeds = {
        "empty": script(0, []),
        "alloc-free": script(0, [alloc(100), op(FREE, 0)]),
        "alloc-free-nocache": script(1, [alloc(100), op(FREE, 0)]),
        "double-free-cached": script(0, [alloc(64), alloc(64), op(FREE, 0), op(DFREE, 0)]),
        "double-free-tree": script(0, [alloc(64), alloc(64), alloc(64), op(FREE, 1),
                                       op(FLUSH), op(DFREE, 0)]),
        "bogus-frees": script(0, [alloc(300)] + [op(BOGUS, 0, 0, k) for k in range(5)]),
        "size-zero-e2big": script(2, [alloc(0), op(BIG, 255, 255), op(BIG, 0, 64),
                                      op(ALIGNED, 0, 0, 6)]),
        "fill-region": script(1, [alloc(1024, i) for i in range(80)] + [op(FREE, i) for i in range(40)]),
        "jumbo": script(3, [op(BIG, 0, 40), op(BIG, 0, 20), op(FREE, 0), op(BIG, 0, 60),
                            op(FLUSH)]),
        "aligned": script(0, [op(ALIGNED, 200, 0, k) for k in range(20)]),
        "descs": script(2, [alloc(500), alloc(9000), op(DESC, 0, 3), op(DESC, 1, 0),
                            op(FORGED, 0, 0, 0), op(FORGED, 8, 2, 0), op(FORGED, 3, 255, 255)]),
        "merge-middle": script(1, [alloc(256, i) for i in range(8)] +
                               [op(FREE, 3), op(FREE, 1), op(FREE, 2), op(DFREE, 1)]),
    }
    # Random mixes: alloc-heavy, free-heavy, error-heavy, with/without cache/jumbo.
    mixes = [
        ("mix-alloc", [6, 1, 2, 3, 1, 1, 1, 1, 1, 1]),
        ("mix-churn", [4, 1, 1, 4, 1, 1, 1, 1, 1, 1]),
        ("mix-errors", [2, 1, 1, 2, 3, 3, 1, 1, 3, 1]),
        ("mix-descs", [3, 1, 1, 2, 1, 1, 1, 3, 3, 2]),
    ]
    for name, w in mixes:
        for flags in (0, 3):
            seeds["%s-%d" % (name, flags)] = random_script(rng, flags, 300, w)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, "seed-%s.bin" % name), "wb") as f:
            f.write(data)
    print("wrote %d files to %s" % (len(seeds), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
