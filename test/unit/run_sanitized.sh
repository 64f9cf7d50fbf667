#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build lib/nta and its unit and fuzz tests with ASan+UBSan in a build
# directory of their own and run both suites, whatever the options of the
# main build. UBSan is made fatal by the tests' environment (meson.build).
#
#   test/unit/run_sanitized.sh [BUILD_DIR] [extra meson setup options...]
#
# BUILD_DIR defaults to build-sanitize (relative to the source root).
# Example: test/unit/run_sanitized.sh build-asan32 -Davl_bits=32
set -eu

case "${1:-}" in
-h|--help)
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-build-sanitize}
[ $# -gt 0 ] && shift
cd "$root"
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dapps=false -Ddriver=false "$@"
fi
ninja -C "$dir"
meson test -C "$dir" --suite unit --suite fuzz --print-errorlogs
