#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A consumer that writes garbage into the shared ring file (ring offsets,
# every producer and consumer index) after its packets went through: the
# forwarder keeps its own indices privately, sees the impossible ones,
# detaches that consumer as a protocol violation, takes everything back,
# and serves the next consumer.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
: "${NTA_FORGE:?NTA_FORGE must name nta-e2e-forge}"

cap=$PCAPS/http.pcap
n=$($PY "$HERE/pcaptool.py" count "$cap")
start_fwd --vdev "net_pcap0,rx_pcap=$cap,tx_pcap=$W/out0.pcap" \
	--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- --wait-consumer --when-full wait
"$NTA_FORGE" "$SOCK" "$n" 0 scribble >"$W/cons-forge.log" 2>&1 &
CONS_PID=$!
PIDS+=("$CONS_PID")
wait_for 20 "scribble done" grep -q '^forge: scribbled' "$W/cons-forge.log"
wait_for 10 "violation noticed" grep -q 'consumer detached (ring indices corrupted)' "$FWD_LOG"
kill -0 "$FWD_PID" || fail "forwarder died on a scribbled ring file"
wait_for 10 "pool back" fwd_is pool_in_use 0
kill -9 "$CONS_PID"
# The next consumer attaches to fresh rings and works.
start_cons after --quiet --no-echo
wait_for 10 "new consumer attached" fwd_is attached 1
stop_pid "$CONS_PID"
[ "$STOP_RC" = 0 ] || fail "next consumer exit status $STOP_RC"
stop_fwd
[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "verdict_fwd=$(fwd_final verdict_fwd), want $n"
[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool_in_use=$(fwd_final pool_in_use)"
# Only what the forger sent on purpose before scribbling was refused.
want=$(grep '^forge: expect' "$W/cons-forge.log" | tr ' ' '\n' |
	awk -F= '$1 ~ /^refused_/ && $1 != "refused_tx" { s += $2 } END { print s + 0 }')
[ "$(fwd_final refused)" = "$want" ] || fail "refused=$(fwd_final refused), want $want: garbage entries were read"
grep -q 'protocol_errors=1 ' "$FWD_LOG" || fail "protocol error not counted once"
$PY "$HERE/pcaptool.py" same "$cap" "$W/out1.pcap" || fail "output corrupted"
ok "scribbled ring file: consumer detached as a protocol violation, no garbage read, output intact, pool whole"
