#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Real captures through net_pcap with a consumer that forwards everything:
# the output is the input, byte for byte, in order; nothing was copied.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

# The default pool (the nta mempool driver's pinned external buffers when
# built), the driver's pool of whole mbufs (--pool whole), then whole mbufs
# with ring_mp_mc ops populated by the forwarder itself.
for run in http.pcap:default nb6-http.pcap:default dns_icmp.pcap:default http.pcap:whole \
		http.pcap:ring; do
	cap=${run%%:*}
	pool=${run#*:}
	FWD_EXTRA=()
	[ "$pool" = default ] || FWD_EXTRA=(--pool "$pool")
	run_pcap "$PCAPS/$cap" --no-echo
	grep -q 'mempool ops ' "$FWD_LOG" || fail "no pool line"
	[ "$pool" != ring ] || grep -q 'mempool ops ring_mp_mc' "$FWD_LOG" || fail "--pool ring ignored"
	hdr=private
	[ "$pool" = default ] || hdr=shared
	grep -q "^nta-fwd: mbuf headers: .* in $hdr " "$FWD_LOG" ||
		fail "$cap: --pool $pool: mbuf headers not in $hdr memory"
	$PY "$HERE/pcaptool.py" same "$PCAPS/$cap" "$W/out1.pcap" || fail "$cap: output differs"
	[ "$(fwd_final copied_bytes)" = 0 ] || fail "$cap: copied_bytes=$(fwd_final copied_bytes)"
	n=$($PY "$HERE/pcaptool.py" count "$PCAPS/$cap")
	[ "$(fwd_final to_consumer)" = "$n" ] || fail "$cap: $(fwd_final to_consumer) of $n went to the consumer"
	[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "$cap: $(fwd_final verdict_fwd) forward verdicts"
	grep -q "^nta-consumer: final: packets=$n " "$W/cons-main.log" || fail "$cap: consumer did not read $n packets"
	grep -q '  flow proto=' "$W/cons-main.log" || fail "$cap: consumer printed no flows"
	no_hugepage_files "$FWD_PID"
	ok "$cap ($(grep -o 'mempool ops [a-z_]*' "$FWD_LOG")): $n packets forwarded through the consumer, identical, copied_bytes=0"
done
