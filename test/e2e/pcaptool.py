#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks of the e2e tests on pcap files, with dpkt and scapy (not our code).

  pcaptool.py same IN OUT                 OUT's packets are IN's, byte for byte, in order
  pcaptool.py subset IN OUT RULE...       OUT is IN minus what the rules drop, in order;
                                          RULE: proto=N | port=N | proto=N:port=N
  pcaptool.py echo IN OUT                 OUT holds one correct echo reply per IPv4 echo
                                          request of IN (scapy checks the checksums)
  pcaptool.py zc IN FWDTRACE CONSTRACE    the consumer read each packet at the offset the
                                          NIC wrote it, and read the input's bytes there
  pcaptool.py count IN                    number of packets
  pcaptool.py gen OUT SIZE...             write one IPv4/UDP frame of each SIZE bytes
                                          (198.18.0.0/15, a benchmarking range), each
                                          of its own flow and payload pattern
Exit 0 when the check holds, 1 with a message otherwise.
"""

import sys

import dpkt


def packets(path):
    with open(path, 'rb') as f:
        return [bytes(b) for _, b in dpkt.pcap.Reader(f)]


def die(msg):
    print('pcaptool: FAIL: ' + msg)
    sys.exit(1)


def l4(buf):
    """(proto, sport, dport) of an Ethernet frame, by dpkt."""
    eth = dpkt.ethernet.Ethernet(buf)
    ip = eth.data
    if isinstance(ip, dpkt.ip.IP):
        proto = ip.p
    elif isinstance(ip, dpkt.ip6.IP6):
        proto = ip.nxt
    else:
        return None, None, None
    t = ip.data
    if proto in (6, 17) and hasattr(t, 'sport'):
        return proto, t.sport, t.dport
    return proto, None, None


def dropped(buf, rules):
    proto, sport, dport = l4(buf)
    for r in rules:
        if 'proto' in r and r['proto'] != proto:
            continue
        if 'port' in r:
            if proto not in (6, 17) or r['port'] not in (sport, dport):
                continue
        return True
    return False


def cmd_same(a, b):
    pa, pb = packets(a), packets(b)
    if len(pa) != len(pb):
        die('%s has %d packets, %s has %d' % (a, len(pa), b, len(pb)))
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y:
            die('packet %d differs' % i)
    print('pcaptool: %d packets identical, in order' % len(pa))


def cmd_subset(a, b, rule_args):
    rules = []
    for arg in rule_args:
        r = {}
        for part in arg.split(':'):
            k, v = part.split('=')
            r[k] = int(v)
        rules.append(r)
    pa, pb = packets(a), packets(b)
    want = [p for p in pa if not dropped(p, rules)]
    if len(want) == len(pa):
        die('the rules drop nothing from %s: not a test' % a)
    if want != pb:
        die('expected %d packets (of %d), got %d, or they differ' % (len(want), len(pa), len(pb)))
    print('pcaptool: %d of %d packets kept, exactly the expected ones' % (len(pb), len(pa)))


def cmd_echo(a, b):
    from scapy.all import Ether, IP, ICMP, raw  # noqa: E402 (slow import)

    reqs = []
    for p in packets(a):
        e = Ether(p)
        if e.haslayer(ICMP) and e[ICMP].type == 8:
            reqs.append(e)
    reps = [Ether(p) for p in packets(b)]
    if not reqs:
        die('no echo request in ' + a)
    if len(reps) != len(reqs):
        die('%d echo requests, %d packets out' % (len(reqs), len(reps)))
    for q, r in zip(reqs, reps):
        if not r.haslayer(ICMP) or r[ICMP].type != 0 or r[ICMP].code != 0:
            die('not an echo reply: ' + r.summary())
        if r[IP].src != q[IP].dst or r[IP].dst != q[IP].src:
            die('addresses not swapped: ' + r.summary())
        if r.src != q.dst or r.dst != q.src:
            die('MAC addresses not swapped: ' + r.summary())
        if r[ICMP].id != q[ICMP].id or r[ICMP].seq != q[ICMP].seq:
            die('id/seq differ: ' + r.summary())
        if bytes(r[ICMP].payload) != bytes(q[ICMP].payload):
            die('payload differs: ' + r.summary())
        # scapy recomputes both checksums when they are deleted
        ip_sum, icmp_sum = r[IP].chksum, r[ICMP].chksum
        c = r.copy()
        del c[IP].chksum
        del c[ICMP].chksum
        c = Ether(raw(c))
        if c[IP].chksum != ip_sum or c[ICMP].chksum != icmp_sum:
            die('bad checksum: ip %#x (want %#x) icmp %#x (want %#x)' %
                (ip_sum, c[IP].chksum, icmp_sum, c[ICMP].chksum))
    print('pcaptool: %d echo replies, each correct with valid checksums' % len(reps))


def fnv1a(b):
    h = 1469598103934665603
    for x in b:
        h = ((h ^ x) * 1099511628211) & 0xffffffffffffffff
    return h


def trace(path, kind):
    rows = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != kind:
                continue
            rows.append(dict(x.split('=', 1) for x in w[1:]))
    return rows


def cmd_zc(a, ftrace, ctrace):
    pa = packets(a)
    lent, read = trace(ftrace, 'lend'), trace(ctrace, 'read')
    if len(lent) != len(pa) or len(read) != len(pa):
        die('%d packets, %d lent, %d read' % (len(pa), len(lent), len(read)))
    for i, (p, l, r) in enumerate(zip(pa, lent, read)):
        data, base = int(l['data'], 16), int(l['region_base'], 16)
        if data - base != int(l['offset']):
            die('packet %d: mbuf data at region offset %d, descriptor says %s' %
                (i, data - base, l['offset']))
        if int(l['region']) >= 0x8000:
            die('packet %d lent from region %s, not an arena region' % (i, l['region']))
        if (l['region'], l['offset'], l['len']) != (r['region'], r['offset'], r['len']):
            die('packet %d: consumer read %s/%s/%s, forwarder lent %s/%s/%s' %
                (i, r['region'], r['offset'], r['len'], l['region'], l['offset'], l['len']))
        if int(r['hash'], 16) != fnv1a(p):
            die('packet %d: the bytes read in place are not the input packet' % i)
    print('pcaptool: %d packets read in place at the offset the NIC wrote them' % len(pa))


def cmd_gen(out, sizes):
    with open(out, 'wb') as f:
        w = dpkt.pcap.Writer(f, snaplen=65535)
        for i, size in enumerate(sizes):
            pay = 14 + 20 + 8
            if size < pay:
                die('frame of %d bytes: at least %d' % (size, pay))
            udp = dpkt.udp.UDP(sport=1024 + i % 60000, dport=9,
                               data=bytes((i * 7 + j) & 0xff for j in range(size - pay)))
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(src=bytes([198, 18, 0, 1]), dst=bytes([198, 18, 0, 2]),
                            p=dpkt.ip.IP_PROTO_UDP, ttl=64, data=udp)
            ip.len = len(ip)
            eth = dpkt.ethernet.Ethernet(src=b'\x02\x00\x00\x00\x00\x01',
                                         dst=b'\x02\x00\x00\x00\x00\x02',
                                         type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
            frame = bytes(eth)
            if len(frame) != size:
                die('built %d bytes for %d' % (len(frame), size))
            w.writepkt(frame, ts=1700000000 + i / 1000.0)


def main():
    a = sys.argv[1:]
    if not a or a[0] in ('-h', '--help'):
        print(__doc__)
        return
    if a[0] == 'same' and len(a) == 3:
        cmd_same(a[1], a[2])
    elif a[0] == 'subset' and len(a) >= 4:
        cmd_subset(a[1], a[2], a[3:])
    elif a[0] == 'echo' and len(a) == 3:
        cmd_echo(a[1], a[2])
    elif a[0] == 'zc' and len(a) == 4:
        cmd_zc(a[1], a[2], a[3])
    elif a[0] == 'gen' and len(a) >= 3:
        cmd_gen(a[1], [int(x) for x in a[2:]])
    elif a[0] == 'count' and len(a) == 2:
        print(len(packets(a[1])))
    else:
        die('bad arguments; see --help')


if __name__ == '__main__':
    main()
