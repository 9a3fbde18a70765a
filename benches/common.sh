# Shared by the benchmark scripts: build vesontio in release mode, start it on
# a fresh data directory for domain ac-test.fr, create the benchmark users.
# Figures only: nothing here is a test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
OFFSET=${OFFSET:-20000}
BENCH_PASSWORD=${BENCH_PASSWORD:-Bench-Passw0rd-2026!}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BIN:-$TARGET/release/vesontio}

# NO_BUILD=1 with BIN=... measures a binary built elsewhere.
build() { [ -n "${NO_BUILD:-}" ] || (cd "$ROOT" && cargo build --release --locked -p vesontio >&2); }

# start_vesontio NUSERS: fresh dir, demo config for ac-test.fr, users u0001..uNNNN.
start_vesontio() {
  local n=$1
  WORK=$(mktemp -d /tmp/vesontio-bench.XXXXXX)
  "$BIN" demo --dir "$WORK" --port-offset "$OFFSET" --domain ac-test.fr > "$WORK/demo.out" 2> "$WORK/demo.log" &
  VPID=$!
  trap 'kill -INT $VPID 2>/dev/null; wait $VPID 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do [ -s "$WORK/demo.out" ] && break; sleep 0.2; done
  # The shared scripts use u%04d@ac-test.fr, existing mailboxes that do not
  # follow first.last: imported as such.
  for i in $(seq 1 "$n"); do printf 'u%04d@ac-test.fr;;%s\n' "$i" "$BENCH_PASSWORD"; done > "$WORK/users.csv"
  "$BIN" --config "$WORK/vesontio.toml" account import "$WORK/users.csv" --legacy-address --no-change-at-first-login | tail -1 >&2
}

# Messages durably in mailboxes (for smtp-throughput.sh's DELIVERED_CMD).
delivered_cmd() {
  echo "python3 -c \"import sqlite3;print(sqlite3.connect('file:$WORK/data/vesontio.db?mode=ro',uri=True).execute('select count(*) from messages').fetchone()[0])\""
}
