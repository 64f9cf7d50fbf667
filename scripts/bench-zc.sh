#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Zero-copy benchmark (not a test): dpdk-nta-fwd + nta-consumer packets per
# second, zero copy against the same path with every packet copied into
# consumer memory (--copy), at 64 and 1500 bytes, in one run. Traffic comes
# from two net_null ports (both directions); the forwarder runs on core 0,
# the consumer busy-polls on core 1 and reads every packet's headers.
#
#   scripts/bench-zc.sh [SECONDS per point, default 4]
#
# Environment: NTA_BUILD_DIR (build). Needs root and ~40 free hugepages.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${NTA_BUILD_DIR:-$top/build}
secs=${1:-4}
if [ "$secs" = -h ] || [ "$secs" = --help ]; then
	sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
case $secs in
''|*[!0-9]*) echo "bench-zc: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;;
esac
fwd=$bdir/app/nta-fwd/dpdk-nta-fwd
cons=$bdir/app/nta-consumer/nta-consumer
[ -x "$fwd" ] && [ -x "$cons" ] || { echo "bench-zc: build first (ninja -C $bdir)" >&2; exit 1; }
w=$(mktemp -d /tmp/nta-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$w"' EXIT

field() { # FILE FIELD: value in the last stats line
	grep -E '^nta-fwd: stats:' "$1" | tail -n 1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# point SIZE MODE -> Mpps (verdicts per second through the consumer)
point() {
	local size=$1 mode=$2 log=$w/fwd-$1-$2.log extra=() v0 v1 c1 fp cp
	[ "$mode" = copy ] && extra=(--copy)
	"$fwd" -l 0 --in-memory --no-pci --file-prefix nta-bench-$$ --log-level=lib.eal:error \
		--vdev "net_null0,size=$size" --vdev "net_null1,size=$size" -- \
		--socket "$w/s" --stats-ms 500 --max-inflight 1024 --when-full wait "${extra[@]}" >"$log" 2>&1 &
	fp=$!
	pids+=("$fp")
	for _ in $(seq 1 100); do grep -q 'consumer socket' "$log" && break; sleep 0.1; done
	"$cons" --socket "$w/s" --cpu 1 --busy --no-echo --quiet >"$w/cons.log" 2>&1 &
	cp=$!
	pids+=("$cp")
	sleep 1.5
	v0=$(field "$log" verdict_fwd)
	sleep "$secs"
	v1=$(field "$log" verdict_fwd)
	c1=$(field "$log" copied_bytes)
	kill -INT "$cp"; wait "$cp" 2>/dev/null || true
	kill -INT "$fp"; wait "$fp" 2>/dev/null || true
	# stats every 0.5 s: the two samples are $secs apart (+- one interval)
	awk -v a="$v0" -v b="$v1" -v s="$secs" -v c="$c1" -v m="$mode" \
		'BEGIN { printf "%.3f %s\n", (b - a) / s / 1e6, (m == "zc" ? c : "-") }'
}

echo "bench-zc: forwarder core 0, consumer core 1 (busy), $secs s per point"
printf '%-6s %14s %14s %8s\n' size zero-copy_Mpps copy_Mpps ratio
for size in 64 1500; do
	read -r zc zc_copied < <(point "$size" zc)
	read -r cp _ < <(point "$size" copy)
	[ "$zc_copied" = 0 ] || echo "bench-zc: WARNING: zero-copy run copied $zc_copied bytes"
	awk -v s="$size" -v z="$zc" -v c="$cp" \
		'BEGIN { printf "%-6s %14.3f %14.3f %7.2fx\n", s, z, c, (c > 0 ? z / c : 0) }'
done
