#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Four consumers on net_af_packet qpairs=4 (the kernel's fanout hash spreads
# flows over the queues) over veth pairs into a network namespace made here:
# 64 UDP flows sent from the namespace into port 0 come back from port 1
# into the namespace. Each consumer sees only whole flows of its own (no
# flow straddles two consumers, each consumer gets some), and what comes out
# is what went in, byte for byte.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

ns=nta-ns$$
a=nta$$a
b=nta$$b
veth_ns "$ns" "$a" "$b"
flows=64
per=20
n=$((flows * per))

start_fwd --vdev "net_af_packet0,iface=$a,qpairs=4" --vdev "net_af_packet1,iface=$b,qpairs=4" -- \
	--consumers 4 --max-inflight 256 --nb-mbufs 4352
cons=()
for k in 0 1 2 3; do
	start_cons "q$k" --queue "$k" --no-echo --quiet --flows 1000
	cons+=("$CONS_PID")
done
wait_for 20 "4 consumers attached" fwd_is attached 4
for k in 0 1 2 3; do
	grep -q "as consumer $k of 4" "$W/cons-q$k.log" || fail "consumer $k not on slot $k"
done
# A fifth is refused: every slot is taken.
if "$NTA_CONSUMER" --socket "$SOCK" --quiet >"$W/cons-5th.log" 2>&1; then
	fail "a fifth consumer attached"
fi
grep -q 'taken' "$W/cons-5th.log" || fail "the fifth consumer was not told why: $(cat "$W/cons-5th.log")"

ip netns exec "$ns" "$PY" "$HERE/flows.py" capture "${b}p" "$W/captured" "$n" 30 "$W/ready" &
PIDS+=($!)
cap=$!
wait_for 10 "capture ready" test -e "$W/ready"
ip netns exec "$ns" "$PY" "$HERE/flows.py" send "${a}p" "$flows" "$per" "$W/sent" ||
	fail "cannot send"
wait_for 30 "all $n frames captured" test -e "$W/captured"
wait "$cap" || true
for k in 0 1 2 3; do
	stop_pid "${cons[$k]}"
	[ "$STOP_RC" = 0 ] || fail "consumer $k exited with status $STOP_RC"
done
wait_for 10 "consumers detached" fwd_is attached 0
stop_fwd
[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "verdict_fwd=$(fwd_final verdict_fwd), want $n"
[ "$(fwd_final refused)" = 0 ] || fail "refused=$(fwd_final refused)"
[ "$(fwd_final copied_bytes)" = 0 ] || fail "copied_bytes=$(fwd_final copied_bytes)"
$PY "$HERE/flows.py" check "$W/sent" "$W/captured" "$W"/cons-q{0,1,2,3}.log || fail "flows check"
ok "$n frames of $flows flows through 4 consumers: each flow on one consumer, output identical"
