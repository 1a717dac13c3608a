#!/usr/bin/env bash
# Fails if a binary needs a glibc newer than the floor (default 2.17, what
# CentOS 7 has, and Rust's own minimum for x86_64 Linux).
#   tests/glibc_floor.sh [--max 2.17] BINARY...
# Reads the versioned symbols the binary imports (objdump -T from binutils;
# without it, the GLIBC_x.y version names in the file, which can only
# over-report) and prints the highest one per binary.
set -euo pipefail

max=2.17
if [ "${1:-}" = "--max" ]; then
    max="$2"
    shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--max 2.17] BINARY..." >&2; exit 2; }

fail=0
for bin in "$@"; do
    [ -f "$bin" ] || { echo "glibc_floor: $bin: no such file" >&2; exit 2; }
    if command -v objdump >/dev/null 2>&1; then
        versions=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' || true)
        how="objdump -T"
    else
        versions=$(grep -ao 'GLIBC_[0-9][0-9.]*' "$bin" || true)
        how="version names in the file"
    fi
    [ -n "$versions" ] || { echo "glibc_floor: $bin imports no GLIBC symbols: not a glibc binary?" >&2; exit 1; }
    highest=$(printf '%s\n' "$versions" | sed 's/GLIBC_//' | sort -uV | tail -1)
    top=$(printf '%s\n%s\n' "$highest" "$max" | sort -V | tail -1)
    if [ "$top" != "$max" ]; then
        echo "FAIL $bin needs glibc $highest (> $max; $how). Symbols:" >&2
        objdump -T "$bin" 2>/dev/null | grep "GLIBC_$highest" | head -5 >&2 || true
        fail=1
    else
        echo "ok   $bin needs glibc $highest (<= $max; $how)"
    fi
done
exit "$fail"
