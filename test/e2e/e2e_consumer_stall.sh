#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A consumer that stops returning buffers: the forwarder bounds what it has
# lent (--max-inflight), drops and counts beyond that, and never stalls
# (it keeps receiving); when the consumer goes, everything comes back.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

max=256
start_fwd --vdev net_null0,size=64 --vdev net_null1,size=64 -- --max-inflight $max
# A client that connects and says nothing holds up nothing.
wait_for 10 "forwarding" bash -c "[ \$(grep -c '^nta-fwd: stats:' '$FWD_LOG') -ge 2 ]"
$PY -c "
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect('$SOCK')
time.sleep(1.2)
" &
PIDS+=($!)
sleep 0.2
r0=$(fwd_stat rx)
sleep 0.6
r1=$(fwd_stat rx)
[ "$r1" -gt "$r0" ] || fail "a silent client stalled the forwarder: rx $r0 -> $r1"
wait_for 10 "silent client dropped" grep -q 'got no answer' "$FWD_LOG"
ok "a silent client did not stall the forwarder (rx $r0 -> $r1) and was dropped"

start_cons stall --quiet --no-echo --stall-after 100
wait_for 10 "consumer attached" fwd_is attached 1
wait_for 10 "in flight reaches the bound" fwd_is inflight $max
sleep 0.5
r1=$(fwd_stat rx) d1=$(fwd_stat dropped) f1=$(fwd_stat inflight) p1=$(fwd_stat pool_in_use)
sleep 1
r2=$(fwd_stat rx) d2=$(fwd_stat dropped) f2=$(fwd_stat inflight)
[[ $f1 = "$max" && $f2 = "$max" ]] || fail "in flight $f1/$f2, bound $max"
[ "$r2" -gt "$r1" ] || fail "forwarder stalled: rx $r1 -> $r2"
[ "$d2" -gt "$d1" ] || fail "no drops counted beyond the bound: $d1 -> $d2"
[ "$p1" -le $((max + 64)) ] || fail "pool_in_use=$p1 with $max lent"
ok "bound $max held; rx went on ($r1 -> $r2), drops counted ($d1 -> $d2)"
# A second consumer is told the forwarder is busy.
rc=0
"$NTA_CONSUMER" --socket "$SOCK" --quiet >"$W/cons-second.log" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'Device or resource busy' "$W/cons-second.log"; then
	fail "second consumer: rc $rc, $(cat "$W/cons-second.log")"
fi
ok "a second consumer was refused (EBUSY)"
kill -9 "$CONS_PID"
wait_for 10 "detach" fwd_is attached 0
wait_for 10 "buffers back" fwd_is pool_in_use 0
grep -q "consumer detached (closed): $max packets reclaimed" "$FWD_LOG" || fail "reclaim count"
stop_fwd
ok "the $max lent packets came back after the consumer went"
