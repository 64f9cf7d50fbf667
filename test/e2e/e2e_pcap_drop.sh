#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Drop rules given to the consumer: exactly the expected subset leaves.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

check() {
	local cap=$1 rule=$2
	shift 2
	run_pcap "$PCAPS/$cap" --no-echo "$@"
	$PY "$HERE/pcaptool.py" subset "$PCAPS/$cap" "$W/out1.pcap" "$rule" || fail "$cap $*: wrong subset"
	[ "$(fwd_final verdict_drop)" -gt 0 ] || fail "$cap $*: no drop verdict"
	ok "$cap with $*: exactly the expected packets left"
}

check dns_icmp.pcap proto=1 --drop-proto icmp
check http.pcap port=53 --drop-port 53
check http.pcap proto=6:port=80 --drop-rule tcp:80
