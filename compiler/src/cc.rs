//! `wasmpi cc` / `wasmpi c++` (also invoked as `wasmpicc` / `wasmpicxx`): clang for
//! wasm32-wasi with wasmpi's `mpi.h`, like `mpicc` for a native MPI.
//!
//! The header is embedded in this binary and written once per version into the cache
//! directory, so a single `wasmpi` binary is all a user needs. clang runs binaryen's
//! `wasm-opt` after linking whenever it finds one, which strips the function names wasmpi
//! shows in trap messages and profiles; `-B` points clang at a do-nothing `wasm-opt` first
//! (Cranelift optimizes the code when it is compiled anyway).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which language driver to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// C, through `clang`.
    C,
    /// C++, through `clang++` with libc++; a throw ends the program (see `cxxrt.cpp`).
    Cxx,
}

const CLANG_PACKAGES: &str = "clang lld";
const WASI_PACKAGES: &str = "wasi-libc libclang-rt-14-dev-wasm32";
const CXX_PACKAGES: &str = "libc++-14-dev-wasm32 libc++abi-14-dev-wasm32";

/// The language an `argv[0]` of `wasmpicc`/`wasmpicxx` asks for, if any.
pub fn language_of_program_name(argv0: &str) -> Option<Language> {
    let name = Path::new(argv0).file_name()?.to_str()?;
    match name {
        "wasmpicc" | "wasmpi-cc" => Some(Language::C),
        "wasmpicxx" | "wasmpic++" | "wasmpi-c++" | "wasmpiCC" => Some(Language::Cxx),
        _ => None,
    }
}

/// Directory holding this version's `mpi.h` and the `wasm-opt` stand-in, created on demand.
fn support_dir() -> Result<PathBuf> {
    let base = wasmpi_abi::cache::cache_dir().unwrap_or_else(std::env::temp_dir);
    let dir = base.join("toolchain").join(wasmpi_abi::VERSION);
    let header = dir.join("include").join("mpi.h");
    if std::fs::read(&header).ok().as_deref() != Some(wasmpi_abi::MPI_H.as_bytes()) {
        crate::cache::write_atomically(&header, wasmpi_abi::MPI_H.as_bytes())?;
    }
    let wasm_opt = dir.join("bin").join("wasm-opt");
    if !wasm_opt.is_file() {
        crate::cache::write_atomically(
            &wasm_opt,
            b"#!/bin/sh\n# wasmpi keeps function names: no post-link optimization.\nexit 0\n",
        )?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wasm_opt, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(dir)
}

/// The wasi-libc sysroot, or an error naming the packages to install.
fn sysroot() -> Result<PathBuf> {
    let candidates = [
        "/usr",
        "/usr/share/wasi-sysroot",
        "/opt/wasi-sdk/share/wasi-sysroot",
    ];
    for root in candidates {
        if Path::new(root).join("lib/wasm32-wasi/libc.a").is_file() {
            return Ok(PathBuf::from(root));
        }
    }
    bail!(
        "no wasi-libc sysroot found (looked in {}): install the Debian packages {WASI_PACKAGES}",
        candidates.join(", ")
    )
}

/// The wasm features `wasmpi cc` enables by default: every x86-64 and aarch64 CPU runs them
/// and both compiler tiers compile them, while clang 14 leaves them all off (the wasm MVP).
/// They come before the user's arguments, so the usual clang flags (`-mno-simd128`,
/// `-mno-bulk-memory`, ...) turn each one off again.
pub const DEFAULT_FEATURES: [&str; 5] = [
    "-msimd128",
    "-mbulk-memory",
    "-mnontrapping-fptoint",
    "-msign-ext",
    "-mmutable-globals",
];

/// wasmpi's C++ runtime support (`__cxa_allocate_exception`, `__cxa_throw`), linked into
/// every C++ program: a throw ends the program with the exception's type and `what()`.
const CXX_RUNTIME: &str = include_str!("cxxrt.cpp");

/// The C++ runtime support object for this version, compiled on first use (atomically, so
/// concurrent builds never see half an object).
fn cxx_runtime(support: &Path, sysroot: &Path) -> Result<PathBuf> {
    let object = support.join("lib").join("wasmpi-cxxrt.o");
    let source = support.join("lib").join("wasmpi-cxxrt.cpp");
    if object.is_file() && std::fs::read(&source).ok().as_deref() == Some(CXX_RUNTIME.as_bytes()) {
        return Ok(object);
    }
    crate::cache::write_atomically(&source, CXX_RUNTIME.as_bytes())?;
    let partial = support
        .join("lib")
        .join(format!("wasmpi-cxxrt.o.{}", std::process::id()));
    let status = Command::new("clang++")
        .arg("--target=wasm32-wasi")
        .arg(format!("--sysroot={}", sysroot.display()))
        .args(["-O2", "-fno-exceptions", "-c"])
        .args(DEFAULT_FEATURES)
        .arg(TLS_MODEL)
        .arg(&source)
        .arg("-o")
        .arg(&partial)
        .status()
        .with_context(|| "cannot run clang++ to build wasmpi's C++ runtime support")?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "clang++ could not build wasmpi's C++ runtime support ({}): install the Debian packages {CXX_PACKAGES}",
            source.display()
        );
    }
    std::fs::rename(&partial, &object)
        .with_context(|| format!("cannot write {}", object.display()))?;
    Ok(object)
}

/// Whether clang, given `args`, links (rather than only compiling, preprocessing or
/// printing something): then the C++ runtime support goes on its command line.
fn links(args: &[String]) -> bool {
    const NOT_LINKING: [&str; 9] = [
        "-c",
        "-S",
        "-E",
        "-M",
        "-MM",
        "-fsyntax-only",
        "--version",
        "-###",
        "--help",
    ];
    let has_input = args.iter().any(|a| {
        !a.starts_with('-')
            && [".c", ".cc", ".cpp", ".cxx", ".C", ".o", ".a"]
                .iter()
                .any(|ext| a.ends_with(ext))
    });
    has_input && !args.iter().any(|a| NOT_LINKING.contains(&a.as_str()))
}

/// With bulk memory on, clang 14 compiles thread-local variables (wasi-libc's `errno`) for
/// shared memory, which it cannot do ("only -ftls-model=local-exec is supported"): wasm
/// modules here have no threads, and local-exec is what the linker then resolves them to
/// anyway (plain addresses), so `wasmpi cc` always passes it.
pub const TLS_MODEL: &str = "-ftls-model=local-exec";

/// The clang command line for `args`, without running it.
pub fn command(language: Language, args: &[String]) -> Result<Command> {
    let driver = match language {
        Language::C => "clang",
        Language::Cxx => "clang++",
    };
    let sysroot = sysroot()?;
    if language == Language::Cxx && !sysroot.join("lib/wasm32-wasi/libc++.a").is_file() {
        bail!(
            "no libc++ for wasm32-wasi in {}: install the Debian packages {CXX_PACKAGES}",
            sysroot.display()
        );
    }
    let support = support_dir()?;
    let mut cmd = Command::new(driver);
    cmd.arg("--target=wasm32-wasi")
        .arg(format!("--sysroot={}", sysroot.display()))
        .arg("-B")
        .arg(support.join("bin"))
        .arg("-isystem")
        .arg(support.join("include"))
        .arg("-D__WASMPI__=1")
        .args(DEFAULT_FEATURES)
        .arg(TLS_MODEL);
    if language == Language::Cxx {
        // try/catch/throw compile; catch blocks are never entered (see cxxrt.cpp).
        cmd.args(["-fexceptions", "-fignore-exceptions"]);
    }
    cmd.args(args);
    if language == Language::Cxx && links(args) {
        cmd.arg(cxx_runtime(&support, &sysroot)?);
    }
    Ok(cmd)
}

/// Runs clang for `args` and returns its exit status.
pub fn run(language: Language, args: &[String]) -> Result<i32> {
    let mut cmd = command(language, args)?;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let status = cmd.status().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            anyhow::anyhow!("`{program}` not found: install the Debian packages {CLANG_PACKAGES} {WASI_PACKAGES}")
        }
        _ => anyhow::anyhow!(e),
    })
    .with_context(|| format!("cannot run {program}"))?;
    Ok(status.code().unwrap_or(1))
}
