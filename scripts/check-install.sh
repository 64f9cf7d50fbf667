#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Check NTA as users get it: installed, linked through pkg-config.
#
#   scripts/check-install.sh [WORKDIR]
#
# Builds in WORKDIR (default build-install/) with its own prefix, then:
#   1. meson install --destdir STAGE: the expected files are there (libnta.so.0
#      with its SONAME, headers, libnta.pc, libnta-dpdk.pc, the driver and
#      its link in the prefix's DPDK driver directory, the programs); an
#      external consumer (test/install/ext_consumer.c, libnta only) and an
#      external DPDK application (test/install/ext_exact.c, exact-size mbufs)
#      build from the staged files with pkg-config and run;
#   2. meson install into the prefix itself: the installed programs start
#      with a clean environment (no LD_LIBRARY_PATH, no ldconfig), and
#      dpdk-testpmd -d <prefix's driver directory> selects the ops 'nta'.
# Needs: the packages of scripts/setup.sh, hugepages (setup.sh hugepages).
# Exit status 0 when every check passes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
-h|--help) sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
work=$(realpath -m "${1:-build-install}")
prefix=$work/prefix
stage=$work/stage
bdir=$work/build

log() { printf 'check-install: %s\n' "$*"; }
die() { printf 'check-install: FAILED: %s\n' "$*" >&2; exit 1; }

rm -rf "$prefix" "$stage" "$work/ext"
mkdir -p "$work/ext"
# EAL refuses -d under a world-writable directory: keep ours private.
chmod 0700 "$work"
if [ ! -f "$bdir/build.ninja" ]; then
	meson setup "$bdir" --prefix="$prefix" -Dtests=false >/dev/null
fi
ninja -C "$bdir" >/dev/null
libdir=$prefix/$(meson introspect "$bdir" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"][0])')
pmds=$(ls -d "$libdir"/dpdk/pmds-* 2>/dev/null || true)

# 1. Staged install (DESTDIR), as packagers do.
meson install -C "$bdir" --destdir "$stage" --quiet >/dev/null
slib=$stage$libdir
for f in "$slib/libnta.so.0" "$slib/libnta.so" "$slib/librte_mempool_nta.so.0" \
	"$slib/pkgconfig/libnta.pc" "$slib/pkgconfig/libnta-dpdk.pc" \
	"$stage$prefix/include/nta/nta.h" "$stage$prefix/include/nta/rte_mempool_nta.h" \
	"$stage$prefix/bin/dpdk-nta-fwd" "$stage$prefix/bin/nta-consumer" \
	"$stage$prefix/bin/nta-top" "$stage$prefix/bin/nta-map" \
	"$stage$prefix/share/nta/python/nta_telemetry.py"; do
	[ -e "$f" ] || die "not installed: ${f#"$stage"}"
done
spmds=$(ls -d "$slib"/dpdk/pmds-*) || die "no DPDK driver directory under ${libdir}"
abi=${spmds##*/pmds-}
[ -e "$spmds/librte_mempool_nta.so.$abi" ] || die "no driver link in ${spmds#"$stage"}"
soname=$(readelf -d "$slib/libnta.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libnta.so.0 ] || die "libnta SONAME is '$soname', not libnta.so.0"
log "staged install complete: libnta.so.0, libnta.pc, libnta-dpdk.pc, driver, link in ${spmds##*/}"

# Only installed files: no -I or -L into the source or build tree. The
# sysroot moves every path pkg-config prints, so only libnta (no DPDK) is
# built from the stage; the DPDK application is built from the prefix below.
# shellcheck disable=SC2046 # pkg-config prints a list of options
PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$slib/pkgconfig \
	cc -Wall -Wextra -Werror -o "$work/ext/ext_consumer" test/install/ext_consumer.c \
	$(PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$slib/pkgconfig \
		pkg-config --cflags --libs libnta)
LD_LIBRARY_PATH=$slib "$work/ext/ext_consumer"

# 2. Installed into the prefix: programs run as installed, no environment.
meson install -C "$bdir" --quiet >/dev/null
for p in dpdk-nta-fwd nta-consumer nta-bench nta-mempool-bench nta-top nta-map; do
	env -u LD_LIBRARY_PATH "$prefix/bin/$p" --help >/dev/null 2>&1 ||
		die "installed $p --help fails (cannot load its libraries?)"
done
log "installed programs start without LD_LIBRARY_PATH or ldconfig"
export PKG_CONFIG_PATH=$libdir/pkgconfig
rpath=-Wl,-rpath,$(pkg-config --variable=libdir libnta)
# shellcheck disable=SC2046 # pkg-config prints a list of options
cc -Wall -Wextra -Werror -o "$work/ext/ext_exact" test/install/ext_exact.c \
	$(pkg-config --cflags --libs libnta-dpdk) "$rpath"
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$work/ext/ext_consumer2" test/install/ext_consumer.c \
	$(pkg-config --cflags --libs libnta) "$rpath"
unset PKG_CONFIG_PATH
env -u LD_LIBRARY_PATH "$work/ext/ext_consumer2"
env -u LD_LIBRARY_PATH "$work/ext/ext_exact" --no-pci --in-memory --file-prefix nta-inst \
	--log-level=lib.eal:error --log-level=lib.telemetry:error
pmds=$(ls -d "$libdir"/dpdk/pmds-*)
out=$(printf 'quit\n' | env -u LD_LIBRARY_PATH dpdk-testpmd -l 0-1 --no-pci --in-memory \
	--file-prefix nta-inst -d "$pmds" --mbuf-pool-ops-name nta \
	--vdev net_null0 --vdev net_null1 --log-level=pmd.mempool.nta:debug \
	-- -i --total-num-mbufs=2048 2>&1) || die "dpdk-testpmd -d $pmds failed: $out"
grep -q 'nta_mempool: pool mb_pool_0' <<<"$out" ||
	die "dpdk-testpmd -d $pmds did not use the ops nta: $out"
log "dpdk-testpmd -d ${pmds#"$prefix"/} selects the ops nta"
log "all checks passed"
