//! How wasmpirun copes with a hostile environment: a virtual memory limit too small for the
//! linear memory reservation, and a file system that refuses executable mappings; and how
//! `wasmpi compile` behaves on a terminal (a progress bar) and off one (none).

use crate::common::*;
use std::process::Command;

const APP: &str = "exit_return";
const APP_STATUS: i32 = 3;

#[test]
fn a_virtual_memory_limit_gives_a_clear_error() {
    let built = prepared(APP);
    let run_under_limit = "ulimit -v 2000000 && exec \"$0\" \"$@\"";
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(run_under_limit)
        .arg(&bins().wasmpirun)
        .arg(&built.wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    let out = run(&mut cmd, "wasmpirun under ulimit -v");
    assert_eq!(out.status.code(), Some(125), "{}", out.describe());
    let stderr = out.stderr_text();
    assert_eq!(stderr.lines().count(), 1, "{}", out.describe());
    assert!(
        stderr.contains("cannot reserve") && stderr.contains("ulimit -v"),
        "{}",
        out.describe()
    );
}

#[test]
fn code_on_a_noexec_file_system_is_copied_and_runs() {
    let built = prepared(APP);
    let mount_point = temp_dir("noexec");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs"])
        .arg(mount_point.path())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        // Mounting needs root (CI runs as root); elsewhere there is nothing to test against.
        eprintln!("skipped: cannot mount a noexec tmpfs here (not root?)");
        return;
    }
    let artifact = mount_point.path().join("app.wasmpi");
    let compile = Command::new(&bins().wasmpi)
        .arg("compile")
        .arg(&built.wasm)
        .arg("-o")
        .arg(&artifact)
        .output();
    let mut cmd = Command::new(&bins().wasmpirun);
    cmd.arg("-v").arg(&artifact);
    let out = run(&mut cmd, "wasmpirun on noexec");
    let _ = Command::new("umount").arg(mount_point.path()).status();
    assert!(
        compile.is_ok_and(|c| c.status.success()),
        "compile to the noexec mount failed"
    );
    assert_eq!(out.status.code(), Some(APP_STATUS), "{}", out.describe());
    assert!(
        out.stderr_text().contains("code copied"),
        "{}",
        out.describe()
    );
}

#[test]
fn perf_map_names_every_wasm_function() {
    let built = prepared("trap_unreachable");
    let mut cmd = Command::new("sh");
    // The map is named after the launcher's pid, which `exec` keeps: print it first.
    cmd.arg("-c")
        .arg("echo $$; exec \"$0\" --perf-map \"$@\"")
        .arg(&bins().wasmpirun)
        .arg(&built.wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, run_cache());
    let out = run(&mut cmd, "wasmpirun --perf-map");
    let pid: u32 = out
        .stdout_text()
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("pid printed");
    let map_path = std::path::PathBuf::from(format!("/tmp/perf-{pid}.map"));
    let map = std::fs::read_to_string(&map_path)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", map_path.display(), out.describe()));
    let _ = std::fs::remove_file(&map_path);
    let line = map
        .lines()
        .find(|l| l.ends_with(" hit_unreachable"))
        .unwrap_or_else(|| panic!("no hit_unreachable in\n{map}"));
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 3, "{line}");
    assert!(
        u64::from_str_radix(fields[0], 16).is_ok_and(|a| a > 0),
        "{line}"
    );
    assert!(
        u64::from_str_radix(fields[1], 16).is_ok_and(|s| s > 0),
        "{line}"
    );
}

/// A module that takes a few seconds to compile on one thread (200,000 functions).
fn slow_module(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("slow.wasm");
    std::fs::write(&path, crate::common::wasm::many_functions(200_000)).unwrap();
    path
}

#[test]
fn a_progress_bar_shows_on_a_terminal_and_not_in_a_pipe() {
    let dir = temp_dir("wasmpi-progress");
    let wasm = slow_module(dir.path());
    let artifact = dir.path().join("slow.wasmpi");
    // `script` runs the command on a pseudo-terminal and copies what it shows to stdout.
    let shell_command = format!(
        "{} compile -j 1 -o {} {}",
        bins().wasmpi.display(),
        artifact.display(),
        wasm.display()
    );
    let mut on_terminal = Command::new("script");
    on_terminal.args(["-qec", &shell_command, "/dev/null"]);
    let out = run(&mut on_terminal, "wasmpi compile on a terminal");
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    let shown = out.stdout_text();
    assert!(
        shown.contains("compiling") && shown.contains("/200000 functions"),
        "no progress bar on a terminal\n{}",
        out.describe()
    );
    assert!(shown.contains("wasmpi: compiled"), "{}", out.describe());

    std::fs::remove_file(&artifact).unwrap();
    let mut piped = Command::new(&bins().wasmpi);
    piped
        .args(["compile", "-j", "1", "-o"])
        .arg(&artifact)
        .arg(&wasm);
    let out = run(&mut piped, "wasmpi compile into a pipe");
    assert_eq!(out.status.code(), Some(0), "{}", out.describe());
    assert!(
        !out.stderr_text().contains("compiling"),
        "a progress bar was drawn into a pipe\n{}",
        out.describe()
    );
    assert_eq!(out.stderr_text().lines().count(), 1, "{}", out.describe());
}
