#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The consumer socket: mode 0600 unless --socket-mode; a peer of another uid
# refused (SO_PEERCRED) unless --allow-uid or --allow-gid lets it in; a
# regular file at PATH kept (the forwarder does not start); a live socket not
# taken over by a second forwarder; a dead socket replaced.
# shellcheck source=test/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || skip "needs setpriv"
NULLS=(--vdev 'net_null0,size=64' --vdev 'net_null1,size=64')

# as UID GID CMD...: become CMD, run as that user and group, no supplementary
# groups (called in a subshell: the pid of a & job is then that of CMD).
as() {
	local u=$1 g=$2
	shift 2
	exec setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
}

# fwd_must_refuse LOG PATTERN: a forwarder on $SOCK exits non-zero at once,
# saying PATTERN.
fwd_must_refuse() {
	local log=$1 rc=0
	"$NTA_FWD" -l 0 --in-memory --no-pci --file-prefix "$PREFIX-2" \
		--log-level=lib.eal:error "${NULLS[@]}" -- --socket "$SOCK" >"$log" 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "forwarder started on $SOCK: $(cat "$log")"
	grep -q "$2" "$log" || fail "no '$2' from the forwarder: $(cat "$log")"
}

# cons_as NAME UID GID: an nta-consumer of that uid and gid; its exit status in
# CONS_RC (it runs until refused, or in the background when it attaches).
cons_as() {
	local name=$1
	as "$2" "$3" "$NTA_CONSUMER" --socket "$SOCK" --quiet >"$W/cons-$name.log" 2>&1 &
	CONS_PID=$!
	PIDS+=("$CONS_PID")
}

# expect_refused NAME UID GID: the consumer is told EACCES, and exits 1.
expect_refused() {
	local rc=0
	cons_as "$@"
	wait "$CONS_PID" || rc=$?
	if [ "$rc" != 1 ] || ! grep -q 'Permission denied' "$W/cons-$1.log"; then
		fail "consumer uid $2 gid $3: rc $rc, $(cat "$W/cons-$1.log")"
	fi
}

# expect_attached NAME UID GID: the consumer attaches; it is then killed.
expect_attached() {
	cons_as "$@"
	wait_for 10 "consumer uid $2 gid $3 attached" fwd_is attached 1
	kill -9 "$CONS_PID"
	wait_for 10 "consumer uid $2 gid $3 detached" fwd_is attached 0
}

# Other users reach the socket only through the directory.
chmod 711 "$W"

# A regular file given by mistake stays, and the forwarder says why it stops.
echo keep >"$SOCK"
fwd_must_refuse "$W/fwd-file.log" 'exists and is not a socket'
[ "$(cat "$SOCK")" = keep ] || fail "the regular file at $SOCK was changed"
rm -f "$SOCK"
ok "a regular file at the socket path is kept; the forwarder exits with an error"

# A dead socket (its server gone) is replaced.
$PY -c "
import socket
socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind('$SOCK')
"
[ -S "$SOCK" ] || fail "no dead socket made"
# Even under umask 000 the socket is 0600.
umask 000
start_fwd "${NULLS[@]}" --
umask 022
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] || fail "socket mode $mode, not 600"
ok "a dead socket is replaced; the new one is mode 600 (under umask 000)"
# At 0600 another user cannot even connect.
expect_refused nobody-600 65534 65534
stop_fwd

# At 0666 anyone connects: the peer's credentials decide.
start_fwd "${NULLS[@]}" -- --socket-mode 0666
mode=$(stat -c %a "$SOCK")
[ "$mode" = 666 ] || fail "socket mode $mode, not 666 (--socket-mode 0666)"
expect_refused nobody 65534 65534
grep -q 'refused a client (pid [0-9]* uid 65534 gid 65534)' "$FWD_LOG" ||
	fail "no log line for the refused peer"
expect_attached root 0 0
stop_fwd
[ "$(fwd_final consumers_denied)" = 1 ] || fail "consumers_denied=$(fwd_final consumers_denied)"
[ "$(fwd_final consumers)" = 1 ] || fail "consumers=$(fwd_final consumers)"
ok "another uid is refused (EACCES, logged, counted) without --allow-uid"

start_fwd "${NULLS[@]}" -- --socket-mode 0666 --allow-uid 65534 --allow-gid 65500
expect_attached nobody 65534 65534
expect_attached group 65533 65500
expect_refused other 65533 65533
ok "--allow-uid and --allow-gid let those peers in, and only those"

# A second forwarder on the live socket refuses to start; the first serves on.
fwd_must_refuse "$W/fwd-second.log" 'another process serves this socket'
[ -S "$SOCK" ] || fail "the live socket was removed"
expect_attached after 65534 65534
stop_fwd
[ "$(fwd_final consumers)" = 3 ] || fail "consumers=$(fwd_final consumers)"
ok "a second forwarder does not take over a live socket; the first keeps serving"
