#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The writable transmit region cannot be used to free memory the forwarder
# uses. A consumer that punches a hole in it before the seal (also with a
# new page faulted in since), or seals it first, is refused and expelled,
# and its file replaced; after the seal, hole punch, MADV_REMOVE, truncate,
# more seals, a writable mapping through a reopened fd all fail, and a
# descriptor sent before the seal is refused and counted. The forwarder
# forwards throughout, keeps one transmit region, exits cleanly.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
: "${NTA_TXSEAL:?NTA_TXSEAL must name nta-e2e-txseal}"

# rx_above N: the forwarder received more than N packets.
rx_above() {
	[ "$(fwd_stat rx)" -gt "$1" ]
}

# tx_files: transmit region files the forwarder maps and holds open.
tx_files() {
	echo "maps=$(grep -c 'memfd:nta-tx' "/proc/$FWD_PID/maps")" \
		"fds=$(find "/proc/$FWD_PID/fd" -lname '*memfd:nta-tx*' | wc -l)"
}

start_fwd --vdev 'net_null0,size=64' --vdev 'net_null1,size=64' --
for mode in punch refault seal; do
	"$NTA_TXSEAL" "$SOCK" "$mode" >"$W/cons-$mode.log" 2>&1 ||
		fail "$mode: the forged consumer failed"
	grep -q "^txseal: PASS $mode" "$W/cons-$mode.log" || fail "$mode: not refused"
	wait_for 10 "session ended after $mode" fwd_is attached 0
	rx=$(fwd_stat rx)
	wait_for 10 "forwarding after $mode" rx_above "$rx"
	[ "$(tx_files)" = "maps=1 fds=1" ] || fail "after $mode: transmit files $(tx_files)"
	ok "$mode before the seal: refused, consumer expelled, forwarding goes on"
done
n=$(grep -c 'expelled: its transmit region lost pages before the seal' "$FWD_LOG")
[ "$n" = 2 ] || fail "$n expulsions for missing pages logged, want 2"
grep -q 'expelled: its transmit region was sealed by the consumer' "$FWD_LOG" ||
	fail "no expulsion for the consumer's own seal logged"

"$NTA_TXSEAL" "$SOCK" after >"$W/cons-after.log" 2>&1 &
CONS_PID=$!
PIDS+=("$CONS_PID")
wait_for 10 "sealed region tried" grep -q -e 'completed$' -e FAIL "$W/cons-after.log"
grep -q FAIL "$W/cons-after.log" && fail "after the seal: $(grep FAIL "$W/cons-after.log")"
n=$(grep -c '^txseal: PASS refused' "$W/cons-after.log")
[ "$n" = 8 ] || fail "$n of 8 attempts on the sealed region refused"
wait_for 10 "the frame sent before the seal counted" fwd_is completions 1
stop_pid "$CONS_PID"
wait_for 10 "session ended" fwd_is attached 0
ok "sealed: $n attempts to free, shrink or remap it refused; transmit works"

# The library does the step itself: a consumer attaches and is sealed.
start_cons lib --quiet
wait_for 10 "library consumer attached" fwd_is attached 1
stop_pid "$CONS_PID"
wait_for 10 "library consumer detached" fwd_is attached 0
rx=$(fwd_stat rx)
wait_for 10 "forwarding at the end" rx_above "$rx"
stop_fwd
for kv in tx_expelled=3 tx_sealed=2 refused_unsealed=1 consumer_tx=1 completions=1 \
		pool_in_use=0 protocol_errors=0; do
	[ "$(fwd_final "${kv%%=*}")" = "${kv#*=}" ] ||
		fail "${kv%%=*}=$(fwd_final "${kv%%=*}"), want ${kv#*=}"
done
grep -q 'nta-fwd: consumer attached' "$W/fwd.log" || fail "no session logged"
no_hugepage_files "$FWD_PID"
ok "tx_expelled=3 tx_sealed=2 refused_unsealed=1; pool whole; clean exit"
