# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Common helpers of the e2e tests (sourced). Every test: root, hugepages,
# the forwarder on core 0 with --in-memory, the consumer pinned to core 1,
# everything it started killed and removed in the EXIT trap.

set -euo pipefail

PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Real captures committed in the tree (captures/README.md); the tests read them.
# shellcheck disable=SC2034
PCAPS=$HERE/captures
: "${NTA_FWD:?NTA_FWD must name dpdk-nta-fwd}"
: "${NTA_CONSUMER:?NTA_CONSUMER must name nta-consumer}"

W=$(mktemp -d /tmp/nta-e2e.XXXXXX)
chmod 700 "$W"
PIDS=()
NETNS=()
FWD_PID=
FWD_LOG=$W/fwd.log
SOCK=$W/fwd.sock
PREFIX=nta-e2e-$$

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	if [ -f "$FWD_LOG" ]; then
		echo "--- forwarder log, events (last 30 lines but stats)"
		grep -Ev '^nta-fwd: (stats|slot [0-9]+):' "$FWD_LOG" | tail -n 30
		echo "--- forwarder log (last 10 lines)"
		tail -n 10 "$FWD_LOG"
	fi
	for f in "$W"/cons*.log; do
		[ -f "$f" ] || continue
		echo "--- $f (last 15 lines)"
		tail -n 15 "$f"
	done
	exit 1
}

ok() {
	echo "ok: $*"
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for p in "${NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null || true
	done
	ip link del "nta-v$$" 2>/dev/null || true
	# Nothing of ours may stay in hugetlbfs, whatever happened.
	for p in "${PIDS[@]}"; do
		rm -f /dev/hugepages/nta-fwd-"$p"-* 2>/dev/null || true
	done
	# EAL's runtime directory of our --file-prefix (--in-memory still makes one).
	rm -rf "/var/run/dpdk/$PREFIX"
	rm -rf "$W"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root"
free_pages=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
[ "${free_pages:-0}" -ge 32 ] || skip "needs 32 free 2 MB hugepages (have ${free_pages:-0})"
[ -x "$NTA_FWD" ] || fail "no forwarder binary $NTA_FWD"

# start_fwd VDEV_ARGS... -- FWD_ARGS...
start_fwd() {
	local eal=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		eal+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	# Emptied here, not only by the redirection below (done by the child,
	# possibly after wait_for read an earlier run's "consumer socket" line).
	: >"$FWD_LOG"
	"$NTA_FWD" -l 0 --in-memory --no-pci --file-prefix "$PREFIX" --log-level=lib.eal:error \
		"${eal[@]}" -- --socket "$SOCK" --stats-ms 100 "$@" >"$FWD_LOG" 2>&1 &
	FWD_PID=$!
	PIDS+=("$FWD_PID")
	wait_for 20 "forwarder up" grep -q 'consumer socket' "$FWD_LOG"
}

# start_cons NAME ARGS...: consumer on core 1, log in $W/cons-NAME.log.
start_cons() {
	local name=$1
	shift
	"$NTA_CONSUMER" --socket "$SOCK" --cpu 1 "$@" >"$W/cons-$name.log" 2>&1 &
	CONS_PID=$!
	PIDS+=("$CONS_PID")
}

# wait_for SECONDS WHAT CMD...: poll CMD every 0.05 s.
wait_for() {
	local t=$1 what=$2 end
	shift 2
	end=$(($(date +%s%N) + t * 1000000000))
	while ! "$@" 2>/dev/null; do
		if [ "$(date +%s%N)" -gt "$end" ]; then
			fail "timeout ($t s) waiting for: $what"
		fi
		if [ -n "$FWD_PID" ] && ! kill -0 "$FWD_PID" 2>/dev/null; then
			fail "forwarder died while waiting for: $what"
		fi
		sleep 0.05
	done
}

# fwd_stat FIELD: the field's value in the forwarder's last stats line.
fwd_stat() {
	grep -E '^nta-fwd: (stats|final):' "$FWD_LOG" | tail -n 1 |
		tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}

fwd_final() {
	grep -E '^nta-fwd: final:' "$FWD_LOG" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }' |
		tail -n 1
}

# fwd_is FIELD VALUE
fwd_is() {
	[ "$(fwd_stat "$1")" = "$2" ]
}

# stop_pid PID: SIGINT, then wait (SIGKILL after 10 s); its exit status in
# STOP_RC.
STOP_RC=0
stop_pid() {
	local p=$1
	STOP_RC=0
	kill -INT "$p" 2>/dev/null || { wait "$p" 2>/dev/null || STOP_RC=$?; return 0; }
	for _ in $(seq 1 200); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || STOP_RC=$?
}

stop_fwd() {
	stop_pid "$FWD_PID"
	[ "$STOP_RC" = 0 ] || fail "forwarder exited with status $STOP_RC"
	grep -q '^nta-fwd: final:' "$FWD_LOG" || fail "forwarder printed no final stats"
}

# no_hugepage_files PID: the forwarder left no file in hugetlbfs.
no_hugepage_files() {
	local f left=''
	for f in /dev/hugepages/*nta-fwd-"$1"-* /dev/hugepages/*"$PREFIX"*; do
		if [ -e "$f" ]; then
			left+=" ${f##*/}"
		fi
	done
	[ -z "$left" ] || fail "hugepage files left behind:$left"
}

# run_pcap IN CONS_ARGS...: forward the capture IN through net_pcap port 0
# (its output: $W/out0.pcap) to port 1 ($W/out1.pcap) with a consumer
# attached first (forwarder options in the array FWD_EXTRA); returns once
# every packet was handled and both processes exited.
FWD_EXTRA=()
run_pcap() {
	local in=$1 n
	shift
	n=$($PY "$HERE/pcaptool.py" count "$in")
	start_fwd --vdev "net_pcap0,rx_pcap=$in,tx_pcap=$W/out0.pcap" \
		--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- \
		--wait-consumer --when-full wait ${FWD_EXTRA[@]+"${FWD_EXTRA[@]}"}
	start_cons main --quiet "$@"
	wait_for 20 "consumer attached" fwd_is attached 1
	wait_for 20 "all $n packets received" fwd_is rx "$n"
	wait_for 20 "all packets returned" fwd_is inflight 0
	wait_for 20 "transmit buffers completed" fwd_is tx_inflight 0
	stop_pid "$CONS_PID"
	[ "$STOP_RC" = 0 ] || fail "consumer exited with status $STOP_RC"
	grep -q '^nta-consumer: final:' "$W/cons-main.log" || fail "consumer printed no final stats"
	stop_fwd
	[ "$(fwd_final rx)" = "$n" ] || fail "forwarder received $(fwd_final rx) of $n"
	[ "$(fwd_final dropped)" = 0 ] || fail "forwarder dropped $(fwd_final dropped)"
	[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool in use $(fwd_final pool_in_use) at exit"
}

# slot_stat K FIELD: the field's value in the forwarder's last line of slot K
# (printed with --consumers > 1).
slot_stat() {
	grep -E "^nta-fwd: slot $1: " "$FWD_LOG" | tail -n 1 |
		tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# slot_is K FIELD VALUE
slot_is() {
	[ "$(slot_stat "$1" "$2")" = "$3" ]
}

# veth_ns NS HOST...: a network namespace NS (removed at exit) holding the
# peer (HOST with "p" appended) of a veth pair for each HOST end, which stays
# here. No address and no IPv6 on either end: the kernel sends nothing on
# them, every frame is the test's.
veth_ns() {
	local ns=$1 h
	shift
	ip netns add "$ns" || skip "cannot create a network namespace"
	NETNS+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || skip "cannot turn IPv6 off in $ns"
	for h in "$@"; do
		ip link add "$h" type veth peer name "${h}p" netns "$ns" || skip "cannot create a veth pair"
		sysctl -qw net.ipv6.conf."$h".disable_ipv6=1 2>/dev/null || true
		ip link set "$h" promisc on up
		ip -n "$ns" link set "${h}p" up
	done
}
