#!/usr/bin/env bash
# IMAP, vesontio beside the reference Dovecot:
#  (a) memory of idle connections: IDLE_CONNS authenticated IMAPS
#      connections in IDLE, spread over NUSERS users, after every user
#      logged in once; vesontio is one process, Dovecot one per connection
#      (so it gets REF_IDLE_CONNS, far fewer, and its processes are summed);
#  (b) SEARCH latency and the steps of opening a mailbox page, in one
#      mailbox APPEND-filled with SEARCH_COUNT generated messages;
#  (c) with IMAPTEST=/path/to/imaptest (an optional external tool, see
#      benches/README.md): imaptest stress, with and without logout.
# Env: IDLE_CONNS=10000 REF_IDLE_CONNS=1000 NUSERS=1000 SEARCH_COUNT=5000
#      SECS=30 USERS=100 CLIENTS=50 IMAPTEST= SKIP="idle search imaptest"
#      (steps to leave out), and those of common.sh.
source "$(dirname "$0")/common.sh"
IDLE_CONNS=${IDLE_CONNS:-10000} REF_IDLE_CONNS=${REF_IDLE_CONNS:-1000} NUSERS=${NUSERS:-1000}
SEARCH_COUNT=${SEARCH_COUNT:-5000} SECS=${SECS:-30} USERS=${USERS:-100} CLIENTS=${CLIENTS:-50}
skip() { [[ " ${SKIP:-} " == *" $1 "* ]]; }
# One socket per connection on both sides of loopback.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((2 * IDLE_CONNS + 100)) ] || echo "warning: ulimit -n $(ulimit -n) is low for $IDLE_CONNS connections" >&2

build
machine
start_vesontio "$NUSERS"
REF=""
if start_reference "$NUSERS"; then REF=1; fi
V=(--port $((993 + OFFSET)) --tls --cafile "$CERT")
R=(--port $((993 + REF_OFFSET)) --tls --cafile "${REF_CERT:-}")

if ! skip idle; then
  echo "== vesontio: $IDLE_CONNS connections in IDLE (IMAPS port $((993 + OFFSET)))"
  "$LOAD" idle "${V[@]}" --users "$NUSERS" --connections "$IDLE_CONNS" --pid "$VPID" --parallel 50 || true
  if [ -n "$REF" ]; then
    echo "== reference Dovecot: $REF_IDLE_CONNS connections in IDLE"
    "$LOAD" idle "${R[@]}" --users "$NUSERS" --connections "$REF_IDLE_CONNS" \
      --proc dovecot --proc /usr/sbin/dovecot --parallel 50 || true
  fi
fi

if ! skip search; then
  # The last user's INBOX, so that SMTP benchmarks' mail does not mix in.
  last=$(printf '%d' "$NUSERS")
  for side in vesontio reference; do
    if [ $side = vesontio ]; then A=("${V[@]}"); else [ -n "$REF" ] || continue; A=("${R[@]}"); fi
    echo "== $side: $SEARCH_COUNT messages APPENDed to u$(printf '%04d' "$last")'s INBOX, then SEARCH and a page"
    "$LOAD" generate append "${A[@]}" --first "$last" --users 1 --count "$SEARCH_COUNT" || true
    [ $side = vesontio ] && vesontio_settle
    "$LOAD" imap-search "${A[@]}" --first "$last" --users 1 || true
    "$LOAD" imap-page "${A[@]}" --first "$last" --users 1 || true
  done
fi

# imaptest's own summary: after "Totals:", the line of counts per command.
imaptest_run() {  # LABEL PORT [logout=0]
  local label=$1 port=$2; shift 2
  timeout $((SECS + 120)) "$IMAPTEST" host=127.0.0.1 port="$port" ssl=any-cert user='u%04d@ac-test.fr' \
    pass="$BENCH_PASSWORD" users="$USERS" clients="$CLIENTS" secs="$SECS" mbox="$MBOX" "$@" \
    > "$WORK/imaptest.log" 2>&1 || true
  awk -v label="$label" -v secs="$SECS" '
    /^Totals:/ { totals = 1; next }
    totals && /^ *[0-9]+( +[0-9]+)+ *$/ {
      n = split($0, v); s = 0; for (i = 1; i <= n; i++) s += v[i]
      printf "imaptest %s: %d commands in %d s = %.1f ops/s\n", label, s, secs, s / secs; found = 1; exit }
    END { if (!found) print "imaptest " label ": no totals (see the log)" }' "$WORK/imaptest.log"
  echo "imaptest $label error lines: $(grep -cE '^(Error|Panic|Fatal)|Error:' "$WORK/imaptest.log" || true)"
}

if ! skip imaptest; then
  if [ -n "${IMAPTEST:-}" ]; then
    MBOX=$WORK/sample.mbox
    "$LOAD" generate mbox --count 500 --output "$MBOX"
    for mode in stress stress-nologout; do
      extra=(); [ $mode = stress-nologout ] && extra=(logout=0)
      imaptest_run "vesontio $mode" $((993 + OFFSET)) "${extra[@]}"
      [ -n "$REF" ] && imaptest_run "reference $mode" $((993 + REF_OFFSET)) "${extra[@]}"
      echo "vesontio RSS after imaptest $mode: $(awk '/VmRSS/ {print $2, $3}' /proc/"$VPID"/status)"
    done
  else
    echo "(imaptest skipped: set IMAPTEST=/path/to/imaptest, see benches/README.md)"
  fi
fi
