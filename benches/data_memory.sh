#!/usr/bin/env bash
# Memory under abuse (issue 11): the server's RSS while 5 clients each push
# 50 MB into DATA on the MX port, without SIZE, past the 10 MB limit; once
# as proper 998-octet lines, once without any line break. Prints the idle
# RSS, the peak during each run and the difference (target: within 20 MB).
source "$(dirname "$0")/common.sh"
CLIENTS=${CLIENTS:-5} MB=${MB:-50}
build
start_vesontio 1
python3 "$ROOT/benches/data_memory.py" "$VPID" $((25 + OFFSET)) "$CLIENTS" "$MB"
