#!/usr/bin/env bash
# POP3 retrieval over TLS: USERS mailboxes of MESSAGES messages of SIZE
# bytes, filled over SMTP, then CLIENTS concurrent POP3S clients retrieve
# everything (twice, on the same data); vesontio, then the reference Dovecot
# (whose mailboxes are emptied first, so both hold the same mail).
# POP3 in clear is not measured: vesontio refuses passwords without TLS.
# Env: USERS=100 MESSAGES=100 SIZE=51200 CLIENTS=100 (and those of common.sh).
source "$(dirname "$0")/common.sh"
USERS=${USERS:-100} MESSAGES=${MESSAGES:-100} SIZE=${SIZE:-51200} CLIENTS=${CLIENTS:-100}
FILL=(--users "$USERS" --messages $((USERS * MESSAGES)) --size "$SIZE" --sessions 8)
build
machine
start_vesontio "$USERS"
echo "== vesontio: fill over SMTP (port $((25 + OFFSET))), then POP3S on port $((995 + OFFSET)), twice"
"$LOAD" smtp --port $((25 + OFFSET)) "${FILL[@]}" --count-cmd "$(vesontio_count)" | sed 's/^/fill: /'
vesontio_settle
for _ in 1 2; do
  "$LOAD" pop3 --port $((995 + OFFSET)) --tls --cafile "$CERT" --users "$USERS" --clients "$CLIENTS" || true
done
if [ "${REFERENCE:-on}" != off ] && [ "$(id -u)" = 0 ]; then "$BENCHES/reference.sh" reset; fi
if start_reference "$USERS"; then
  echo "== reference Dovecot: fill through Postfix (port $((25 + REF_OFFSET))), then POP3S on port $((995 + REF_OFFSET)), twice"
  "$LOAD" smtp --port $((25 + REF_OFFSET)) "${FILL[@]}" --count-cmd "$BENCHES/reference.sh count" | sed 's/^/fill: /'
  for _ in 1 2; do
    "$LOAD" pop3 --port $((995 + REF_OFFSET)) --tls --cafile "$REF_CERT" --users "$USERS" --clients "$CLIENTS" || true
  done
fi
