# Shared by the benchmark scripts: build vesontio and the load tool in
# release mode, start vesontio on a fresh data directory for the domain
# ac-test.fr with the benchmark users, and start the reference Postfix +
# Dovecot (reference.sh) beside it. Figures only: nothing here is a test.
# Env: OFFSET=20000 (vesontio's ports: standard + OFFSET), REF_OFFSET=10000,
#      REFERENCE=off (vesontio alone), KEEP_REFERENCE=1 (leave it running),
#      SKIP_BUILD=1, CARGO_TARGET_DIR, BENCH_PASSWORD.
set -euo pipefail
BENCHES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCHES/.." && pwd)
OFFSET=${OFFSET:-20000}
export REF_OFFSET=${REF_OFFSET:-10000}
export BENCH_PASSWORD=${BENCH_PASSWORD:-Bench-Passw0rd-2026!}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BIN:-$TARGET/release/vesontio}
LOAD=$TARGET/release/vesontio-bench
VPID="" WORK="" REF_STARTED=""

# SKIP_BUILD=1 (or NO_BUILD=1 with BIN=...) measures binaries built elsewhere.
build() {
  [ -n "${SKIP_BUILD:-}${NO_BUILD:-}" ] && return
  (cd "$ROOT" && cargo build --release --locked -p vesontio -p vesontio-bench >&2)
}

# What the figures were measured on, printed before them.
machine() {
  local cpu; cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  echo "# $(date -Is), $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# vesontio $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
}

cleanup() {
  if [ -n "$VPID" ]; then kill -INT "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null || true; fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  if [ -n "$REF_STARTED" ] && [ -z "${KEEP_REFERENCE:-}" ]; then "$BENCHES/reference.sh" stop || true; fi
}
trap cleanup EXIT

# start_vesontio NUSERS: `vesontio demo` in a fresh directory, then users
# u0001..uNNNN@ac-test.fr (existing-style addresses, imported as such, with
# a final password: the benchmark measures mail, not the first-login rule).
start_vesontio() {
  local n=$1
  WORK=$(mktemp -d /tmp/vesontio-bench.XXXXXX)
  "$BIN" demo --dir "$WORK" --port-offset "$OFFSET" --domain ac-test.fr > "$WORK/demo.out" 2> "$WORK/demo.log" &
  VPID=$!
  for _ in $(seq 300); do grep -q 'stop with Ctrl-C' "$WORK/demo.out" 2>/dev/null && break; sleep 0.2; done
  grep -q 'stop with Ctrl-C' "$WORK/demo.out" || { echo "vesontio did not start:" >&2; cat "$WORK/demo.log" >&2; exit 1; }
  for i in $(seq 1 "$n"); do printf 'u%04d@ac-test.fr;;%s\n' "$i" "$BENCH_PASSWORD"; done > "$WORK/users.csv"
  "$BIN" --config "$WORK/vesontio.toml" account import "$WORK/users.csv" --legacy-address \
    --no-change-at-first-login | tail -1 >&2
  CERT=$WORK/cert.pem
}

# Messages in vesontio's mailboxes, read from its store (read-only). The
# sqlite3 shell starts in milliseconds, Python in a few hundred on a busy
# machine, and the start-up counts in the "delivered" time.
vesontio_count() {
  local q='select count(*) from messages'
  if command -v sqlite3 >/dev/null; then
    echo "sqlite3 -readonly '$WORK/data/vesontio.db' '$q'"
  else
    echo "python3 -c \"import sqlite3; print(sqlite3.connect('file:$WORK/data/vesontio.db?mode=ro', uri=True).execute('$q').fetchone()[0])\""
  fi
}

# vesontio_settle: waits until the background search indexer has indexed
# every delivered text (store/src/indexer.rs) and prints how long that
# took, so a benchmark after a fill measures its own protocol, not the
# indexer catching up (whose cost is this line's figure).
vesontio_settle() {
  local db=$WORK/data/vesontio.db start=$SECONDS n
  command -v sqlite3 >/dev/null || { echo "(sqlite3 missing: not waiting for the search index)"; return; }
  n=$(sqlite3 -readonly "$db" 'select count(*) from search_pending')
  while [ "$(sqlite3 -readonly "$db" 'select count(*) from search_pending')" != 0 ]; do sleep 0.5; done
  echo "search index: $n pending texts indexed in $((SECONDS - start)) s after the run"
}

# start_reference NUSERS: the reference with that many users; false when
# it cannot run here (REFERENCE=off, or not root), which the scripts say.
start_reference() {
  if [ "${REFERENCE:-on}" = off ]; then echo "(reference skipped: REFERENCE=off)"; return 1; fi
  if [ "$(id -u)" != 0 ]; then echo "(reference skipped: benches/reference.sh needs root)"; return 1; fi
  ss -Hltn | awk '{print $4}' | grep -qx "127.0.0.1:$((25 + REF_OFFSET))" || REF_STARTED=1
  NUSERS=$1 "$BENCHES/reference.sh" start
  REF_CERT=$("$BENCHES/reference.sh" cert)
}
