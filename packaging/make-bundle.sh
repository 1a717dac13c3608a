#!/usr/bin/env bash
# Builds the portable release and writes the bundle for branch PCs:
#   dist/jingyou-VERSION-x86_64-linux.tar.gz  ->  jingyou-VERSION/
#     bin/jingyou, bin/jingyou-hub   (need glibc 2.17 or newer)
#     share/jingyou/themes/, share/doc/jingyou/ (README.md, docs/)
#     systemd/ (units, hub.env, the cron alternative)
#     install.sh, VERSION, SHA256SUMS (paths relative to jingyou-VERSION/)
# Run through ./install.sh --bundle [--offline] [--no-build].
#
# The binaries are built with cargo-zigbuild, which links against glibc 2.17
# symbol versions with zig's bundled libc stubs (target
# x86_64-unknown-linux-gnu.2.17), using the project's own Rust toolchain and
# release profile. Paths of this machine are remapped out of the binaries,
# and the archive has sorted names, fixed owners and the last commit's time,
# so the same commit and tool versions give the same archive.
set -euo pipefail

die() {
    printf 'install.sh --bundle: %s\n' "$*" >&2
    exit 1
}

offline=()
build=1
for a in "$@"; do
    case "$a" in
        --offline) offline=(--offline) ;;
        --no-build) build=0 ;;
        *) die "unknown option $a" ;;
    esac
done

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$src"
triple=x86_64-unknown-linux-gnu
glibc=2.17
target_dir="${CARGO_TARGET_DIR:-$src/target}"
out_dir="$target_dir/$triple/release"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
[ -n "$version" ] || die "no version in Cargo.toml."
name="jingyou-$version"

if [ "$build" -eq 1 ]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found: the bundle is built on a development machine with Rust."
    command -v cargo-zigbuild >/dev/null 2>&1 \
        || die "cargo-zigbuild not found. Install it and zig with: pip install ziglang cargo-zigbuild  (or: cargo install cargo-zigbuild --locked)"
    if ! command -v zig >/dev/null 2>&1 && ! python3 -m ziglang version >/dev/null 2>&1; then
        die "zig not found. Install it with: pip install ziglang"
    fi
    if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$triple"; then
        rustup target add "$triple"
    fi
    cargo_home="${CARGO_HOME:-$HOME/.cargo}"
    export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--remap-path-prefix=$src=/jingyou --remap-path-prefix=$cargo_home=/cargo"
    export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
    locked=()
    [ -f Cargo.lock ] && locked=(--locked)
    echo "Building the portable release (glibc $glibc, size-optimised, LTO; several minutes)..."
    cargo zigbuild --release "${locked[@]}" "${offline[@]}" --bins --target "$triple.$glibc" \
        || die "the build failed (see the messages above)."
fi
for b in jingyou jingyou-hub; do
    [ -x "$out_dir/$b" ] || die "$out_dir/$b is missing: run without --no-build."
done
bash "$src/tests/glibc_floor.sh" --max "$glibc" "$out_dir/jingyou" "$out_dir/jingyou-hub" \
    || die "the binaries need a newer glibc than $glibc: not bundled."

stage="$src/dist/stage"
rm -rf "$stage"
root="$stage/$name"
install -d -m 755 "$root/bin" "$root/share/jingyou/themes" "$root/share/doc/jingyou/docs" "$root/systemd"
install -m 755 "$out_dir/jingyou" "$out_dir/jingyou-hub" "$root/bin/"
install -m 644 themes/*.toml "$root/share/jingyou/themes/"
install -m 644 README.md "$root/share/doc/jingyou/README.md"
for f in docs/*; do
    [ -f "$f" ] && install -m 644 "$f" "$root/share/doc/jingyou/docs/"
done
install -m 644 systemd/* "$root/systemd/"
install -m 755 packaging/bundle-install.sh "$root/install.sh"
printf '%s\n' "$version" >"$root/VERSION"
(
    cd "$root"
    find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS
)
chmod 644 "$root/VERSION" "$root/SHA256SUMS"

# The bundle's own binary must run here and say its version.
"$root/bin/jingyou" --version | grep -qF "$version" || die "the built jingyou does not report version $version."

mtime="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
archive="$src/dist/$name-x86_64-linux.tar.gz"
tar --sort=name --mtime="@$mtime" --owner=0 --group=0 --numeric-owner \
    --format=gnu -C "$stage" -cf - "$name" | gzip -9n >"$archive.tmp"
mv -f "$archive.tmp" "$archive"
rm -rf "$stage"
size="$(du -k "$archive" | awk '{print $1}')"
echo "Wrote $archive ($size KiB)"
echo "On the branch PC:  tar -xzf $name-x86_64-linux.tar.gz && sudo $name/install.sh   (--help for options)"
