#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Each session transmits from memory of its own: session 1 fills its
# transmit region with a marker and detaches, while another process keeps an
# fd of that region; session 2's transmit region holds no marker byte, the
# holder cannot map session 1's file writable any more (sealed once consumer
# 1 mapped it), and nothing it does reaches session 2's region.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

MARK1=0x4e54415458312121   # "!!1XTATN"
MARK2=0x4e54415458322121
TX=memfd:nta-tx

# tx_hits PID VALUE: 8-byte words equal to VALUE in PID's transmit region
# (nothing printed when PID maps no such region).
tx_hits() {
	local out
	out=$($PY "$HERE/memscan.py" "$1" "$TX" "$2" 0 0)
	case $out in
	mappings=0\ *) return 0 ;;
	esac
	out=${out#*hits=}
	echo "${out%% *}"
}

start_fwd --vdev 'net_null0,size=64' --vdev 'net_null1,size=64' --
start_cons one --quiet
wait_for 10 "consumer 1 attached" fwd_is attached 1
cons1=$CONS_PID
# Session 1 writes its whole transmit region (as the consumer: its mapping).
$PY - "$cons1" "$TX" "$MARK1" <<'PY'
import struct, sys
pid, name, value = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
with open(f'/proc/{pid}/maps') as f:
    maps = [l.split(None, 5) for l in f]
maps = [m for m in maps if len(m) == 6 and name in m[5] and m[1].startswith('rw')]
assert len(maps) == 1, maps
a, b = (int(x, 16) for x in maps[0][0].split('-'))
with open(f'/proc/{pid}/mem', 'r+b', buffering=0) as mem:
    mem.seek(a)
    mem.write(struct.pack('<Q', value) * ((b - a) // 8))
PY
h1=$(tx_hits "$cons1" "$MARK1")
[ "${h1:-0}" -gt 0 ] || fail "marker not found in session 1's own region (hits ${h1:-none})"
# A process that keeps an fd of session 1's transmit file after it detached.
range=$(awk -v n="$TX" 'index($0, n) && $2 ~ /^rw/ { print $1 }' "/proc/$cons1/maps")
$PY - "/proc/$cons1/map_files/$range" "$MARK2" "$W/go" "$W/held" <<'PY' &
import mmap, os, struct, sys, time
path, value, go, held = sys.argv[1], int(sys.argv[2], 0), sys.argv[3], sys.argv[4]
fd = os.open(path, os.O_RDWR)
size = os.fstat(fd).st_size
open(held, 'w').close()
while not os.path.exists(go):
    time.sleep(0.05)
# Sealed since consumer 1 mapped it (F_SEAL_FUTURE_WRITE): no new writable
# mapping. Either way, nothing may reach session 2's region.
try:
    m = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    m[:] = struct.pack('<Q', value) * (size // 8)
    m.close()
    how = 'written'
except PermissionError:
    how = 'refused'
with open(go + '.done', 'w') as f:
    f.write(how)
PY
PIDS+=($!)
wait_for 10 "holder has the fd" test -e "$W/held"
stop_pid "$cons1"
wait_for 10 "consumer 1 detached" fwd_is attached 0

start_cons two --quiet
wait_for 10 "consumer 2 attached" fwd_is attached 1
h1=$(tx_hits "$CONS_PID" "$MARK1")
[ -n "$h1" ] || fail "consumer 2 maps no transmit region"
[ "$h1" = 0 ] || fail "session 2's transmit region holds $h1 words of session 1's marker"
touch "$W/go"
wait_for 10 "holder wrote through its fd" test -e "$W/go.done"
h2=$(tx_hits "$CONS_PID" "$MARK2")
[ "$h2" = 0 ] || fail "a write through session 1's file reached session 2's region ($h2 words)"
[ "$(cat "$W/go.done")" = refused ] || fail "session 1's sealed file could be mapped writable again"
ok "session 2's transmit region: no word of session 1's marker; session 1's file sealed (no new writable mapping)"
stop_pid "$CONS_PID"
stop_fwd
