#!/bin/bash
# tally_bench.sh — a day's tally on a store of a million applications (a
# benchmark, not a test). Seeds N applications (default 1,000,000) over 365
# days with the release binary, then times, RUNS times each (median):
#   - `jingyou tally --format json`          (one day: reads the day counters)
#   - `jingyou tally --days 30 --format json` (30 days of counters)
#   - `jingyou tally --rebuild`              (the baseline: a full recount)
# and reports peak RSS (GNU time %M) of each, plus the ratio rebuild/tally.
# Usage: bench/tally_bench.sh [--no-build]   Env: N=1000000 RUNS=5 OUT=file.md
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${N:-1000000} RUNS=${RUNS:-5}
export JINGYOU_NOW=2026-11-28T10:00:00+08:00 LANG=C.UTF-8
unset JINGYOU_HUB_URL
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
if [ "${1:-}" != --no-build ]; then
  (cd "$ROOT" && cargo build --release --bin jingyou)
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/jingyou
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config JINGYOU_DATA=$W/data
mkdir -p "$HOME"

t0=$(date +%s.%N)
"$BIN" seed --count "$N" --days 365 >/dev/null
t1=$(date +%s.%N)
seed_s=$(echo "$t1 - $t0" | bc)
size=$(du -sh "$W/data/store" | cut -f1)

# median_ms_and_rss CMD... -> "median_ms max_rss_kb"
measure() {
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    local s e r
    s=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$W/rss" "$@" >/dev/null 2>&1
    e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
    r=$(cat "$W/rss"); [ "$r" -gt "$rss" ] && rss=$r
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$med $rss"
}

read -r day_ms day_rss < <(measure "$BIN" tally --format json)
read -r d30_ms d30_rss < <(measure "$BIN" tally --days 30 --format json)
RUNS=1 read -r rb_ms rb_rss < <(RUNS=1 measure "$BIN" tally --rebuild)

# The same while the clerk's screen holds the store (answered over its
# socket: no store open in the command). Needs tmux.
app_ms=n/a app_rss=0
if command -v tmux >/dev/null; then
  T="tmux -L tallybench$$ -f /dev/null"
  $T new-session -d -s b -x 80 -y 24 "env JINGYOU_DATA=$JINGYOU_DATA HOME=$HOME LANG=C.UTF-8 $BIN"
  for _ in $(seq 100); do [ -S "$W/data/store.sock" ] && break; sleep 0.2; done
  read -r app_ms app_rss < <(measure "$BIN" tally --format json)
  $T kill-server || true
fi

report=$(cat <<TXT
## tally on a store of $N applications ($(date -u +%F), \`bench/tally_bench.sh\`)

Seeding took ${seed_s} s; store on disk: $size.

| command | median wall time | peak RSS |
|---|---|---|
| \`tally --format json\` (one day) | ${day_ms} ms | $((day_rss / 1024)) MiB |
| \`tally --days 30 --format json\` | ${d30_ms} ms | $((d30_rss / 1024)) MiB |
| \`tally --rebuild\` (full recount, baseline) | ${rb_ms} ms | $((rb_rss / 1024)) MiB |
| \`tally --format json\` while the app runs (asked over its socket) | ${app_ms} ms | $((app_rss / 1024)) MiB (the command itself) |

A day's tally is $(( rb_ms / (day_ms > 0 ? day_ms : 1) ))x faster than recounting: it reads one counter
record per day. What remains of its time and memory on its own is sled
opening a store of this size (the command opens the store when no app holds it).
TXT
)
echo "$report"
[ -n "${OUT:-}" ] && echo "$report" >> "$OUT"
