#!/usr/bin/env bash
# Installs the release bundle the way a branch PC would and checks it:
#   tests/bundle_install.sh dist/jingyou-VERSION-x86_64-linux.tar.gz
# Run by .ci/run after `./install.sh --bundle`. Everything happens in a
# temporary directory; with PATH stripped of cargo and compilers, and without
# a network when `unshare -n` works (root). Fails on the first broken step.
set -euo pipefail

archive="${1:?usage: $0 dist/jingyou-VERSION-x86_64-linux.tar.gz}"
archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"
[ -f "$archive" ] || { echo "no bundle at $archive" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { printf '\n--- %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

step "unpack: one top directory jingyou-VERSION/ with the promised files"
tar -xzf "$archive" -C "$work"
tops=$(ls "$work")
[ "$(printf '%s\n' "$tops" | wc -l)" -eq 1 ] || fail "more than one top directory: $tops"
name="$tops"
version="${name#jingyou-}"
[ "$(basename "$archive")" = "$name-x86_64-linux.tar.gz" ] || fail "archive name does not match $name"
b="$work/$name"
for f in bin/jingyou bin/jingyou-hub install.sh SHA256SUMS VERSION \
    share/jingyou/themes/default.toml share/doc/jingyou/README.md share/doc/jingyou/docs/protocol.md \
    systemd/jingyou-hub.service systemd/jingyou-sync.service systemd/jingyou-sync.timer \
    systemd/hub.env systemd/jingyou-sync.cron; do
    [ -f "$b/$f" ] || fail "$f missing from the bundle"
done
[ "$(cat "$b/VERSION")" = "$version" ] || fail "VERSION file says $(cat "$b/VERSION")"
if grep -qE '  (/|\./)' "$b/SHA256SUMS"; then fail "SHA256SUMS paths are not relative to $name/"; fi
grep -q '  bin/jingyou$' "$b/SHA256SUMS" || fail "SHA256SUMS does not list bin/jingyou"
(cd "$b" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match"
bash "$(dirname "${BASH_SOURCE[0]}")/glibc_floor.sh" "$b/bin/jingyou" "$b/bin/jingyou-hub"

step "a PATH without cargo, rustc or a C compiler"
minbin="$work/minbin"
mkdir "$minbin"
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [ -d "$dir" ] || continue
    for exe in "$dir"/*; do
        n="$(basename "$exe")"
        case "$n" in
            cargo* | rustc | rustup | rustdoc | cc | c++ | gcc* | g++* | clang* | *-gcc* | *-g++* | cpp* | ld | ld.* | *-ld | zig | tcc | python*) continue ;;
        esac
        [ -x "$exe" ] && [ ! -e "$minbin/$n" ] && ln -s "$exe" "$minbin/$n"
    done
done
export PATH="$minbin"
for tool in cargo rustc cc gcc zig; do
    if command -v "$tool" >/dev/null 2>&1; then fail "$tool is still on PATH"; fi
done
offline=()
if unshare -n true 2>/dev/null; then
    offline=(unshare -n)
    echo "installs run without a network (unshare -n)"
else
    echo "unshare -n is not available here (not root): installs run with the network, which they do not use"
fi

prefix="$work/prefix"
home="$work/home"
mkdir -p "$home"
chmod 700 "$home"
data="$home/.local/share/jingyou"
conf="$home/.config/jingyou/config.toml"
# The environment of the branch PC's clerk; tests pin the clock.
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config"
unset JINGYOU_DATA JINGYOU_HUB_URL JINGYOU_HUB_TOKEN SUDO_USER || true
export JINGYOU_NOW="2026-11-28T10:00:00+08:00" TERM=xterm LANG=C.UTF-8
inst() { "${offline[@]}" "$b/install.sh" --prefix "$prefix" "$@" </dev/null; }
jy() { "$prefix/bin/jingyou" "$@"; }

step "a tampered bundle is refused"
cp -a "$b" "$work/tampered"
printf 'x' >>"$work/tampered/share/jingyou/themes/mono.toml"
if out="$("$work/tampered/install.sh" --prefix "$work/never" 2>&1 </dev/null)"; then
    fail "a damaged bundle installed: $out"
fi
grep -q "SHA256SUMS" <<<"$out" || fail "no word of the checksums: $out"
[ ! -e "$work/never" ] || fail "a damaged bundle wrote files"
rm -rf "$work/tampered"

step "first install, on a PC whose clock is on UTC"
out="$(TZ=UTC inst)"
printf '%s\n' "$out"
grep -q "every file matches SHA256SUMS" <<<"$out" || fail "checksums not reported"
grep -q "glibc" <<<"$out" || fail "glibc not checked"
grep -q 'timezone = "+08:00"' <<<"$out" || fail "no time-zone advice on a UTC clock"
[ -x "$prefix/bin/jingyou" ] && [ -x "$prefix/bin/jingyou-hub" ] || fail "binaries not in PREFIX/bin"
[ -f "$prefix/share/jingyou/themes/default.toml" ] || fail "themes not installed"
[ -f "$prefix/share/doc/jingyou/README.md" ] || fail "docs not installed"
[ ! -e "$conf" ] || fail "the config was written without --timezone"

step "the installed binaries work"
# Outputs are captured whole (grep -q would close the pipe early).
has() { # has TEXT COMMAND...: COMMAND succeeds and prints TEXT
    local out
    out="$("${@:2}")" || fail "$* failed"
    case "$out" in *"$1"*) ;; *) fail "$* did not print $1" ;; esac
}
has "$version" jy --version
has "$version" "$prefix/bin/jingyou-hub" --version
has "D1" jy --lang en catalog
has '"code"' jy catalog --json
has "1949-12-31" jy check id 11010519491231002X
if jy check plate ABC >/dev/null 2>&1; then fail "check accepted a bad plate"; fi

step "a seeded store"
jy seed --count 50 >/dev/null 2>&1 || fail "seed"
tally_before="$(jy tally --days 60 --format json)"
export_before="$(jy export --from 2026-09-01 --to today --format csv)"
[ "$(printf '%s\n' "$export_before" | wc -l)" -gt 50 ] || fail "the export has fewer than 50 applications"

step "the same version again: nothing to migrate, files checked, no backup"
out="$(inst)"
grep -q "already installed" <<<"$out" || fail "second run did not say it was already installed: $out"
[ -z "$(ls -d "$data".before-* 2>/dev/null)" ] || fail "a backup was made without an upgrade"

step "upgrade over an older version: backup, the store opened once, data kept"
printf '0.0.9\n' >"$prefix/share/jingyou/VERSION"
out="$(inst --timezone +08:00)"
printf '%s\n' "$out"
grep -q "Upgrading jingyou 0.0.9 to $version" <<<"$out" || fail "no upgrade message"
backup="$(ls -d "$data".before-"$version"-* 2>/dev/null | head -1)"
[ -n "$backup" ] && [ -d "$backup/store" ] || fail "no backup of the data dir"
[ "$(stat -c %a "$backup")" = 700 ] || fail "the backup is not 0700"
grep -q "opened by $version" <<<"$out" || fail "the store was not opened by the new version"
[ "$(jy tally --days 60 --format json)" = "$tally_before" ] || fail "tally changed by the upgrade"
[ "$(jy export --from 2026-09-01 --to today --format csv)" = "$export_before" ] || fail "export changed by the upgrade"
[ "$(JINGYOU_DATA="$backup" jy tally --days 60 --format json)" = "$tally_before" ] || fail "the backup does not hold the same data"
grep -qx 'timezone = "+08:00"' "$conf" || fail "--timezone did not write the config"
[ "$(stat -c %a "$conf")" = 600 ] || fail "config file is not 0600"
jy catalog >/dev/null 2>"$work/err" || fail "catalog after --timezone"
[ ! -s "$work/err" ] || fail "the written config is reported as broken: $(cat "$work/err")"
out="$(TZ=UTC inst --timezone +08:00)"
[ "$(grep -c '^timezone' "$conf")" -eq 1 ] || fail "--timezone twice wrote two lines"
grep -q "wrote timezone" <<<"$out" || fail "timezone not reported"

step "while the clerk's screen holds the store, an upgrade refuses and changes nothing"
if command -v flock >/dev/null 2>&1; then
    printf '0.0.9\n' >"$prefix/share/jingyou/VERSION"
    # Hold the store's lock as a running app does (sled flocks store/db).
    exec 9<"$data/store/db"
    flock -n 9 || fail "could not take the store's lock"
    if out="$(inst 2>&1)"; then fail "upgraded under a running app: $out"; fi
    exec 9<&-
    grep -q "close it" <<<"$out" || fail "no advice to close the app: $out"
    [ "$(cat "$prefix/share/jingyou/VERSION")" = 0.0.9 ] || fail "a refused upgrade changed the install"
    inst >/dev/null
fi

step "systemd units and the sync timer, staged into a directory"
units="$work/units"
etc="$work/etc"
out="$(inst --with-hub-service --with-sync-timer --systemd-dir "$units" --etc-dir "$etc" --no-start)"
printf '%s\n' "$out"
for u in jingyou-hub.service jingyou-sync.service jingyou-sync.timer; do
    [ -f "$units/$u" ] || fail "$u not installed"
done
grep -qx "ExecStart=$prefix/bin/jingyou sync --once" "$units/jingyou-sync.service" || fail "sync ExecStart not in PREFIX"
grep -q "^ExecStart=$prefix/bin/jingyou-hub " "$units/jingyou-hub.service" || fail "hub ExecStart not in PREFIX"
grep -qx "EnvironmentFile=-$etc/hub.env" "$units/jingyou-hub.service" || fail "hub EnvironmentFile"
grep -qx "User=$(id -un)" "$units/jingyou-sync.service" || fail "sync User= not the data's owner"
grep -qx "JINGYOU_DATA=$data" "$etc/sync.env" || fail "sync.env has no data dir"
[ -f "$etc/hub.env" ] || fail "hub.env not installed"
printf '# edited\n' >>"$etc/hub.env"
inst --with-hub-service --systemd-dir "$units" --etc-dir "$etc" --no-start >/dev/null
grep -q '^# edited' "$etc/hub.env" || fail "a second install overwrote hub.env"
if command -v systemd-analyze >/dev/null 2>&1; then
    # Checks syntax, known keys and that ExecStart is executable.
    if ! out="$(systemd-analyze verify "$units"/jingyou-hub.service "$units"/jingyou-sync.service "$units"/jingyou-sync.timer 2>&1)" \
        || grep -qi "unknown\|invalid\|failed" <<<"$out"; then
        fail "systemd-analyze verify: $out"
    fi
    echo "systemd-analyze verify: the three units are valid"
else
    echo "systemd-analyze is not installed: units not verified"
fi
# What the timer runs, as it runs it (no hub here: exit 5, said in words).
set +e
env -i HOME="$home" PATH="$minbin" JINGYOU_DATA="$data" JINGYOU_NOW="$JINGYOU_NOW" "$prefix/bin/jingyou" --lang en sync --once 2>"$work/err"
code=$?
set -e
[ "$code" -eq 5 ] || fail "sync --once without a hub: exit $code: $(cat "$work/err")"

step "uninstall keeps the data and the config"
out="$(inst --uninstall --systemd-dir "$units" --etc-dir "$etc")"
printf '%s\n' "$out"
[ ! -e "$prefix/bin/jingyou" ] && [ ! -e "$prefix/bin/jingyou-hub" ] || fail "binaries left after uninstall"
[ ! -e "$units/jingyou-hub.service" ] || fail "units left after uninstall"
[ ! -e "$prefix/share/jingyou" ] || fail "share/jingyou left after uninstall"
[ -d "$data/store" ] || fail "uninstall deleted the data"
[ -f "$conf" ] || fail "uninstall deleted the config"
grep -q "Kept the data" <<<"$out" || fail "uninstall did not say it kept the data"

step "reinstall finds the data; --purge-data deletes it"
inst >/dev/null
[ "$("$prefix/bin/jingyou" tally --days 60 --format json)" = "$tally_before" ] || fail "data not found after reinstall"
inst --uninstall --purge-data >/dev/null
[ ! -e "$data" ] || fail "--purge-data left the data"

printf '\nbundle_install: all passed (%s)\n' "$name"
