#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A hostile consumer returns forged descriptors (unknown region, offset or
# length out of range, a buffer it does not hold, a stale cookie, no verdict,
# the same buffer twice; forged transmit descriptors): each is refused and
# counted exactly, nothing crashes, the output is still the input byte for
# byte (nothing corrupted or lost), the pool comes back whole.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
: "${NTA_FORGE:?NTA_FORGE must name nta-e2e-forge}"

cap=$PCAPS/http.pcap
n=$($PY "$HERE/pcaptool.py" count "$cap")
k=10
start_fwd --vdev "net_pcap0,rx_pcap=$cap,tx_pcap=$W/out0.pcap" \
	--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- --wait-consumer --when-full wait
"$NTA_FORGE" "$SOCK" "$n" "$k" >"$W/cons-forge.log" 2>&1 &
CONS_PID=$!
PIDS+=("$CONS_PID")
wait_for 20 "forger done" grep -q '^forge: expect' "$W/cons-forge.log"
wait_for 20 "all packets returned" fwd_is inflight 0
wait_for 20 "transmit done" fwd_is tx_inflight 0
kill -0 "$FWD_PID" || fail "forwarder died"
stop_pid "$CONS_PID"
stop_fwd
grep -q 'receive regions cannot be made writable' "$W/cons-forge.log" || fail "read-only check"
read -ra expect < <(grep -m 1 '^forge: expect' "$W/cons-forge.log" | cut -d' ' -f3-)
[ ${#expect[@]} -gt 0 ] || fail "the forger printed no expected counts"
for f in "${expect[@]}"; do
	key=${f%%=*}
	want=${f#*=}
	got=$(fwd_final "$key")
	[ "$got" = "$want" ] || fail "$key: forwarder counted $got, forger sent $want"
	echo "  $key=$got"
done
[ "$(fwd_final rx)" = "$n" ] || fail "rx=$(fwd_final rx)"
[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "verdict_fwd=$(fwd_final verdict_fwd), want $n"
[ "$(fwd_final dropped)" = 0 ] || fail "dropped=$(fwd_final dropped)"
[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool_in_use=$(fwd_final pool_in_use)"
$PY "$HERE/pcaptool.py" same "$cap" "$W/out1.pcap" || fail "output corrupted or incomplete"
# Exactly the one valid transmit buffer left on port 0.
tx=$($PY "$HERE/pcaptool.py" count "$W/out0.pcap")
[ "$tx" = 1 ] || fail "$tx packets transmitted from the consumer's buffers, want 1"
grep -q "completions=1 " "$W/cons-forge.log" || fail "the valid transmit buffer did not come back as a completion"
ok "every forged descriptor refused and counted; output intact; pool whole"
