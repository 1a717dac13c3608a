#!/usr/bin/env bash
# Builds jingyou in release mode and installs it on a branch PC.
# Run ./install.sh --help for the options.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: ./install.sh [--prefix DIR] [--offline] [--no-build]
       ./install.sh --bundle [--offline] [--no-build]

Builds jingyou (cargo build --release) and installs:
  PREFIX/bin/jingyou, PREFIX/bin/jingyou-hub
  PREFIX/share/jingyou/themes/*.toml
  PREFIX/share/doc/jingyou/ (README.md and docs/)

Options:
  --prefix DIR   install under DIR (default: $PREFIX, else /usr/local)
  --offline      pass --offline to cargo: use only crates already downloaded
                 (cargo fetch beforehand, or a vendored registry)
  --no-build     install the binaries already in target/release (with
                 --bundle: bundle those already in target/x86_64-unknown-linux-gnu/release)
  --bundle       build the portable release instead (glibc 2.17 or newer:
                 CentOS 7, Kylin V10, UOS 20, Debian 10+, Ubuntu 18.04+) and
                 write dist/jingyou-VERSION-x86_64-linux.tar.gz for branch PCs
                 without a compiler or network; it needs cargo-zigbuild and
                 zig:  pip install ziglang cargo-zigbuild
  -h, --help     this text

Running it again replaces the installed files; nothing else is changed.
Nothing is downloaded except the crates cargo itself needs.
EOF
}

die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

prefix="${PREFIX:-/usr/local}"
offline=()
build=1
bundle=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix)
            [ $# -ge 2 ] && [ -n "$2" ] || die "--prefix needs a directory (see --help)."
            prefix="$2"
            shift 2
            ;;
        --prefix=*)
            prefix="${1#--prefix=}"
            [ -n "$prefix" ] || die "--prefix needs a directory (see --help)."
            shift
            ;;
        --offline) offline=(--offline); shift ;;
        --no-build) build=0; shift ;;
        --bundle) bundle=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) printf 'install.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done

# Work from the source tree, wherever we are called from.
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$src"
[ -f Cargo.toml ] || die "no Cargo.toml next to install.sh: run it from the jingyou source tree."

bins=(jingyou jingyou-hub)
target_dir="${CARGO_TARGET_DIR:-$src/target}"

if [ "$bundle" -eq 1 ]; then
    exec "$src/packaging/make-bundle.sh" "${offline[@]}" $([ "$build" -eq 1 ] || echo --no-build)
fi

if [ "$build" -eq 1 ]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found. Install Rust (https://rustup.rs, or on Debian: apt-get install cargo), then run this again; rustup users may need: . \"\$HOME/.cargo/env\""
    locked=()
    [ -f Cargo.lock ] && locked=(--locked)
    echo "Building jingyou (release); this takes a few minutes on a slow PC..."
    cargo build --release "${locked[@]}" "${offline[@]}" --bins \
        || die "the build failed (see the messages above)."
fi

for b in "${bins[@]}"; do
    [ -x "$target_dir/release/$b" ] || die "$target_dir/release/$b is missing: run without --no-build."
done

# Can we write there? Find the nearest existing ancestor of the prefix.
probe="$prefix"
while [ ! -e "$probe" ]; do
    probe="$(dirname "$probe")"
done
if [ ! -d "$probe" ] || [ ! -w "$probe" ]; then
    die "cannot write to $prefix ($probe is not writable): run with sudo, or choose another place with --prefix DIR."
fi
for d in "$prefix/bin" "$prefix/share/jingyou/themes" "$prefix/share/doc/jingyou"; do
    if [ -e "$d" ] && [ ! -w "$d" ]; then
        die "cannot write to $d: run with sudo, or choose another place with --prefix DIR."
    fi
done

echo "Installing into $prefix"
install -d -m 755 "$prefix/bin" "$prefix/share/jingyou/themes" "$prefix/share/doc/jingyou"
for b in "${bins[@]}"; do
    install -m 755 "$target_dir/release/$b" "$prefix/bin/$b"
    echo "  $prefix/bin/$b"
done
themes=(themes/*.toml)
install -m 644 "${themes[@]}" "$prefix/share/jingyou/themes/"
echo "  $prefix/share/jingyou/themes/ (${#themes[@]} themes, for reference: the app has them built in)"
install -m 644 README.md "$prefix/share/doc/jingyou/README.md"
if [ -d docs ]; then
    install -d -m 755 "$prefix/share/doc/jingyou/docs"
    for f in docs/*; do
        [ -f "$f" ] && install -m 644 "$f" "$prefix/share/doc/jingyou/docs/"
    done
fi
echo "  $prefix/share/doc/jingyou/"

"$prefix/bin/jingyou" --version >/dev/null 2>&1 \
    || die "$prefix/bin/jingyou was installed but does not run."
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "Note: $prefix/bin is not on PATH." ;;
esac
echo "Done. Start the counter screen with: jingyou   (first run: set up the branch, or F3 for training)"
echo "User themes go in \${XDG_CONFIG_HOME:-~/.config}/jingyou/themes/; copy one from $prefix/share/jingyou/themes/ to start."
