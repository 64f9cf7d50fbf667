#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Four consumers on net_null queues under a continuous stream; 100 times one
# of them, chosen at random, is killed (SIGKILL) at a random moment and
# started again on its slot. Every buffer comes back each time (the slot's
# generation retires, which needs every mbuf of its pool), the others go on
# untouched (their counters keep moving, nothing of theirs refused), and at
# the end the pools are full: 0 buffers leaked.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

KILLS=${NTA_E2E_KILLS:-100}
start_fwd --vdev net_null0,size=128 --vdev net_null1,size=128 -- \
	--consumers 4 --max-inflight 256 --nb-mbufs 4352
wait_for 10 "traffic" fwd_is attached 0
cons=()
for k in 0 1 2 3; do
	start_cons "s$k-0" --queue "$k" --quiet --no-echo
	cons+=("$CONS_PID")
done
wait_for 10 "4 consumers attached" fwd_is attached 4
RANDOM=$$
lent=()
for k in 0 1 2 3; do
	lent+=("$(slot_stat "$k" to_consumer)")
done
for i in $(seq 1 "$KILLS"); do
	k=$((RANDOM % 4))
	g=$(slot_stat "$k" gen)
	sleep "0.$(printf '%03d' $((RANDOM % 150)))"
	kill -9 "${cons[$k]}"
	wait "${cons[$k]}" 2>/dev/null || true
	wait_for 10 "slot $k retired after kill $i" bash -c "[ \$(grep -E '^nta-fwd: slot $k: ' \
		'$FWD_LOG' | tail -n 1 | tr ' ' '\n' | awk -F= '\$1 == \"gen\" { print \$2 }') -gt $g ]"
	slot_is "$k" inflight 0 || fail "slot $k: $(slot_stat "$k" inflight) packets still lent"
	start_cons "s$k-$i" --queue "$k" --quiet --no-echo
	cons[k]=$CONS_PID
	wait_for 10 "slot $k attached again after kill $i" slot_is "$k" attached 1
	# Every 10 kills: every slot's consumer has been lent more since last time.
	if [ $((i % 10)) = 0 ]; then
		for j in 0 1 2 3; do
			v=$(slot_stat "$j" to_consumer)
			[ "$v" -gt "${lent[$j]}" ] || fail "slot $j stopped moving (kill $i)"
			lent[j]=$v
		done
	fi
done
rot=$(fwd_stat rotations)
[ "$rot" -ge "$KILLS" ] || fail "$rot rotations for $KILLS kills"
kills_seen=$(grep -c 'consumer detached (closed' "$FWD_LOG" || true)
[ "$kills_seen" = "$KILLS" ] || fail "forwarder saw $kills_seen detaches, want $KILLS"
for k in 0 1 2 3; do
	stop_pid "${cons[$k]}"
	[ "$STOP_RC" = 0 ] || fail "consumer of slot $k exited with status $STOP_RC"
done
wait_for 10 "every consumer detached" fwd_is attached 0
wait_for 10 "every buffer back" fwd_is pool_in_use 0
stop_fwd
[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool_in_use=$(fwd_final pool_in_use) at exit"
[ "$(fwd_final refused)" = 0 ] || fail "refused=$(fwd_final refused)"
grep -q 'protocol_errors=0 ' "$FWD_LOG" || fail "protocol errors"
if grep -h '^nta-consumer: final:' "$W"/cons-s*.log | grep -qv ' bad_desc=0 '; then
	fail "a consumer read a bad descriptor"
fi
if grep -q 'mbufs still out' "$FWD_LOG"; then
	fail "a retirement waited for mbufs: $(grep 'mbufs still out' "$FWD_LOG" | head -n 1)"
fi
no_hugepage_files "$FWD_PID"
ok "$KILLS random kills among 4 consumers: $rot generations retired, 0 buffers leaked, the others kept going"
