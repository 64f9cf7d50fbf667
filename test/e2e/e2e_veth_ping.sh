#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Real kernel traffic: net_af_packet on one end of a veth pair whose other
# end is in a network namespace made here; a ping from the namespace is
# answered by the consumer (the reply leaves from its transmit region).
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

command -v ping >/dev/null || skip "no ping"
ns=nta-ns$$
host=nta-v$$
peer=nta-p$$
ip netns add "$ns" || skip "cannot create a network namespace"
NETNS+=("$ns")
ip link add "$host" type veth peer name "$peer" || skip "cannot create a veth pair"
ip link set "$peer" netns "$ns"
ip link set "$host" up
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.199.0.1/24 dev "$peer"
ip -n "$ns" link set "$peer" up
# Nobody answers ARP for the consumer's address: a static neighbour.
ip -n "$ns" neigh add 10.199.0.2 lladdr 02:00:00:00:00:02 dev "$peer"
ip link set "$host" promisc on
sysctl -qw net.ipv6.conf."$host".disable_ipv6=1 2>/dev/null || true

start_fwd --vdev "net_af_packet0,iface=$host" --vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- \
	--wait-consumer
start_cons main
wait_for 20 "consumer attached" fwd_is attached 1
out=$(ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 10.199.0.2 2>&1) || fail "ping not answered: $out"
echo "$out" | grep -E 'packets transmitted|rtt'
echo "$out" | grep -q ' 0% packet loss' || fail "ping lost packets: $out"
wait_for 10 "completions" fwd_is tx_inflight 0
stop_pid "$CONS_PID"
stop_fwd
[ "$(fwd_final consumer_tx)" -ge 3 ] || fail "consumer_tx=$(fwd_final consumer_tx)"
[ "$(fwd_final copied_bytes)" = 0 ] || fail "copied_bytes=$(fwd_final copied_bytes)"
grep -qE 'echo_replies=([3-9]|[1-9][0-9]+) ' "$W/cons-main.log" || fail "consumer sent no replies"
ok "ping from the namespace answered by the consumer through net_af_packet"
