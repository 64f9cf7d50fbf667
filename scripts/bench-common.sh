# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the zero-copy benchmarks share (sourced): bench_setup NAME BUILD_DIR
# sets fwd and cons (the two programs, checked), w (a scratch directory,
# removed at exit unless NTA_BENCH_KEEP is set) and pids (killed at exit).

bench_cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -9 "$p" 2>/dev/null || true
	done
	[ -n "${NTA_BENCH_KEEP:-}" ] || rm -rf "$w"
}

bench_setup() {
	fwd=$2/app/nta-fwd/dpdk-nta-fwd
	cons=$2/app/nta-consumer/nta-consumer
	if [ ! -x "$fwd" ] || [ ! -x "$cons" ]; then
		echo "$1: build first (ninja -C $2)" >&2
		exit 1
	fi
	w=$(mktemp -d /tmp/nta-bench.XXXXXX)
	pids=()
	trap bench_cleanup EXIT
}
