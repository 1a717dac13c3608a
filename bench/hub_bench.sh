#!/bin/bash
# bench/hub_bench.sh — the hub under load, both backends side by side (a
# benchmark, not a test).
#
# usage: PG=postgres://postgres@127.0.0.1:5432/postgres bash bench/hub_bench.sh [--no-build]
#
# For each backend (sled in a temp dir; PostgreSQL in a fresh database on the
# server PG names), a release jingyou-hub (--workers 4) and, for C in
# CLIENTS (1 16 64 256) and B in BATCHES (1 20), examples/hub_load with C
# branch clients posting batches of B new applications for SECS (10)
# seconds: accepted/s, p50/p99 per request, hub RSS after the run; then
# 64 clients × 20 offered at each of RATES (1500 3000) applications a second
# in all on a fixed schedule (open loop: p50/p99 from when each request was
# due, as a province's branches send, rather than as fast as answers come
# back). Then
# bytes stored per application (sled: du of the data dir; PostgreSQL:
# pg_database_size) divided by the applications held.
# GROWTH=1 also fills the stores in bulk (sled through HubStore in batches
# of 500, to SLED_STEPS; PostgreSQL with INSERT … SELECT generate_series to
# PG_STEPS; then VACUUM ANALYZE and CHECKPOINT, outside the fill rate) and
# after each step measures accepted/s and RSS at 64 clients × 20, and p99 at
# 1,500/s offered. Prints markdown tables; the results and the commands are kept in
# bench/HUB_RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SECS=${SECS:-10}
CLIENTS=${CLIENTS:-"1 16 64 256"}
BATCHES=${BATCHES:-"1 20"}
RATES=${RATES:-"1500 3000"}
GROWTH=${GROWTH:-0}
SLED_STEPS=${SLED_STEPS:-"250000 500000 1000000"}
PG_STEPS=${PG_STEPS:-"1000000 5000000 10000000"}
PG=${PG:-}
if [ "${1:-}" != --no-build ]; then
    (cd "$ROOT" && cargo build --release --bin jingyou-hub --example hub_load)
fi
HUB=$TARGET/release/jingyou-hub
LOAD=$TARGET/release/examples/hub_load
W=$(mktemp -d /var/tmp/hubbench.XXXXXX)
HUB_PID=
cleanup() {
    if [ -n "$HUB_PID" ]; then kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

start_hub() { # args: store options
    "$HUB" --listen 127.0.0.1:0 --quiet --workers 4 "$@" >"$W/hub.out" 2>"$W/hub.err" &
    HUB_PID=$!
    for _ in $(seq 100); do
        grep -q listening "$W/hub.out" 2>/dev/null && break
        sleep 0.1
    done
    URL=$(sed -n 's/.*listening on //p' "$W/hub.out")
    [ -n "$URL" ] || { cat "$W/hub.err" >&2; exit 1; }
}
stop_hub() {
    kill -TERM "$HUB_PID"; wait "$HUB_PID" || true; HUB_PID=
}
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$HUB_PID/status"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

row() { # backend clients batch json rss
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" \
        "$(field "$4" accepted_per_s)" "$(field "$4" p50_ms)" "$(field "$4" p99_ms)" \
        "$(field "$4" refused_or_failed)" "$5"
}

pg_db() { # fresh database: prints its URL
    local name=jy_bench_$$_$1
    psql "$PG" -qAtc "DROP DATABASE IF EXISTS $name" >/dev/null
    psql "$PG" -qAtc "CREATE DATABASE $name" >/dev/null
    python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/'+sys.argv[2]).geturl())" "$PG" "$name"
}

echo "| backend | clients | batch | accepted/s | p50 ms | p99 ms | 503/failed | hub RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
backends="sled"
[ -n "$PG" ] && backends="sled postgres"
declare -A STORE_ARGS
for b in $backends; do
    if [ "$b" = sled ]; then
        STORE_ARGS[$b]="--data $W/sled"
    else
        STORE_ARGS[$b]="--db $(pg_db load)"
        "$HUB" migrate --db "${STORE_ARGS[$b]#--db }" >/dev/null
        EMPTY_BYTES=$(psql "${STORE_ARGS[$b]#--db }" -qAtc "SELECT pg_database_size(current_database())")
    fi
    # shellcheck disable=SC2086
    start_hub ${STORE_ARGS[$b]}
    for c in $CLIENTS; do
        for batch in $BATCHES; do
            out=$("$LOAD" "$URL" "$c" "$batch" "$SECS")
            row "$b" "$c" "$batch" "$out" "$(rss_mib)"
        done
    done
    # Offered load: 64 clients × 20 on a fixed schedule at RATES a second
    # in all; latency from when each request was due.
    for r in $RATES; do
        out=$("$LOAD" "$URL" 64 20 "$SECS" "$r")
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$b" "$r" \
            "$(field "$out" accepted_per_s)" "$(field "$out" p50_ms)" "$(field "$out" p99_ms)" \
            "$(field "$out" refused_or_failed)" "$(rss_mib)" >>"$W/offered.md"
    done
    if [ "$b" = sled ]; then
        stop_hub
        held=$("$HUB" tally --data "$W/sled" --from 2026-03-09 --to 2026-03-09 --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
        bytes=$(du -sb "$W/sled" | cut -f1)
    else
        url=${STORE_ARGS[$b]#--db }
        held=$(psql "$url" -qAtc "SELECT count(*) FROM app_ids")
        bytes=$(psql "$url" -qAtc "SELECT pg_database_size(current_database())")
        stop_hub
        # the empty database's own catalogues (~7.5 MB) are not the applications'
        echo
        echo "postgres: empty migrated database $EMPTY_BYTES bytes; $((bytes - EMPTY_BYTES)) bytes more for $held applications: $(((bytes - EMPTY_BYTES) / (held > 0 ? held : 1))) bytes per application"
    fi
    echo
    echo "$b: $held applications, $bytes bytes: $((bytes / (held > 0 ? held : 1))) bytes per application"
    echo
done

if [ -s "$W/offered.md" ]; then
    echo
    echo "Offered load, 64 clients × 20 (open loop):"
    echo
    echo "| backend | offered/s | accepted/s | p50 ms | p99 ms | 503/failed | hub RSS MiB |"
    echo "|---|---|---|---|---|---|---|"
    cat "$W/offered.md"
fi

[ "$GROWTH" = 1 ] || exit 0

echo
echo "| backend | applications held | fill rate /s | accepted/s (64×20) | p99 ms | p99 ms at 1,500/s offered | hub RSS MiB | bytes/app |"
echo "|---|---|---|---|---|---|---|---|"
# sled: bulk through HubStore, then a load run at each size
mkdir -p "$W/grow"
have=0
for n in $SLED_STEPS; do
    t0=$(date +%s.%N)
    "$LOAD" --fill-sled "$W/grow" $((n - have)) 2>/dev/null
    t1=$(date +%s.%N)
    rate=$(python3 -c "print(round(($n - $have) / ($t1 - $t0)))")
    have=$n
    start_hub --data "$W/grow"
    out=$("$LOAD" "$URL" 64 20 "$SECS")
    at=$("$LOAD" "$URL" 64 20 "$SECS" 1500)
    rss=$(rss_mib)
    stop_hub
    bytes=$(du -sb "$W/grow" | cut -f1)
    printf '| sled | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$rate" \
        "$(field "$out" accepted_per_s)" "$(field "$out" p99_ms)" "$(field "$at" p99_ms)" "$rss" "$((bytes / n))"
done
[ -n "$PG" ] || exit 0
url=$(pg_db grow)
start_hub --db "$url"   # migrates
stop_hub
have=0
for n in $PG_STEPS; do
    t0=$(date +%s.%N)
    # ids, applications (the months of 2025, the partitions made first by
    # the hub on start of use: create them here) and tallies, in bulk
    psql "$url" -qAt >/dev/null <<SQL
DO \$\$ BEGIN
  FOR m IN 1..12 LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS applications_y2025m%s PARTITION OF applications FOR VALUES FROM (%L) TO (%L)',
      lpad(m::text, 2, '0'), make_date(2025, m, 1), make_date(2025, m, 1) + interval '1 month');
  END LOOP;
END \$\$;
INSERT INTO app_ids (id, branch, app_date, fingerprint, receipt)
  SELECT 'fill-' || g, 'F' || lpad((g % 50000)::text, 5, '0'), make_date(2025, 1 + (g / 28) % 12, 1 + g % 28),
         md5(g::text) || md5(g::text), 'HUB-F-' || g
  FROM generate_series($have + 1, $n) g;
INSERT INTO applications (id, branch, app_date, number, service, receipt, body)
  SELECT 'fill-' || g, 'F' || lpad((g % 50000)::text, 5, '0'), make_date(2025, 1 + (g / 28) % 12, 1 + g % 28),
         'F-' || g, 'A01', 'HUB-F-' || g,
         jsonb_build_object('id', 'fill-' || g, 'number', 'F-' || g, 'service', 'A01',
           'date', make_date(2025, 1 + (g / 28) % 12, 1 + g % 28),
           'finished_at', make_date(2025, 1 + (g / 28) % 12, 1 + g % 28) || 'T10:00:00+08:00',
           'clerk', '001', 'branch', 'F' || lpad((g % 50000)::text, 5, '0'),
           'values', jsonb_build_object('name', '张三', 'id_number', '330102199001011234', 'plate', '浙A12345'),
           'materials', jsonb_build_array('id_card'),
           'fees', jsonb_build_array(jsonb_build_object('item', 'fee', 'fen', 1000)),
           'fee_total_fen', 1000, 'payment', 'cash',
           'delivery', jsonb_build_object('mode', 'pickup'))
  FROM generate_series($have + 1, $n) g;
INSERT INTO day_tally (app_date, branch, service, n)
  SELECT make_date(2025, 1 + (g / 28) % 12, 1 + g % 28) AS d, 'F' || lpad((g % 50000)::text, 5, '0') AS b, 'A01', count(*)
  FROM generate_series($have + 1, $n) g GROUP BY d, b
  ON CONFLICT (app_date, branch, service) DO UPDATE SET n = day_tally.n + EXCLUDED.n;
SQL
    t1=$(date +%s.%N)
    # what a bulk load leaves to do (hint bits, visibility map, statistics,
    # the dirty pages) is done before measuring, not during
    psql "$url" -qAtc "VACUUM (ANALYZE)" >/dev/null
    psql "$url" -qAtc "CHECKPOINT" >/dev/null
    rate=$(python3 -c "print(round(($n - $have) / ($t1 - $t0)))")
    have=$n
    start_hub --db "$url"
    out=$("$LOAD" "$URL" 64 20 "$SECS")
    at=$("$LOAD" "$URL" 64 20 "$SECS" 1500)
    rss=$(rss_mib)
    stop_hub
    held=$(psql "$url" -qAtc "SELECT count(*) FROM app_ids")
    bytes=$(psql "$url" -qAtc "SELECT pg_database_size(current_database())")
    printf '| postgres | %s | %s (bulk SQL) | %s | %s | %s | %s | %s |\n' "$held" "$rate" \
        "$(field "$out" accepted_per_s)" "$(field "$out" p99_ms)" "$(field "$at" p99_ms)" "$rss" "$((bytes / held))"
done
