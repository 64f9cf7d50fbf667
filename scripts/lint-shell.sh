#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run shellcheck on every shell script of the tree: each *.sh and .ci/run
# (build directories, those holding meson-private, left out). Fails when
# the program is missing (scripts/setup.sh packages installs it). The meson
# test 'shellcheck' (suites lint, fast) runs this.
#
#   scripts/lint-shell.sh [SOURCE_ROOT]
set -euo pipefail

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if [ "$top" = -h ] || [ "$top" = --help ]; then
	sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
cd "$top"
command -v shellcheck >/dev/null ||
	{ echo "lint-shell: shellcheck is not installed (apt-get install shellcheck)" >&2; exit 1; }

mapfile -t scripts < <(find . \( -name .git -o -exec test -d '{}/meson-private' ';' \) -prune \
	-o -type f -name '*.sh' -print | sort)
scripts+=(.ci/run)
# -x follows the files the e2e tests source (their "shellcheck source=" lines
# name them from the source root).
shellcheck -x "${scripts[@]}"
echo "lint-shell: ${#scripts[@]} scripts clean ($(shellcheck --version | sed -n 's/^version: //p'))"
