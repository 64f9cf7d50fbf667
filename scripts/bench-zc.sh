#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Zero-copy benchmark (not a test): dpdk-nta-fwd + nta-consumer packets per
# second, zero copy against the same path with every packet copied into
# consumer memory (--copy), at 64 and 1500 bytes, in one run. Traffic comes
# from two net_null ports (both directions, copy=1: the PMD writes every
# packet into its mbuf as a NIC would); the forwarder runs on core 0,
# the consumer busy-polls on core 1 and reads every packet's headers.
# Rates are taken over 0.5 s windows; the best window and the median are
# printed (the best one is the least disturbed by other load on the machine).
#
#   scripts/bench-zc.sh [--rt] [--pmd-copy 0|1] [SECONDS per point, default 4]
#
#   --rt           run both processes SCHED_FIFO (chrt -f 10): on a machine
#                  busy with other work the numbers are otherwise the
#                  scheduler's; takes both cores for the run (the kernel
#                  keeps 5 % for others)
#   --pmd-copy 0   net_null does not write the packets (copy=0): what a
#                  consumer reads was never written by anyone (default 1)
#
# Environment: NTA_BUILD_DIR (build); NTA_BENCH_KEEP=1 keeps the logs (their
# directory is printed). Needs root and ~40 free hugepages.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${NTA_BUILD_DIR:-$top/build}
rt=() pmdcopy=1 secs=4
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--rt) rt=(chrt -f 10) ;;
	--pmd-copy)
		[ "${2:-}" = 0 ] || [ "${2:-}" = 1 ] || { echo "bench-zc: --pmd-copy takes 0 or 1" >&2; exit 2; }
		pmdcopy=$2
		shift ;;
	*) secs=$1 ;;
	esac
	shift
done
case $secs in
''|*[!0-9]*) echo "bench-zc: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;;
esac
# shellcheck source=scripts/bench-common.sh
source "$top/scripts/bench-common.sh"
bench_setup bench-zc "$bdir"

field() { # FILE FIELD: value in the last stats line
	grep -E '^nta-fwd: stats:' "$1" | tail -n 1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# point SIZE MODE -> Mpps (verdicts per second through the consumer)
point() {
	local size=$1 mode=$2 log=$w/fwd-$1-$2.log extra=() c1 fp cp
	[ "$mode" = copy ] && extra=(--copy)
	${rt[@]+"${rt[@]}"} "$fwd" -l 0 --in-memory --no-pci --file-prefix nta-bench-$$ --log-level=lib.eal:error \
		--vdev "net_null0,size=$size,copy=$pmdcopy" --vdev "net_null1,size=$size,copy=$pmdcopy" -- \
		--socket "$w/s" --stats-ms 500 --max-inflight 1024 --when-full wait "${extra[@]}" >"$log" 2>&1 &
	fp=$!
	pids+=("$fp")
	for _ in $(seq 1 100); do grep -q 'consumer socket' "$log" && break; sleep 0.1; done
	${rt[@]+"${rt[@]}"} "$cons" --socket "$w/s" --cpu 1 --busy --no-echo --quiet >"$w/cons.log" 2>&1 &
	cp=$!
	pids+=("$cp")
	sleep "$secs"
	c1=$(field "$log" copied_bytes)
	kill -INT "$cp"; wait "$cp" 2>/dev/null || true
	kill -INT "$fp"; wait "$fp" 2>/dev/null || true
	# verdict_fwd every 0.5 s after the consumer attached; the first window
	# is warm-up. Prints: best median copied_bytes
	grep -E '^nta-fwd: stats:.* attached=1' "$log" | tr ' ' '\n' |
		awk -F= '$1 == "verdict_fwd" { print $2 }' |
		awk -v c="$c1" -v m="$mode" '
			{ v[n++] = $1 }
			END {
				k = 0
				for (i = 2; i < n; i++) r[k++] = (v[i] - v[i - 1]) / 0.5 / 1e6
				if (k == 0) { print "0 0 -"; exit }
				for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
					if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
				printf "%.3f %.3f %s\n", r[k - 1], r[int(k / 2)], (m == "zc" ? c : "-")
			}'
}

[ -z "${NTA_BENCH_KEEP:-}" ] || echo "bench-zc: logs in $w"
echo "bench-zc: forwarder core 0, consumer core 1 (busy), $secs s per point," \
	"net_null copy=$pmdcopy${rt[*]:+, ${rt[*]}};" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %22s %22s %14s\n' size 'zero-copy Mpps best/med' 'copy Mpps best/med' 'ratio best/med'
for size in 64 1500; do
	read -r zb zm zc_copied < <(point "$size" zc)
	read -r cb cm _ < <(point "$size" copy)
	[ "$zc_copied" = 0 ] || echo "bench-zc: WARNING: zero-copy run copied $zc_copied bytes"
	awk -v s="$size" -v zb="$zb" -v zm="$zm" -v cb="$cb" -v cm="$cm" 'BEGIN {
		printf "%-6s %11.3f /%9.3f %11.3f /%9.3f %7.2fx /%5.2fx\n", s, zb, zm, cb, cm,
			(cb > 0 ? zb / cb : 0), (cm > 0 ? zm / cm : 0) }'
done
