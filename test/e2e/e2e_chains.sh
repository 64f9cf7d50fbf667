#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Chained frames: jumbo frames (up to 9216 bytes) among small ones, received
# by net_pcap into mbufs smaller than them (--mbuf-size), are lent as chains
# of descriptors and returned whole: the output is the input byte for byte,
# in order, with 1024- and 256-byte mbufs (chains of up to 36 segments).
# With --copy, chains that fit a copy slot are copied whole and the others
# dropped and counted. A hostile consumer returns each chain malformed four
# ways first (a segment missing, wrong order, mixed verdicts, a segment
# alone): each is refused and counted, the output is still intact and the
# pool comes back whole.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
: "${NTA_FORGE:?NTA_FORGE must name nta-e2e-forge}"

in=$W/jumbo.pcap
sizes=()
for i in $(seq 1 40); do
	sizes+=(60 9000 1514 $((3000 + i * 97)) 9216 128)
done
$PY "$HERE/pcaptool.py" gen "$in" "${sizes[@]}"
n=${#sizes[@]}

# frames_over BYTES: how many input frames are longer.
frames_over() {
	local s c=0
	for s in "${sizes[@]}"; do
		[ "$s" -gt "$1" ] && c=$((c + 1))
	done
	echo "$c"
}

# --mbuf-size is the data room, headroom (128) included: 1152 and 384 hold
# 1024 and 256 packet bytes.
for mbuf in 1152 384; do
	FWD_EXTRA=(--mbuf-size "$mbuf")
	run_pcap "$in" --no-echo
	$PY "$HERE/pcaptool.py" same "$in" "$W/out1.pcap" || fail "--mbuf-size $mbuf: output differs"
	want=$(frames_over $((mbuf - 128)))
	[ "$(fwd_final chains)" = "$want" ] || fail "--mbuf-size $mbuf: $(fwd_final chains) chains lent, want $want"
	[ "$(fwd_final refused)" = 0 ] || fail "--mbuf-size $mbuf: refused=$(fwd_final refused)"
	grep -q "^nta-consumer: final: packets=$n .* chains=$want " "$W/cons-main.log" ||
		fail "--mbuf-size $mbuf: the consumer did not read $n frames, $want of them chains"
	[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "--mbuf-size $mbuf: verdict_fwd=$(fwd_final verdict_fwd)"
	no_hugepage_files "$FWD_PID"
	ok "--mbuf-size $mbuf: $n frames, $want of them chains, forwarded identical and in order"
done

# --copy: a chain of at most one copy slot (2048 bytes) is copied whole.
fit=$($PY - "$in" "$W/fit.pcap" <<'PY'
import sys, dpkt
with open(sys.argv[1], 'rb') as f, open(sys.argv[2], 'wb') as o:
    w = dpkt.pcap.Writer(o, snaplen=65535)
    n = 0
    for ts, b in dpkt.pcap.Reader(f):
        if len(b) <= 2048:
            w.writepkt(b, ts=ts)
            n += 1
print(n)
PY
)
start_fwd --vdev "net_pcap0,rx_pcap=$in,tx_pcap=$W/out0.pcap" \
	--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- --wait-consumer --when-full wait --copy \
	--mbuf-size 640
start_cons copy --quiet --no-echo
wait_for 20 "consumer attached" fwd_is attached 1
wait_for 20 "all $n frames received" fwd_is rx "$n"
wait_for 20 "all returned" fwd_is inflight 0
stop_pid "$CONS_PID"
stop_fwd
$PY "$HERE/pcaptool.py" same "$W/fit.pcap" "$W/out1.pcap" || fail "--copy: output is not the frames that fit"
big=$((n - fit))
[ "$(fwd_final dropped_chain)" = "$big" ] || fail "--copy: dropped_chain=$(fwd_final dropped_chain), want $big"
[ "$(fwd_final chains)" = "$(frames_over 512)" ] || fail "--copy: chains=$(fwd_final chains)"
[ "$(fwd_final pool_in_use)" = 0 ] || fail "--copy: pool_in_use=$(fwd_final pool_in_use)"
ok "--copy: $fit frames (chains among them) copied whole, $big too large dropped and counted"

# Forged chains.
k=20
start_fwd --vdev "net_pcap0,rx_pcap=$in,tx_pcap=$W/out0.pcap" \
	--vdev "net_pcap1,tx_pcap=$W/out1.pcap" -- --wait-consumer --when-full wait \
	--mbuf-size 1152
"$NTA_FORGE" "$SOCK" "$n" "$k" chains >"$W/cons-forge.log" 2>&1 &
CONS_PID=$!
PIDS+=("$CONS_PID")
wait_for 20 "forger done" grep -q '^forge: expect' "$W/cons-forge.log"
wait_for 20 "all returned" fwd_is inflight 0
stop_pid "$CONS_PID"
stop_fwd
want=$((4 * k))
grep -q "refused_chain=$want\$" "$W/cons-forge.log" || fail "the forger did not forge $want runs"
# Every count as the forger expects (it also forges transmit descriptors
# once): the chains' own and no other.
read -ra expect < <(grep -m 1 '^forge: expect' "$W/cons-forge.log" | cut -d' ' -f3-)
[ ${#expect[@]} -gt 0 ] || fail "the forger printed no expected counts"
for f in "${expect[@]}"; do
	[ "$(fwd_final "${f%%=*}")" = "${f#*=}" ] ||
		fail "${f%%=*}: forwarder counted $(fwd_final "${f%%=*}"), forger sent ${f#*=}"
done
[ "$(fwd_final verdict_fwd)" = "$n" ] || fail "verdict_fwd=$(fwd_final verdict_fwd), want $n"
[ "$(fwd_final pool_in_use)" = 0 ] || fail "pool_in_use=$(fwd_final pool_in_use)"
$PY "$HERE/pcaptool.py" same "$in" "$W/out1.pcap" || fail "forged chains: output differs"
ok "$want malformed chain returns refused and counted; output intact; pool whole"
