//! Non-MPI imports of modules built for MPIWasm: `env.gethostname`, and a C++ throw in a
//! module without exception support, which must end with one line naming the exception type.

use crate::common::*;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

/// How a compat program is built.
enum Builder {
    /// `wasmpi cc`.
    WasmpiCc,
    /// Plain `clang++ -fno-exceptions` for wasm32-wasi, as a module built for MPIWasm is
    /// (without wasmpi's C++ runtime support).
    PlainClangxx,
}

/// Builds `file` and compiles it; the directory holds the artifact.
fn build(file: &str, builder: Builder) -> (tempfile::TempDir, PathBuf) {
    let src = workspace_root().join("tests").join("compat").join(file);
    let dir = temp_dir("compat");
    let wasm = dir.path().join("app.wasm");
    let io = [
        OsStr::new("-O2"),
        src.as_os_str(),
        OsStr::new("-o"),
        wasm.as_os_str(),
    ];
    let built = match builder {
        Builder::WasmpiCc => {
            let wasmpi = bins().wasmpi.to_string_lossy().into_owned();
            compile(&wasmpi, &[&[OsStr::new("cc")][..], &io].concat())
        }
        Builder::PlainClangxx => compile(
            "clang++",
            &[
                &[
                    OsStr::new("--target=wasm32-wasi"),
                    OsStr::new("--sysroot=/usr"),
                    OsStr::new("-fno-exceptions"),
                ][..],
                &io,
            ]
            .concat(),
        ),
    };
    built.unwrap_or_else(|e| panic!("{e}"));
    let artifact = dir.path().join("app.wasmpi");
    let mut cmd = Command::new(&bins().wasmpi);
    cmd.arg("compile").arg(&wasm).arg("-o").arg(&artifact);
    assert!(run(&mut cmd, "compile").status.success());
    (dir, artifact)
}

#[test]
fn gethostname_is_the_hosts_name() {
    let (_dir, artifact) = build("gethostname.c", Builder::WasmpiCc);
    let out = run(
        Command::new(&bins().wasmpirun).arg(&artifact),
        "gethostname",
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let host = host.trim();
    assert_eq!(
        out.stdout_text().trim(),
        format!("rc=0 host={host}"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_cxx_throw_is_a_clean_fatal_error_naming_the_type() {
    let (_dir, artifact) = build("cxa_throw.cpp", Builder::PlainClangxx);
    let out = run(Command::new(&bins().wasmpirun).arg(&artifact), "cxa_throw");
    assert_eq!(out.status.code(), Some(1), "{}", out.describe());
    assert_eq!(out.stdout_text(), "about to throw\n", "{}", out.describe());
    let stderr = out.stderr_text();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("uncaught C++ exception of type `St13runtime_error`"),
        "{stderr}"
    );
}

/// A directory with `wasmpicc` and `wasmpicxx` symlinks to `wasmpi`, and a PATH with it first.
fn compiler_links() -> (tempfile::TempDir, String) {
    let dir = temp_dir("wasmpicc");
    for name in ["wasmpicc", "wasmpicxx"] {
        std::os::unix::fs::symlink(&bins().wasmpi, dir.path().join(name)).expect("symlink");
    }
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

/// Checks that `wasm` is a module importing the MPI calls of examples/heat.c.
fn assert_heat_module(wasm: &std::path::Path) {
    let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    assert!(bytes.starts_with(b"\0asm"), "not a wasm module");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("MPI_Sendrecv") && text.contains("MPI_Allreduce"),
        "MPI imports missing"
    );
}

/// `wasmpicc`/`wasmpicxx` symlinks act like `mpicc`/`mpicxx`: `CC=wasmpicc make` builds an
/// MPI program to wasm.
#[test]
fn wasmpicc_symlink_works_with_make() {
    let (dir, path) = compiler_links();
    let src = workspace_root().join("examples").join("heat.c");
    std::fs::write(
        dir.path().join("Makefile"),
        format!("heat.wasm: {}\n\t$(CC) -O2 -o $@ $<\n", src.display()),
    )
    .unwrap();
    let mut make = Command::new("make");
    make.arg("-C")
        .arg(dir.path())
        .arg("CC=wasmpicc")
        .env("PATH", &path);
    let out = run(&mut make, "CC=wasmpicc make");
    assert!(out.status.success(), "{}", out.describe());
    assert_heat_module(&dir.path().join("heat.wasm"));
    let mut version = Command::new("wasmpicxx");
    version.arg("--version").env("PATH", &path);
    let out = run(&mut version, "wasmpicxx --version");
    assert!(
        out.status.success() && out.stdout_text().contains("clang"),
        "{}",
        out.describe()
    );
}

/// The CMake toolchain file builds an MPI program to a `.wasm` module.
#[test]
fn cmake_toolchain_file_builds_an_mpi_program() {
    let (dir, path) = compiler_links();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("build")).unwrap();
    std::fs::copy(
        workspace_root().join("examples").join("heat.c"),
        project.join("heat.c"),
    )
    .unwrap();
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.13)\nproject(heat C)\nadd_executable(heat heat.c)\n",
    )
    .unwrap();
    let toolchain = workspace_root()
        .join("abi")
        .join("cmake")
        .join("wasmpi-toolchain.cmake");
    let mut configure = Command::new("cmake");
    configure
        .current_dir(project.join("build"))
        .arg(format!("-DCMAKE_TOOLCHAIN_FILE={}", toolchain.display()))
        .arg("..")
        .env("PATH", &path);
    let out = run(&mut configure, "cmake configure");
    assert!(out.status.success(), "{}", out.describe());
    let mut build = Command::new("make");
    build.current_dir(project.join("build")).env("PATH", &path);
    let out = run(&mut build, "make");
    assert!(out.status.success(), "{}", out.describe());
    assert_heat_module(&project.join("build").join("heat.wasm"));
}

/// The features listed in the `target_features` section clang writes into `wasm`, with
/// their prefix (`+` used, `-` disallowed).
fn target_features(wasm: &std::path::Path) -> Vec<String> {
    let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let Ok(wasmparser::Payload::CustomSection(section)) = payload {
            if section.name() != "target_features" {
                continue;
            }
            let mut reader = wasmparser::BinaryReader::new(section.data(), 0);
            let count = reader.read_var_u32().expect("feature count");
            return (0..count)
                .map(|_| {
                    let prefix = reader.read_u8().expect("feature prefix") as char;
                    let name = reader.read_string().expect("feature name");
                    format!("{prefix}{name}")
                })
                .collect();
        }
    }
    Vec::new()
}

/// A program writing into the working directory without `--dir .`: the sandbox refuses
/// (errno `ENOTCAPABLE`, nothing written), and wasmpirun names the path and the flag once,
/// however often the program tries. With `--dir .` the file is written and nothing is said.
/// (The program also shows that wasi-libc's thread-local `errno` builds with the default
/// features.)
#[test]
fn a_path_outside_every_dir_is_refused_and_named_once_with_the_flag() {
    let (_dir, artifact) = build("errno_open.c", Builder::WasmpiCc);
    let cwd = temp_dir("sandbox-hint");
    let out = run(
        Command::new(&bins().wasmpirun)
            .arg(&artifact)
            .current_dir(cwd.path()),
        "errno_open without --dir",
    );
    assert_eq!(out.status.code(), Some(3), "{}", out.describe());
    assert_eq!(
        out.stdout_text(),
        "errno 76: Capabilities insufficient\n".repeat(2),
        "{}",
        out.describe()
    );
    assert_eq!(
        out.stderr_text(),
        "wasmpirun: the sandbox refused `report.txt`: no --dir gives access to it; run with \
         --dir . to give the program the working directory (or --dir HOST::GUEST for another \
         one)\n",
        "{}",
        out.describe()
    );
    assert!(
        !cwd.path().join("report.txt").exists(),
        "the refusal must stand"
    );

    let out = run(
        Command::new(&bins().wasmpirun)
            .args(["--dir", "."])
            .arg(&artifact)
            .current_dir(cwd.path()),
        "errno_open --dir .",
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    assert_eq!(out.stdout_text(), "written\n", "{}", out.describe());
    assert_eq!(out.stderr_text(), "", "{}", out.describe());
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("report.txt"))
            .ok()
            .as_deref(),
        Some("report\n")
    );
}

/// `wasmpi cc` turns on what every supported CPU runs (clang 14 alone builds for the wasm
/// MVP), and the usual clang flags turn each feature off again.
#[test]
fn wasmpi_cc_enables_the_features_every_cpu_runs_and_clang_flags_turn_them_off() {
    let dir = temp_dir("features");
    let src = workspace_root().join("examples").join("heat.c");
    let wasmpi = bins().wasmpi.to_string_lossy().into_owned();
    let build = |name: &str, extra: &[&str]| {
        let wasm = dir.path().join(name);
        let mut args = vec![OsStr::new("cc"), OsStr::new("-O2")];
        args.extend(extra.iter().map(OsStr::new));
        args.extend([src.as_os_str(), OsStr::new("-o"), wasm.as_os_str()]);
        compile(&wasmpi, &args).unwrap_or_else(|e| panic!("{e}"));
        target_features(&wasm)
    };
    let mut default = build("default.wasm", &[]);
    default.sort();
    assert_eq!(
        default,
        [
            "+bulk-memory",
            "+mutable-globals",
            "+nontrapping-fptoint",
            "+sign-ext",
            "+simd128"
        ],
        "features of a default `wasmpi cc` build"
    );
    let without = build("without.wasm", &["-mno-simd128", "-mno-bulk-memory"]);
    assert!(
        !without.contains(&"+simd128".to_string())
            && !without.contains(&"+bulk-memory".to_string())
            && without.contains(&"+sign-ext".to_string()),
        "features with -mno-simd128 -mno-bulk-memory: {without:?}"
    );
}
