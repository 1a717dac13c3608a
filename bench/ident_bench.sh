#!/usr/bin/env bash
# Time per identifier check with the compiled-in tables (county codes,
# plate rules, phone segments). Usage: bench/ident_bench.sh [N] [--release]
# Results: bench/IDENT_RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
profile=()
[[ "${2:-}" == "--release" ]] && profile=(--release)
cargo run -q "${profile[@]}" --example bench_ident -- "$n"
