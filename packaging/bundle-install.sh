#!/usr/bin/env bash
# The installer inside a jingyou release bundle (jingyou-VERSION/install.sh).
# Needs no compiler and no network, never prompts. ./install.sh --help
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [options]
       ./install.sh --uninstall [--prefix DIR] [--purge-data]

Installs the jingyou in this directory (nothing is compiled or downloaded):
  PREFIX/bin/jingyou, PREFIX/bin/jingyou-hub
  PREFIX/share/jingyou/ (themes, systemd units, the installed version)
  PREFIX/share/doc/jingyou/ (README.md, docs/)
It first checks SHA256SUMS and the machine (processor, glibc, terminal, free
disk, time zone) and says what it found and what it did. Running it again is
safe. Over an older version it backs up the data dir, then opens the store
once with the new version, which upgrades its format.

Options:
  --prefix DIR        install under DIR (default: $PREFIX, else /usr/local)
  --data-dir DIR      the clerk's data dir (default: $JINGYOU_DATA, else
                      $XDG_DATA_HOME/jingyou, else ~/.local/share/jingyou of
                      the user who ran sudo, or of this user)
  --config FILE       the clerk's config file (default: $XDG_CONFIG_HOME or
                      ~/.config of that user, /jingyou/config.toml)
  --timezone +HH:MM   write  timezone = "+HH:MM"  into the config file (for a
                      PC whose clock is on UTC; China is +08:00)
  --with-hub-service  install and start jingyou-hub.service (county server)
  --with-sync-timer   upload every 15 minutes with `jingyou sync --once`
                      (jingyou-sync.timer; /etc/cron.d where systemd is missing)
  --sync-user USER    the account the sync runs as (default: the data dir's owner)
  --systemd-dir DIR   where units go (default /etc/systemd/system)
  --etc-dir DIR       where hub.env / sync.env go (default /etc/jingyou)
  --cron-dir DIR      where the cron file goes without systemd (default /etc/cron.d)
  --no-start          install units but do not enable or start them
  --uninstall         remove what was installed; data and config stay
  --purge-data        with --uninstall: also delete the data dir and the hub's data
  -h, --help          this text
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*"; }
die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

need_arg() {
    [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)."
}

prefix="${PREFIX:-/usr/local}"
data_dir=""
config_file=""
timezone=""
with_hub=0
with_sync=0
sync_user=""
systemd_dir=/etc/systemd/system
etc_dir=/etc/jingyou
cron_dir=/etc/cron.d
start=1
uninstall=0
purge=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) need_arg "$@"; prefix="$2"; shift 2 ;;
        --data-dir) need_arg "$@"; data_dir="$2"; shift 2 ;;
        --config) need_arg "$@"; config_file="$2"; shift 2 ;;
        --timezone) need_arg "$@"; timezone="$2"; shift 2 ;;
        --with-hub-service) with_hub=1; shift ;;
        --with-sync-timer) with_sync=1; shift ;;
        --sync-user) need_arg "$@"; sync_user="$2"; shift 2 ;;
        --systemd-dir) need_arg "$@"; systemd_dir="$2"; shift 2 ;;
        --etc-dir) need_arg "$@"; etc_dir="$2"; shift 2 ;;
        --cron-dir) need_arg "$@"; cron_dir="$2"; shift 2 ;;
        --no-start) start=0; shift ;;
        --uninstall) uninstall=1; shift ;;
        --purge-data) purge=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --*=*) opt="${1%%=*}"; val="${1#*=}"; shift; set -- "$opt" "$val" "$@" ;;
        *) printf 'install.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done
[ "$purge" -eq 0 ] || [ "$uninstall" -eq 1 ] || die "--purge-data only goes with --uninstall."
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
if [ -n "$timezone" ]; then
    [[ "$timezone" =~ ^[+-]([01][0-9]|2[0-3]):[0-5][0-9]$ ]] \
        || die "--timezone $timezone: write it as +08:00 (sign, hours, minutes)."
fi

bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -f "$bundle/VERSION" ] && [ -x "$bundle/bin/jingyou" ] \
    || die "run the install.sh inside an unpacked jingyou-VERSION/ directory."
version="$(cat "$bundle/VERSION")"
share="$prefix/share/jingyou"
doc="$prefix/share/doc/jingyou"
manifest="$share/MANIFEST"

# --- whose data ---------------------------------------------------------------
# The clerk's account: the one who ran sudo, else this one.
owner="${SUDO_USER:-$(id -un)}"
owner_home="$HOME"
if [ -n "${SUDO_USER:-}" ] && [ "$(id -u)" -eq 0 ]; then
    owner_home="$(getent passwd "$SUDO_USER" | cut -d: -f6)"
    [ -n "$owner_home" ] || owner_home="$HOME"
    # Under sudo, $XDG_* and $JINGYOU_DATA are root's (if kept at all).
    xdg_data="$owner_home/.local/share"
    xdg_config="$owner_home/.config"
else
    xdg_data="${XDG_DATA_HOME:-$HOME/.local/share}"
    xdg_config="${XDG_CONFIG_HOME:-$HOME/.config}"
fi
if [ -z "$data_dir" ]; then
    if [ -n "${JINGYOU_DATA:-}" ] && [ -z "${SUDO_USER:-}" ]; then
        data_dir="$JINGYOU_DATA"
    else
        data_dir="$xdg_data/jingyou"
    fi
fi
[ -n "$config_file" ] || config_file="$xdg_config/jingyou/config.toml"
# Who owns the data (the account migrations and the sync run as).
data_owner="$owner"
if [ -e "$data_dir" ]; then
    data_owner="$(stat -c %U "$data_dir")"
fi
[ -n "$sync_user" ] || sync_user="$data_owner"

# Runs a command as the data's owner (never as root over a clerk's files).
as_owner() {
    if [ "$(id -un)" = "$data_owner" ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
        runuser -u "$data_owner" -- "$@"
    elif [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
        setpriv --reuid="$data_owner" --regid="$(id -g "$data_owner")" --init-groups -- "$@"
    else
        die "cannot act as $data_owner, who owns $data_dir: run as root or as $data_owner."
    fi
}

systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
# Only touch the running systemd when the units go where it reads them.
manage_units() { [ "$start" -eq 1 ] && [ "$systemd_dir" = /etc/systemd/system ] && systemd_running; }

app_running() {
    # sled holds an exclusive flock on store/db while a process has it open.
    local db="$data_dir/store/db"
    [ -f "$db" ] || return 1
    if command -v flock >/dev/null 2>&1; then
        ! flock -n "$db" true 2>/dev/null
    else
        [ -S "$data_dir/store.sock" ]
    fi
}

# --- uninstall ----------------------------------------------------------------
if [ "$uninstall" -eq 1 ]; then
    [ -f "$manifest" ] || [ -x "$prefix/bin/jingyou" ] || die "jingyou is not installed under $prefix."
    if [ -f "$share/UNITS" ]; then
        while IFS= read -r unit; do
            [ -n "$unit" ] || continue
            if manage_units && [[ "$unit" == */systemd/system/* ]]; then
                systemctl disable --now "$(basename "$unit")" >/dev/null 2>&1 || true
            fi
            rm -f "$unit" && say "removed $unit"
        done <"$share/UNITS"
        if manage_units; then systemctl daemon-reload || true; fi
    fi
    if [ -f "$manifest" ]; then
        while IFS= read -r f; do
            [ -n "$f" ] && rm -f "$prefix/$f"
        done <"$manifest"
    else
        rm -f "$prefix/bin/jingyou" "$prefix/bin/jingyou-hub"
    fi
    say "Removed jingyou from $prefix (binaries, themes, docs, units)."
    if [ "$purge" -eq 1 ]; then
        app_running && die "the clerk's screen has $data_dir open: close it first."
        purge_dirs=("$data_dir")
        [ -f "$share/HUB_DATA" ] && purge_dirs+=("$(cat "$share/HUB_DATA")")
        for d in "${purge_dirs[@]}"; do
            if [ -d "$d" ]; then
                rm -rf -- "$d"
                say "Deleted the data in $d (--purge-data)."
            fi
        done
    else
        [ -d "$data_dir" ] && say "Kept the data in $data_dir (delete it with --uninstall --purge-data)."
        [ -f "$config_file" ] && say "Kept the config file $config_file."
    fi
    rm -f "$manifest" "$share/UNITS" "$share/VERSION" "$share/HUB_DATA"
    for d in "$share/themes" "$share/systemd" "$doc/docs" "$doc" "$share"; do
        if [ -d "$d" ]; then rmdir "$d" 2>/dev/null || true; fi
    done
    exit 0
fi

# --- the bundle is whole --------------------------------------------------------
say "jingyou $version: checking the bundle and this machine"
(
    cd "$bundle"
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum -c --quiet SHA256SUMS
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 -c --quiet SHA256SUMS
    else
        echo "neither sha256sum nor shasum is installed" >&2
        exit 1
    fi
) || die "the bundle is damaged or incomplete (SHA256SUMS does not match): copy it again."
say "  bundle: every file matches SHA256SUMS"

# --- the machine ------------------------------------------------------------------
arch="$(uname -m)"
[ "$arch" = x86_64 ] || die "this bundle is for x86_64 PCs; this one is $arch."
glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
if [ -z "$glibc" ]; then
    glibc="$(ldd --version 2>/dev/null | head -1 | grep -o '[0-9]\+\.[0-9]\+$' || true)"
fi
[ -n "$glibc" ] || die "this system has no GNU C library (glibc); the bundle needs glibc 2.17 or newer."
if [ "$(printf '%s\n%s\n' 2.17 "$glibc" | sort -V | head -1)" != 2.17 ]; then
    die "glibc $glibc is older than 2.17, which the bundle needs."
fi
say "  glibc $glibc (2.17 or newer needed): ok"

case "${TERM:-}" in
    "" | dumb) say "  terminal: TERM=${TERM:-unset}; the clerk's terminal needs TERM set (e.g. xterm-256color, linux); without colours jingyou uses its mono theme" ;;
    vt100 | vt220 | linux) say "  terminal: TERM=$TERM: ASCII borders and Esc+digit for function keys work" ;;
    *) say "  terminal: TERM=$TERM: ok" ;;
esac
if [ -t 1 ] && command -v tput >/dev/null 2>&1; then
    cols="$(tput cols 2>/dev/null || echo 0)"
    lines="$(tput lines 2>/dev/null || echo 0)"
    if [ "$cols" -lt 80 ] || [ "$lines" -lt 24 ]; then
        warn "this terminal is ${cols}x${lines}; the clerk screen needs at least 80x24."
    fi
fi
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
    *UTF-8* | *utf8* | *UTF8* | *utf-8*) ;;
    *) warn "the locale (${LC_ALL:-${LC_CTYPE:-${LANG:-unset}}}) is not UTF-8: Chinese text shows as garbage. Set LANG=zh_CN.UTF-8 (or C.UTF-8) for the clerk's account." ;;
esac

# Free disk: the binaries (twice, for the swap) plus a backup of the data.
probe="$prefix"
while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
[ -d "$probe" ] && [ -w "$probe" ] || die "cannot write to $prefix ($probe is not writable): run with sudo, or choose another place with --prefix DIR."
bundle_kib="$(du -sk "$bundle" | awk '{print $1}')"
need_kib=$((bundle_kib * 2 + 10240))
free_kib="$(df -Pk "$probe" | awk 'NR==2 {print $4}')"
[ "$free_kib" -ge "$need_kib" ] || die "only $((free_kib / 1024)) MiB free under $probe; $((need_kib / 1024)) MiB needed."
say "  disk: $((free_kib / 1024)) MiB free under $probe: ok"

# Time zone: receipts and "today" follow the PC's zone unless the config sets one.
offset="$(date +%z)"
configured_tz=""
if [ -f "$config_file" ]; then
    configured_tz="$(sed -n 's/^[[:space:]]*timezone[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$config_file" | head -1)"
fi

# --- the running version ----------------------------------------------------------
old_version=""
if [ -f "$share/VERSION" ]; then
    old_version="$(cat "$share/VERSION")"
elif [ -x "$prefix/bin/jingyou" ]; then
    old_version="$("$prefix/bin/jingyou" --version 2>/dev/null | awk '{print $2}' || true)"
    [ -n "$old_version" ] || old_version="unknown"
fi
upgrade=0
if [ -n "$old_version" ] && [ "$old_version" != "$version" ]; then
    upgrade=1
fi
has_store=0
[ -d "$data_dir/store" ] && has_store=1
if [ "$upgrade" -eq 1 ] && [ "$has_store" -eq 1 ]; then
    app_running && die "the clerk's screen (or another jingyou) has $data_dir open: close it, then run this again. Nothing was changed."
    data_kib="$(du -sk "$data_dir" | awk '{print $1}')"
    parent_free="$(df -Pk "$(dirname "$data_dir")" | awk 'NR==2 {print $4}')"
    [ "$parent_free" -ge $((data_kib + 10240)) ] \
        || die "the backup of $data_dir needs $((data_kib / 1024 + 10)) MiB; only $((parent_free / 1024)) MiB are free there. Nothing was changed."
fi

# --- install ------------------------------------------------------------------------
if [ -z "$old_version" ]; then
    say "Installing jingyou $version into $prefix"
elif [ "$upgrade" -eq 1 ]; then
    say "Upgrading jingyou $old_version to $version in $prefix"
else
    say "jingyou $version is already installed in $prefix: checking its files"
fi

backup=""
if [ "$upgrade" -eq 1 ] && [ "$has_store" -eq 1 ]; then
    backup="$data_dir.before-$version-$(date +%Y%m%d-%H%M%S)"
    cp -a -- "$data_dir" "$backup" || die "could not back up $data_dir to $backup; nothing was changed."
    # It holds personal data: only its owner may enter it.
    chmod 700 "$backup"
    say "  backed up the data: $data_dir -> $backup"
fi

install -d -m 755 "$prefix/bin" "$share/themes" "$share/systemd" "$doc/docs"
: >"$manifest.new"
put() { # put MODE SRC DEST-relative-to-prefix
    install -m "$1" "$2" "$prefix/$3.new"
    mv -f "$prefix/$3.new" "$prefix/$3"
    printf '%s\n' "$3" >>"$manifest.new"
}
for b in jingyou jingyou-hub; do
    put 755 "$bundle/bin/$b" "bin/$b"
    say "  $prefix/bin/$b"
done
for f in "$bundle"/share/jingyou/themes/*.toml; do
    put 644 "$f" "share/jingyou/themes/$(basename "$f")"
done
for f in "$bundle"/systemd/*; do
    put 644 "$f" "share/jingyou/systemd/$(basename "$f")"
done
put 644 "$bundle/share/doc/jingyou/README.md" "share/doc/jingyou/README.md"
for f in "$bundle"/share/doc/jingyou/docs/*; do
    [ -f "$f" ] && put 644 "$f" "share/doc/jingyou/docs/$(basename "$f")"
done
say "  $share/ (themes, systemd units), $doc/"
mv -f "$manifest.new" "$manifest"

"$prefix/bin/jingyou" --version >/dev/null 2>&1 || die "$prefix/bin/jingyou was installed but does not run on this machine."

if [ "$upgrade" -eq 1 ] && [ "$has_store" -eq 1 ]; then
    say "  opening the store once with $version (it upgrades the store's format if this version needs it)..."
    for t in "" --training; do
        [ -z "$t" ] || [ -d "$data_dir/training/store" ] || continue
        if ! out="$(as_owner env JINGYOU_DATA="$data_dir" "$prefix/bin/jingyou" $t --lang en queue --format json 2>&1 >/dev/null)"; then
            printf '%s\n' "$out" >&2
            die "jingyou $version could not open the store in $data_dir${t:+ (training)}. The data before the upgrade is in $backup; the old version's files were replaced, so copy that back after installing the old bundle again."
        fi
    done
    say "  store in $data_dir: opened by $version, data kept"
fi
printf '%s\n' "$version" >"$share/VERSION.new" && mv -f "$share/VERSION.new" "$share/VERSION"

# --- time zone ---------------------------------------------------------------------
write_timezone() {
    local dir
    dir="$(dirname "$config_file")"
    if [ ! -d "$dir" ]; then
        as_config_owner install -d -m 700 "$dir"
    fi
    if [ -f "$config_file" ] && grep -q '^[[:space:]]*timezone[[:space:]]*=' "$config_file"; then
        as_config_owner sed -i "s|^[[:space:]]*timezone[[:space:]]*=.*|timezone = \"$timezone\"|" "$config_file"
    elif [ -f "$config_file" ]; then
        # A top-level key goes before the first [table]: put it first.
        { printf 'timezone = "%s"\n' "$timezone"; cat "$config_file"; } >"$config_file.new"
        chmod 600 "$config_file.new"
        [ "$(id -u)" -ne 0 ] || chown "$(stat -c %u:%g "$config_file")" "$config_file.new"
        mv -f "$config_file.new" "$config_file"
    else
        as_config_owner sh -c 'umask 077 && printf "timezone = \"%s\"\n" "$1" >"$2"' sh "$timezone" "$config_file"
    fi
}
as_config_owner() {
    if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && command -v runuser >/dev/null 2>&1; then
        runuser -u "$SUDO_USER" -- "$@"
    else
        "$@"
    fi
}
if [ -n "$timezone" ]; then
    write_timezone
    say "  time zone: wrote timezone = \"$timezone\" into $config_file"
elif [ -n "$configured_tz" ] && [ "$configured_tz" != local ]; then
    say "  time zone: $config_file sets timezone = \"$configured_tz\": ok"
elif [ "$offset" = "+0000" ]; then
    warn "this PC's clock is on UTC ($(date '+%Y-%m-%d %H:%M %Z')), so receipts would show UTC times and \"today\" would start at 08:00 Beijing time."
    say "  Add this line at the top of $config_file (or run this again with --timezone +08:00):"
    say "      timezone = \"+08:00\""
else
    say "  time zone: this PC is on $offset: ok"
fi

# --- services --------------------------------------------------------------------------
units_file="$share/UNITS"
touch "$units_file"
remember_unit() { grep -qxF "$1" "$units_file" || printf '%s\n' "$1" >>"$units_file"; }
place_unit() { # place_unit NAME: the unit with this prefix and the chosen dirs
    local src="$bundle/systemd/$1" dest="$systemd_dir/$1"
    install -d -m 755 "$systemd_dir"
    sed -e "s|/usr/local/bin/|$prefix/bin/|g" \
        -e "s|/usr/local/share/doc/jingyou/|$doc/|g" \
        -e "s|/etc/jingyou/|$etc_dir/|g" \
        -e "s|^User=clerk$|User=$sync_user|" "$src" >"$dest.new"
    chmod 644 "$dest.new"
    mv -f "$dest.new" "$dest"
    remember_unit "$dest"
    say "  $dest"
}

if [ "$with_hub" -eq 1 ]; then
    install -d -m 755 "$etc_dir"
    if [ ! -f "$etc_dir/hub.env" ]; then
        install -m 640 "$bundle/systemd/hub.env" "$etc_dir/hub.env"
        say "  $etc_dir/hub.env (the hub's options: edit, then systemctl restart jingyou-hub)"
    else
        say "  $etc_dir/hub.env kept as it is"
    fi
    hub_data="$(sed -n 's/^JINGYOU_HUB_DATA=//p' "$etc_dir/hub.env" | tail -1)"
    hub_data="${hub_data:-/var/lib/jingyou-hub}"
    if [ "$systemd_dir" != /etc/systemd/system ]; then
        say "  units staged in $systemd_dir: the jingyou-hub user and $hub_data are made when installing into /etc/systemd/system"
    elif [ "$(id -u)" -eq 0 ]; then
        if ! getent passwd jingyou-hub >/dev/null 2>&1; then
            nologin="$(command -v nologin || echo /sbin/nologin)"
            useradd --system --home-dir "$hub_data" --no-create-home --shell "$nologin" jingyou-hub \
                || die "could not create the jingyou-hub system user."
            say "  created the system user jingyou-hub"
        fi
        install -d -m 700 -o jingyou-hub -g jingyou-hub "$hub_data"
        chgrp jingyou-hub "$etc_dir/hub.env" 2>/dev/null || true
    else
        warn "not root: the jingyou-hub user and $hub_data were not created."
    fi
    printf '%s\n' "$hub_data" >"$share/HUB_DATA"
    place_unit jingyou-hub.service
    if manage_units; then
        systemctl daemon-reload
        systemctl enable --now jingyou-hub.service >/dev/null
        systemctl restart jingyou-hub.service
        say "  jingyou-hub.service enabled and (re)started (systemctl status jingyou-hub)"
    else
        say "  to start it: systemctl daemon-reload && systemctl enable --now jingyou-hub"
    fi
fi

if [ "$with_sync" -eq 1 ]; then
    install -d -m 755 "$etc_dir"
    sync_home="$(getent passwd "$sync_user" | cut -d: -f6 || true)"
    [ -n "$sync_home" ] || die "--with-sync-timer: no account $sync_user on this machine (use --sync-user)."
    {
        echo "# Written by jingyou's install.sh for jingyou-sync (KEY=value lines)."
        echo "HOME=$sync_home"
        echo "JINGYOU_DATA=$data_dir"
    } >"$etc_dir/sync.env.new"
    chmod 644 "$etc_dir/sync.env.new"
    mv -f "$etc_dir/sync.env.new" "$etc_dir/sync.env"
    remember_unit "$etc_dir/sync.env"
    say "  $etc_dir/sync.env (runs as $sync_user on $data_dir)"
    if systemd_running || [ "$systemd_dir" != /etc/systemd/system ]; then
        place_unit jingyou-sync.service
        place_unit jingyou-sync.timer
        if manage_units; then
            systemctl daemon-reload
            systemctl enable --now jingyou-sync.timer >/dev/null
            say "  jingyou-sync.timer enabled: an upload pass every 15 minutes (systemctl list-timers jingyou-sync)"
        else
            say "  to start it: systemctl daemon-reload && systemctl enable --now jingyou-sync.timer"
        fi
    else
        line="*/15 * * * * $sync_user HOME=$sync_home JINGYOU_DATA=$data_dir $prefix/bin/jingyou sync --once >/dev/null 2>&1"
        if [ -d "$cron_dir" ] && [ -w "$cron_dir" ]; then
            { echo "# jingyou: an upload pass every 15 minutes (installed by jingyou's install.sh)"; echo "SHELL=/bin/sh"; echo "$line"; } >"$cron_dir/jingyou-sync"
            chmod 644 "$cron_dir/jingyou-sync"
            remember_unit "$cron_dir/jingyou-sync"
            say "  no systemd here: $cron_dir/jingyou-sync runs the upload every 15 minutes"
        else
            warn "no systemd and no writable $cron_dir: add this line to /etc/crontab yourself:"
            say "      $line"
        fi
    fi
fi

# --- done ------------------------------------------------------------------------------
"$prefix/bin/jingyou" --version
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) say "Note: $prefix/bin is not on PATH; add it, or run $prefix/bin/jingyou." ;;
esac
if [ "$has_store" -eq 1 ]; then
    say "Data: $data_dir (kept)."
else
    say "Data: $data_dir will be made on the first start."
fi
say "Done. Start the counter screen with: jingyou   (first run: set up the branch, or F3 for training)"
