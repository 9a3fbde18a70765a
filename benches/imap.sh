#!/usr/bin/env bash
# IMAP benchmarks (issue: IMAP server), vesontio beside the reference
# Dovecot when it runs (../shared/bench/peer-setup.sh):
#  (a) memory of idle connections: IDLE_CONNS (10,000) authenticated IMAPS
#      connections in IDLE with the shared idle-conns.py, spread over the
#      1,000 users (10 sessions each, under imap_max_sessions_per_account);
#      prints KB per connection (RSS and PSS of the vesontio process);
#  (b) imaptest stress (login..logout cycles) and stress without logout,
#      with the shared imaptest-run.sh, when env IMAPTEST names the binary
#      (built by hand from dovecot/imaptest, release-2.3; never committed).
# Env: IDLE_CONNS=10000 PEER_IDLE_CONNS=1000 NUSERS=1000 SECS=30 USERS=100
#      CLIENTS=50 IMAPTEST=<path> MBOX=<mbox for imaptest> SKIP_BUILD=1
# Dovecot keeps what earlier runs appended: RESET_MAIL=1 peer-setup.sh
# first, or imaptest reports "BODYSTRUCTURE changed" errors on that side.
# Figures only: nothing here is a test.
source "$(dirname "$0")/common.sh"
IDLE_CONNS=${IDLE_CONNS:-10000} PEER_IDLE_CONNS=${PEER_IDLE_CONNS:-1000}
NUSERS=${NUSERS:-1000}
PER_USER=$(( (IDLE_CONNS + NUSERS - 1) / NUSERS ))
IDLE="$SHARED/bench/idle-conns.py"

# One socket per connection on the server side, and 1,000 per client process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((IDLE_CONNS + 100)) ] || echo "warning: ulimit -n $(ulimit -n) is below $IDLE_CONNS connections" >&2

[ -n "${SKIP_BUILD:-}" ] || build
start_vesontio "$NUSERS"
IMAPS=$((993 + OFFSET))

# mem PID: "RSS PSS" in KiB of one process.
mem() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{print r, p}' "/proc/$1/smaps_rollup"; }

echo "== vesontio: $IDLE_CONNS idle connections (IMAPS port $IMAPS, LOGIN + SELECT INBOX + IDLE), $PER_USER per user"
read -r rss00 pss00 < <(mem "$VPID")
echo "started: RSS $rss00 KiB, PSS $pss00 KiB"
# Warm-up: every user logs in once, two at a time. The first login of a
# user checks its argon2id hash (19 MiB of work memory each); the allocator
# keeps that memory for reuse (one 19 MiB block per login running at once:
# 50 parallel first logins leave ~1 GB), and the login cache spares the
# later logins. Measured apart, so the figure below is the cost of a held
# connection.
python3 "$IDLE" 127.0.0.1 "$IMAPS" 'u%04d@ac-test.fr' "$NUSERS" --pass "$BENCH_PASSWORD" --ssl \
  --hold 1 --settle 0 --parallel 2 | grep -E '^(idle|errors)' | sed 's/^/warm-up /'
sleep 2
read -r rss0 pss0 < <(mem "$VPID")
echo "after $NUSERS first logins (argon2id, then closed): RSS $rss0 KiB (+$((rss0 - rss00))), PSS $pss0 KiB"
pids=() left=$IDLE_CONNS
for _ in $(seq "$PER_USER"); do
  n=$(( left < NUSERS ? left : NUSERS )); [ "$n" -gt 0 ] || break
  left=$((left - n))
  python3 "$IDLE" 127.0.0.1 "$IMAPS" 'u%04d@ac-test.fr' "$n" --pass "$BENCH_PASSWORD" --ssl \
    --hold 1800 --settle 1 > "$WORK/idle.$n.$left.log" 2>&1 &
  pids+=($!)
done
# Wait until every client process reports its connections in IDLE.
for _ in $(seq 600); do
  ready=$(cat "$WORK"/idle.*.log 2>/dev/null | grep -c '^idle:' || true)
  [ "$ready" -ge "${#pids[@]}" ] && break
  sleep 1
done
live=$(cat "$WORK"/idle.*.log | sed -n 's/^idle: \([0-9]*\)\/.*/\1/p' | awk '{s+=$1} END{print s+0}')
grep -h '^errors:' "$WORK"/idle.*.log | head -3 || true
sleep 3
read -r rss1 pss1 < <(mem "$VPID")
echo "after:  RSS $rss1 KiB, PSS $pss1 KiB, $live/$IDLE_CONNS connections in IDLE, $(ls /proc/$VPID/task | wc -l) threads"
awk -v n="$live" -v r0="$rss0" -v r1="$rss1" -v p0="$pss0" -v p1="$pss1" \
  'BEGIN{ if (n>0) printf "vesontio per idle connection: RSS %.1f KiB, PSS %.1f KiB (one process)\n", (r1-r0)/n, (p1-p0)/n }'
kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true

if ss -ltn 2>/dev/null | grep -q ':10993 '; then
  echo "== reference Dovecot: $PEER_IDLE_CONNS idle connections (IMAPS port 10993; its process and per-user limits stop well before 10,000)"
  python3 "$IDLE" 127.0.0.1 10993 'u%04d' "$PEER_IDLE_CONNS" --pass pass --ssl --hold 5 --settle 3 \
    --proc '^dovecot|^/usr/sbin/dovecot' | grep -E '^(idle|errors|before|after|per connection)'
fi

if [ -n "${IMAPTEST:-}" ]; then
  MBOX=${MBOX:-$WORK/sample.mbox}
  [ -s "$MBOX" ] || python3 "$SHARED/bench/gen-mbox.py" -o "$MBOX" >/dev/null
  export IMAPTEST MBOX
  for mode in stress stress-nologout; do
    echo "== vesontio: imaptest $mode (IMAPS port $IMAPS)"
    EXTRA="ssl=any-cert ${EXTRA:-}" bash "$SHARED/bench/imaptest-run.sh" "$mode" 127.0.0.1 "$IMAPS" 'u%04d@ac-test.fr' "$BENCH_PASSWORD" || true
    if ss -ltn 2>/dev/null | grep -q ':10993 '; then
      echo "== reference Dovecot: imaptest $mode (IMAPS port 10993)"
      EXTRA="ssl=any-cert ${EXTRA:-}" bash "$SHARED/bench/imaptest-run.sh" "$mode" 127.0.0.1 10993 'u%04d' pass || true
    fi
  done
else
  echo "(imaptest stress skipped: set IMAPTEST=/path/to/imaptest)"
fi
