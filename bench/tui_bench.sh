#!/bin/bash
# tui_bench.sh — a benchmark of the jingyou terminal UI (not a test: it reports numbers).
#
# Builds release, then with bench/ptyharness.py (a pty, 80x24):
#   - time to first frame and peak RSS (GNU time %M) on an empty store (setup form)
#     and on a store of 100,000 applications (log-in form), RUNS runs each;
#   - how long `jingyou seed --count 100000 --days 365` takes (goal: < 60 s);
#   - on the seeded store: log in, open D1 (bljsz), type 20 keys into a field one at
#     a time, each after the screen is quiet: bytes written per key (median), for
#     TERM=xterm-256color and TERM=vt100;
#   - then 20 s without input: CPU time (utime+stime from /proc) and bytes written
#     (goal: 0).
# Usage: bench/tui_bench.sh [--no-build]   Env: RUNS=5 IDLE_S=20 QUIET_MS=150 OUT=file.md
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUNS=${RUNS:-5} IDLE_S=${IDLE_S:-20} QUIET_MS=${QUIET_MS:-150}
export JINGYOU_NOW=2026-11-28T10:00:00+08:00 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JINGYOU_DATA XDG_DATA_HOME NO_COLOR

if ! [ -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi
if [ "${1:-}" != --no-build ]; then
  (cd "$ROOT" && cargo build --release --bin jingyou)
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/jingyou
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$HOME"

# harness DATA_DIR RSS_FILE [harness options and actions...] — one run, one JSON line
harness() {
  local data=$1 rss=$2; shift 2
  python3 "$HERE/ptyharness.py" --quiet-ms "$QUIET_MS" --pid-name jingyou \
    --env "JINGYOU_DATA=$data" "$@" -- /usr/bin/time -f '%M' -o "$rss" "$BIN"
}
# with_rss JSON_LINE RSS_FILE — adds "maxrss_kb" to the harness output
with_rss() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["maxrss_kb"]=int(open(sys.argv[2]).read().split()[-1]); print(json.dumps(d, ensure_ascii=False))' "$1" "$2"; }

echo "== empty store: first frame ($RUNS runs)" >&2
for i in $(seq "$RUNS"); do
  j=$(harness "$W/empty$i" "$W/rss") ; with_rss "$j" "$W/rss"
done >"$W/empty.jsonl"

echo "== seed --count 100000 --days 365" >&2
JINGYOU_DATA=$W/seeded /usr/bin/time -f '%e %M' -o "$W/seed.time" "$BIN" seed --count 100000 --days 365 >"$W/seed.out"
cat "$W/seed.out" >&2
du -sk "$W/seeded/store" | cut -f1 >"$W/seed.du"

echo "== seeded store: first frame ($RUNS runs)" >&2
for i in $(seq "$RUNS"); do
  j=$(harness "$W/seeded" "$W/rss"); with_rss "$j" "$W/rss"
done >"$W/seeded.jsonl"

KEYS=abcdefghijklmnopqrst   # 20 keys into 驾驶人姓名
SESSION=(--do 'send:001\t1234' --do 'send:\r' --do 'send:bljsz' --do 'send:\r' --do "keys:$KEYS")
echo "== seeded store: log in, D1, 20 keys, idle ${IDLE_S}s (xterm-256color)" >&2
j=$(harness "$W/seeded" "$W/rss" --term xterm-256color "${SESSION[@]}" --do wait:1500 --do "idle:$IDLE_S")
with_rss "$j" "$W/rss" >"$W/keys-xterm.json"
echo "== seeded store: log in, D1, 20 keys (vt100)" >&2
j=$(harness "$W/seeded" "$W/rss" --term vt100 "${SESSION[@]}")
with_rss "$j" "$W/rss" >"$W/keys-vt100.json"

python3 - "$W" "$BIN" "${OUT:-}" <<'EOF'
import json, statistics, sys, os
w, binary, out = sys.argv[1], sys.argv[2], sys.argv[3]
load = lambda f: [json.loads(l) for l in open(os.path.join(w, f)) if l.strip()]
med = statistics.median
rows = []
for name, f in (("empty store (setup form)", "empty.jsonl"), ("100k store (log-in form)", "seeded.jsonl")):
    r = load(f)
    ff = [x["first_frame_ms"] for x in r]
    rows.append((f"first frame, {name}", f"{med(ff):.1f} ms median ({min(ff):.1f}-{max(ff):.1f}, n={len(ff)})"))
    rows.append((f"peak RSS, {name}", f"{max(x['maxrss_kb'] for x in r)/1024:.1f} MiB max"))
    rows.append((f"first-frame bytes, {name}", f"{med(x['first_frame_bytes'] for x in r):.0f} B"))
secs, rss = open(os.path.join(w, "seed.time")).read().split()[-2:]
du = int(open(os.path.join(w, "seed.du")).read())
rows.append(("seed --count 100000 --days 365", f"{float(secs):.1f} s wall (goal < 60 s), RSS {int(rss)/1024:.1f} MiB, store {du/1024:.0f} MiB"))
x, v = load("keys-xterm.json")[0], load("keys-vt100.json")[0]
login = x["sends"][1]
rows.append(("log in → home drawn, 100k store", f"{login['ms']:.1f} ms ({login['bytes']} B)"))
for t in (x, v):
    rows.append((f"bytes per key, TERM={t['term']}", f"{t['key_bytes_median']:.0f} B median ({t['key_bytes_min']}-{t['key_bytes_max']}), echo {t['key_echo_ms_median']:.2f} ms median"))
rows.append(("peak RSS, 100k store after log-in + wizard", f"{x['maxrss_kb']/1024:.1f} MiB"))
i = x["idle"][0]
rows.append((f"idle {i['seconds']:.0f} s (wizard open): CPU", f"{i['cpu_ms']:.0f} ms utime+stime"))
rows.append((f"idle {i['seconds']:.0f} s: bytes written", f"{i['bytes']} B (goal 0)"))
wk = max(len(a) for a, _ in rows)
text = [f"| {'measure'.ljust(wk)} | value |", f"|{'-'*(wk+2)}|-------|"]
text += [f"| {a.ljust(wk)} | {b} |" for a, b in rows]
print("\n".join(text))
if out:
    with open(out, "w") as f:
        f.write("\n".join(text) + "\n")
EOF
