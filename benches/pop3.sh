#!/usr/bin/env bash
# POP3 retrieval throughput (issue: POP3 server): 100 clients each
# downloading 100 messages of 50 KB, over TLS and in clear, with the shared
# pop3-throughput.py; the same against the reference Dovecot if it runs
# (../shared/bench/peer-setup.sh). Prints the figures side by side.
source "$(dirname "$0")/common.sh"
USERS=${USERS:-100} MESSAGES=${MESSAGES:-100} SIZE=${SIZE:-51200} CLIENTS=${CLIENTS:-100}
build
start_vesontio "$USERS"
P="python3 $SHARED/bench/pop3-throughput.py --users $USERS --messages $MESSAGES --size $SIZE --clients $CLIENTS"
echo "== vesontio: fill over SMTP (port $((25 + OFFSET))), then POP3S (TLS) retrieval, port $((995 + OFFSET))"
$P --password "$BENCH_PASSWORD" --smtp-port $((25 + OFFSET)) --pop3s-port $((995 + OFFSET)) --tls --fill smtp
echo "== vesontio: POP3S again on the same data"
$P --password "$BENCH_PASSWORD" --pop3s-port $((995 + OFFSET)) --tls --fill none
# POP3 in clear is not measured: vesontio refuses plaintext logins by design.
if ss -ltn 2>/dev/null | grep -q ':10995 '; then
  echo "== reference Dovecot: POP3S, port 10995 (RESET_MAIL=1 peer-setup.sh first for a clean fill)"
  if [ -z "${PEER_FILLED:-}" ]; then $P --smtp-port 10025 --pop3s-port 10995 --tls --fill smtp; fi
  $P --pop3s-port 10995 --tls --fill none
fi
