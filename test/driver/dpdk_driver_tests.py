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
  telemetry      the telemetry socket of test_nta_mempool telemetry_serve
                 (--prog), with an nta pool of each kind: /nta/pools,
                 /nta/stats and /nta/regions, their types and their errors

Exit status 0 on success, 1 on failure (a missing capture included), 77 when
a needed DPDK program is missing (meson counts that as skipped).
"""

import argparse
import json
import os
import re
import select
import shutil
import socket
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


def runtime_dir(prefix):
    """Where EAL puts the files of a --file-prefix, as eal_get_runtime_dir() does."""
    if os.geteuid() == 0:
        base = '/var/run'
    else:
        base = os.environ.get('XDG_RUNTIME_DIR', '/tmp')
    return os.path.join(base, 'dpdk', prefix)


class Telemetry:
    """A client of DPDK's telemetry socket (v2): JSON over SOCK_SEQPACKET."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(10)
        self.sock.connect(path)
        info = json.loads(self.sock.recv(16384).decode())
        self.max_len = info['max_output_len']

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        if list(reply) != [cmd.split(',')[0]]:
            fail('%s: reply %r is not for that command' % (cmd, reply))
        return reply[cmd.split(',')[0]]

    def close(self):
        self.sock.close()


def read_until_ready(p, seconds):
    """Output of p up to its READY line (or its end, or the deadline)."""
    out = b''
    deadline = time.monotonic() + seconds
    while b'READY\n' not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([p.stdout], [], [], 1)
        if ready:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    return out.decode(errors='replace')


HEX = re.compile(r'^0x[0-9a-f]+$')


def check_stats(name, st, pools):
    """Types and figures of /nta/stats,<name> against what the program said."""
    if not isinstance(st, dict) or 'error' in st:
        fail('/nta/stats,%s gave %r' % (name, st))
    for k, v in st.items():
        want = str if k == 'pool' else int
        if not isinstance(v, want) or isinstance(v, bool):
            fail('/nta/stats,%s: %s is %r, not a %s' % (name, k, v, want.__name__))
    for key in ('regions', 'bytes_total', 'bytes_used', 'bytes_free', 'largest_free',
                'fragmentation_ppm', 'objects', 'objects_free', 'pinned'):
        if key not in st:
            fail('/nta/stats,%s has no %s: %r' % (name, key, st))
    n, regions = pools[name][0], pools[name][1]
    if st['pool'] != name or st['objects'] != n or st['objects_free'] != n or \
            st['regions'] != regions or not 0 <= st['fragmentation_ppm'] <= 1000000:
        fail('/nta/stats,%s: %r, the program says %d mbufs, %d regions' %
             (name, st, n, regions))


def check_regions(name, regs, st, pools):
    """/nta/regions,<name>: one entry per region, hex base and iova."""
    if not isinstance(regs, dict) or len(regs) != st['regions']:
        fail('/nta/regions,%s gave %r for %d regions' % (name, regs, st['regions']))
    for rid, r in regs.items():
        if not isinstance(r, dict) or not HEX.match(r.get('base', '')) or \
                not HEX.match(r.get('iova', '')) or not isinstance(r.get('size'), int) or \
                r.get('file') not in (0, 1):
            fail('/nta/regions,%s: region %s is %r' % (name, rid, r))
    base, iova = pools[name][2], pools[name][3]
    if regs['0']['base'] != base or regs['0']['iova'] != iova:
        fail('/nta/regions,%s: region 0 %r, the program says base %s iova %s' %
             (name, regs['0'], base, iova))


def telemetry(prog):
    """
    The driver's test program serves three nta pools (telemetry_serve): query
    them through the telemetry socket and check types, figures and errors.
    """
    prefix = 'nta_tel_%d' % os.getpid()
    cmd = [prog, '-l', '0-1', '--no-pci', '--in-memory', '--file-prefix', prefix,
           '--', 'telemetry_serve']
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    tel = None
    try:
        out = read_until_ready(p, 120)
        pools = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 6 and f[0] == 'POOL':
                pools[f[1]] = (int(f[2]), int(f[3]), f[4], f[5])
        if 'READY' not in out or len(pools) != 3:
            fail('the program did not serve its three pools', out)
        tel = Telemetry(os.path.join(runtime_dir(prefix), 'dpdk_telemetry.v2'))
        listed = tel.query('/nta/pools')
        if not isinstance(listed, list) or sorted(listed) != sorted(pools):
            fail('/nta/pools gave %r, want %r' % (listed, sorted(pools)))
        for name in sorted(pools):
            st = tel.query('/nta/stats,' + name)
            check_stats(name, st, pools)
            regs = tel.query('/nta/regions,' + name)
            check_regions(name, regs, st, pools)
            print('PASS /nta/stats and /nta/regions of %s: %d regions, %d bytes used, '
                  'fragmentation %d ppm, region 0 at %s (IOVA %s)' %
                  (name, st['regions'], st['bytes_used'], st['fragmentation_ppm'],
                   regs['0']['base'], regs['0']['iova']))
        # The pinned pool shows its data buffers: n data rooms of 2048 bytes.
        st = tel.query('/nta/stats,tel_pin')
        if st['pinned'] != 1 or st['bytes_used'] != pools['tel_pin'][0] * 2048:
            fail('/nta/stats,tel_pin is not the data arena: %r' % st)
        for q in ('/nta/stats,no_such_pool', '/nta/regions,no_such_pool', '/nta/stats',
                  '/nta/regions'):
            r = tel.query(q)
            if not isinstance(r, dict) or not isinstance(r.get('error'), str):
                fail('%s gave %r, not an error' % (q, r))
            print('PASS %s: %r' % (q, r))
    finally:
        if tel is not None:
            tel.close()
        try:
            rest, _ = p.communicate(b'', timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            rest, _ = p.communicate()
    if p.returncode != 0:
        fail('the program exited with %d' % p.returncode, rest.decode(errors='replace'))
    print('PASS telemetry')


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('test', choices=['mempool_autotest', 'mbuf_autotest', 'testpmd_null',
                                     'testpmd_pcap', 'telemetry'])
    ap.add_argument('--driver', required=True, help='path of librte_mempool_nta.so')
    ap.add_argument('--workdir', default='.', help='where to put copies and captures')
    ap.add_argument('--captures', help='folder of the testpmd_pcap captures')
    ap.add_argument('--prog', help='path of test_nta_mempool (telemetry)')
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
        if a.prog is None:
            ap.error('telemetry needs --prog')
        telemetry(a.prog)
    else:
        if a.captures is None:
            ap.error('testpmd_pcap needs --captures')
        testpmd_pcap(load, env, a.workdir, a.captures)


if __name__ == '__main__':
    main()
