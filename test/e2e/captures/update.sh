#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Regenerate the captures of this folder from dpkt's example data (real
# traffic, BSD-3-Clause, see README.md) and their SHA256SUMS.
#
#   test/e2e/captures/update.sh [DPKT_DATA_DIR]
#
# DPKT_DATA_DIR defaults to Debian's python3-dpkt copy,
# /usr/share/doc/python3-dpkt/examples/data; a dpkt source tree has the same
# files in examples/data. Only the tests' copies here are ever read.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-/usr/share/doc/python3-dpkt/examples/data}
caps=(http.pcap nb6-http.pcap dns_icmp.pcap truncated_dns.pcap truncated_dns_2.pcap)

if [ "$src" = -h ] || [ "$src" = --help ]; then
	sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
for c in "${caps[@]}"; do
	[ -r "$src/$c" ] || { echo "update: no $src/$c" >&2; exit 1; }
	cp -- "$src/$c" "$here/$c"
done
(cd "$here" && sha256sum -- "${caps[@]}" > SHA256SUMS)
echo "update: ${#caps[@]} captures copied from $src; SHA256SUMS rewritten"
