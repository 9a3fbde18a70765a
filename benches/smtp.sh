#!/usr/bin/env bash
# SMTP end to end: N messages of SIZE bytes over SESSIONS concurrent
# sessions to NUSERS mailboxes (round robin) on the MX port, timed until the
# last one was acknowledged (accepted) and until the last one is in its
# mailbox (delivered); vesontio first, then the reference Postfix -> Dovecot
# (LMTP) in the same sitting.
# Env: N=10000 SIZE=10240 SESSIONS=20 NUSERS=1000 (and those of common.sh).
source "$(dirname "$0")/common.sh"
N=${N:-10000} SIZE=${SIZE:-10240} SESSIONS=${SESSIONS:-20} NUSERS=${NUSERS:-1000}
ARGS=(--users "$NUSERS" --messages "$N" --size "$SIZE" --sessions "$SESSIONS")
build
machine
start_vesontio "$NUSERS"
echo "== vesontio: MX port $((25 + OFFSET)), delivered = rows in its store"
"$LOAD" smtp --port $((25 + OFFSET)) "${ARGS[@]}" --count-cmd "$(vesontio_count)" || echo "(vesontio run failed)"
vesontio_settle
if start_reference "$NUSERS"; then
  echo "== reference Postfix -> Dovecot (LMTP): port $((25 + REF_OFFSET)), delivered = files in its Maildirs"
  "$LOAD" smtp --port $((25 + REF_OFFSET)) "${ARGS[@]}" --count-cmd "$BENCHES/reference.sh count" || echo "(reference run failed)"
fi
