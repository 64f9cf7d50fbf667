#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# --help and bad input of both programs: help exits 0, every bad input exits
# 2 with a message that names the problem.
set -euo pipefail
: "${NTA_FWD:?}" "${NTA_CONSUMER:?}"
fails=0
expect() { # WANT_RC PATTERN CMD...
	local want=$1 pat=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != "$want" ] || ! grep -qE -- "$pat" <<<"$out"; then
		echo "FAIL: $* -> rc $rc (want $want), output: $(tail -n 2 <<<"$out")"
		fails=$((fails + 1))
	else
		echo "ok: $(basename "$1") ${*:2} -> $rc"
	fi
}
eal=(-l 0 --no-huge -m 256 --no-pci --no-shconf --log-level=lib.eal:error
	--vdev net_null0 --vdev net_null1)
expect 0 'Usage: .*-- \[options\]' "$NTA_FWD" --help
expect 0 '--max-inflight N' "$NTA_FWD" "${eal[@]}" -- --help
expect 2 "--max-inflight: 'abc' is not a number" "$NTA_FWD" "${eal[@]}" -- --max-inflight abc
expect 2 "--max-inflight: '0' is not a number in \[1, 65536\]" "$NTA_FWD" "${eal[@]}" -- --max-inflight 0
expect 2 "--when-full: 'maybe' is neither drop nor wait" "$NTA_FWD" "${eal[@]}" -- --when-full maybe
expect 2 "--pool: 'x' is not pinned, whole, nta or ring" "$NTA_FWD" "${eal[@]}" -- --pool x
expect 0 '--allow-uid UID' "$NTA_FWD" --help
expect 2 "--socket-mode: '0999' is not an octal mode" "$NTA_FWD" "${eal[@]}" -- --socket-mode 0999
expect 2 "--socket-mode: '1777' is not an octal mode" "$NTA_FWD" "${eal[@]}" -- --socket-mode 1777
expect 2 "--allow-uid: 'root' is not a number" "$NTA_FWD" "${eal[@]}" -- --allow-uid root
expect 2 "--allow-gid: '-1' is not a number" "$NTA_FWD" "${eal[@]}" -- --allow-gid -1
many=()
for u in $(seq 1 17); do
	many+=(--allow-uid "$u")
done
expect 2 "--allow-uid: at most 16" "$NTA_FWD" "${eal[@]}" -- "${many[@]}"
expect 0 '--consumers N' "$NTA_FWD" --help
expect 2 "--consumers: '0' is not a number in \[1, 16\]" "$NTA_FWD" "${eal[@]}" -- --consumers 0
expect 2 "--consumers: '17' is not a number in \[1, 16\]" "$NTA_FWD" "${eal[@]}" -- --consumers 17
expect 2 "--consumers 2 needs --pool pinned" "$NTA_FWD" "${eal[@]}" -- --consumers 2 --pool ring
expect 2 "--retire: 'maybe' is neither on nor off" "$NTA_FWD" "${eal[@]}" -- --retire maybe
expect 2 "--max-retired-mb: 'lots' is not a number" "$NTA_FWD" "${eal[@]}" -- --max-retired-mb lots
expect 0 '--mbuf-size N' "$NTA_FWD" --help
expect 2 "--mbuf-size: '100' is not a number in \[384, 65535\]" "$NTA_FWD" "${eal[@]}" -- --mbuf-size 100
expect 2 "--mbuf-size: '2k' is not a number" "$NTA_FWD" "${eal[@]}" -- --mbuf-size 2k
expect 2 "--nb-mbufs 2048 is too small" "$NTA_FWD" "${eal[@]}" -- --nb-mbufs 2048
expect 2 "unexpected argument 'extra'" "$NTA_FWD" "${eal[@]}" -- extra
expect 2 'unknown option' "$NTA_FWD" "${eal[@]}" -- --bogus
expect 2 'needs exactly 2 ports, found 1' "$NTA_FWD" -l 0 --no-huge -m 256 --no-pci --no-shconf \
	--log-level=lib.eal:error --vdev net_null0 --
expect 0 'Usage: .*nta-consumer' "$NTA_CONSUMER" --help
expect 2 "a protocol is tcp, udp, icmp, icmp6 or a number" "$NTA_CONSUMER" --drop-proto xyz
expect 2 "--drop-port: '70000' is not a number in \[0, 65535\]" "$NTA_CONSUMER" --drop-port 70000
expect 2 "--drop-rule: 'tcp' is not PROTO:PORT" "$NTA_CONSUMER" --drop-rule tcp
expect 2 "--cpu: '-1' is not a number" "$NTA_CONSUMER" --cpu -1
expect 2 "unexpected argument 'extra'" "$NTA_CONSUMER" extra
expect 0 '--queue K' "$NTA_CONSUMER" --help
expect 2 "--queue: '16' is not a number in \[0, 15\]" "$NTA_CONSUMER" --queue 16
expect 2 "--queue: 'x' is not a number" "$NTA_CONSUMER" --consumer-id x
expect 1 'cannot attach to /nonexistent/s: No such file' "$NTA_CONSUMER" -s /nonexistent/s
echo "cli: $fails failures"
[ "$fails" = 0 ]
