#!/bin/bash
# bench/sync_bench.sh — jingyou sync vs a naive uploader over a slow lossy link.
#
# usage (root; iproute2, nftables, python3, curl):
#   cargo build --release --bins    # once (and --examples, or a debug bench_attach)
#   N=1000 NAIVE_N=1000 bash bench/sync_bench.sh
#
# Env: N (applications for jingyou, default 1000), PHOTOS (applications of
# those N with one photo, default 20), PHOTO_BYTES (default 30000), NAIVE_N
# (applications for the naive client, default N: it is ~1 s per record at
# 64 kbit/s, so a scaled run is usual; it gets the same share of photos,
# PHOTOS*NAIVE_N/N, so per-application figures compare), RATE_KBIT/RTT_MS/
# LOSS_PCT (passed to slowlink.sh; default 64/300/5).
#
# Each client gets a fresh hub (own data dir) in the server namespace, reached
# at http://198.18.0.2:8080. Bytes are the client veth's counters
# (`ip -s link` in sl_cli) before/after: "up" = TX of slc0, "down" = RX,
# both as IP bytes (device bytes minus 14 bytes of Ethernet header per
# packet). Prints one line per client and a markdown table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/target/release}
SL=${SL:-/work/shared/tools/slowlink.sh}
# The data-preparation helper is not measured: any build of it will do.
ATTACH=${ATTACH:-$BIN/examples/bench_attach}
[ -x "$ATTACH" ] || ATTACH=$ROOT/target/debug/examples/bench_attach
N=${N:-1000}; PHOTOS=${PHOTOS:-20}; PHOTO_BYTES=${PHOTO_BYTES:-30000}
NAIVE_N=${NAIVE_N:-$N}
export RATE_KBIT=${RATE_KBIT:-64} RTT_MS=${RTT_MS:-300} LOSS_PCT=${LOSS_PCT:-5}
WORK=$(mktemp -d /tmp/syncbench.XXXXXX)
export STATE=$WORK/slowlink.state
cleanup() { "$SL" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
for b in "$BIN/jingyou" "$BIN/jingyou-hub" "$ATTACH"; do
  [ -x "$b" ] || { echo "missing $b: cargo build --release --bins --examples" >&2; exit 1; }
done

"$SL" up
mode=$(cat "$STATE/mode")
mkdir -p "$WORK/home" "$WORK/config" "$WORK/data"
"$ATTACH" "$WORK/data" "$N" "$PHOTOS" "$PHOTO_BYTES" >"$WORK/apps.jsonl"
# The naive client: the same share of photo applications as jingyou's run,
# then plain ones up to NAIVE_N.
naive_photos=$(( (PHOTOS * NAIVE_N + N / 2) / N ))
{ grep '"attachments"' "$WORK/apps.jsonl" | head -n "$naive_photos" || true
  grep -v '"attachments"' "$WORK/apps.jsonl" | head -n "$((NAIVE_N - naive_photos))" || true
} >"$WORK/naive.jsonl"
json_bytes=$(head -n "$N" "$WORK/apps.jsonl" | wc -c)

counters() {  # tx_bytes tx_packets rx_bytes rx_packets of slc0
  "$SL" exec cli ip -s -j link show slc0 | python3 -c '
import json,sys; s=json.load(sys.stdin)[0]["stats64"]
print(s["tx"]["bytes"], s["tx"]["packets"], s["rx"]["bytes"], s["rx"]["packets"])'
}

start_hub() {  # NAME
  "$SL" bg srv "$1" "$BIN/jingyou-hub" --listen 0.0.0.0:8080 --data "$WORK/hub-$1" --quiet
  for _ in $(seq 100); do grep -q listening "$STATE/$1.log" 2>/dev/null && return; sleep 0.1; done
  echo "hub $1 did not start:" >&2; cat "$STATE/$1.log" >&2; exit 1
}
stop_hub() { kill "$(cat "$STATE/$1.pid")" 2>/dev/null || true; sleep 0.5; }

hub_total() {
  local from to
  from=$(date -d '-30 days' +%F); to=$(date -d '+1 day' +%F)
  "$SL" exec cli curl -s --max-time 120 "http://198.18.0.2:8080/v1/tallies?from=$from&to=$to" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

declare -A T UP DOWN COUNT
run_client() {  # NAME COUNT CMD...
  local name=$1 count=$2; shift 2
  start_hub "$name"
  read -r tb tp rb rp < <(counters)
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  read -r tb2 tp2 rb2 rp2 < <(counters)
  T[$name]=$(python3 -c "print(f'{$t1-$t0:.1f}')")
  UP[$name]=$(( (tb2 - tb) - 14 * (tp2 - tp) ))
  DOWN[$name]=$(( (rb2 - rb) - 14 * (rp2 - rp) ))
  COUNT[$name]=$count
  local held; held=$(hub_total)
  echo "$name: $count applications in ${T[$name]} s, up ${UP[$name]} B, down ${DOWN[$name]} B; hub holds $held" >&2
  [ "$held" = "$count" ] || { echo "$name: hub holds $held, expected $count" >&2; exit 1; }
  stop_hub "$name"
}

export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/config
run_client jingyou "$N" "$SL" exec cli env JINGYOU_HUB_URL=http://198.18.0.2:8080 \
  "$BIN/jingyou" --data-dir "$WORK/data" sync --max-wait 3600
run_client naive "$NAIVE_N" "$SL" exec cli python3 "$ROOT/bench/naive_client.py" \
  http://198.18.0.2:8080 "$WORK/data" "$WORK/naive.jsonl"

echo
echo "link: ${RATE_KBIT} kbit/s each way, ${RTT_MS} ms RTT, ${LOSS_PCT} % loss ($mode)"
echo "raw application JSON: $json_bytes bytes for $N applications ($((json_bytes / N)) B each), photos $PHOTOS x $PHOTO_BYTES B"
echo
echo "| client | applications (photos) | total time s | bytes up | bytes down | bytes/application (up+down) |"
echo "|---|---|---|---|---|---|"
for c in jingyou naive; do
  n=${COUNT[$c]}
  if [ "$c" = naive ]; then p=$(grep -c '"attachments"' "$WORK/naive.jsonl" || true); else p=$PHOTOS; fi
  echo "| $c | $n ($p) | ${T[$c]} | ${UP[$c]} | ${DOWN[$c]} | $(( (UP[$c] + DOWN[$c]) / n )) |"
done
python3 - "${T[jingyou]}" "${T[naive]}" "${COUNT[jingyou]}" "${COUNT[naive]}" \
  "${UP[jingyou]}" "${DOWN[jingyou]}" "${UP[naive]}" "${DOWN[naive]}" <<'EOF'
import sys
tj, tn, nj, nn, uj, dj, un, dn = map(float, sys.argv[1:])
print()
print(f"ratio jingyou/naive, per application: time {(tj/nj)/(tn/nn):.3f}, "
      f"bytes {((uj+dj)/nj)/((un+dn)/nn):.3f} (up {(uj/nj)/(un/nn):.3f}, down {(dj/nj)/(dn/nn):.3f})")
EOF
rm -rf "$WORK"
