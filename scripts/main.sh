#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job of the repository: prepare the machine (scripts/setup.sh),
# build, and run the zero-copy demo (scripts/demo.sh) on the captures in
# test/e2e/captures. Arguments go to demo.sh (a capture of your own).
# Run as root on Debian 12. NTA_SKIP_SETUP=1 skips packages and hugepages.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

if [ "${NTA_SKIP_SETUP:-0}" != 1 ]; then
	scripts/setup.sh all
fi
[ -f build/build.ninja ] || meson setup build
ninja -C build
exec bash scripts/demo.sh "$@"
