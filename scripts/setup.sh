#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine (as root) to build, test and run NTA.
#
#   scripts/setup.sh [all|packages|hugepages|clean|list]
#
#   packages   install every Debian package the project needs (the ONE list)
#   hugepages  mount hugetlbfs at /dev/hugepages if nothing is mounted, remove
#              hugepage files left by earlier runs, reserve NTA_HUGEPAGES
#              (default 1024) 2 MB pages; fails if fewer than 512 are reserved
#   clean      only remove stale hugepage files (those no process maps)
#   all        packages + hugepages (the default)
#   list       print the package list
#
# Environment: NTA_HUGEPAGES (1024), NTA_MIN_HUGEPAGES (512),
# NTA_FORCE_APT=1 runs apt-get even when every package is installed (CI=true
# does the same).
set -euo pipefail

# Every package the project needs, in one place. Build: compiler, meson,
# DPDK; allocator: libhugetlbfs; benchmark rivals: jemalloc, mimalloc; tests
# and tools: pcap, python packet tools, tshark (mergecap: wireshark-common),
# tcpreplay, iproute2, ping; shellcheck (the meson test 'shellcheck');
# xmllint (libxml2-utils: the SVG of nta-map in the test nta_tools_*);
# clang's runtime for libFuzzer and the sanitizers.
NTA_PACKAGES=(
	dpdk dpdk-dev libdpdk-dev
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libhugetlbfs-dev libhugetlbfs-bin
	libjemalloc-dev libmimalloc-dev
	libpcap-dev
	python3 python3-dpkt python3-scapy
	tshark wireshark-common tcpreplay iproute2 iputils-ping
	shellcheck libxml2-utils
	debhelper dpkg-dev fakeroot lintian
)

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1 needs root (run as root, or with sudo)"
}

missing_packages() {
	local p st
	for p in "${NTA_PACKAGES[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || printf '%s\n' "$p"
	done
}

do_packages() {
	local missing
	missing=$(missing_packages)
	if [ -z "$missing" ] && [ "${CI:-}" != true ] && [ "${NTA_FORCE_APT:-0}" != 1 ]; then
		log "all ${#NTA_PACKAGES[@]} packages are installed"
		return 0
	fi
	need_root "installing packages"
	[ -z "$missing" ] || log "missing: $(tr "\n" " " <<<"$missing")"
	log "apt-get update"
	apt-get update -q
	log "apt-get install ${NTA_PACKAGES[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		"${NTA_PACKAGES[@]}"
	missing=$(missing_packages)
	[ -z "$missing" ] || die "still missing after apt-get: $(tr "\n" " " <<<"$missing")"
}

# Mount points of hugetlbfs file systems, one a line.
hugetlbfs_mounts() {
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts
}

do_mount() {
	if [ -n "$(mount -t hugetlbfs)" ]; then
		log "hugetlbfs mounted at: $(hugetlbfs_mounts | tr '\n' ' ')"
		return 0
	fi
	need_root "mounting hugetlbfs"
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages || die "cannot mount hugetlbfs at /dev/hugepages"
	log "mounted hugetlbfs at /dev/hugepages"
}

# Remove hugepage files of earlier runs that no live process maps: DPDK's
# rtemap_* / <prefix>map_* files (a killed process leaves them behind, holding
# pages) and the allocator's nta-* files. Files still in use are kept, so
# this is safe while other programs run.
do_clean() {
	local mnt f in_use removed=0 kept=0
	in_use=$(cat /proc/[0-9]*/maps 2>/dev/null | awk '{ print $6 }' | sort -u || true)
	while IFS= read -r mnt; do
		[ -n "$mnt" ] || continue
		for f in "$mnt"/rtemap_* "$mnt"/*map_[0-9]* "$mnt"/nta-* "$mnt"/nta_*; do
			[ -f "$f" ] || continue
			if grep -qxF -- "$f" <<<"$in_use"; then
				kept=$((kept + 1))
				continue
			fi
			rm -f -- "$f" && removed=$((removed + 1))
		done
	done < <(hugetlbfs_mounts)
	log "stale hugepage files removed: $removed (in use, kept: $kept)"
}

do_hugepages() {
	local want min got
	want=${NTA_HUGEPAGES:-1024}
	min=${NTA_MIN_HUGEPAGES:-512}
	need_root "reserving hugepages"
	do_mount
	do_clean
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt "$want" ]; then
		echo "$want" > /proc/sys/vm/nr_hugepages || true
		got=$(cat /proc/sys/vm/nr_hugepages)
		if [ "$got" -lt "$want" ]; then
			# Fragmented memory: drop caches, compact, try again.
			sync
			echo 3 > /proc/sys/vm/drop_caches || true
			echo 1 > /proc/sys/vm/compact_memory 2>/dev/null || true
			echo "$want" > /proc/sys/vm/nr_hugepages || true
			got=$(cat /proc/sys/vm/nr_hugepages)
		fi
	fi
	if [ "$got" -lt "$min" ]; then
		die "only $got hugepages reserved, at least $min needed (asked for $want)"
	fi
	log "hugepages: $got reserved, $(awk '/HugePages_Free/ { print $2 }' /proc/meminfo) free," \
		"size $(awk '/Hugepagesize/ { print $2, $3 }' /proc/meminfo)"
}

case "${1:-all}" in
all) do_packages; do_hugepages ;;
packages) do_packages ;;
hugepages) do_hugepages ;;
clean) do_clean ;;
list) printf '%s\n' "${NTA_PACKAGES[@]}" ;;
-h|--help) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command '$1' (all, packages, hugepages, clean, list; --help)" ;;
esac
