#!/bin/bash
# Instructions per request of a server binary under a fixed redis-benchmark load, counted by
# valgrind's callgrind: steadier than timings on a shared machine (other processes change the
# wall clock and the caches, not the instruction count).
#
#   bench/instructions.sh target/release/rds-server set 16 100000
#   bench/instructions.sh /usr/bin/redis-server set 16 100000
#
# The server starts under callgrind on a free port, 300,000 SETs fill 100,000 keys and 20,000 runs
# of the test warm up; counters are zeroed, the measured run happens, counters are dumped, and the
# total is divided by the request count. The dump (callgrind.<test>.<pid>.1) stays in the output
# directory for callgrind_annotate. Note: this counts instructions, not cache misses; pipelined
# lookups are dominated by misses (see docs/benchmarks.md), which only timings and perf show.
set -euo pipefail
BIN=${1:?binary}; TEST=${2:?test}; PIPELINE=${3:-16}; REQUESTS=${4:-100000}
OUT=${OUT:-$(mktemp -d /tmp/rds-callgrind-XXXXXX)}
PORT=$((20000 + RANDOM % 12000))
DIR=$(mktemp -d)
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$TEST.%p" "$BIN" --port "$PORT" \
    --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" >/dev/null 2>"$OUT/valgrind.log" &
VG=$!
trap 'kill $VG 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 150); do
    redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.2
done
bench() { redis-benchmark -p "$PORT" -c 50 -r 100000 -q "$@" >/dev/null 2>&1; }
bench -t set -n 300000 -P 16
bench -t "$TEST" -n 20000 -P "$PIPELINE"
callgrind_control -z "$VG" >/dev/null
bench -t "$TEST" -n "$REQUESTS" -P "$PIPELINE"
callgrind_control -d "$VG" >/dev/null
kill "$VG"
wait "$VG" || true
DUMP="$OUT/callgrind.$TEST.$VG.1"
TOTAL=$(grep '^summary:' "$DUMP" | awk '{print $2}')
echo "$(basename "$BIN") $TEST -P $PIPELINE: $((TOTAL / REQUESTS)) instructions/request ($DUMP)"
