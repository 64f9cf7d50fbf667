#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# No hugepage file is left behind after either process exits or is killed:
# the forwarder's arena files are unlinked once their fds are open (the
# mappings show "(deleted)"), EAL runs --in-memory, the transmit region is a
# memfd. Cases: clean exit; consumer SIGKILL; forwarder SIGKILL with a
# consumer attached (the consumer notices and exits).
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

hp_files() {
	local f
	for f in /dev/hugepages/nta-fwd-"$1"-*; do
		if [ -e "$f" ]; then
			basename -- "$f"
		fi
	done
}

# 1. while running: hugepage mappings exist, and no file names
start_fwd --vdev net_null0,size=64 --vdev net_null1,size=64 -- --max-inflight 256
start_cons a --quiet --no-echo
wait_for 10 "attached" fwd_is attached 1
n=$(grep -c 'nta-fwd-.*(deleted)' "/proc/$FWD_PID/maps" || true)
[ "$n" -gt 0 ] || fail "forwarder maps no (deleted) hugetlbfs file: the arena is not on hugepages?"
[ -z "$(hp_files "$FWD_PID")" ] || fail "hugepage files visible while running: $(hp_files "$FWD_PID")"
grep -q 'nta-fwd-.*(deleted)' "/proc/$CONS_PID/maps" || fail "consumer does not map the arena files"
ok "running: $n hugepage mappings, no file name left in /dev/hugepages"

# 2. consumer killed, then forwarder stopped cleanly by SIGTERM
kill -9 "$CONS_PID"
wait_for 10 "detach" fwd_is attached 0
kill -TERM "$FWD_PID"
rc=0
wait "$FWD_PID" || rc=$?
[ "$rc" = 0 ] || fail "forwarder exit status $rc after SIGTERM"
grep -q '^nta-fwd: final:' "$FWD_LOG" || fail "no final stats after SIGTERM"
[ -z "$(hp_files "$FWD_PID")" ] || fail "files after clean exit: $(hp_files "$FWD_PID")"
ok "consumer SIGKILL + forwarder SIGTERM (clean exit, final stats): no file left"

# 3. forwarder killed with a consumer attached
free0=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
start_fwd --vdev net_null0,size=64 --vdev net_null1,size=64 -- --max-inflight 256
start_cons b --quiet --no-echo
wait_for 10 "attached" fwd_is attached 1
kill -9 "$FWD_PID"
wait "$FWD_PID" 2>/dev/null || true
for _ in $(seq 1 100); do
	kill -0 "$CONS_PID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$CONS_PID" 2>/dev/null && fail "consumer did not notice the forwarder's death"
wait "$CONS_PID" 2>/dev/null || true
grep -q 'forwarder gone' "$W/cons-b.log" || fail "consumer did not report the forwarder gone"
[ -z "$(hp_files "$FWD_PID")" ] || fail "files after forwarder SIGKILL: $(hp_files "$FWD_PID")"
free1=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
# Other processes may take pages meanwhile; ours (>= 10 pages) must be back.
[ "$free1" -ge $((free0 - 4)) ] || fail "hugepages not returned: free $free0 -> $free1"
ok "forwarder SIGKILL: no file left, hugepages returned ($free0 -> $free1 free)"
