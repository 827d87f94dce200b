#!/usr/bin/env bash
# Installs what building and testing wasmpi needs, and only what is missing: the wasm32-wasi
# C/C++ toolchain (clang, lld, wasi-libc, compiler-rt builtins, libc++/libc++abi), the native
# one (gcc, g++, make), wabt, and both MPI implementations wasmpi is tested with (Open MPI
# and MPICH), and for the aarch64 tests: the cross toolchain, qemu-user, and arm64 glibc and
# MPICH through Debian multiarch (enabling the arm64 architecture if needed). Idempotent:
# when everything is installed it changes nothing and does not even run `apt-get update`.
# Also checks that cargo exists.
set -euo pipefail

packages=(
    clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
    gcc g++ make cmake wabt libopenmpi-dev openmpi-bin libmpich-dev mpich
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    libc6:arm64 libmpich12:arm64
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "install-deps: not root and no sudo; install these Debian packages: ${missing[*]}" >&2
            exit 1
        fi
    fi
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        echo "install-deps: enabling the arm64 architecture (dpkg --add-architecture arm64)"
        "${sudo[@]}" dpkg --add-architecture arm64
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "install-deps: all Debian packages present"
fi

if command -v cargo >/dev/null 2>&1; then
    :
elif [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    echo "install-deps: cargo is in ${CARGO_HOME:-$HOME/.cargo}/bin, which is not on PATH (scripts/test.sh adds it)"
else
    echo "install-deps: cargo not found: install the Rust toolchain (rustup, https://rustup.rs) and put cargo on PATH" >&2
    exit 1
fi
