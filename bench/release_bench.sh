#!/usr/bin/env bash
# Size and start-up of two builds of jingyou: today's native release build
# and the portable one (glibc 2.17, cargo-zigbuild). Prints a Markdown table.
#   bench/release_bench.sh NATIVE_DIR PORTABLE_DIR ["LABEL:OTHER_DIR"]
# e.g. bench/release_bench.sh target/release target/x86_64-unknown-linux-gnu/release
# Needs hyperfine (apt-get install hyperfine). Start-up is `jingyou --version`
# (process start, argument parsing) and `jingyou catalog` (config, the
# built-in catalogue and texts, a table on stdout), on an empty HOME.
set -euo pipefail
native="${1:?native build dir}"
portable="${2:?portable build dir}"
command -v hyperfine >/dev/null || { echo "needs hyperfine" >&2; exit 1; }
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
glibc_of() { objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1; }
ms() { # median and min wall time, and mean CPU time (user+sys), in ms, from
       # hyperfine's JSON: min and CPU time stay meaningful on a busy machine
    hyperfine -N --warmup 20 --runs "${RUNS:-300}" --export-json "$home/h.json" "$@" >/dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f / %.2f / %.2f" % (r["median"]*1000, r["min"]*1000, (r["user"]+r["system"])*1000))' "$home/h.json"
}
echo "| build | jingyou bytes | jingyou-hub bytes | needs glibc | \`--version\` ms: median / min / CPU | \`catalog\` ms: median / min / CPU |"
echo "|---|---|---|---|---|---|"
for pair in "native:$native" "portable (2.17):$portable" ${3:+"$3"}; do
    label="${pair%%:*}"
    dir="${pair#*:}"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" \
        "$(stat -c %s "$dir/jingyou")" "$(stat -c %s "$dir/jingyou-hub")" \
        "$(glibc_of "$dir/jingyou")" \
        "$(ms "$dir/jingyou --version")" "$(ms "$dir/jingyou catalog")"
done
