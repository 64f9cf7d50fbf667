#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Zero copy against its peers (a benchmark, not a test): dpdk-nta-fwd +
# nta-consumer lending packets (nta-zc) and copying them (nta-copy, --copy),
# against DPDK memif between two testpmds, zero-copy client (memif-zc) and
# copying client (memif-copy, zero-copy=no). Traffic comes from net_null
# (copy=1: the PMD writes every packet as a NIC does; copy=0: nobody writes
# it). The forwarder and the memif server run on core 0, the consumer and
# the memif client on core 1. Contenders alternate within each round (their
# order rotates from round to round); every figure is a median over rounds.
#
#   scripts/bench-peers.sh [options]
#
#   --rounds N        rounds (default 5)
#   --sizes LIST      packet sizes, comma separated (default 64,1500,9000;
#                     above 2048 B mbufs and memif buffers grow to fit)
#   --secs S          seconds each contender forwards per point (default 4)
#   --pmd-copy LIST   net_null copy values, comma separated (default 1,0)
#   --only LIST       contenders, comma separated (default
#                     nta-zc,nta-copy,memif-zc,memif-copy)
#   --quick           1 round, 2 s, sizes 64,1500, copy=1 only (a smoke run)
#   --rt              both sides SCHED_FIFO (chrt -f 10): steadier on a busy
#                     machine, but takes both cores while a point runs
#   -h, --help        this text
#
# What is measured. Mpps: packets through the application per second (nta:
# the forwarder's verdict_fwd over 0.5 s windows; memif: the client's Rx-pps
# every second), median of the windows after 1 s (nta) or 2 s (memif) of
# warm-up. Cycles/packet, per side:
#   nta forwarder, nta consumer: their own busy_cycles over packets
#     (received by the forwarder, read by the consumer) over the same
#     windows (see their --help: cycles of loop turns that moved packets);
#   memif client: testpmd --record-core-cycles at exit ("CPU
#     cycles/packet": its cycles over the packets it macswapped);
#   memif server: TSC Hz / the client's packet rate. It is always busy
#     (net_null always has packets, and testpmd's io forwarding takes them
#     even when memif refuses them), so that is its busy cycles per packet
#     that reached the client. testpmd's own figure divides by everything
#     it received from both ports, dropped packets included, and covers the
#     time before the client connected; it is kept in the raw results.
# Output: progress on stderr; on stdout a markdown table of medians and the
# ratios (nta zero copy against memif zero-copy, nta zero copy against nta
# copy).
#
# The memif client keeps its memory in hugetlbfs files (as issue 8 runs it:
# with --in-memory its zero-copy mode is 4x slower here), removed after each
# point and at exit; every other process runs --in-memory.
#
# Environment: NTA_BUILD_DIR (default build; configured and built when
# needed), NTA_BENCH_LOCK=FILE (flock FILE around each point, so that other
# users of the machine's DPDK can interleave), NTA_BENCH_KEEP=1 (keep the
# logs; their directory is printed). Needs root, dpdk-testpmd with net_null
# and net_memif, and about 600 free 2 MB hugepages.
set -euo pipefail

me=bench-peers
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${NTA_BUILD_DIR:-$top/build}
rounds=5 sizes=64,1500,9000 secs=4 pmdcopies=1,0 rt=()
only=nta-zc,nta-copy,memif-zc,memif-copy

die() { echo "$me: $*" >&2; exit 2; }
say() { echo "$me: $*" >&2; }
isnum() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
# need_num VALUE MIN MAX WHAT: VALUE is a number in [MIN, MAX] or we stop
need_num() {
	if ! isnum "$1" || [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
		die "$4: '$1' is not a number in [$2, $3]"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) sed -n '4,53p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--rounds) need_num "${2:-}" 1 1000 --rounds; rounds=$2; shift ;;
	--sizes) sizes=${2:-}; shift ;;
	--secs) need_num "${2:-}" 2 3600 --secs; secs=$2; shift ;;
	--pmd-copy) pmdcopies=${2:-}; shift ;;
	--only) only=${2:-}; shift ;;
	--quick) rounds=1 secs=2 sizes=64,1500 pmdcopies=1 ;;
	--rt) rt=(chrt -f 10) ;;
	*) die "unknown option '$1'; see --help" ;;
	esac
	shift
done
IFS=, read -r -a size_list <<<"$sizes"
IFS=, read -r -a pc_list <<<"$pmdcopies"
IFS=, read -r -a who_list <<<"$only"
for s in "${size_list[@]}"; do
	need_num "$s" 60 9600 --sizes
done
for c in "${pc_list[@]}"; do
	[ "$c" = 0 ] || [ "$c" = 1 ] || die "--pmd-copy: '$c' is neither 0 nor 1"
done
for c in "${who_list[@]}"; do
	case $c in nta-zc|nta-copy|memif-zc|memif-copy) ;; *) die "--only: unknown contender '$c'" ;; esac
done
[ "$(id -u)" = 0 ] || die "needs root (hugepages, CPU pinning)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (apt-get install dpdk)"

# ---- build, hugepages ----
fwd=$bdir/app/nta-fwd/dpdk-nta-fwd
cons=$bdir/app/nta-consumer/nta-consumer
if [ ! -f "$bdir/build.ninja" ]; then
	say "configuring $bdir"
	meson setup "$bdir" "$top" >&2 || die "meson setup failed"
fi
ninja -C "$bdir" >/dev/null || die "build failed (ninja -C $bdir)"
if [ ! -x "$fwd" ] || [ ! -x "$cons" ]; then
	die "$fwd or $cons not built (meson option apps?)"
fi
free_pages=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
[ "$free_pages" -ge 600 ] ||
	die "$free_pages free 2 MB hugepages, need 600 (echo 1024 > /proc/sys/vm/nr_hugepages)"

# ---- cleanup: our processes, our hugetlbfs files, our directory ----
w=$(mktemp -d /tmp/nta-bench-peers.XXXXXX)
prefix=nbp$$
pids=()
cleanup() {
	local p f
	trap - EXIT INT TERM
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -INT "$p" 2>/dev/null || true
	done
	sleep 0.5
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for f in /dev/hugepages/*"$prefix"* /dev/hugepages/nta-fwd-*; do
		[ -e "$f" ] || continue
		case $f in
		*"$prefix"*) rm -f "$f" ;;
		*) # the forwarder's own files: only those of a pid we started
			for p in ${pids[@]+"${pids[@]}"}; do
				case ${f##*/} in nta-fwd-"$p"-*) rm -f "$f" ;; esac
			done ;;
		esac
	done
	if [ -n "${NTA_BENCH_KEEP:-}" ]; then say "logs in $w"; else rm -rf "$w"; fi
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# stop PID...: SIGINT, then SIGKILL after 10 s; they leave the list pids
stop() {
	local p q keep
	for p in "$@"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "$@"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		keep=()
		for q in ${pids[@]+"${pids[@]}"}; do [ "$q" = "$p" ] || keep+=("$q"); done
		pids=(${keep[@]+"${keep[@]}"})
	done
}

# wait_file FILE PATTERN SECONDS: until FILE holds PATTERN (0) or time is up (1)
wait_file() {
	for _ in $(seq 1 $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# rt_workers PID: with --rt, testpmd's forwarding thread only (its main lcore
# shares a core with the peer's busy poller: a real-time main thread there
# would never run)
rt_workers() {
	local t
	[ ${#rt[@]} -gt 0 ] || return 0
	for t in $(ps -T -o spid=,comm= -p "$1" | awk '$2 ~ /^lcore-worker/ { print $1 }'); do
		chrt -f -p 10 "$t" >/dev/null || say "chrt of thread $t failed"
	done
}

# ---- one point of each kind; each prints "MPPS CPP_A CPP_B NOTE" (run them in
# this shell, not in $(...): their processes must be in pids for cleanup) ----

nta_point() { # SIZE PMDCOPY MODE(zc|copy) TAG
	local size=$1 pc=$2 mode=$3 tag=$4 extra=() fp cp copied flog=$w/$4-fwd.log clog=$w/$4-cons.log
	[ "$mode" = copy ] && extra+=(--copy)
	[ "$size" -le 2048 ] || extra+=(--mbuf-size 9728)
	${rt[@]+"${rt[@]}"} "$fwd" -l 0 --in-memory --no-pci --file-prefix "$prefix" \
		--log-level=lib.eal:error --vdev "net_null0,size=$size,copy=$pc" \
		--vdev "net_null1,size=$size,copy=$pc" -- --socket "$w/nta.sock" --stats-ms 500 \
		--when-full wait ${extra[@]+"${extra[@]}"} >"$flog" 2>&1 &
	fp=$!
	pids+=("$fp")
	wait_file "$flog" 'consumer socket' 30 || { stop "$fp"; echo "0 0 0 fwd-failed"; return; }
	${rt[@]+"${rt[@]}"} "$cons" --socket "$w/nta.sock" --cpu 1 --busy --no-echo >"$clog" 2>&1 &
	cp=$!
	pids+=("$cp")
	sleep "$secs"
	stop "$cp" "$fp"
	# forwarder: 0.5 s windows after attach, the first two are warm-up
	grep -E '^nta-fwd: stats:.* attached=1' "$flog" | tr ' ' '\n' |
		awk -F= '$1 == "verdict_fwd" || $1 == "rx" || $1 == "busy_cycles" { printf "%s ", $2 }
			$1 == "cycles_per_pkt" { print "" }' >"$w/$tag.fwin"
	grep -E '^nta-consumer: (stats|final):' "$clog" | tr ' ' '\n' |
		awk -F= '$1 == "packets" || $1 == "busy_cycles" { printf "%s ", $2 }
			$1 == "cycles_per_pkt" { print "" }' >"$w/$tag.cwin"
	copied=$(grep -E '^nta-fwd: final:' "$flog" | head -n 1 | tr ' ' '\n' |
		awk -F= '$1 == "copied_bytes" { print $2 }')
	awk -v note="copied_bytes=${copied:-?}" -v cw="$w/$tag.cwin" '
		# fwd lines: rx verdict_fwd busy_cycles
		{ rx[n] = $1; v[n] = $2; b[n] = $3; n++ }
		END {
			k = 0
			for (i = 3; i < n; i++) r[k++] = (v[i] - v[i - 1]) / 0.5 / 1e6
			if (k == 0) { print "0 0 0 " note " no-windows"; exit }
			for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
				if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			fc = (rx[n - 1] > rx[2]) ? (b[n - 1] - b[2]) / (rx[n - 1] - rx[2]) : 0
			# consumer: its lines come every second; from the first to the
			# last, or its whole run (final line) when there are fewer
			m = 0
			while ((getline l < cw) > 0) { split(l, a, " "); cp[m] = a[1]; cb[m] = a[2]; m++ }
			cc = 0
			if (m > 0 && cp[m - 1] > 0)
				cc = cb[m - 1] / cp[m - 1]
			if (m > 2 && cp[m - 2] > cp[0])
				cc = (cb[m - 2] - cb[0]) / (cp[m - 2] - cp[0])
			printf "%.3f %.1f %.1f %s\n", r[int(k / 2)], fc, cc, note
		}' "$w/$tag.fwin"
}

memif_point() { # SIZE PMDCOPY ZC(yes|no) TAG
	local size=$1 pc=$2 zc=$3 tag=$4 jumbo=() bs='' sp cp slog=$w/$4-server.log clog=$w/$4-client.log
	if [ "$size" -gt 2048 ]; then
		# memif chains its buffers for frames above its MTU (testpmd's
		# --max-pkt-len is refused: its max frame is 1518); one buffer each
		jumbo=(--mbuf-size=9800)
		bs=,bsize=10240
	fi
	dpdk-testpmd --lcores 0@1,1@0 -n 1 --no-pci --in-memory \
		--file-prefix "${prefix}s" -m 512 --log-level=lib.eal:error \
		--vdev "net_null0,size=$size,copy=$pc" \
		--vdev "net_memif0,role=server,socket=$w/memif.sock$bs" -- --forward-mode=io \
		--nb-cores=1 --stats-period 1 --total-num-mbufs=16384 --record-core-cycles \
		${jumbo[@]+"${jumbo[@]}"} >"$slog" 2>&1 &
	sp=$!
	pids+=("$sp")
	# memif's socket is abstract (no file): wait for the server to forward
	wait_file "$slog" 'start packet forwarding' 30 || { stop "$sp"; echo "0 0 0 server-failed"; return; }
	rt_workers "$sp"
	# The client as issue 8 runs it: hugepage files (--in-memory makes its
	# zero-copy 4x slower here); removed below
	dpdk-testpmd --lcores 0@0,1@1 -n 1 --no-pci \
		--single-file-segments --file-prefix "${prefix}c" -m 512 --log-level=lib.eal:error \
		--vdev "net_memif0,role=client,socket=$w/memif.sock,zero-copy=$zc$bs" -- \
		--forward-mode=macswap --nb-cores=1 --port-topology=loop --stats-period 1 \
		--record-core-cycles ${jumbo[@]+"${jumbo[@]}"} >"$clog" 2>&1 &
	cp=$!
	pids+=("$cp")
	wait_file "$clog" 'start packet forwarding' 30 || { stop "$cp" "$sp"; echo "0 0 0 client-failed"; return; }
	rt_workers "$cp"
	sleep $((secs + 2))
	# the client first: it prints its cycles while the link is still up
	stop "$cp"
	stop "$sp"
	rm -f /dev/hugepages/"${prefix}"c*
	awk -v slog="$slog" '
		/Rx-pps:/ { if ($2 > 0) r[n++] = $2 / 1e6 }
		/CPU cycles\/packet=/ { split($0, a, "="); cc = a[2] + 0 }
		/ at [0-9]+ MHz/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "MHz") hz = $i }
		END {
			k = 0
			for (i = 2; i < n; i++) q[k++] = r[i]
			if (k == 0) { print "0 0 0 no-windows"; exit }
			for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
				if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
			mpps = q[int(k / 2)]
			sraw = 0
			while ((getline l < slog) > 0)
				if (l ~ /CPU cycles\/packet=/) {
					split(l, a, "="); sraw = a[2] + 0
					if (hz == 0 && split(l, a, / at | MHz/) >= 3) hz = a[2] + 0
				}
			printf "%.3f %.1f %.1f testpmd_server=%.1f\n", mpps,
				(mpps > 0 ? hz / mpps : 0), cc, sraw
		}' "$clog"
}

# ---- rounds ----
res=$w/results
: >"$res"
n_who=${#who_list[@]}
say "forwarder/server core 0, consumer/client core 1; $rounds rounds of $secs s;" \
	"sizes $sizes; net_null copy=$pmdcopies; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${NTA_BENCH_LOCK:-}" ] || exec 9>>"$NTA_BENCH_LOCK"
for ((r = 1; r <= rounds; r++)); do
	for pc in "${pc_list[@]}"; do
		for size in "${size_list[@]}"; do
			for ((i = 0; i < n_who; i++)); do
				who=${who_list[$(((i + r - 1) % n_who))]}
				tag=r$r-$size-$pc-$who
				[ -z "${NTA_BENCH_LOCK:-}" ] || flock 9
				case $who in
				nta-zc) nta_point "$size" "$pc" zc "$tag" >"$w/out" ;;
				nta-copy) nta_point "$size" "$pc" copy "$tag" >"$w/out" ;;
				memif-zc) memif_point "$size" "$pc" yes "$tag" >"$w/out" ;;
				memif-copy) memif_point "$size" "$pc" no "$tag" >"$w/out" ;;
				esac
				out=$(cat "$w/out")
				[ -z "${NTA_BENCH_LOCK:-}" ] || flock -u 9
				say "round $r/$rounds size $size copy=$pc $who: $out"
				echo "$size $pc $who $out" >>"$res"
				case $who-$out in
				nta-zc-*copied_bytes=0*|nta-copy-*|memif-*) ;;
				*) say "WARNING: zero copy run: $out" ;;
				esac
			done
		done
	done
done

# ---- table: medians over rounds ----
echo
echo "Medians of $rounds rounds ($secs s each), forwarder/server on core 0, consumer/client on" \
	"core 1; cycles are busy cycles per packet through the application."
echo
awk -v order="$only" -v sizes="$sizes" -v pcs="$pmdcopies" '
	function med(key,    i, j, k, t, a) {
		k = cnt[key]
		for (i = 0; i < k; i++) a[i] = val[key, i]
		for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k == 0 ? 0 : (k % 2 ? a[int(k / 2)] : (a[k / 2 - 1] + a[k / 2]) / 2)
	}
	function add(key, v) { val[key, cnt[key]++] = v }
	{ p = $1 SUBSEP $2 SUBSEP $3; add(p SUBSEP "m", $4); add(p SUBSEP "a", $5); add(p SUBSEP "b", $6) }
	END {
		n = split(order, who, ","); ns = split(sizes, sz, ","); np = split(pcs, pc, ",")
		print "| size | net_null copy | contender | Mpps | cycles/pkt side A | cycles/pkt side B |" \
			" A+B | Mpps / memif-zc | cycles / memif-zc |"
		print "|---|---|---|---|---|---|---|---|---|"
		for (c = 1; c <= np; c++) for (s = 1; s <= ns; s++) {
			ref = sz[s] SUBSEP pc[c] SUBSEP "memif-zc"
			rm = med(ref SUBSEP "m"); rc = med(ref SUBSEP "a") + med(ref SUBSEP "b")
			for (i = 1; i <= n; i++) {
				p = sz[s] SUBSEP pc[c] SUBSEP who[i]
				m = med(p SUBSEP "m"); a = med(p SUBSEP "a"); b = med(p SUBSEP "b")
				printf "| %s | %s | %s | %.2f | %.0f | %.0f | %.0f | %s | %s |\n",
					sz[s], pc[c], who[i], m, a, b, a + b,
					(rm > 0 ? sprintf("%.2f", m / rm) : "-"),
					(rc > 0 ? sprintf("%.2f", (a + b) / rc) : "-")
			}
			zc = med(sz[s] SUBSEP pc[c] SUBSEP "nta-zc" SUBSEP "m")
			cp = med(sz[s] SUBSEP pc[c] SUBSEP "nta-copy" SUBSEP "m")
			if (zc > 0 && cp > 0)
				zcline = zcline sprintf("- %s B, copy=%s: nta zero copy / nta --copy = %.2f\n",
					sz[s], pc[c], zc / cp)
		}
		print ""
		print "Side A: nta forwarder, or memif server; side B: nta consumer, or memif client."
		if (zcline != "") { print ""; printf "%s", zcline }
	}' "$res"
