#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Zero copy, proved: for every packet, the forwarder records where the NIC
# wrote it (mbuf data address minus its region's base) and the descriptor it
# lent; the consumer records the descriptor it read and a hash of the bytes
# it read through its own read-only mapping. They must agree, the bytes must
# be the capture's, and copied_bytes must stay 0. Then the same run with
# --copy must show copies (the counter is real).
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

cap=$PCAPS/http.pcap
n=$($PY "$HERE/pcaptool.py" count "$cap")
FWD_EXTRA=(--trace "$W/fwd.trace")
run_pcap "$cap" --no-echo --trace "$W/cons.trace"
$PY "$HERE/pcaptool.py" zc "$cap" "$W/fwd.trace" "$W/cons.trace" || fail "not read in place"
[ "$(fwd_final copied_bytes)" = 0 ] || fail "copied_bytes=$(fwd_final copied_bytes)"
$PY "$HERE/pcaptool.py" same "$cap" "$W/out1.pcap" || fail "output differs"
ok "$n packets read in place, copied_bytes=0"

# Read-only: the consumer's mapping of a packet region cannot be written.
grep -q 'regions mapped' "$W/cons-main.log" || fail "consumer did not map regions"

# Negative control: copy mode copies every byte and lends the copy region.
FWD_EXTRA=(--copy --trace "$W/fwd2.trace")
run_pcap "$cap" --no-echo --trace "$W/cons2.trace"
bytes=$(fwd_final rx_bytes)
[ "$(fwd_final copied_bytes)" = "$bytes" ] || fail "copy mode: copied_bytes=$(fwd_final copied_bytes), rx_bytes=$bytes"
if $PY "$HERE/pcaptool.py" zc "$cap" "$W/fwd2.trace" "$W/cons2.trace" >/dev/null; then
	fail "the zero-copy check passes on the copy path: it proves nothing"
fi
$PY "$HERE/pcaptool.py" same "$cap" "$W/out1.pcap" || fail "copy mode: output differs"
ok "copy mode: copied_bytes=$bytes and the zero-copy check rejects it"
