#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Read-only is read-only: every region a consumer is lent read-only (the
# receive regions, the --copy region) is sealed (F_SEAL_FUTURE_WRITE after
# the forwarder's own mapping): reopening it O_RDWR, as a consumer can
# through /proc, gives no writable mapping, no write, no hole punched, no
# truncation; and the forwarder goes on writing packets into it.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

# verdicts_above N: the consumer sent more than N packets on.
verdicts_above() {
	[ "$(fwd_stat verdict_fwd)" -gt "$1" ]
}

for pool in pinned ring; do
	start_fwd --vdev 'net_null0,size=64' --vdev 'net_null1,size=64' -- --copy --pool "$pool"
	start_cons "$pool" --quiet
	wait_for 10 "consumer attached" fwd_is attached 1
	wait_for 10 "packets through the consumer" verdicts_above 1000
	out=$($PY "$HERE/rwprobe.py" "$CONS_PID" memfd:nta-) || fail "--pool $pool: $out"
	n=${out##*ro=}
	# Receive regions and the copy region, each mapped read-only.
	[ "$n" -ge 2 ] || fail "--pool $pool: only $n read-only mappings probed: $out"
	grep -q 'nta-copy' "/proc/$CONS_PID/maps" || fail "--pool $pool: copy region not mapped"
	v1=$(fwd_stat verdict_fwd)
	wait_for 10 "packets go on" verdicts_above "$v1"
	stop_pid "$CONS_PID"
	stop_fwd
	ok "--pool $pool: $n read-only regions: none writable through a reopened fd"
done
