#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Many-consumer benchmark (not a test): dpdk-nta-fwd --consumers N with N
# nta-consumer processes (N = 1, 2, 4), traffic from two net_null ports with
# N queues each (copy=1, 64 bytes): Mpps through each consumer and in total.
# The forwarder runs on core 0, every consumer busy-polls on core 1 (on a
# machine with more cores, give each its own with --spread). Rates over 0.5 s
# windows, best and median; with --runs R the points alternate (1, 2, 4, 1,
# 2, 4, ...) and the median of the runs' medians is printed, with the range.
# (No real-time option: with the forwarder SCHED_FIFO on one core and busy
# consumers real-time on the other, everything else, this script included,
# gets the 5 % the kernel keeps.) Then the cost of a region
# rotation: consumer 0
# (of N = 4) detaches and attaches again ROTATIONS times; each retirement's
# time (fresh generation, mbufs re-pointed, old one destroyed) and how long
# its queues were not polled, with the packets that delays at the slot's
# rate, are printed as medians and maxima.
#
#   scripts/bench-consumers.sh [--spread] [--runs R] [--nb-mbufs N]
#                              [SECONDS per point, default 4]
#                              [ROTATIONS, default 20]
#
# Environment: NTA_BUILD_DIR (build); NTA_BENCH_KEEP=1 keeps the logs. Needs
# root and ~60 free hugepages.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${NTA_BUILD_DIR:-$top/build}
spread=0 nb=8192 secs=4 rots=20 pos=0 runs=1
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--spread) spread=1 ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--nb-mbufs) nb=${2:?--nb-mbufs needs a number}; shift ;;
	*)
		case $1 in ''|*[!0-9]*) echo "bench-consumers: '$1' is not a number" >&2; exit 2 ;; esac
		if [ $pos = 0 ]; then secs=$1; else rots=$1; fi
		pos=$((pos + 1)) ;;
	esac
	shift
done
# shellcheck source=scripts/bench-common.sh
source "$top/scripts/bench-common.sh"
bench_setup bench-consumers "$bdir"

# start_fwd N LOG: forwarder with N slots; its pid in fp
start_fwd() {
	"$fwd" -l 0 --in-memory --no-pci --file-prefix "nta-bench-$$" --log-level=lib.eal:error \
		--vdev "net_null0,size=64,copy=1" --vdev "net_null1,size=64,copy=1" -- \
		--socket "$w/s" --stats-ms 500 --consumers "$1" --nb-mbufs "$nb" --when-full wait \
		>"$2" 2>&1 &
	fp=$!
	pids+=("$fp")
	for _ in $(seq 1 100); do grep -q 'consumer socket' "$2" && break; sleep 0.1; done
}

# start_cons K: consumer on slot K; its pid in cp
start_cons() {
	local cpu=1
	[ "$spread" = 0 ] || cpu=$((1 + $1))
	"$cons" --socket "$w/s" --queue "$1" --cpu "$cpu" --busy --no-echo --quiet \
		>"$w/cons-$1.log" 2>&1 &
	cp=$!
	pids+=("$cp")
}

# rates LOG PATTERN: best and median Mpps of verdict_fwd over the 0.5 s
# windows of the lines matching PATTERN (the first window is warm-up)
rates() {
	grep -E "$2" "$1" | tr ' ' '\n' | awk -F= '$1 == "verdict_fwd" { print $2 }' |
		awk '{ v[n++] = $1 }
			END {
				k = 0
				for (i = 2; i < n; i++) r[k++] = (v[i] - v[i - 1]) / 0.5 / 1e6
				if (k == 0) { print "0 0"; exit }
				for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
					if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
				printf "%.3f %.3f\n", r[k - 1], r[int(k / 2)]
			}'
}

[ -z "${NTA_BENCH_KEEP:-}" ] || echo "bench-consumers: logs in $w"
echo "bench-consumers: forwarder core 0, consumers on core $([ "$spread" = 1 ] && echo '1+k' || echo 1)" \
	"(busy), $nb mbufs per slot, $secs s per point; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# point N RUN: one run of N consumers; appends "N total_median per..." to $w/points
point() {
	local n=$1 log=$w/fwd-$1-$2.log cps=() k tm km per=''
	start_fwd "$n" "$log"
	for k in $(seq 0 $((n - 1))); do
		start_cons "$k"
		cps+=("$cp")
	done
	sleep "$secs"
	for p in "${cps[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
	kill -INT "$fp"; wait "$fp" 2>/dev/null || true
	read -r _ tm < <(rates "$log" "^nta-fwd: stats:.* attached=$n ")
	for k in $(seq 0 $((n - 1))); do
		if [ "$n" = 1 ]; then
			km=$tm
		else
			read -r _ km < <(rates "$log" "^nta-fwd: slot $k: .* attached=1 ")
		fi
		per+=" $km"
	done
	echo "$n $tm$per" >>"$w/points"
}

: >"$w/points"
for r in $(seq 1 "$runs"); do
	for n in 1 2 4; do
		point "$n" "$r"
	done
done
printf '%-10s %-30s %s\n' consumers 'total Mpps median (range)' 'per consumer Mpps (median over runs)'
awk '
	{ n = $1; c[n]++; t[n, c[n]] = $2; for (i = 3; i <= NF; i++) p[n, i - 3, c[n]] = $i
	  w[n] = NF - 2 }
	function med(a, key, k,   i, j, x, v) {
		for (i = 1; i <= k; i++) v[i] = a[key, i]
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
		lo = v[1]; hi = v[k]
		return v[int((k + 1) / 2)]
	}
	END {
		for (n = 1; n <= 4; n *= 2) {
			if (!(n in c)) continue
			k = c[n]
			for (i = 1; i <= k; i++) tt[n, i] = t[n, i]
			m = med(tt, n, k); l = lo; h = hi
			if (n == 1) base = m
			s = ""
			for (q = 0; q < w[n]; q++) {
				for (i = 1; i <= k; i++) pp[q, i] = p[n, q, i]
				s = s sprintf(" %.3f", med(pp, q, k))
			}
			printf "%-10d %7.3f (%.3f-%.3f) %5.2fx  %s\n", n, m, l, h, (base > 0 ? m / base : 0), s
		}
	}' "$w/points"

# Rotation cost: slot 0 of 4 detaches and attaches again.
log=$w/fwd-rot.log
start_fwd 4 "$log"
cps=()
for k in 1 2 3; do
	start_cons "$k"
	cps+=("$cp")
done
for i in $(seq 1 "$rots"); do
	start_cons 0
	for _ in $(seq 1 100); do
		[ "$(grep -c 'attached (.*on slot 0 ' "$log")" -ge "$i" ] && break
		sleep 0.05
	done
	sleep 0.3
	kill -INT "$cp"; wait "$cp" 2>/dev/null || true
	for _ in $(seq 1 100); do
		[ "$(grep -c 'slot 0: generation .* retired' "$log")" -ge "$i" ] && break
		sleep 0.05
	done
done
for p in "${cps[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
kill -INT "$fp"; wait "$fp" 2>/dev/null || true
# slot 0's receive rate while attached (packets its queue takes in a
# second): the slot line's rx over its windows with attached=1
rate0=$(grep -E '^nta-fwd: slot 0: .* attached=1 ' "$log" | tr ' ' '\n' |
	awk -F= '$1 == "rx" { print $2 }' | awk '{ v[n++] = $1 }
		END { k = 0; for (i = 1; i < n; i++) if (v[i] > v[i - 1]) r[k++] = (v[i] - v[i - 1]) / 0.5
			for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			print (k > 0 ? r[int(k / 2)] : 0) }')
grep -E '^nta-fwd: slot 0: generation' "$log" |
	grep -o 're-pointed in [0-9]* us, queues stopped [0-9]* us' |
	awk -v rate="$rate0" -v nb="$nb" '{ t[n] = $3; s[n] = $7; n++ }
		END {
			if (n == 0) { print "bench-consumers: no rotation seen"; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) {
				if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
				if (s[j] < s[i]) { x = s[i]; s[i] = s[j]; s[j] = x }
			}
			printf "rotation of %d mbufs (%d runs): %d us median, %d us max; queues not polled" \
				" %d us median, %d us max; at the slot'\''s rate of %.2f Mpps that delays" \
				" %.0f packets (median), %.0f (max)\n", nb, n, t[int(n / 2)], t[n - 1],
				s[int(n / 2)], s[n - 1], rate / 1e6, rate * s[int(n / 2)] / 1e6,
				rate * s[n - 1] / 1e6
		}'
