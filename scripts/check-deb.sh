#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the Debian packages and check them as an operator would use them.
#
#   scripts/check-deb.sh [WORKDIR]
#
# Copies the tracked files to WORKDIR (default build-deb/), runs
# `dpkg-buildpackage -b -us -uc` there (libnta0, libnta-dev, nta), fails on
# any lintian error, installs the three packages, checks that dpdk-testpmd
# selects the ops 'nta' with --mbuf-pool-ops-name nta and no -d (the driver's
# link in DPDK's driver directory), that pkg-config finds libnta and
# libnta-dpdk, then removes the packages again (also on failure), so that
# the machine is as it was. Needs root and hugepages (setup.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
work=$(realpath -m "${1:-build-deb}")
pkgs=(nta libnta-dev libnta0)

log() { printf 'check-deb: %s\n' "$*"; }
die() { printf 'check-deb: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "installing packages needs root"
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
		die "package $p is already installed: remove it first (dpkg -r ${pkgs[*]})"
	fi
done

rm -rf "$work"
mkdir -p "$work/src"
git ls-files -z | tar --null -cf - -T - | tar -xf - -C "$work/src"
log "dpkg-buildpackage -b -us -uc in $work/src"
(cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log"; die "dpkg-buildpackage failed (log: $work/build.log)"; }
debs=()
for p in "${pkgs[@]}"; do
	f=$(ls "$work"/"${p}"_*.deb) || die "no package $p built"
	debs+=("$f")
done
log "built: ${debs[*]##*/}"
lintian --fail-on error "$work"/*.changes || die "lintian reports errors"
log "lintian: no errors"

cleanup() { dpkg -r "${pkgs[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
dpkg -i "${debs[@]}" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; die "dpkg -i failed"; }
log "installed: ${pkgs[*]}"
out=$(printf 'quit\n' | dpdk-testpmd -l 0-1 --no-pci --in-memory --file-prefix nta-deb \
	--mbuf-pool-ops-name nta --vdev net_null0 --vdev net_null1 \
	--log-level=pmd.mempool.nta:debug -- -i --total-num-mbufs=2048 2>&1) ||
	die "dpdk-testpmd with the installed packages failed: $out"
grep -q 'nta_mempool: pool mb_pool_0' <<<"$out" ||
	die "dpdk-testpmd --mbuf-pool-ops-name nta (no -d) did not use the driver: $out"
log "dpdk-testpmd --mbuf-pool-ops-name nta selects nta with no -d"
pkg-config --exists libnta libnta-dpdk || die "pkg-config does not find libnta, libnta-dpdk"
log "pkg-config: libnta $(pkg-config --modversion libnta), libnta-dpdk $(pkg-config --modversion libnta-dpdk)"
cleanup
trap - EXIT
if dpkg -l "${pkgs[@]}" 2>/dev/null | grep -q '^ii'; then
	die "packages still installed after removal"
fi
log "packages removed; all checks passed"
