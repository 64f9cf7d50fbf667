#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# nta-top against dpdk-nta-fwd: before a consumer, it shows the forwarder's
# nta pool and says no consumer is attached; with one attached, it shows that
# consumer (state attached, its pid, as many packets in flight as the
# forwarder counts) from /nta_fwd/consumers; nta-map draws the pool.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

TOP=$HERE/../../app/nta-top
top_once() { # OUT: one frame of nta-top against the forwarder
	$PY "$TOP/nta-top" --once --interval 0.2 --file-prefix "$PREFIX" >"$1" 2>&1 ||
		fail "nta-top --once failed: $(cat "$1")"
}

cap=$PCAPS/http.pcap
start_fwd --vdev "net_pcap0,rx_pcap=$cap,tx_pcap=$W/out0.pcap" \
	--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- --wait-consumer --when-full wait
top_once "$W/top0.txt"
cat "$W/top0.txt"
grep -q '^> nta_fwd_pool ' "$W/top0.txt" || fail "nta-top does not show nta_fwd_pool"
grep -q '(no consumer attached)' "$W/top0.txt" || fail "nta-top shows a consumer before any"
ok "nta-top shows the forwarder's pool and no consumer"

start_cons main --quiet --no-echo
wait_for 20 "consumer attached" fwd_is attached 1
wait_for 20 "packets received" fwd_is rx "$($PY "$HERE/pcaptool.py" count "$cap")"
wait_for 20 "all packets returned" fwd_is inflight 0
top_once "$W/top1.txt"
cat "$W/top1.txt"
line=$(grep -E '^  0 +attached ' "$W/top1.txt") || fail "nta-top shows no attached consumer"
read -r _ state pid inflight _ <<<"$line"
[ "$state" = attached ] || fail "nta-top shows the consumer in state $state"
[ "$pid" = "$CONS_PID" ] ||
	fail "nta-top shows the consumer as pid $pid, it is pid $CONS_PID"
[ "$inflight" = 0 ] || fail "nta-top shows $inflight packets in flight, the forwarder 0"
ok "nta-top shows the attached consumer, pid $pid"

$PY "$TOP/nta-map" --file-prefix "$PREFIX" --pool nta_fwd_pool -o "$W/fwd.svg" ||
	fail "nta-map of the forwarder's pool failed"
xmllint --noout "$W/fwd.svg" || fail "nta-map wrote invalid SVG"
ok "nta-map drew the forwarder's pool"
stop_pid "$CONS_PID"
stop_fwd
