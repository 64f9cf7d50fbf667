#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Zero-copy demo: dpdk-nta-fwd forwards a real capture between two net_pcap
# ports; nta-consumer, a plain C program without DPDK, reads every packet in
# place in the forwarder's hugepage arena, counts flows, drops DNS (port 53)
# and answers ICMP echo requests from buffers of its own transmit region.
# Prints a short summary of what went through, nta-top's view of the
# forwarder before it stops, and the path of an SVG map of its packet arena
# (nta-map; NTA_DEMO_MAP, default <build dir>/nta-demo-map.svg).
#
#   scripts/demo.sh [CAPTURE.pcap]   (default: test/e2e/captures' http.pcap,
#                                     dns_icmp.pcap and nb6-http.pcap, merged)
#
# Builds first if needed (NTA_BUILD_DIR, default build), reserves hugepages
# (scripts/setup.sh hugepages; NTA_SKIP_SETUP=1 skips it). Needs root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "demo: needs root (hugepages, DPDK)" >&2; exit 1; }
bdir=${NTA_BUILD_DIR:-build}
PY=/usr/bin/python3
data=test/e2e/captures

if [ "${NTA_SKIP_SETUP:-0}" != 1 ]; then
	scripts/setup.sh hugepages
fi
[ -f "$bdir/build.ninja" ] || meson setup "$bdir"
ninja -C "$bdir" >/dev/null
fwd=$bdir/app/nta-fwd/dpdk-nta-fwd
cons=$bdir/app/nta-consumer/nta-consumer

w=$(mktemp -d /tmp/nta-demo.XXXXXX)
fp='' cp=''
cleanup() {
	[ -n "$cp" ] && kill -9 "$cp" 2>/dev/null
	[ -n "$fp" ] && kill -9 "$fp" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$w"
}
trap cleanup EXIT

if [ $# -ge 1 ]; then
	cap=$1
	[ -r "$cap" ] || { echo "demo: cannot read capture '$cap'" >&2; exit 1; }
else
	cap=$w/demo.pcap
	mergecap -a -F pcap -w "$cap" "$data/http.pcap" "$data/dns_icmp.pcap" "$data/nb6-http.pcap"
fi
n=$($PY test/e2e/pcaptool.py count "$cap")

field() { # FIELD: from the forwarder's final line
	grep '^nta-fwd: final:' "$w/fwd.log" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }' | tail -n 1
}
last() { # FIELD: from the forwarder's last stats line
	grep -E '^nta-fwd: (stats|final):' "$w/fwd.log" | tail -n 1 | tr ' ' '\n' |
		awk -F= -v k="$1" '$1 == k { print $2 }'
}
wait_until() { # SECONDS FIELD VALUE
	for _ in $(seq 1 $(($1 * 20))); do
		[ "$(last "$2")" = "$3" ] && return 0
		sleep 0.05
	done
	echo "demo: timeout waiting for $2=$3; forwarder log:" >&2
	tail -n 20 "$w/fwd.log" >&2
	exit 1
}

echo "demo: $n packets from $(basename "$cap") through dpdk-nta-fwd (core 0) and nta-consumer (core 1)"
"$fwd" -l 0 --in-memory --no-pci --file-prefix "nta-demo-$$" --log-level=lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$cap,tx_pcap=$w/replies.pcap" \
	--vdev "net_pcap1,tx_pcap=$w/out.pcap" -- \
	--socket "$w/fwd.sock" --wait-consumer --when-full wait --stats-ms 100 \
	--trace "$w/fwd.trace" >"$w/fwd.log" 2>&1 &
fp=$!
for _ in $(seq 1 200); do grep -q 'consumer socket' "$w/fwd.log" && break; sleep 0.05; done
"$cons" --socket "$w/fwd.sock" --cpu 1 --quiet --drop-port 53 --flows 5 \
	--trace "$w/cons.trace" >"$w/cons.log" 2>&1 &
cp=$!
wait_until 20 rx "$n"
wait_until 20 inflight 0
wait_until 20 tx_inflight 0
# The forwarder's memory and its consumer, seen from outside over telemetry.
map=${NTA_DEMO_MAP:-$(cd "$bdir" && pwd)/nta-demo-map.svg}
$PY app/nta-top/nta-top --once --interval 0.3 --file-prefix "nta-demo-$$" >"$w/top.txt" 2>&1 ||
	true
$PY app/nta-top/nta-map --file-prefix "nta-demo-$$" --pool nta_fwd_pool -o "$map" \
	--title "dpdk-nta-fwd's packet arena at the end of the demo" >"$w/map.log" 2>&1 ||
	map="(none: $(tail -n 1 "$w/map.log"))"
kill -INT "$cp"; wait "$cp" || true; cp=
kill -INT "$fp"; wait "$fp" || true; fp=

out=$($PY test/e2e/pcaptool.py count "$w/out.pcap")
rep=$($PY test/e2e/pcaptool.py count "$w/replies.pcap")
good=$(tshark -r "$w/replies.pcap" -o ip.check_checksum:TRUE \
	-Y 'icmp.type == 0 && ip.checksum.status == "Good" && !icmp.checksum_bad' 2>/dev/null | wc -l)
if $PY test/e2e/pcaptool.py zc "$cap" "$w/fwd.trace" "$w/cons.trace" >/dev/null; then
	zc="yes: every packet read at the offset the NIC wrote it"
else
	zc="NO"
fi
if $PY test/e2e/pcaptool.py subset "$cap" "$w/out.pcap" port=53 >/dev/null; then
	subset="exactly the input minus DNS, in order, byte for byte"
else
	subset="NOT the expected subset"
fi

echo
echo "=== summary ==="
echo "packets in:             $n ($(field rx_bytes) bytes)"
echo "lent to the consumer:   $(field to_consumer)"
echo "forwarded (verdict):    $(field verdict_fwd) -> out.pcap has $out: $subset"
echo "dropped (udp/tcp 53):   $(field verdict_drop)"
echo "echo replies sent:      $(field consumer_tx) from the consumer's own buffers -> replies.pcap has $rep ($good with valid checksums per tshark)"
echo "bytes copied:           $(field copied_bytes)"
echo "zero copy:              $zc"
echo "refused descriptors:    $(field refused); pool in use at exit: $(field pool_in_use)"
grep -A6 '^nta-consumer: [0-9]* flows' "$w/cons.log" | sed 's/^nta-consumer: /consumer: /'
echo
echo "=== nta-top --once (before the forwarder stopped) ==="
cat "$w/top.txt"
echo
echo "region map of the packet arena (nta-map): $map"
