#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Access ends with the session. Two consumers on net_af_packet qpairs=2;
# consumer 0 ends its session but keeps its mappings (--linger). Marker
# frames of many flows are sent afterwards: none is found in any memory the
# old consumer maps, while consumer 1 (attached) and the forwarder hold
# them (the scan finds what is there). Retired memory still mapped is
# counted until the old consumer unmaps it. Then the same run with --retire off
# must let the old consumer see the markers: the check can fail.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

ns=nta-ns$$
a=nta$$a
b=nta$$b
veth_ns "$ns" "$a" "$b"
MARK=0x4b52414d2d41544e   # "NTA-MARK"

# hits PID: 8-byte words equal to MARK in PID's mappings of the forwarder's
# packet regions, and how many such mappings ("hits mappings").
hits() {
	local out
	out=$($PY "$HERE/memscan.py" "$1" "nta-fwd-$FWD_PID-" "$MARK" 0 0) || fail "memscan $1"
	out=${out#mappings=}
	echo "$(echo "${out#*hits=}" | cut -d' ' -f1) ${out%% *}"
}

# run RETIRE: prints the old consumer's marker hits after its session ended
run() {
	start_fwd --vdev "net_af_packet0,iface=$a,qpairs=2" \
		--vdev "net_af_packet1,iface=$b,qpairs=2" -- \
		--consumers 2 --max-inflight 256 --nb-mbufs 4352 --retire "$1"
	start_cons "old-$1" --queue 0 --no-echo --quiet --linger
	old=$CONS_PID
	start_cons "live-$1" --queue 1 --no-echo --quiet
	live=$CONS_PID
	wait_for 20 "2 consumers attached" fwd_is attached 2
	# Some traffic while both are attached: the old consumer's memory was used.
	ip netns exec "$ns" "$PY" "$HERE/flows.py" send "${a}p" 32 4 "$W/warm" >/dev/null
	wait_for 10 "warm-up lent" fwd_is to_consumer 128
	kill -INT "$old"
	wait_for 10 "old consumer's session ended" grep -q 'session ended' "$W/cons-old-$1.log"
	wait_for 10 "slot 0 free" slot_is 0 attached 0
	if [ "$1" = on ]; then
		grep -q 'slot 0: generation 0 retired, generation 1 in' "$FWD_LOG" ||
			fail "slot 0's generation did not retire"
		wait_for 5 "retired memory counted" bash -c "grep -E '^nta-fwd: stats:' '$FWD_LOG' |
			tail -n 1 | grep -qE 'retired_mb=[1-9]'"
	fi
	rx0=$(fwd_stat rx)
	s0=$(slot_stat 0 rx)
	s1=$(slot_stat 1 rx)
	ip netns exec "$ns" "$PY" "$HERE/flows.py" send "${a}p" 64 8 "$W/markers" "$MARK" >/dev/null
	wait_for 10 "markers received" bash -c "[ \$(grep -E '^nta-fwd: stats:' '$FWD_LOG' |
		tail -n 1 | tr ' ' '\n' | awk -F= '\$1 == \"rx\" { print \$2 }') -ge $((rx0 + 512)) ]"
	[ "$(slot_stat 0 rx)" -gt "$s0" ] || fail "no marker went to slot 0: nothing tested"
	[ "$(slot_stat 1 rx)" -gt "$s1" ] || fail "no marker went to slot 1"
	read -r OLD_HITS OLD_MAPS <<<"$(hits "$old")"
	read -r LIVE_HITS _ <<<"$(hits "$live")"
	read -r FWD_HITS _ <<<"$(hits "$FWD_PID")"
	[ "$OLD_MAPS" -gt 0 ] || fail "the old consumer maps no region of the forwarder"
}

run on
[ "$FWD_HITS" -gt 0 ] || fail "no marker in the forwarder's own memory: the scan proves nothing"
[ "$LIVE_HITS" -gt 0 ] || fail "no marker in the attached consumer's mappings"
[ "$OLD_HITS" = 0 ] ||
	fail "$OLD_HITS marker words in memory the consumer that left still maps"
ok "markers after the session: 0 in the old consumer's $OLD_MAPS mappings, $LIVE_HITS in the live one's, $FWD_HITS in the forwarder's"
# The old consumer unmaps everything and runs on: its retired memory is no
# longer counted (found gone from its maps), though the process lives.
kill -INT "$old"
wait_for 10 "old consumer unmapped" grep -q 'everything unmapped' "$W/cons-old-on.log"
# The forwarder says when it sees the memory released (a stats line may be
# older than the retirement itself).
wait_for 5 "retired memory released" grep -q "slot 0: generation 0 released by pid $old: .* retired memory now 0 KB" "$FWD_LOG"
kill -0 "$old" || fail "the old consumer exited: the release was not seen in its maps"
kill -INT "$old"
ok "retired memory counted while the old consumer mapped it, released once it unmapped it"
stop_pid "$live"
stop_fwd
[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool_in_use=$(fwd_final pool_in_use) at exit"

# Negative control: without retirement the same scan finds the markers.
run off
[ "$OLD_HITS" -gt 0 ] || fail "--retire off: the old consumer sees no marker: the scan proves nothing"
ok "negative control (--retire off): $OLD_HITS marker words in the old consumer's mappings"
kill -INT "$old"
stop_pid "$live"
stop_fwd

# The bound: with --max-retired-mb as large as one slot's memory, a second
# consumer is refused (its retirement could pass the limit), and so is a new
# one on the slot whose old consumer still maps the retired memory, until it
# unmaps it.
start_fwd --vdev net_null0,size=64 --vdev net_null1,size=64 -- \
	--consumers 2 --max-inflight 256 --nb-mbufs 4352 --max-retired-mb 12
start_cons q0 --queue 0 --no-echo --quiet --linger
old=$CONS_PID
wait_for 10 "consumer 0 attached" slot_is 0 attached 1
rc=0
"$NTA_CONSUMER" --socket "$SOCK" --queue 1 --quiet >"$W/cons-q1.log" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'max-retired-mb' "$W/cons-q1.log"; then
	fail "second consumer past the limit: rc $rc, $(cat "$W/cons-q1.log")"
fi
grep -q 'refused a consumer .* asking for slot 1: memory still mapped' "$FWD_LOG" ||
	fail "the forwarder did not say why it refused"
kill -INT "$old"
wait_for 10 "slot 0 retired" grep -q 'slot 0: generation 0 retired' "$FWD_LOG"
# Telemetry names the retired generation and who still maps it.
PYTHONPATH=$HERE/../../app/nta-top $PY - "$PREFIX" "$old" <<'PY' || fail "telemetry /nta_fwd/regions"
import sys
import nta_telemetry
tel = nta_telemetry.connect(sys.argv[1])
r = tel.cmd('/nta_fwd/regions')
ret = list(r['retired'].values())
assert len(ret) == 1 and ret[0]['pid'] == int(sys.argv[2]) and ret[0]['slot'] == 0, r
assert ret[0]['generation'] == 0 and ret[0]['bytes'] == r['retired_bytes'] > 0, r
assert r['slots']['0']['generation'] == 1 and r['slots']['0']['state'] == 'fresh', r
c = tel.cmd('/nta_fwd/consumers')
assert c['slots'] == 2 and c['consumers']['0']['state'] == 'free', c
assert c['rotations'] == 1 and c['retired_bytes'] == r['retired_bytes'], c
print('telemetry: retired generation of slot 0 mapped by pid %d: %d bytes' %
      (ret[0]['pid'], ret[0]['bytes']))
PY
rc=0
"$NTA_CONSUMER" --socket "$SOCK" --queue 0 --quiet >"$W/cons-q0b.log" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'max-retired-mb' "$W/cons-q0b.log"; then
	fail "new consumer while the old one maps its memory: rc $rc, $(cat "$W/cons-q0b.log")"
fi
kill -INT "$old"
wait_for 10 "old consumer unmapped" grep -q 'everything unmapped' "$W/cons-q0.log"
wait_for 5 "retired memory released" grep -q "slot 0: generation 0 released by pid $old: .* retired memory now 0 KB" "$FWD_LOG"
start_cons q0c --queue 0 --no-echo --quiet
wait_for 10 "a new consumer attached once the old one unmapped" slot_is 0 attached 1
kill -INT "$old"
ok "--max-retired-mb: consumers refused past the limit, accepted once the old one unmapped"
stop_pid "$CONS_PID"
stop_fwd
