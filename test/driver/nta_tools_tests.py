#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""nta-top and nta-map (app/nta-top/) against known arenas.

  dump     nta_map_dump writes an arena's map (nta_dump_map()) and stats;
           nta-map --dump draws it: valid SVG (xmllint), one element per
           region, the units of each colour equal to the arena's counts;
           bad input (no file, not JSON, not a dump, runs that do not add
           up, no socket, no application) refused with a message and exit 1
  testpmd  a testpmd with the nta driver: nta-top --once shows its pool with
           the figures of /nta/stats; nta-map --pool draws it (checked as
           above against /nta/map and /nta/stats); an unknown pool or region
           refused (tools: exit 1; endpoint: {"error": why})

Exit status 0 on success, 1 on failure, 77 when a needed program is missing.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dpdk_driver_tests import SKIP, driver_args, eal, fail  # noqa: E402

SVG = '{http://www.w3.org/2000/svg}'


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120, check=False, **kw)
    return p.returncode, p.stdout


def check_svg(path, expect):
    """path is valid SVG whose regions and colours agree with expect (bytes)."""
    if shutil.which('xmllint') is None:
        fail('xmllint is missing (apt-get install libxml2-utils)')
    rc, out = run(['xmllint', '--noout', path])
    if rc != 0:
        fail('%s is not well-formed XML: %s' % (path, out))
    root = ET.parse(path).getroot()
    if root.tag != SVG + 'svg':
        fail('%s: root element %s, not svg' % (path, root.tag))
    legend = {r.get('fill') for r in root.iter(SVG + 'rect') if r.get('class') == 'legend'}
    regions = [g for g in root.iter(SVG + 'g') if g.get('class') == 'region']
    if len(regions) != expect['regions']:
        fail('%s: %d region elements, the arena has %d regions' % (path, len(regions),
                                                                  expect['regions']))
    fills, total = {}, {'used': 0, 'cached': 0, 'free': 0}
    largest = 0
    for g in regions:
        units = {'used': 0, 'cached': 0, 'free': 0}
        for r in g.iter(SVG + 'rect'):
            cls = r.get('class')
            if cls in units:
                units[cls] += int(r.get('data-units'))
                fills.setdefault(cls, set()).add(r.get('fill'))
        for state in units:
            if units[state] != int(g.get('data-' + state)):
                fail('%s region %s: %d %s units drawn, figures say %s' % (
                    path, g.get('data-region'), units[state], state, g.get('data-' + state)))
            total[state] += units[state]
        if sum(units.values()) != int(g.get('data-units')):
            fail('%s region %s: drawn units do not cover the region' % (path, g.get('id')))
        largest = max(largest, int(g.get('data-largest-units')))
    for state, f in fills.items():
        if len(f) != 1 or not f <= legend:
            fail('%s: %s units drawn in %s, legend colours %s' % (path, state, f, legend))
    if len(set.union(*fills.values())) != len(fills):
        fail('%s: two states share a colour: %s' % (path, fills))
    unit = expect['unit']
    for state in total:
        if total[state] * unit != expect[state]:
            fail('%s: %d %s bytes drawn, the arena has %d' % (path, total[state] * unit, state,
                                                             expect[state]))
    if largest * unit != expect['largest']:
        fail('%s: largest free extent %d bytes, the arena says %d' % (
            path, largest * unit, expect['largest']))
    print('PASS %s: %d regions, used %d, cached %d, free %d bytes, largest free %d' % (
        os.path.basename(path), len(regions), expect['used'], expect['cached'], expect['free'],
        expect['largest']))


def refused(cmd, words, what):
    """cmd exits 1 with a message containing every one of words."""
    rc, out = run(cmd)
    if rc != 1 or not all(w in out for w in words):
        fail('%s: exit %d (want 1), message %r (want %s)' % (what, rc, out.strip(), words))
    print('PASS refused %s: %s' % (what, out.strip().splitlines()[-1]))


def test_dump(tools, helper, work):
    dump, stats = os.path.join(work, 'dump.json'), os.path.join(work, 'stats.json')
    rc, out = run([helper, dump, stats])
    if rc != 0:
        fail('nta_map_dump failed', out)
    with open(stats) as f:
        st = json.load(f)
    if st['bytes_cached'] == 0 or st['bytes_free'] == 0:
        fail('the test arena should have cached and free units: %r' % st)
    svg = os.path.join(work, 'dump.svg')
    rc, out = run([tools['nta-map'], '--dump', dump, '-o', svg])
    if rc != 0:
        fail('nta-map --dump failed', out)
    check_svg(svg, {'regions': st['regions'], 'unit': st['unit'], 'used': st['bytes_used'],
                    'cached': st['bytes_cached'], 'free': st['bytes_free'],
                    'largest': st['largest_free']})
    # Bad input.
    nm = tools['nta-map']
    refused([nm, '--dump', os.path.join(work, 'none.json')], ['cannot read', 'none.json'],
            'a missing dump')
    bad = os.path.join(work, 'bad.json')
    with open(bad, 'w') as f:
        f.write('{"format": "nta-map"')
    refused([nm, '--dump', bad], ['not JSON'], 'a file that is not JSON')
    with open(bad, 'w') as f:
        json.dump({'format': 'other'}, f)
    refused([nm, '--dump', bad], ['not an nta-map dump'], 'JSON that is not a dump')
    with open(dump) as f:
        d = json.load(f)
    d['arenas'][0]['regions'][0]['runs'] += ' u1'
    with open(bad, 'w') as f:
        json.dump(d, f)
    refused([nm, '--dump', bad], ['runs cover'], 'runs that do not add up')
    sock = os.path.join(work, 'no.sock')
    refused([nm, '--pool', 'p', '--socket', sock], ['no DPDK application answers', sock],
            'nta-map, no such socket')
    refused([tools['nta-top'], '--once', '--socket', sock], ['no DPDK application answers'],
            'nta-top, no such socket')
    refused([tools['nta-top'], '--once', '--file-prefix', 'nta_no_such_app_%d' % os.getpid()],
            ["file prefix 'nta_no_such_app"], 'nta-top, no such application')
    rc, out = run([nm])
    if rc != 2 or 'give either --pool' not in out:
        fail('nta-map without a source: exit %d, %r' % (rc, out))


def telemetry(path):
    """A small client of our own, to hold the tools' figures against."""
    sys.path.insert(0, os.path.dirname(path))
    import nta_telemetry
    return nta_telemetry


def test_testpmd(tools, load, env, work):
    prog = shutil.which('dpdk-testpmd')
    if prog is None:
        print('SKIP: no dpdk-testpmd')
        sys.exit(SKIP)
    nt = telemetry(tools['module'])
    prefix = 'nta_tools_%d' % os.getpid()
    cmd = [prog] + eal(prefix, load) + ['--vdev', 'net_null0', '--vdev', 'net_null1',
                                        '--', '-i', '--total-num-mbufs=8192']
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        tel = None
        for _ in range(100):
            try:
                tel = nt.connect(prefix)
                if tel.cmd('/nta/pools'):
                    break
                tel.close()
                tel = None
            except nt.ToolError:
                pass
            time.sleep(0.2)
        if tel is None:
            fail('testpmd (--file-prefix %s) never answered with an nta pool' % prefix)
        check_testpmd(tools, tel, prefix, work)
        tel.close()
    finally:
        out, _ = p.communicate('quit\n', timeout=60)
    print(out[-1500:])


def check_testpmd(tools, tel, prefix, work):
    rc, top = run([tools['nta-top'], '--once', '--interval', '0.2', '--file-prefix', prefix])
    st = tel.cmd('/nta/stats,mb_pool_0')
    print(top)
    if rc != 0:
        fail('nta-top --once: exit %d' % rc, top)
    if not re.search(r'^> mb_pool_0 +8192 ', top, flags=re.M):
        fail('nta-top --once does not show mb_pool_0 with its 8192 objects', top)
    m = re.search(r'^pool mb_pool_0: arena (\d+) bytes in (\d+) regions: used (\d+) \((\d+) '
                  r'buffers\), cached (\d+), free (\d+) in (\d+) extents, largest (\d+), '
                  r'fragmentation (\d+) ppm$', top, flags=re.M)
    if m is None:
        fail('nta-top --once: no figures line for mb_pool_0', top)
    got = dict(zip(('bytes_total', 'regions', 'bytes_used', 'buffers', 'bytes_cached',
                    'bytes_free', 'free_extents', 'largest_free', 'fragmentation_ppm'), m.groups()))
    for k, v in got.items():
        if k != 'buffers' and str(st[k]) != v:
            fail('nta-top shows %s %s, /nta/stats says %s' % (k, v, st[k]), top)
    bars = re.findall(r'^ +\d+ \[[#+.?]+\] used', top, flags=re.M)
    if len(bars) != st['regions']:
        fail('nta-top: %d region bars for %d regions' % (len(bars), st['regions']), top)
    print('PASS nta-top --once: mb_pool_0 and its figures as /nta/stats gives them')
    svg = os.path.join(work, 'testpmd.svg')
    rc, out = run([tools['nta-map'], '--file-prefix', prefix, '--pool', 'mb_pool_0', '-o', svg,
                   '--save', os.path.join(work, 'testpmd.json')])
    if rc != 0:
        fail('nta-map --pool mb_pool_0: exit %d' % rc, out)
    check_svg(svg, {'regions': st['regions'], 'unit': tel.cmd('/nta/map,mb_pool_0')['unit'],
                    'used': st['bytes_used'], 'cached': st['bytes_cached'],
                    'free': st['bytes_free'], 'largest': st['largest_free']})
    rc, out = run([tools['nta-map'], '--dump', os.path.join(work, 'testpmd.json'), '-o', svg])
    if rc != 0:
        fail('nta-map cannot read its own --save', out)
    refused([tools['nta-top'], '--once', '--file-prefix', prefix, '--pool', 'nope'],
            ["no nta pool 'nope'", 'mb_pool_0'], 'nta-top --pool nope')
    refused([tools['nta-map'], '--file-prefix', prefix, '--pool', 'nope'],
            ["no nta pool 'nope'", 'mb_pool_0'], 'nta-map --pool nope')
    for bad in ('/nta/map,nope', '/nta/map,mb_pool_0,%d' % st['regions'],
                '/nta/map,mb_pool_0,x', '/nta/map,mb_pool_0,0,99999999', '/nta/map'):
        if tel.cmd(bad) is not None or not tel.error:
            fail('%s gave %r, not an error {"error": why}' % (bad, tel.cmd(bad)))
    print('PASS /nta/map refuses unknown pools, regions and bad parameters')


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('test', choices=['dump', 'testpmd'])
    ap.add_argument('--tools', required=True, help='folder of nta-top, nta-map')
    ap.add_argument('--helper', help='nta_map_dump program (dump)')
    ap.add_argument('--driver', help='path of librte_mempool_nta.so (testpmd)')
    ap.add_argument('--workdir', default='.', help='where to put files')
    ap.add_argument('--preload', action='append', default=[],
                    help='library to LD_PRELOAD first (sanitizer runtimes)')
    a = ap.parse_args()
    tools = {t: os.path.join(a.tools, t) for t in ('nta-top', 'nta-map')}
    tools['module'] = os.path.join(a.tools, 'nta_telemetry.py')
    os.makedirs(a.workdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix='nta-tools-', dir=a.workdir)
    if a.test == 'dump':
        if a.helper is None:
            ap.error('dump needs --helper')
        test_dump(tools, a.helper, work)
    else:
        if a.driver is None or not os.path.isfile(a.driver):
            ap.error('testpmd needs --driver')
        load, env = driver_args(a.driver, a.workdir, a.preload)
        test_testpmd(tools, load, env, work)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
