#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""DPDK's own programs with the mempool driver 'nta' loaded.

  mempool_autotest, mbuf_autotest  dpdk-test --mbuf-pool-ops-name nta: "Test OK"
  testpmd_null   testpmd io forwarding on two net_null ports, with the default
                 mbuf cache and with --mbcache=0: nta selected, RX == TX > 0
  testpmd_pcap   testpmd io forwarding from each real capture of --captures
                 (test/e2e/captures) to a net_pcap output: the same packets,
                 byte for byte, in order
  telemetry      dpdk-telemetry.py against a testpmd with an nta pool: the
                 /nta/pools, /nta/stats and /nta/regions endpoints

Exit status 0 on success, 1 on failure (a missing capture included), 77 when
a needed DPDK program is missing (meson counts that as skipped).
"""

import argparse
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77


def fail(msg, out=None):
    if out is not None:
        print(out[-6000:])
    print('FAIL: ' + msg)
    sys.exit(1)


def insecure_parent(path):
    """True when EAL would refuse -d path: it or a parent is world-writable."""
    path = os.path.abspath(path)
    while True:
        if os.stat(path).st_mode & stat.S_IWOTH:
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


def needed_libs(lib, prefix):
    """(soname, path) of the libraries lib loads whose soname starts with prefix."""
    out = subprocess.run(['ldd', lib], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith(prefix) and parts[1] == '=>':
            if not os.path.isfile(parts[2]):
                fail('%s needs %s, not found: %s' % (lib, parts[0], line.strip()))
            found.append((parts[0], parts[2]))
    if not found:
        fail('%s loads no %s* library (ldd: %s)' % (lib, prefix, out.strip()))
    return found


def driver_args(driver, workdir, preload):
    """EAL arguments and environment that load the driver."""
    env = dict(os.environ)
    if preload:
        for lib in preload:
            if not os.path.isabs(lib) or not os.path.isfile(lib):
                print('SKIP: sanitizer runtime %s not found' % lib)
                sys.exit(SKIP)
        env['LD_PRELOAD'] = ' '.join(preload + [env.get('LD_PRELOAD', '')]).strip()
        # DPDK's own allocations are not ours to leak-check.
        env['ASAN_OPTIONS'] = 'detect_leaks=0:' + env.get('ASAN_OPTIONS', '')
    if not insecure_parent(driver):
        return ['-d', driver], env
    private = os.path.join(workdir, 'nta-driver')
    os.makedirs(private, mode=0o700, exist_ok=True)
    os.chmod(private, 0o700)
    copy = os.path.join(private, os.path.basename(driver))
    shutil.copy(driver, copy)
    # The driver needs libnta.so.0: its copy goes beside the driver's, where
    # the driver's RUNPATH ($ORIGIN) finds it.
    for name, path in needed_libs(driver, 'libnta.so'):
        shutil.copy(path, os.path.join(private, name))
    if not insecure_parent(copy):
        return ['-d', copy], env
    # Even the build directory is under a world-writable one: preload it.
    env['LD_PRELOAD'] = (env.get('LD_PRELOAD', '') + ' ' + driver).strip()
    return [], env


def eal(prefix, load):
    return ['-l', '0-1', '--no-pci', '--in-memory', '--file-prefix', prefix] + load + \
        ['--mbuf-pool-ops-name', 'nta', '--log-level', 'pmd.mempool.nta:debug']


def autotest(name, load, env):
    prog = shutil.which('dpdk-test')
    if prog is None:
        print('SKIP: no dpdk-test')
        sys.exit(SKIP)
    env = dict(env, DPDK_TEST=name)
    p = subprocess.run([prog] + eal('nta_at_' + name, load), env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=280, check=False)
    out = p.stdout
    if 'nta_mempool: pool ' not in out:
        fail('%s never created a pool with the nta ops' % name, out)
    if 'Test OK' not in out or p.returncode != 0:
        fail('%s: exit %d, no "Test OK"' % (name, p.returncode), out)
    print(out[-400:])
    print('PASS %s with --mbuf-pool-ops-name nta' % name)


def testpmd(load, env, vdevs, extra, seconds):
    prog = shutil.which('dpdk-testpmd')
    if prog is None:
        print('SKIP: no dpdk-testpmd')
        sys.exit(SKIP)
    cmd = [prog] + eal('nta_tp', load)
    for v in vdevs:
        cmd += ['--vdev', v]
    cmd += ['--', '-i', '--forward-mode=io', '--auto-start'] + extra
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    time.sleep(seconds)
    try:
        out, _ = p.communicate('stop\nquit\n', timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        fail('testpmd did not quit', out)
    if 'preferred mempool ops selected: nta' not in out:
        fail('testpmd did not select the nta ops', out)
    acc = out.rfind('Accumulated forward statistics for all ports')
    if acc < 0:
        fail('no forward statistics (exit %d)' % p.returncode, out)
    rx = tx = None
    for line in out[acc:].splitlines()[1:3]:
        f = line.split()
        if 'RX-packets:' in f:
            rx = int(f[f.index('RX-packets:') + 1])
        if 'TX-packets:' in f:
            tx = int(f[f.index('TX-packets:') + 1])
    if rx is None or tx is None:
        fail('cannot read RX/TX totals', out)
    return out, rx, tx


def testpmd_null(load, env):
    for extra in ([], ['--mbcache=0']):
        out, rx, tx = testpmd(load, env, ['net_null0', 'net_null1'], extra, 3)
        if rx == 0 or rx != tx:
            fail('net_null %s: RX %d TX %d' % (' '.join(extra), rx, tx), out)
        print('PASS testpmd net_null %s: RX %d == TX %d' % (' '.join(extra) or '(cache)',
                                                             rx, tx))


def read_pcap(path):
    """Packets of a pcap file (libpcap format, either byte order), as bytes."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('%s: no pcap header' % path)
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = '>'
    else:
        raise ValueError('%s: not a pcap file (magic %08x)' % (path, magic))
    pkts = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        off += 16
        pkts.append(data[off:off + incl])
        off += incl
    return pkts


def testpmd_pcap(load, env, workdir, capdir):
    caps = sorted(os.path.join(capdir, f) for f in os.listdir(capdir) if f.endswith('.pcap'))
    if not caps:
        fail('no capture in %s' % capdir)
    tmp = tempfile.mkdtemp(prefix='nta-pcap-', dir=workdir)
    empty = os.path.join(tmp, 'empty.pcap')
    with open(empty, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    tested = 0
    for cap in caps:
        try:
            inp = read_pcap(cap)
        except ValueError:
            continue   # pcapng or another format: not for net_pcap's reader
        if not inp or max(len(p) for p in inp) > 1500:
            continue
        out0 = os.path.join(tmp, 'out0.pcap')
        out1 = os.path.join(tmp, 'out1.pcap')
        out, rx, tx = testpmd(load, env,
                              ['net_pcap0,rx_pcap=%s,tx_pcap=%s' % (cap, out0),
                               'net_pcap1,rx_pcap=%s,tx_pcap=%s' % (empty, out1)],
                              ['--no-flush-rx'], 3)
        got = read_pcap(out1)
        if rx != len(inp) or tx != rx:
            fail('%s: %d packets in, RX %d, TX %d' % (cap, len(inp), rx, tx), out)
        if len(got) != len(inp):
            fail('%s: %d packets in, %d in the output capture' % (cap, len(inp), len(got)))
        for i, (a, b) in enumerate(zip(inp, got)):
            if a != b:
                fail('%s: packet %d differs (%d vs %d bytes)' % (cap, i, len(a), len(b)))
        print('PASS testpmd net_pcap %s: %d packets byte for byte, in order' %
              (os.path.basename(cap), len(inp)))
        tested += 1
    shutil.rmtree(tmp, ignore_errors=True)
    if tested == 0:
        fail('no usable capture in %s' % capdir)


def telemetry(load, env):
    prog = shutil.which('dpdk-testpmd')
    tel = shutil.which('dpdk-telemetry.py')
    if prog is None or tel is None:
        print('SKIP: no dpdk-testpmd or dpdk-telemetry.py')
        sys.exit(SKIP)
    prefix = 'nta_tel_%d' % os.getpid()
    cmd = [prog] + eal(prefix, load) + ['--vdev', 'net_null0', '--vdev', 'net_null1',
                                        '--', '-i', '--total-num-mbufs=8192']
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3)
        q = subprocess.run([sys.executable, tel, '-f', prefix],
                           input='/nta/pools\n/nta/stats,mb_pool_0\n/nta/regions,mb_pool_0\n'
                                 '/nta/stats,no_such_pool\n',
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30, check=False)
    finally:
        out, _ = p.communicate('quit\n', timeout=60)
    replies = {}
    unknown = 'missing'
    for line in q.stdout.splitlines():
        line = line.strip()
        if line.startswith('{'):
            for k, v in json.loads(line).items():
                if k == '/nta/stats' and k in replies:
                    unknown = v     # the reply for no_such_pool (the 2nd one)
                else:
                    replies[k] = v
    print(q.stdout[-3000:])
    if unknown is not None:
        fail('/nta/stats of an unknown pool gave %r, not an error (null)' % unknown)
    pools = replies.get('/nta/pools')
    if not isinstance(pools, list) or 'mb_pool_0' not in pools:
        fail('/nta/pools does not list mb_pool_0: %r' % pools, out + q.stdout)
    st = replies.get('/nta/stats')
    if not isinstance(st, dict):
        fail('/nta/stats,mb_pool_0 gave %r' % st, q.stdout)
    for key in ('regions', 'bytes_total', 'bytes_used', 'bytes_free', 'largest_free',
                'fragmentation', 'objects', 'objects_free'):
        if key not in st:
            fail('/nta/stats has no %s: %r' % (key, st))
    if st['objects'] != 8192 or st['regions'] < 1 or st['bytes_used'] < 8192 * 2176:
        fail('implausible /nta/stats: %r' % st)
    regs = replies.get('/nta/regions')
    if not isinstance(regs, dict) or len(regs) != st['regions']:
        fail('/nta/regions gave %r' % regs)
    print('PASS telemetry: %d regions, %d bytes used, largest free %d, fragmentation %s' %
          (st['regions'], st['bytes_used'], st['largest_free'], st['fragmentation']))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('test', choices=['mempool_autotest', 'mbuf_autotest', 'testpmd_null',
                                     'testpmd_pcap', 'telemetry'])
    ap.add_argument('--driver', required=True, help='path of librte_mempool_nta.so')
    ap.add_argument('--workdir', default='.', help='where to put copies and captures')
    ap.add_argument('--captures', help='folder of the testpmd_pcap captures')
    ap.add_argument('--preload', action='append', default=[],
                    help='library to LD_PRELOAD first (sanitizer runtimes)')
    a = ap.parse_args()
    if not os.path.isfile(a.driver):
        ap.error('no driver at %s' % a.driver)
    os.makedirs(a.workdir, exist_ok=True)
    load, env = driver_args(a.driver, a.workdir, a.preload)
    if a.test.endswith('_autotest'):
        autotest(a.test, load, env)
    elif a.test == 'testpmd_null':
        testpmd_null(load, env)
    elif a.test == 'telemetry':
        telemetry(load, env)
    else:
        if a.captures is None:
            ap.error('testpmd_pcap needs --captures')
        testpmd_pcap(load, env, a.workdir, a.captures)


if __name__ == '__main__':
    main()
