#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A consumer killed with SIGKILL at random moments, twenty times, under a
# continuous stream (net_null): the forwarder keeps running, every buffer
# the consumer held comes back (pool in-use count back to its baseline), and
# a new consumer attaches and works.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

start_fwd --vdev net_null0,size=128 --vdev net_null1,size=128 -- --max-inflight 512
wait_for 10 "traffic" fwd_is attached 0
sleep 0.3
base=$(fwd_stat pool_in_use)
[ "$base" = 0 ] || fail "baseline pool_in_use=$base with no consumer (expected 0)"
RANDOM=$$
lent_total=0
reclaimed_total=0
for i in $(seq 1 20); do
	start_cons "k$i" --quiet --no-echo
	wait_for 10 "consumer $i attached" fwd_is attached 1
	c0=$(fwd_stat to_consumer)
	# a random moment: 0-300 ms after it got going
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -9 "$CONS_PID"
	wait "$CONS_PID" 2>/dev/null || true
	wait_for 10 "consumer $i detach noticed" fwd_is attached 0
	wait_for 10 "buffers of consumer $i back" fwd_is pool_in_use "$base"
	wait_for 5 "nothing in flight" fwd_is inflight 0
	kill -0 "$FWD_PID" || fail "forwarder died after kill $i"
	# What this consumer was lent, and what the forwarder took back from it.
	c1=$(fwd_stat to_consumer)
	[ "$c1" -ge "$c0" ] || fail "to_consumer went back from $c0 to $c1 after kill $i"
	lent_total=$((lent_total + c1 - c0))
	r=$(grep -o 'detached (closed): [0-9]* packets reclaimed' "$FWD_LOG" | tail -n 1 |
		awk '{ print $3 }')
	[ -n "$r" ] || fail "no detach line after kill $i"
	reclaimed_total=$((reclaimed_total + r))
done
nre=$(grep -c 'consumer detached (closed' "$FWD_LOG" || true)
[ "$nre" = 20 ] || fail "forwarder saw $nre detaches, want 20"
held=$(grep -o 'detached (closed): [0-9]* packets reclaimed' "$FWD_LOG" | awk '{ s += $3 } END { print s + 0 }')
[ "$held" -gt 0 ] || fail "the consumer never held a packet when killed: the test proves nothing"
[ "$reclaimed_total" = "$held" ] ||
	fail "reclaimed per kill add up to $reclaimed_total, the log's lines to $held"
[ "$lent_total" -gt 0 ] || fail "no packet was lent while the consumers ran: the test proves nothing"
ok "20 kills: forwarder alive, $lent_total packets lent, $held held packets reclaimed, pool back to $base each time"

# A new consumer attaches and works.
start_cons final --no-echo
wait_for 10 "new consumer attached" fwd_is attached 1
v0=$(fwd_stat verdict_fwd)
wait_for 10 "new consumer forwards" bash -c "[ \$(grep -E '^nta-fwd: stats:' '$FWD_LOG' | tail -n 1 | tr ' ' '\n' | awk -F= '\$1 == \"verdict_fwd\" { print \$2 }') -gt $((v0 + 1000)) ]"
stop_pid "$CONS_PID"
grep -qE '^nta-consumer: final: packets=[1-9]' "$W/cons-final.log" || fail "new consumer read nothing"
wait_for 10 "detach" fwd_is attached 0
stop_fwd
[ "$(fwd_final copied_bytes)" = 0 ] || fail "copied_bytes=$(fwd_final copied_bytes)"
[ "$(fwd_final pool_in_use)" = "$base" ] || fail "pool_in_use=$(fwd_final pool_in_use) at exit"
no_hugepage_files "$FWD_PID"
ok "a new consumer attached and forwarded; clean exit"
