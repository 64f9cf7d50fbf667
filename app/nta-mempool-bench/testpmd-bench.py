#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""testpmd io forwarding on two net_null ports, Mpps of both ports together,
for several mempool ops, with the default mbuf cache and with --mbcache=0.
Runs alternate between the ops; medians are printed with nta's ratio to the
best rival. A benchmark, not a test: keep the machine otherwise idle.

Example:
  testpmd-bench.py --driver build/drivers/librte_mempool_nta.so --runs 5
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def run_once(testpmd, driver, ops, nocache, warm, secs, prefix):
    cmd = [testpmd, '-l', '0-1', '--no-pci', '--in-memory', '--file-prefix', prefix,
           '--vdev', 'net_null0', '--vdev', 'net_null1']
    if driver:
        cmd += ['-d', driver]
    cmd += ['--mbuf-pool-ops-name', ops, '--', '-i', '--forward-mode=io', '--auto-start']
    if nocache:
        cmd.append('--mbcache=0')
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    time.sleep(warm)
    p.stdin.write('show port stats all\n')
    p.stdin.flush()
    time.sleep(secs)
    p.stdin.write('show port stats all\n')
    p.stdin.flush()
    time.sleep(0.5)
    try:
        out, _ = p.communicate('stop\nquit\n', timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    if 'preferred mempool ops selected: %s' % ops not in out:
        sys.stderr.write(out[-3000:])
        raise RuntimeError('testpmd did not use ops %s' % ops)
    pps = [int(x) for x in re.findall(r'Rx-pps:\s+(\d+)', out)]
    if len(pps) < 4:
        sys.stderr.write(out[-3000:])
        raise RuntimeError('no Rx-pps figures for ops %s' % ops)
    return (pps[-1] + pps[-2]) / 1e6


# Run-to-run spread of one point here is about +-10 % (REFERENCE): with the
# default cache every ops lands in the same band, so "as good as the best"
# means within 5 % of it on the medians.
NOISE = 0.95


def target_line(nocache, nta, best, best_mpps):
    """The PASS/FAIL line of one mode."""
    ratio = nta / best_mpps
    if nocache:
        ok = ratio >= 1.0
        return ('%s testpmd --mbcache=0: nta %.1f Mpps >= best stock (%s %.1f), %.2fx'
                % ('PASS' if ok else 'FAIL', nta, best, best_mpps, ratio))
    ok = ratio >= NOISE
    return ('%s testpmd default cache: nta %.1f Mpps vs best stock (%s %.1f), %.2f '
            '(>= %.2f: within noise)' % ('PASS' if ok else 'FAIL', nta, best, best_mpps, ratio,
                                         NOISE))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--driver', required=True, help='librte_mempool_nta.so (loaded with -d)')
    ap.add_argument('--ops', default='nta,ring_mp_mc,ring_sp_sc,stack,bucket')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--seconds', type=float, default=4.0, help='measured seconds per run')
    ap.add_argument('--warm', type=float, default=2.0, help='seconds before measuring')
    ap.add_argument('--modes', default='cache,nocache',
                    help='comma-separated: cache (default mbuf cache), nocache (--mbcache=0)')
    ap.add_argument('--testpmd', default=shutil.which('dpdk-testpmd') or 'dpdk-testpmd')
    a = ap.parse_args()
    if not os.path.isfile(a.driver):
        ap.error('no driver at %s' % a.driver)
    if a.runs < 1 or a.seconds <= 0 or a.warm < 0:
        ap.error('--runs >= 1, --seconds > 0, --warm >= 0')
    ops = a.ops.split(',')
    modes = a.modes.split(',')
    if not modes or any(m not in ('cache', 'nocache') for m in modes):
        ap.error('--modes: cache and/or nocache')
    driver = os.path.abspath(a.driver)
    print('testpmd io, 2 x net_null, 1 forwarding core; Mpps medians of %d runs of %.1f s'
          % (a.runs, a.seconds))
    print('%-10s' % 'mbcache' + ''.join(' %11s' % o for o in ops) + ' %9s' % 'nta/best')
    targets = []
    for nocache in [m == 'nocache' for m in modes]:
        res = {o: [] for o in ops}
        for r in range(a.runs):
            for o in ops:
                res[o].append(run_once(a.testpmd, driver, o, nocache, a.warm, a.seconds,
                                       'nta_bench_tp'))
                # Progress on stderr: a row takes runs x ops x (warm + seconds).
                sys.stderr.write('testpmd-bench: mbcache %s, run %d/%d, ops %s: %.1f Mpps\n'
                                 % ('0' if nocache else 'default', r + 1, a.runs, o,
                                    res[o][-1]))
                sys.stderr.flush()
        med = {o: statistics.median(res[o]) for o in ops}
        rivals = [med[o] for o in ops if o != 'nta']
        ratio = med['nta'] / max(rivals) if 'nta' in med and rivals else float('nan')
        print('%-10s' % ('0' if nocache else 'default') +
              ''.join(' %11.1f' % med[o] for o in ops) + ' %9.2f' % ratio)
        print('  runs: ' + '; '.join('%s %s' % (o, ' '.join('%.1f' % x for x in res[o]))
                                     for o in ops))
        if 'nta' in med and rivals:
            best = max((o for o in ops if o != 'nta'), key=lambda o: med[o])
            targets.append(target_line(nocache, med['nta'], best, med[best]))
        sys.stdout.flush()
    # The targets of issue 11 (6): with --mbcache=0 at least the best stock
    # driver; with the default cache the best within the noise band.
    for line in targets:
        print(line)


if __name__ == '__main__':
    main()
