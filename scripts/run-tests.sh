#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build NTA if needed and run its tests (all of them by default), then print
# a summary per suite. Run from anywhere, as root on Debian 12 (the dpdk and
# e2e suites need hugepages).
#
#   scripts/run-tests.sh [extra meson test arguments]
#   NTA_SUITES=fast scripts/run-tests.sh     the fast suite: under a minute
#
# Suites: each test is in one of unit, fuzz, dpdk, e2e, lint and in one of
# fast, slow. With several names (NTA_SUITES="unit dpdk") meson runs every
# test that is in any of them.
# Environment:
#   NTA_SKIP_SETUP=1   do not run scripts/setup.sh (packages, hugepages)
#   NTA_BUILD_DIR      build directory (build)
#   NTA_MESON_OPTS     meson setup options when the directory is created
#   NTA_SUITES         suites to run (default: every test); a suite that
#                      does not exist in the build is an error
# Exit status: 0 when every test passed (or was skipped), nonzero otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bdir=${NTA_BUILD_DIR:-build}

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

if [ "${NTA_SKIP_SETUP:-0}" != 1 ]; then
	scripts/setup.sh all
fi

if [ ! -f "$bdir/build.ninja" ]; then
	# shellcheck disable=SC2086 # NTA_MESON_OPTS is a list of options
	meson setup "$bdir" ${NTA_MESON_OPTS:-}
fi
ninja -C "$bdir"

# Suites that exist in this build (meson names them "project:suite").
intro="$bdir/meson-logs/tests-introspect.json"
meson introspect --tests "$bdir" > "$intro"
mapfile -t have < <(python3 - "$intro" <<'PY'
import json, sys
s = set()
for t in json.load(open(sys.argv[1])):
    for x in t.get("suite", []):
        s.add(x.split(":", 1)[-1])
print("\n".join(sorted(s)))
PY
)

args=()
for s in ${NTA_SUITES:-}; do
	if ! printf '%s\n' "${have[@]}" | grep -qxF -- "$s"; then
		echo "run-tests: no suite '$s' in $bdir (suites: ${have[*]:-none})" >&2
		exit 2
	fi
	args+=(--suite "$s")
done
echo "run-tests: suites in $bdir: ${have[*]:-none}; running: ${NTA_SUITES:-all}"

# DPDK tests are is_parallel:false in their meson.build, so meson runs them
# one at a time; the others run in parallel on every core.
rc=0
rm -f "$bdir/meson-logs/testlog.json"
t0=$SECONDS
meson test -C "$bdir" --print-errorlogs ${args[@]+"${args[@]}"} "$@" || rc=$?
echo "run-tests: meson test took $((SECONDS - t0)) s"

log="$bdir/meson-logs/testlog.json"
if [ ! -f "$log" ]; then
	echo "tests: 0 passed, 0 failed"
else
	python3 - "$log" "$intro" <<'PY'
import json, sys
suite_of = {}
for t in json.load(open(sys.argv[2])):
    suite_of[t["name"]] = [x.split(":", 1)[-1] for x in t.get("suite", [])]
per = {}
speed = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    name = t.get("name", "")
    if " / " in name:   # "project:unit+fast / test" when meson shows suites
        pre, name = name.split(" / ", 1)
        suites = pre.split(":", 1)[-1].split("+")
    else:
        suites = suite_of.get(name, []) or ["(none)"]
    r = t.get("result", "")
    key = ("passed" if r in ("OK", "EXPECTEDFAIL") else
           "skipped" if r == "SKIP" else "failed")
    # The first suite is the test's kind (unit, fuzz, dpdk, e2e, lint).
    c = per.setdefault(suites[0], {"passed": 0, "failed": 0, "skipped": 0})
    c[key] += 1
    for sp in ("fast", "slow"):
        if sp in suites:
            n, d = speed.get(sp, (0, 0.0))
            speed[sp] = (n + 1, d + t.get("duration", 0))
    if key == "failed":
        print("run-tests: FAILED %s (%s, %.1f s)" % (t.get("name"), r, t.get("duration", 0)))
tot = {"passed": 0, "failed": 0, "skipped": 0}
print("run-tests: summary per suite")
for s in sorted(per):
    c = per[s]
    print("  %-8s %3d passed, %3d failed, %3d skipped" % (s, c["passed"], c["failed"], c["skipped"]))
    for k in tot:
        tot[k] += c[k]
for sp in sorted(speed):
    print("  %-8s %3d tests, %.1f s of test time" % (sp, speed[sp][0], speed[sp][1]))
print("tests: %d passed, %d failed, %d skipped" % (tot["passed"], tot["failed"], tot["skipped"]))
PY
fi
if [ "$rc" -ne 0 ]; then
	echo "run-tests: meson test failed (exit $rc); last lines of $bdir/meson-logs/testlog.txt:"
	tail -n 150 "$bdir/meson-logs/testlog.txt" 2>/dev/null || true
fi
exit "$rc"
