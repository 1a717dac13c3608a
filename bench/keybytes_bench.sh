#!/bin/bash
# keybytes_bench.sh — bytes written to the terminal per typed character in the
# wizard (a benchmark, not a test: it reports numbers).
#
# Drives the release binary on an 80x24 pty (bench/ptyharness.py): a seeded
# store, log in as 001, open D1 (补领驾驶证, pinyin bljsz), then type 20 letters
# into 驾驶人姓名 one at a time, each after the screen is quiet, and count the
# bytes the app writes for each. Once per TERM: xterm, xterm-256color, vt100.
# The peers (research, dialog(1) typing digits into a form field): 34 B per key
# on xterm, 14 B on vt100.
# Usage: bench/keybytes_bench.sh [--no-build]   Env: QUIET_MS=150 OUT=file.md DUMP=dir
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
QUIET_MS=${QUIET_MS:-150}
export JINGYOU_NOW=2026-11-28T10:00:00+08:00 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset JINGYOU_DATA XDG_DATA_HOME NO_COLOR
if [ "${1:-}" != --no-build ]; then
  (cd "$ROOT" && cargo build --release --bin jingyou)
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/jingyou
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config
mkdir -p "$HOME"
JINGYOU_DATA=$W/data "$BIN" seed --count 20 --days 2 >/dev/null

KEYS=abcdefghijklmnopqrst
for term in xterm xterm-256color vt100; do
  dump=()
  [ -n "${DUMP:-}" ] && { mkdir -p "$DUMP"; dump=(--dump "$DUMP/$term.bytes"); }
  python3 "$HERE/ptyharness.py" --quiet-ms "$QUIET_MS" --term "$term" "${dump[@]}" \
    --env "JINGYOU_DATA=$W/data" \
    --do 'send:001\t1234' --do 'send:\r' --do 'send:bljsz' --do 'send:\r' --do 'wait:300' \
    --do "keys:$KEYS" -- "$BIN" >"$W/$term.json"
done

python3 - "$W" "${OUT:-}" "$(cd "$ROOT" && git rev-parse --short HEAD)" <<'PY'
import json, os, sys
w, out, commit = sys.argv[1], sys.argv[2], sys.argv[3]
peer = {"xterm": 34, "xterm-256color": 34, "vt100": 14}
rows = ["| TERM | bytes per key, median (min-max, n) | echo ms, median | dialog(1) |",
        "|------|------------------------------------|-----------------|-----------|"]
for term in ("xterm", "xterm-256color", "vt100"):
    d = json.load(open(os.path.join(w, term + ".json")))
    rows.append(f"| {term} | {d['key_bytes_median']:.0f} B ({d['key_bytes_min']}-{d['key_bytes_max']}, "
                f"n={len(d.get('keys', [])) or 20}) | {d['key_echo_ms_median']:.2f} | {peer[term]} B |")
text = "\n".join(rows)
print(f"commit {commit}\n{text}")
if out:
    with open(out, "w") as f:
        f.write(text + "\n")
PY
