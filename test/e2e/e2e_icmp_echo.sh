#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# ICMP echo requests in a real capture are answered by the consumer from its
# own transmit region (handed to the NIC without a copy); scapy and tshark
# check the replies.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

cap=$PCAPS/dns_icmp.pcap
run_pcap "$cap"
$PY "$HERE/pcaptool.py" same "$cap" "$W/out1.pcap" || fail "forwarded packets differ"
$PY "$HERE/pcaptool.py" echo "$cap" "$W/out0.pcap" || fail "echo replies wrong"
nreq=$(tshark -r "$cap" -Y 'icmp.type == 8' 2>/dev/null | wc -l)
good=$(tshark -r "$W/out0.pcap" -o ip.check_checksum:TRUE \
	-Y 'icmp.type == 0 && ip.checksum.status == "Good" && !icmp.checksum_bad && !_ws.expert.severity >= error' \
	2>/dev/null | wc -l)
[ "$nreq" -gt 0 ] || fail "tshark finds no echo request in the capture"
[ "$good" = "$nreq" ] || fail "tshark: $good good replies for $nreq requests"
[ "$(fwd_final consumer_tx)" = "$nreq" ] || fail "consumer_tx=$(fwd_final consumer_tx), want $nreq"
[ "$(fwd_final completions)" = "$nreq" ] || fail "completions=$(fwd_final completions), want $nreq"
[ "$(fwd_final copied_bytes)" = 0 ] || fail "copied_bytes=$(fwd_final copied_bytes)"
grep -q "echo_replies=$nreq " "$W/cons-main.log" || fail "consumer did not send $nreq replies"
ok "$nreq echo requests answered, checksums valid for scapy and tshark, no copy"
