#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Zero-copy benchmark (not a test): dpdk-nta-fwd + nta-consumer, zero copy
# against the same path copying every packet (--copy), at 64 and 1500 bytes,
# one round. A thin wrapper: scripts/bench-peers.sh does the work (and adds
# memif, 9000 B, rounds; see its --help).
#
#   scripts/bench-zc.sh [--rt] [--pmd-copy 0|1] [SECONDS per point, default 4]
#
#   --rt           both processes SCHED_FIFO (bench-peers.sh --rt)
#   --pmd-copy 0   net_null does not write the packets (copy=0; default 1)
#
# Environment: as bench-peers.sh (NTA_BUILD_DIR, NTA_BENCH_LOCK,
# NTA_BENCH_KEEP).
set -euo pipefail

args=() pmdcopy=1 secs=4
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--rt) args+=(--rt) ;;
	--pmd-copy)
		[ "${2:-}" = 0 ] || [ "${2:-}" = 1 ] || { echo "bench-zc: --pmd-copy takes 0 or 1" >&2; exit 2; }
		pmdcopy=$2
		shift ;;
	*) secs=$1 ;;
	esac
	shift
done
exec "$(dirname "$0")/bench-peers.sh" --rounds 1 --secs "$secs" --sizes 64,1500 \
	--pmd-copy "$pmdcopy" --only nta-zc,nta-copy ${args[@]+"${args[@]}"}
