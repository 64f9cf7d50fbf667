# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The NTA authors
"""What nta-top and nta-map share: a DPDK telemetry client, the region map
of an nta pool read over telemetry, and the JSON dump format of a map.

Telemetry (DPDK's v2 protocol): a SOCK_SEQPACKET socket
<runtime dir>/<file prefix>/dpdk_telemetry.v2; the application first sends a
hello (JSON: version, pid, max_output_len), then answers each command
("/nta/stats,mb_pool_0") with one JSON object {"/nta/stats": value}, value
null when the command or its parameters are unknown.

The dump (nta_dump_map() of libnta writes it too):
  {"format": "nta-map", "version": 1, "arenas": [{"name": ..., "unit": 32,
   "regions": [{"id": 0, "jumbo": 0, "units": N, "used": U, "cached": C,
   "free": F, "largest_start": S, "largest_units": L,
   "runs": "u12 f3 c1 ..."}, ...]}]}
Standard library only.
"""

import glob
import json
import os
import socket

STATES = {'u': 'used', 'c': 'cached', 'f': 'free'}


class ToolError(Exception):
    """A condition the user must hear about: printed, exit status 1."""


def runtime_base():
    """Where DPDK puts its runtime directories (as EAL decides)."""
    if os.geteuid() == 0:
        return '/var/run/dpdk'
    return os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')


def running_prefixes():
    """File prefixes of the applications whose telemetry socket answers."""
    found = []
    for path in glob.glob(os.path.join(runtime_base(), '*', 'dpdk_telemetry.v2')):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            try:
                s.connect(path)
            except OSError:
                continue    # left behind by an application that is gone
        found.append(os.path.basename(os.path.dirname(path)))
    return sorted(found)


def socket_path(prefix):
    return os.path.join(runtime_base(), prefix, 'dpdk_telemetry.v2')


class Telemetry:
    """One connection to an application's telemetry socket."""

    def __init__(self, path, prefix=None):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.sock.connect(path)
            hello = json.loads(self.sock.recv(4096).decode())
        except (OSError, ValueError) as e:
            self.sock.close()
            running = running_prefixes()
            what = ("file prefix '%s'" % prefix) if prefix is not None else path
            raise ToolError('no DPDK application answers at %s (%s: %s); %s' % (
                what, path, e.strerror if isinstance(e, OSError) else e,
                ('running: --file-prefix ' + ', '.join(running)) if running else
                'no DPDK application with telemetry is running')) from None
        self.pid = hello.get('pid')
        self.max_len = int(hello.get('max_output_len', 16384))
        self.commands = None
        self.error = None

    def close(self):
        self.sock.close()

    def cmd(self, command):
        """The value of command's reply (None: an error or an unknown command).

        The nta endpoints answer a refused request with {"error": why}
        (DPDK 22.11 turns a failing callback into null, like an unknown
        command); both come back as None, and the why is in self.error.
        """
        try:
            self.sock.send(command.encode())
            reply = self.sock.recv(self.max_len + 1)
        except OSError as e:
            raise ToolError('the application (pid %s) went away: %s' % (self.pid, e.strerror))
        if not reply:
            raise ToolError('the application (pid %s) went away' % self.pid)
        value = json.loads(reply.decode()).get(command.split(',')[0])
        self.error = None
        if isinstance(value, dict) and set(value) == {'error'}:
            self.error = value['error']
            return None
        return value

    def has(self, command):
        if self.commands is None:
            self.commands = set(self.cmd('/') or [])
        return command in self.commands

    def app_name(self):
        """The application's name from its command line, or ''."""
        try:
            with open('/proc/%d/comm' % int(self.pid)) as f:
                return f.read().strip()
        except (OSError, TypeError, ValueError):
            return ''


def connect(prefix, path=None):
    return Telemetry(path or socket_path(prefix), None if path else prefix)


def nta_pools(tel):
    """Names of the application's nta pools; ToolError when it has none."""
    pools = tel.cmd('/nta/pools') if tel.has('/nta/pools') else None
    if pools is None:
        raise ToolError('the application (pid %s) has no nta mempool driver loaded (no '
                        '/nta/pools): start it with -d librte_mempool_nta.so' % tel.pid)
    return pools


def check_pool(tel, pool):
    pools = nta_pools(tel)
    if pool not in pools:
        raise ToolError("no nta pool '%s' in the application (pid %s); its nta pools: %s" % (
            pool, tel.pid, ', '.join(pools) if pools else 'none'))


def parse_runs(text, units, where):
    """[(state, units)] of a runs string; ToolError when it does not add up."""
    runs, total = [], 0
    for word in text.split():
        if word[0] not in STATES or not word[1:].isdigit() or int(word[1:]) == 0:
            raise ToolError('%s: bad run "%s"' % (where, word))
        runs.append((STATES[word[0]], int(word[1:])))
        total += runs[-1][1]
    if total != units:
        raise ToolError('%s: runs cover %d units, the region has %d' % (where, total, units))
    return runs


def region_runs(tel, pool, region, max_pieces=None):
    """Figures of one region (dict) with its runs text, read piece by piece."""
    words, frm, pieces = [], 0, 0
    while True:
        r = tel.cmd('/nta/map,%s,%d,%d' % (pool, region, frm))
        if r is None:
            raise ToolError("no region %d in pool '%s'" % (region, pool))
        words += r['map']
        pieces += 1
        if r['next'] >= r['units'] or r['next'] <= frm or \
                (max_pieces is not None and pieces >= max_pieces):
            break
        frm = r['next']
    r['runs_text'] = ' '.join(words)
    r['complete'] = r['next'] >= r['units']
    return r


def pool_map(tel, pool):
    """The dump (dict) of an nta pool's arena, read over telemetry."""
    check_pool(tel, pool)
    if not tel.has('/nta/map'):
        raise ToolError('the nta driver of the application (pid %s) has no /nta/map '
                        'endpoint (an older driver)' % tel.pid)
    summary = tel.cmd('/nta/map,' + pool)
    if summary is None:
        raise ToolError("no nta pool '%s'" % pool)
    regions = []
    for i in range(summary['regions']):
        r = region_runs(tel, pool, i)
        regions.append({k: r[k] for k in ('units', 'used', 'cached', 'free', 'largest_start',
                                          'largest_units', 'jumbo')})
        regions[-1]['id'] = i
        regions[-1]['runs'] = r['runs_text']
    stats = {k: v for k, v in summary.items() if k not in ('map', 'pool', 'unit')}
    return {'format': 'nta-map', 'version': 1,
            'arenas': [{'name': pool, 'unit': summary['unit'], 'regions': regions,
                        'stats': stats, 'pid': tel.pid}]}


def load_dump(path):
    """A dump file (dict), checked; ToolError when it is not one."""
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError as e:
        raise ToolError('cannot read %s: %s' % (path, e.strerror)) from None
    except ValueError as e:
        raise ToolError('%s is not JSON: %s' % (path, e)) from None
    if not isinstance(d, dict) or d.get('format') != 'nta-map' or d.get('version') != 1:
        raise ToolError('%s is not an nta-map dump (format "nta-map", version 1)' % path)
    for a in d.get('arenas', []):
        for r in a.get('regions', []):
            where = '%s: arena %s region %s' % (path, a.get('name'), r.get('id'))
            try:
                runs = parse_runs(r['runs'], r['units'], where)
            except (KeyError, TypeError):
                raise ToolError(where + ': missing or bad fields') from None
            for state in STATES.values():
                if sum(n for s, n in runs if s == state) != r.get(state):
                    raise ToolError('%s: %s units do not add up' % (where, state))
    if not d.get('arenas'):
        raise ToolError('%s: no arena' % path)
    return d


def fmt_bytes(n):
    """Bytes for people: 0 B, 512 B, 1.5 KB, 17.0 MB."""
    for unit, div in (('GB', 1 << 30), ('MB', 1 << 20), ('KB', 1 << 10)):
        if n >= div:
            return '%.1f %s' % (n / div, unit)
    return '%d B' % n
