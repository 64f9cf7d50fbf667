#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The consumer sees packet bytes and nothing else of the forwarder: with the
# default pool (pinned external buffers) no mbuf header lies in a shared
# region. Checked on live processes under traffic (net_null): the header
# span the forwarder reports meets none of its mappings of the region files,
# and the consumer's mappings of those files, read through /proc/PID/mem,
# hold no word equal to the pool pointer every mbuf header carries.
# Negative control: --pool whole (headers in the regions) must fail both.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

lent_some() {
	[ "$(fwd_stat to_consumer)" -gt 1000 ]
}

# scan_run FWD_ARGS...: sets HDR (the forwarder's header line), CONS_SCAN and
# FWD_SCAN (memscan.py output for the consumer and the forwarder).
scan_run() {
	local pool span lo hi
	start_fwd --vdev net_null0,size=128 --vdev net_null1,size=128 -- --max-inflight 512 "$@"
	HDR=$(grep '^nta-fwd: mbuf headers:' "$FWD_LOG") || fail "no header line"
	pool=$(echo "$HDR" | sed -n 's/.* pool=\(0x[0-9a-f]*\) .*/\1/p')
	span=$(echo "$HDR" | sed -n 's/.* span=\(0x[0-9a-f]*-0x[0-9a-f]*\) .*/\1/p')
	[[ -n $pool && -n $span ]] || fail "cannot parse: $HDR"
	lo=${span%-*}
	hi=${span#*-}
	start_cons main --quiet --no-echo
	wait_for 10 "consumer attached" fwd_is attached 1
	wait_for 10 "packets lent" lent_some
	CONS_SCAN=$($PY "$HERE/memscan.py" "$CONS_PID" "nta-fwd-$FWD_PID-" "$pool" "$lo" "$hi") ||
		fail "cannot scan the consumer's mappings"
	FWD_SCAN=$($PY "$HERE/memscan.py" "$FWD_PID" "nta-fwd-$FWD_PID-" "$pool" "$lo" "$hi") ||
		fail "cannot scan the forwarder's mappings"
	stop_pid "$CONS_PID"
	stop_fwd
}

field() {
	echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

scan_run
echo "default pool: $HDR"
echo "  consumer: $CONS_SCAN"
echo "  forwarder: $FWD_SCAN"
[ "$(field "$CONS_SCAN" mappings)" -gt 0 ] || fail "the consumer mapped no region file"
[ "$(field "$CONS_SCAN" bytes)" -ge $((2 * 1024 * 1024)) ] || fail "scanned too little"
[ "$(field "$FWD_SCAN" mappings)" -gt 0 ] || fail "no region file mapped by the forwarder"
echo "$HDR" | grep -q ' in private memory$' || fail "forwarder: headers in the shared regions"
[ "$(field "$FWD_SCAN" span_overlap)" = 0 ] || fail "the header span meets a region file mapping"
[ "$(field "$CONS_SCAN" hits)" = 0 ] || fail "the consumer sees $(field "$CONS_SCAN" hits) pool pointers"
ok "$(field "$CONS_SCAN" bytes) bytes of $(field "$CONS_SCAN" mappings) regions mapped by the consumer: no mbuf header"

# Negative control: whole mbufs in the arena; both checks must see them.
scan_run --pool whole
echo "--pool whole: $HDR"
echo "  consumer: $CONS_SCAN"
echo "  forwarder: $FWD_SCAN"
n=$(echo "$HDR" | sed -n 's/.* n=\([0-9]*\) .*/\1/p')
[ "$(field "$CONS_SCAN" hits)" -ge "$n" ] ||
	fail "--pool whole: only $(field "$CONS_SCAN" hits) pool pointers seen for $n headers: the scan proves nothing"
[ "$(field "$FWD_SCAN" span_overlap)" -gt 0 ] || fail "--pool whole: header span outside the regions"
echo "$HDR" | grep -q ' in shared regions$' || fail "--pool whole: forwarder says private"
ok "negative control: --pool whole shows $(field "$CONS_SCAN" hits) pool pointers to the consumer"
