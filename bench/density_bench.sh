#!/bin/bash
# density_bench.sh — the open cost of the clerk's store at a branch's
# density (not a test: it reports numbers). A branch finishes about 50
# applications a day, so N applications of history are seeded over N/50
# days and acknowledged (`seed --acknowledged`: old applications and audit
# lines leave the working store as real ones would). For each history size:
# the working store's size, the first frame of the clerk screen (80x24 pty)
# and its RSS, `tally --format json` and `queue --format json` (time, RSS).
# A store of one application (N = 0) is measured in the same run: the ratios against
# it say whether the open cost still grows with history.
# Writes bench/DENSITY_RESULTS.md (or $OUT) with machine facts and date.
#
# Usage: bench/density_bench.sh            (release build of this tree)
# Env:   SIZES="0 100000 1000000" RUNS=5 PER_DAY=50 OUT=...
#        BIN=path/to/jingyou (skip the build and measure that binary)
#        SEEDED=DIR (keep the seeded stores in DIR/data-N and reuse them
#        on the next run: seeding 1,000,000 takes about 20 minutes; a
#        store seeded by another version is reused as it is)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SIZES=${SIZES:-"0 100000 1000000"}
RUNS=${RUNS:-5}
PER_DAY=${PER_DAY:-50}
OUT=${OUT:-$ROOT/bench/DENSITY_RESULTS.md}
export JINGYOU_NOW=2026-11-28T10:00:00+08:00 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JINGYOU_DATA XDG_DATA_HOME NO_COLOR JINGYOU_HUB_URL JINGYOU_HUB_TOKEN
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

W=$(mktemp -d /var/tmp/jingyou-density.XXXXXX)
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$W"; else echo "kept $W (exit $rc)" >&2; fi' EXIT
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --bin jingyou)
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/jingyou
fi
# timed FILE CMD... — appends "milliseconds maxrss_kb" for one run
timed() {
  local f=$1 s e; shift
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$W/one.rss" "$@" >/dev/null
  e=$(date +%s%N)
  echo "$(( (e - s) / 1000 )) $(tail -n 1 "$W/one.rss")" | awk '{printf "%.1f %s\n", $1/1000, $2}' >>"$f"
}
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$XDG_CONFIG_HOME"

for n in $SIZES; do
  d=${SEEDED:-$W}/data-$n
  if [ -n "${SEEDED:-}" ] && [ -f "$d.seeded" ]; then
    echo "== $n: reusing $d" >&2
  else
  rm -rf "$d"
  mkdir -p "$d"
  if [ "$n" -gt 0 ]; then
    days=$(( n / PER_DAY ))
    echo "== seed $n over $days days" >&2
    JINGYOU_DATA=$d /usr/bin/time -f '%e' -o "$W/$n.seed" "$BIN" seed --count "$n" --days "$days" --acknowledged >/dev/null
  else
    JINGYOU_DATA=$d "$BIN" seed --count 1 --days 1 --acknowledged >/dev/null
  fi
  touch "$d.seeded"
  fi
  du -sk "$d/store" | cut -f1 >"$W/$n.du"
  echo "== $n: first frame, tally, queue ($RUNS runs each)" >&2
  for _ in $(seq "$RUNS"); do
    j=$(python3 "$HERE/ptyharness.py" --quiet-ms 150 --pid-name jingyou \
      --env "JINGYOU_DATA=$d" -- /usr/bin/time -f '%M' -o "$W/rss" "$BIN")
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); r=open(sys.argv[2]).read().split(); d["maxrss_kb"]=int(r[-1]) if r and r[-1].isdigit() else 0; print(json.dumps(d))' "$j" "$W/rss"
  done >"$W/$n.frame"
  for _ in $(seq "$RUNS"); do
    JINGYOU_DATA=$d timed "$W/$n.tally" "$BIN" tally --format json
    JINGYOU_DATA=$d timed "$W/$n.queue" "$BIN" queue --format json
    # find by part of a number (the first of every day: reads the index,
    # stops at 50) and by an ID number no one has (the worst case: every
    # month within the retention period is read back)
    JINGYOU_DATA=$d timed "$W/$n.findpart" "$BIN" find -- -0001 || true
    JINGYOU_DATA=$d timed "$W/$n.findid" "$BIN" find 110101190001010016 || true
  done
done

python3 - "$W" "$OUT" "$SIZES" "$PER_DAY" <<'PY'
import json, os, platform, statistics, subprocess, sys, time
w, out, sizes, per_day = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split()], int(sys.argv[4])
def frames(n):
    rows = [json.loads(l) for l in open(f"{w}/{n}.frame") if l.strip()]
    return statistics.median(r["first_frame_ms"] for r in rows), max(r["maxrss_kb"] for r in rows) / 1024
def timed(n, what):
    rows = [l.split() for l in open(f"{w}/{n}.{what}") if l.strip() and l.split()[0][0].isdigit()]
    return max(statistics.median(float(r[0]) for r in rows), 0.1), max(int(r[1]) for r in rows) / 1024
base_f, base_r = frames(sizes[0])
base_t = timed(sizes[0], "tally")[0]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = open("/proc/loadavg").read().split()[:3]
lines = [
    "# The clerk's store at a branch's density",
    "",
    f"Command: `bench/density_bench.sh` (release build; {per_day} applications a day, seeded and acknowledged with",
    "`jingyou seed --count N --days N/" + str(per_day) + " --acknowledged`; first frame of the clerk screen in an 80x24 pty via",
    "bench/ptyharness.py, median of the runs, peak RSS the largest; `tally`/`queue` wall time by the clock around each run, RSS by GNU time).",
    f"Machine: {cpu}, {os.cpu_count()} cores; load average at the end {' '.join(load)}; "
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
    "",
    "| history | working store | first frame | × baseline | RSS at first frame | tally | × baseline | tally RSS | queue | queue RSS | find part of a number | find an ID number |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for n in sizes:
    f, r = frames(n)
    t, tr = timed(n, "tally")
    q, qr = timed(n, "queue")
    fp, fpr = timed(n, "findpart")
    fi, fir = timed(n, "findid")
    du = int(open(f"{w}/{n}.du").read()) / 1024
    hist = "1 application (baseline)" if n == 0 else f"{n:,} over {n // per_day:,} days"
    lines.append(f"| {hist} | {du:.1f} MiB | {f:.1f} ms | {f / base_f:.2f} | {r:.1f} MiB | {t:.0f} ms | {t / base_t:.2f} | {tr:.1f} MiB | {q:.0f} ms | {qr:.1f} MiB | {fp:.0f} ms, {fpr:.1f} MiB | {fi:.0f} ms, {fir:.1f} MiB |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
