#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""DPDK secondary processes attached to a testpmd primary whose pools are 'nta'.

Primaries: dpdk-testpmd with --mbuf-pool-ops-name nta, io forwarding, its
own --file-prefix and the shared config. Secondaries, each with the same -d
(and the mempool drivers testpmd links preloaded, so that ops indexes
match), and their checks:
  dpdk-proc-info --show-mempool   (testpmd forwarding on two net_null ports)
                                  exits 0 and shows testpmd's pool with the
                                  ops 'nta' and its count
  dpdk-pdump --pdump 'port=0,queue=*,rx-dev=RX.pcap,tx-dev=TX.pcap'
                                  (testpmd's packets going round a net_ring
                                  port) exits 0; every packet received is
                                  byte for byte one that was sent
Not net_pcap: with DPDK 22.11, a secondary attached to a primary that has a
net_pcap port crashes in rte_eal_cleanup() (seen with ring pools and no nta
at all), or in its probe with infinite_rx.
Nothing is left behind, passed, failed or interrupted (SIGTERM, as meson
sends on its timeout, SIGINT, SIGHUP): EAL keeps its hugepage files and its
runtime directory after even a clean exit (with the shared config
secondaries need, neither --in-memory nor --huge-unlink=always is
allowed), so every DPDK process of this run is stopped, then the files of
this run's own --file-prefix removed, and a passing run checks none is
left.
Exit status 0 on success, 1 on failure, 77 when a DPDK program is missing
or the machine can't run it (meson: skipped).
"""

import argparse
import re
import struct
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'driver'))
import dpdk_driver_tests as ddt  # noqa: E402  (driver_args, read_pcap, fail)

SKIP = 77
# testpmd's -m: preallocated, so that many hugepages must be free.
PRIMARY_MB = 256


def need(prog):
    path = shutil.which(prog)
    if path is None:
        print('SKIP: no %s' % prog)
        sys.exit(SKIP)
    return path


def run_secondary(cmd, env, timeout=60):
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    return p.returncode, p.stdout


def linked_mempool_drivers(prog):
    """Mempool drivers prog links (ldd order): they register their ops first."""
    out = subprocess.run(['ldd', prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False).stdout
    libs = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0].startswith('librte_mempool_') and f[1] == '=>':
            libs.append(f[2])
    return libs


def hugetlbfs_mounts():
    with open('/proc/mounts') as f:
        return [line.split()[1] for line in f if line.split()[2:3] == ['hugetlbfs']]


def free_hugepages():
    """(free pages, page size in kB) of the default hugepage size."""
    info = {}
    with open('/proc/meminfo') as f:
        for line in f:
            k, v = line.split(':', 1)
            info[k] = int(v.split()[0])
    return info.get('HugePages_Free', 0), info.get('Hugepagesize', 0)


class FilePrefix:
    """This run's --file-prefix, the DPDK processes started under it, and
    what EAL leaves of them.

    EAL names its hugepage files <prefix>map_<n> in a hugetlbfs mount and
    keeps them, and its runtime directory, after the primary exits, even
    cleanly: with a shared config that is how secondaries find the memory.
    clean() stops every process still running, then removes exactly those.
    The prefix ends with our pid, so no other prefix's files match.
    """

    def __init__(self, name):
        self.name = name
        self.procs = []
        self.eal_file = re.compile(re.escape(name) + r'map_[0-9]+(_[0-9]+)?$')
        # Any file of this prefix, whatever EAL named it (not of nta_mp_<pid><more digits>).
        self.any_file = re.compile(re.escape(name) + r'(?![0-9])')

    def track(self, proc):
        self.procs.append(proc)
        return proc

    def files(self, pattern):
        found = []
        for mnt in hugetlbfs_mounts():
            try:
                names = os.listdir(mnt)
            except OSError:
                continue
            found += [os.path.join(mnt, n) for n in names if pattern.match(n)]
        return found

    def clean(self):
        """Kill what still runs, remove our hugepage files and runtime
        directory; returns what is left of them (names)."""
        # A signal now must not stop the cleanup half way.
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for path in self.files(self.eal_file):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        rundir = ddt.runtime_dir(self.name)
        shutil.rmtree(rundir, ignore_errors=True)
        left = self.files(self.any_file)
        if os.path.exists(rundir):
            left.append(rundir)
        return left


def interrupted(signum, frame):
    """SIGTERM (meson's timeout, which gives 0.5 s before SIGKILL), SIGHUP:
    unwind like a failure, so that the cleanup runs."""
    print('FAIL: interrupted by signal %d' % signum)
    sys.exit(1)


class Primary:
    """dpdk-testpmd, interactive, on nta; its log in tmp."""

    def __init__(self, testpmd, common, env, tmp, vdevs, extra, prefix):
        cmd = [testpmd, '-l', '0-1', '-m', str(PRIMARY_MB), '--mbuf-pool-ops-name', 'nta'] + \
            common
        for v in vdevs:
            cmd += ['--vdev', v]
        cmd += ['--', '-i', '--forward-mode=io', '--total-num-mbufs=8192'] + extra
        self.log = os.path.join(tmp, 'testpmd.log')
        self.f = open(self.log, 'w')
        self.p = prefix.track(subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE,
                                               stdout=self.f, stderr=subprocess.STDOUT,
                                               text=True))
        end = time.time() + 30
        while 'testpmd>' not in self.text():
            if self.p.poll() is not None or time.time() > end:
                self.kill()
                ddt.fail('testpmd did not come up', self.text())
            time.sleep(0.1)
        if 'preferred mempool ops selected: nta' not in self.text():
            self.kill()
            ddt.fail('testpmd did not select the nta ops', self.text())

    def text(self):
        with open(self.log) as f:
            return f.read()

    def cmd(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()

    def quit(self):
        self.cmd('quit')
        try:
            self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            ddt.fail('testpmd did not quit', self.text())
        if self.p.returncode != 0:
            ddt.fail('testpmd exited with %d' % self.p.returncode, self.text())

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def proc_info(procinfo, testpmd, common, env, sec_env, tmp, prefix):
    """dpdk-proc-info --show-mempool while a net_null testpmd forwards."""
    prim = Primary(testpmd, common, env, tmp, ['net_null0', 'net_null1'], [], prefix)
    try:
        prim.cmd('start')
        time.sleep(1)
        rc, out = run_secondary([procinfo] + common + ['--proc-type=secondary', '--',
                                                       '--show-mempool'], sec_env)
        prim.cmd('stop')
    except subprocess.TimeoutExpired:
        prim.kill()
        ddt.fail('dpdk-proc-info did not finish')
    print(out[-1500:])
    if rc != 0:
        prim.kill()
        ddt.fail('dpdk-proc-info --show-mempool exited with %d' % rc, out)
    pool = out[out.find('mempool <mb_pool_0>'):]
    if 'mempool <mb_pool_0>' not in out or 'ops_name: <nta>' not in pool[:2000] or \
            'common_pool_count=' not in pool:
        prim.kill()
        ddt.fail('dpdk-proc-info does not show mb_pool_0 on nta with its count', out)
    prim.quit()
    print('PASS dpdk-proc-info --show-mempool: mb_pool_0 on nta, counted in the secondary')


def pdump_capture(pdump, testpmd, common, env, sec_env, tmp, short, prefix):
    """dpdk-pdump captures port 0 of a testpmd on nta: RX byte for byte what went out.

    The primary forwards packets around a net_ring port (io, loop topology,
    'start tx_first': testpmd's own packets, going round for ever) before
    dpdk-pdump attaches: pdump's capture ports are hot-plugged into the
    primary too, and testpmd then refuses to start forwarding. pdump (its own
    pool on nta as well, so the primary's callbacks allocate from a pool a
    secondary created) records port 0's RX and TX; every packet received
    must be, byte for byte, one that was sent, and all of them seen.
    """
    rx = os.path.join(short, 'rx.pcap')
    tx = os.path.join(short, 'tx.pcap')
    prim = Primary(testpmd, common, env, tmp, ['net_ring0'],
                   ['--port-topology=loop', '--txonly-multi-flow'], prefix)
    prim.cmd('start tx_first')
    dlog = os.path.join(tmp, 'pdump.log')
    dump = None
    try:
        with open(dlog, 'w') as df:
            dump = prefix.track(subprocess.Popen([pdump] + common + [
                '--proc-type=secondary', '--mbuf-pool-ops-name', 'nta', '--',
                '--pdump', 'port=0,queue=*,rx-dev=%s,tx-dev=%s' % (rx, tx)],
                env=sec_env, stdin=subprocess.DEVNULL, stdout=df, stderr=subprocess.STDOUT,
                text=True))
            end = time.time() + 30
            # A few MB of capture: some 100 000 packets.
            while not os.path.exists(rx) or os.path.getsize(rx) < (4 << 20):
                if dump.poll() is not None or time.time() > end:
                    ddt.fail('dpdk-pdump exited (%s) or captured nothing' % dump.poll(),
                             open(dlog).read())
                time.sleep(0.05)
            dump.send_signal(signal.SIGINT)
            dump.wait(timeout=30)
    except subprocess.TimeoutExpired:
        ddt.fail('dpdk-pdump did not stop', open(dlog).read())
    finally:
        if dump is not None and dump.poll() is None:
            dump.kill()
            dump.wait()
        prim.cmd('stop')
    dtext = open(dlog).read()
    print(dtext[-600:])
    prim.quit()
    if dump.returncode != 0:
        ddt.fail('dpdk-pdump exited with %d' % dump.returncode, dtext)
    got_rx = ddt.read_pcap(rx)
    sent = set(ddt.read_pcap(tx))
    if not got_rx or not sent:
        ddt.fail('dpdk-pdump captured %d received and %d distinct sent packets' %
                 (len(got_rx), len(sent)), dtext)
    for i, x in enumerate(got_rx):
        if x not in sent:
            ddt.fail('received packet %d (%d bytes) captured by dpdk-pdump is none of the '
                     'packets sent' % (i, len(x)), dtext)
    if set(got_rx) != sent:
        ddt.fail('dpdk-pdump saw %d of the %d distinct packets sent' %
                 (len(set(got_rx)), len(sent)), dtext)
    print('PASS dpdk-pdump: %d packets received by a testpmd on nta, captured in a secondary, '
          'each byte for byte one of the %d distinct packets sent' % (len(got_rx), len(sent)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--driver', required=True, help='path of librte_mempool_nta.so')
    ap.add_argument('--workdir', default='.', help='where to put copies and captures')
    ap.add_argument('--preload', action='append', default=[],
                    help='library to LD_PRELOAD first (sanitizer runtimes)')
    a = ap.parse_args()
    testpmd = need('dpdk-testpmd')
    procinfo = need('dpdk-proc-info')
    pdump = need('dpdk-pdump')
    if os.geteuid() != 0:
        print('SKIP: needs root')
        sys.exit(SKIP)
    free, page_kb = free_hugepages()
    if page_kb == 0 or free * page_kb < PRIMARY_MB * 1024:
        print('SKIP: needs %d MB of free hugepages (%d free %d kB pages)' %
              (PRIMARY_MB, free, page_kb))
        sys.exit(SKIP)
    os.makedirs(a.workdir, exist_ok=True)
    load, env = ddt.driver_args(a.driver, a.workdir, a.preload)
    prefix = FilePrefix('nta_mp_%d' % os.getpid())
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, interrupted)
    try:
        run(a, testpmd, procinfo, pdump, load, env, prefix)
    finally:
        left = prefix.clean()
    if left:
        left.sort()
        ddt.fail('%d left behind under --file-prefix %s: %s' %
                 (len(left), prefix.name, ' '.join(left[:4] + ['...'][:len(left) > 4])))
    print('PASS nothing left under --file-prefix %s' % prefix.name)


def run(a, testpmd, procinfo, pdump, load, env, prefix):
    tmp = tempfile.mkdtemp(prefix='nta-mp-', dir=os.path.abspath(a.workdir))
    # Shared config (no --in-memory): secondaries attach to the primary's files.
    common = ['--no-pci', '--file-prefix', prefix.name, '--log-level',
              'pmd.mempool.nta:info'] + load
    # Mempool ops must be registered in the same order in every process:
    # testpmd links some mempool drivers, registered before any -d; a
    # secondary preloads the same ones (doc/user-guide.md, Multi-process).
    sec_env = dict(env)
    pre = linked_mempool_drivers(testpmd)
    if pre:
        sec_env['LD_PRELOAD'] = ' '.join(pre + [env.get('LD_PRELOAD', '')]).strip()
    print('secondaries preload: %s' % (sec_env.get('LD_PRELOAD') or '(nothing)'))
    proc_info(procinfo, testpmd, common, env, sec_env, tmp, prefix)
    # pdump truncates long paths in its devargs: a short directory of its own.
    short = tempfile.mkdtemp(prefix='ntamp')
    try:
        pdump_capture(pdump, testpmd, common, env, sec_env, tmp, short, prefix)
    finally:
        shutil.rmtree(short, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
