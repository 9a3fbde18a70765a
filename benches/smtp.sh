#!/usr/bin/env bash
# SMTP end-to-end throughput (issue: SMTP): 10,000 messages of 10 KB over 20
# sessions to 1,000 local mailboxes, with the shared smtp-throughput.sh
# (Postfix's smtp-source), timed until the last message is durably in its
# mailbox; then the same against the reference Postfix + Dovecot if it runs.
source "$(dirname "$0")/common.sh"
N=${N:-10000} SIZE=${SIZE:-10240} CONC=${CONC:-20} NUSERS=${NUSERS:-1000}
build
start_vesontio "$NUSERS"
echo "== vesontio: MX port $((25 + OFFSET))"
DELIVERED_CMD=$(delivered_cmd) NUSERS=$NUSERS bash "$SHARED/bench/smtp-throughput.sh" 127.0.0.1 $((25 + OFFSET)) "$N" "$SIZE" "$CONC"
if ss -ltn 2>/dev/null | grep -q ':10025 '; then
  echo "== reference Postfix -> Dovecot (LMTP): port 10025"
  NUSERS=$NUSERS bash "$SHARED/bench/smtp-throughput.sh" 127.0.0.1 10025 "$N" "$SIZE" "$CONC"
fi
