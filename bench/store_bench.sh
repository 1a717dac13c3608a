#!/bin/bash
# store_bench.sh — the store benchmark (not a test: it reports numbers), the
# build before the journal and this one side by side, in one run:
#   - first frame and peak RSS of the clerk screen (80x24 pty) on stores with
#     0, 100,000 and 1,000,000 applications of history;
#   - `tally --format json` and `queue --format json` on those stores: time and RSS;
#   - finish and park latency, p50 / p99, each durable (bench_store example);
#   - upload throughput: 10,000 pending applications to the version's own hub
#     on loopback with `sync --once`.
# History = seeded over 365 days and acknowledged by a hub (this build:
# `seed --acknowledged`, so old ones leave the working store as real ones
# would; the old build has no such flag and keeps them pending).
# Writes bench/RESULTS.md (or $OUT) with machine facts, date and commands.
#
# Usage: bench/store_bench.sh
# Env:   SIZES="0 100000 1000000" BASE=45560d1 RUNS=3 LAT_N=200 UPLOAD_N=10000
#        BASE_TARGET=/tmp/jingyou-bench-base-target (kept between runs) OUT=...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SIZES=${SIZES:-"0 100000 1000000"}
BASE=${BASE:-45560d1}
RUNS=${RUNS:-3}
LAT_N=${LAT_N:-200}
UPLOAD_N=${UPLOAD_N:-10000}
BASE_TARGET=${BASE_TARGET:-/tmp/jingyou-bench-base-target}
OUT=${OUT:-$ROOT/bench/RESULTS.md}
export JINGYOU_NOW=2026-11-28T10:00:00+08:00 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JINGYOU_DATA XDG_DATA_HOME NO_COLOR JINGYOU_HUB_URL JINGYOU_HUB_TOKEN

if ! [ -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

W=$(mktemp -d /var/tmp/jingyou-store-bench.XXXXXX)
cleanup() {
  local rc=$?
  [ -n "${HUB_PID:-}" ] && kill "$HUB_PID" 2>/dev/null || true
  git -C "$ROOT" worktree remove --force "$W/base" >/dev/null 2>&1 || true
  if [ "$rc" -eq 0 ]; then rm -rf "$W"; else echo "kept $W for a look (exit $rc)" >&2; fi
}
trap cleanup EXIT
# The app gets a fresh HOME; cargo and rustup keep theirs.
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$HOME/.config"

echo "== build: this checkout (release)" >&2
(cd "$ROOT" && cargo build --release --bin jingyou --bin jingyou-hub --example bench_store)
T=${CARGO_TARGET_DIR:-$ROOT/target}/release
declare -A BIN HUB LAT
BIN[after]=$T/jingyou HUB[after]=$T/jingyou-hub LAT[after]=$T/examples/bench_store

echo "== build: $BASE, the build before the journal (release, target $BASE_TARGET)" >&2
git -C "$ROOT" worktree add --detach "$W/base" "$BASE" >/dev/null
cp "$ROOT/examples/bench_store.rs" "$W/base/examples/"
# The old store has no park_draft: a park was a save and a flush.
sed -i 's/store\.park_draft(&d)/store.save_draft(\&d).and_then(|_| store.flush())/' "$W/base/examples/bench_store.rs"
(cd "$W/base" && CARGO_TARGET_DIR=$BASE_TARGET cargo build --release --bin jingyou --bin jingyou-hub --example bench_store)
BIN[before]=$BASE_TARGET/release/jingyou HUB[before]=$BASE_TARGET/release/jingyou-hub
LAT[before]=$BASE_TARGET/release/examples/bench_store

# harness DATA_DIR BIN RSS_FILE — first frame in a pty, one JSON line
harness() {
  python3 "$HERE/ptyharness.py" --quiet-ms 150 --pid-name jingyou \
    --env "JINGYOU_DATA=$1" -- /usr/bin/time -f '%M' -o "$3" "$2"
}
# timed OUT_FILE CMD... — appends "seconds maxrss_kb" for one run
timed() { local f=$1; shift; /usr/bin/time -f '%e %M' -a -o "$f" "$@" >/dev/null; }

for v in before after; do
  for n in $SIZES; do
    d=$W/$v-$n
    mkdir -p "$d"
    if [ "$n" -gt 0 ]; then
      echo "== $v: seed $n over 365 days" >&2
      flag=(); [ "$v" = after ] && flag=(--acknowledged)
      JINGYOU_DATA=$d /usr/bin/time -f '%e %M' -o "$W/$v-$n.seed" "${BIN[$v]}" seed --count "$n" --days 365 "${flag[@]}" >/dev/null
      du -sk "$d/store" | cut -f1 >"$W/$v-$n.du"
    fi
    echo "== $v $n: first frame, tally, queue ($RUNS runs each)" >&2
    for _ in $(seq "$RUNS"); do
      j=$(harness "$d" "${BIN[$v]}" "$W/rss")
      python3 -c 'import json,sys; d=json.loads(sys.argv[1]); r=open(sys.argv[2]).read().split(); d["maxrss_kb"]=int(r[-1]) if r and r[-1].isdigit() else 0; print(json.dumps(d))' "$j" "$W/rss"
    done >"$W/$v-$n.frame"
    for _ in $(seq "$RUNS"); do
      JINGYOU_DATA=$d timed "$W/$v-$n.tally" "${BIN[$v]}" tally --format json
      JINGYOU_DATA=$d timed "$W/$v-$n.queue" "${BIN[$v]}" queue --format json
    done
    if [ "$n" -gt 0 ]; then
      echo "== $v $n: finish and park latency ($LAT_N each)" >&2
      "${LAT[$v]}" "$d" "$LAT_N" >"$W/$v-$n.lat"
    fi
  done
  echo "== $v: upload $UPLOAD_N pending applications to its own hub on loopback" >&2
  d=$W/$v-upload
  JINGYOU_DATA=$d "${BIN[$v]}" seed --count "$UPLOAD_N" --days 30 >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${HUB[$v]}" --listen "127.0.0.1:$port" --data "$W/$v-hub" --quiet 2>"$W/$v-hub.err" &
  HUB_PID=$!
  for _ in $(seq 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$port" 2>/dev/null && break
    sleep 0.1
  done
  s=$(date +%s.%N)
  JINGYOU_DATA=$d JINGYOU_HUB_URL=http://127.0.0.1:$port "${BIN[$v]}" sync --once >/dev/null 2>&1 || true
  e=$(date +%s.%N)
  echo "$s $e" >"$W/$v.upload"
  kill "$HUB_PID" 2>/dev/null || true
  wait "$HUB_PID" 2>/dev/null || true
  HUB_PID=
done

python3 - "$W" "$SIZES" "$BASE" "$(git -C "$ROOT" rev-parse --short HEAD)" "$OUT" "$RUNS" "$LAT_N" "$UPLOAD_N" <<'EOF'
import json, os, statistics, sys, platform, subprocess, datetime
w, sizes, base, head, out, runs, lat_n, up_n = sys.argv[1:9]
sizes = [int(s) for s in sizes.split()]
med = statistics.median
def rd(p):
    p = os.path.join(w, p)
    return open(p).read() if os.path.exists(p) else None
def frame(v, n):
    r = [json.loads(l) for l in rd(f"{v}-{n}.frame").splitlines() if l.strip()]
    return (f"{med(x['first_frame_ms'] for x in r):.1f} ms", f"{max(x['maxrss_kb'] for x in r)/1024:.1f} MiB")
def timed(v, n, what):
    rows = [l.split() for l in rd(f"{v}-{n}.{what}").splitlines() if l.strip() and l.split()[0][0].isdigit()]
    return (f"{med(float(a) for a, _ in rows)*1000:.0f} ms", f"{max(int(b) for _, b in rows)/1024:.1f} MiB")
def lat(v, n):
    t = rd(f"{v}-{n}.lat")
    if not t: return ("-", "-")
    d = json.loads(t)
    return (f"{d['finish_p50_ms']:.1f} / {d['finish_p99_ms']:.1f} ms", f"{d['park_p50_ms']:.1f} / {d['park_p99_ms']:.1f} ms")
def seed(v, n):
    t = rd(f"{v}-{n}.seed")
    if not t: return "-"
    s, r = t.split()[-2:]
    du = int(rd(f"{v}-{n}.du") or 0)
    return f"{float(s):.0f} s, store {du/1024:.0f} MiB"
def upload(v):
    s, e = (float(x) for x in rd(f"{v}.upload").split())
    return f"{int(up_n)/(e-s):.0f} applications/s ({e-s:.1f} s for {up_n})"
cpu = next((l.split(":",1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
lines = [
 "# Store benchmark: before and after the journal",
 "",
 f"Date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC. Machine: {os.cpu_count()} cores ({cpu}), {int(mem)/1024/1024:.1f} GiB RAM,",
 f"{platform.system()} {platform.release()}. Other builds may have shared the cores: read the ratios, not the last millisecond.",
 "",
 "Command: `bench/store_bench.sh` (release builds; 80x24 pty via bench/ptyharness.py; GNU time).",
 f"Before = `{base}` (sled only, no journal); after = `{head}`. {runs} runs each, medians (RSS: max).",
 "History = applications seeded over 365 days; after: acknowledged, so those older than 30 days",
 "left the working store (`seed --acknowledged`); before: the same seed, pending (no such flag).",
 "",
 "| measure | history | before | after |",
 "|---|---|---|---|",
]
for n in sizes:
    fb, fa = frame("before", n), frame("after", n)
    lines.append(f"| first frame (clerk screen) | {n:,} | {fb[0]} | {fa[0]} |")
    lines.append(f"| peak RSS at first frame | {n:,} | {fb[1]} | {fa[1]} |")
    for what in ("tally", "queue"):
        tb, ta = timed("before", n, what), timed("after", n, what)
        lines.append(f"| `{what} --format json`: time | {n:,} | {tb[0]} | {ta[0]} |")
        lines.append(f"| `{what} --format json`: peak RSS | {n:,} | {tb[1]} | {ta[1]} |")
    if n:
        lb, la = lat("before", n), lat("after", n)
        lines.append(f"| finish p50 / p99 ({lat_n}) | {n:,} | {lb[0]} | {la[0]} |")
        lines.append(f"| park p50 / p99 ({lat_n}) | {n:,} | {lb[1]} | {la[1]} |")
        lines.append(f"| seed time, working store size | {n:,} | {seed('before', n)} | {seed('after', n)} |")
lines.append(f"| upload to its own hub on loopback (`sync --once`) | {int(up_n):,} pending | {upload('before')} | {upload('after')} |")
lines += ["",
 "Finish and park: before, \"saved\" meant sled's flush (`sync_file_range`, not durable on a power cut);",
 "after, the journal record is fdatasync'd first, so each costs a real disk flush.",
 ""]
text = "\n".join(lines)
print(text)
open(out, "w").write(text)
EOF
