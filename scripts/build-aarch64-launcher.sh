#!/usr/bin/env bash
# Cross-builds wasmpirun for aarch64 (target/aarch64-unknown-linux-gnu/release/wasmpirun)
# against Debian's arm64 MPICH, for the tests that run it under qemu-aarch64.
#
# Needs the arm64 runtime (libmpich12:arm64, installed through Debian multiarch by
# scripts/install-deps.sh). Its headers come from libmpich-dev:arm64, which cannot be
# installed next to the amd64 one (its files collide), so the package is downloaded and
# unpacked under target/aarch64-mpich instead. Linking uses Debian's gcc-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."

root="$PWD/target/aarch64-mpich"
version=$(dpkg-query -W -f='${Version}' libmpich12:arm64 2>/dev/null || true)
if [ -z "$version" ]; then
    echo "build-aarch64-launcher: libmpich12:arm64 is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi
stamp="$root/libmpich-dev-$version"
if [ ! -e "$stamp" ]; then
    rm -rf "$root"
    mkdir -p "$root/download"
    (cd "$root/download" && apt-get download -o APT::Sandbox::User=root "libmpich-dev:arm64=$version")
    dpkg-deb -x "$root"/download/libmpich-dev_*_arm64.deb "$root"
    mkdir -p "$root/lib"
    ln -sfn /usr/lib/aarch64-linux-gnu/libmpich.so.12 "$root/lib/libmpich.so"
    touch "$stamp"
fi

# libmpich's own dependencies (UCX, hwloc) are in the multiarch directories, which the
# cross linker does not search by itself.
MPICC="$PWD/scripts/aarch64-mpicc" WASMPI_AARCH64_MPICH="$root" \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-Wl,-rpath-link,/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu" \
    cargo build --release --target aarch64-unknown-linux-gnu -p wasmpi-launcher
