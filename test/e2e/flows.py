#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Traffic of many flows on a raw socket, and the checks of the e2e tests
with many consumers.

  flows.py send IFACE FLOWS PER_FLOW OUT [MARKER]
      Send PER_FLOW UDP frames of each of FLOWS flows (distinct 5-tuples),
      interleaved, on IFACE (AF_PACKET), and write them to OUT (one hex frame
      a line). With MARKER (a 64-bit number), the payload is that word
      repeated, 8-byte aligned in a buffer whose data starts 64-byte aligned.
  flows.py capture IFACE OUT COUNT SECONDS READY
      Write to OUT every frame IFACE receives (not those it sends) until COUNT
      frames or SECONDS; touch READY once listening.
  flows.py check SENT CAPTURED CONSUMER_LOG...
      The captured frames are the sent ones, byte for byte (as a multiset,
      and in order within each flow); each flow was seen by exactly one
      consumer, with all its packets (the consumers' --flows lists), and
      every consumer saw at least one flow.
Exit 0 when the check holds, 1 with a message otherwise.
"""

import collections
import os
import re
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def die(msg):
    print('flows: FAIL: ' + msg)
    sys.exit(1)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def flow_tuple(i):
    """Addresses and ports of flow i."""
    src = bytes([10, 1, (i >> 8) & 0xff, i & 0xff])
    dst = bytes([10, 2, 0, 1 + (i % 200)])
    return src, dst, 1024 + i, 5000 + (i * 7) % 1000


def frame(i, seq, marker):
    src, dst, sport, dport = flow_tuple(i)
    if marker is None:
        payload = struct.pack('!IIQ', i, seq, 0x4e54412d464c4f57) + bytes(58)
    else:
        # 6 bytes put the words at offset 48 of the frame: 8-byte aligned
        payload = bytes(6) + struct.pack('<Q', marker) * 20
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), seq & 0xffff, 0, 64, 17, 0,
                     src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    eth = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00'
    return eth + ip + udp


def cmd_send(iface, flows, per_flow, out, marker=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    frames = []
    for seq in range(per_flow):
        for i in range(flows):
            frames.append(frame(i, seq, marker))
    with open(out, 'w') as f:
        for k, fr in enumerate(frames):
            s.send(fr)
            f.write(fr.hex() + '\n')
            if k % 16 == 15:
                time.sleep(0.002)  # the forwarder's kernel rings hold a few hundred
    print('flows: sent %d frames of %d flows on %s' % (len(frames), flows, iface))


def cmd_capture(iface, out, count, seconds, ready):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((iface, 0))
    s.settimeout(0.2)
    open(ready, 'w').close()
    end = time.time() + seconds
    got = []
    while len(got) < count and time.time() < end:
        try:
            data, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        got.append(data)
    with open(out + '.tmp', 'w') as f:
        for d in got:
            f.write(d.hex() + '\n')
    os.rename(out + '.tmp', out)
    print('flows: captured %d frames on %s' % (len(got), iface))


def read_frames(path):
    with open(path) as f:
        return [bytes.fromhex(line.strip()) for line in f if line.strip()]


def key_of(fr):
    """5-tuple of one of our frames, as the consumer prints it."""
    ip = fr[14:34]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    sport, dport = struct.unpack('!HH', fr[34:38])
    return '%s:%d -> %s:%d' % (src, sport, dst, dport)


FLOW_LINE = re.compile(r'^\s+flow proto=17 (\S+ -> \S+) packets=(\d+) ')


def cmd_check(sent_path, cap_path, logs):
    sent, cap = read_frames(sent_path), read_frames(cap_path)
    if collections.Counter(sent) != collections.Counter(cap):
        missing = len(list((collections.Counter(sent) - collections.Counter(cap)).elements()))
        extra = len(list((collections.Counter(cap) - collections.Counter(sent)).elements()))
        die('forwarded frames differ from the input: %d sent, %d captured, %d missing,'
            ' %d extra' % (len(sent), len(cap), missing, extra))
    by_flow_sent, by_flow_cap = collections.defaultdict(list), collections.defaultdict(list)
    for fr in sent:
        by_flow_sent[key_of(fr)].append(fr)
    for fr in cap:
        by_flow_cap[key_of(fr)].append(fr)
    for k, frs in by_flow_sent.items():
        if by_flow_cap[k] != frs:
            die('flow %s: order changed' % k)
    owner = {}
    for n, log in enumerate(logs):
        seen = 0
        with open(log) as f:
            for line in f:
                m = FLOW_LINE.match(line)
                if m is None:
                    continue
                k, pkts = m.group(1), int(m.group(2))
                if k not in by_flow_sent:
                    die('consumer %d saw a flow nobody sent: %s' % (n, k))
                if k in owner:
                    die('flow %s seen by consumers %d and %d' % (k, owner[k], n))
                if pkts != len(by_flow_sent[k]):
                    die('consumer %d saw %d of the %d packets of flow %s' %
                        (n, pkts, len(by_flow_sent[k]), k))
                owner[k] = n
                seen += 1
        if seen == 0:
            die('consumer %d saw no flow: the flows were not spread' % n)
        print('flows: consumer %d: %d flows' % (n, seen))
    if len(owner) != len(by_flow_sent):
        die('%d of %d flows were seen by a consumer' % (len(owner), len(by_flow_sent)))
    print('flows: %d frames of %d flows forwarded identically; each flow seen by one'
          ' consumer only' % (len(sent), len(by_flow_sent)))


def main():
    a = sys.argv[1:]
    if len(a) >= 5 and a[0] == 'send':
        cmd_send(a[1], int(a[2]), int(a[3]), a[4], int(a[5], 0) if len(a) > 5 else None)
    elif len(a) == 6 and a[0] == 'capture':
        cmd_capture(a[1], a[2], int(a[3]), float(a[4]), a[5])
    elif len(a) >= 4 and a[0] == 'check':
        cmd_check(a[1], a[2], a[3:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
