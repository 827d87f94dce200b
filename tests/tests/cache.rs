//! The artifact cache across CPUs and sites: variant selection, refusal with a useful
//! message, site caches, concurrent compiles, pruning and `--print-cpu`.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};

const APP: &str = "exit_return";
const APP_STATUS: i32 = 3;

fn wasmpi(cache: &Path, args: &[&str], wasm: &Path) -> Output {
    let mut cmd = Command::new(&bins().wasmpi);
    cmd.args(args)
        .arg(wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache)
        .env_remove(wasmpi_abi::cache::CACHE_PATH_ENV);
    run(&mut cmd, &format!("wasmpi {args:?}"))
}

fn wasmpirun_in(cache: &Path, site: Option<&Path>, wasm: &Path) -> Output {
    let mut cmd = Command::new(&bins().wasmpirun);
    cmd.arg("-v")
        .arg(wasm)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache);
    match site {
        Some(site) => cmd.env(wasmpi_abi::cache::CACHE_PATH_ENV, site),
        None => cmd.env_remove(wasmpi_abi::cache::CACHE_PATH_ENV),
    };
    run(&mut cmd, "wasmpirun -v")
}

fn this_cpu() -> String {
    let out = run(
        Command::new(&bins().wasmpirun).arg("--print-cpu"),
        "wasmpirun --print-cpu",
    );
    assert!(out.status.success(), "{}", out.describe());
    out.stdout_text().trim().to_string()
}

#[cfg(target_arch = "x86_64")]
const OLD: &str = "x86-64";
#[cfg(target_arch = "x86_64")]
const FOREIGN: &str = "neoverse-v1";
#[cfg(target_arch = "aarch64")]
const OLD: &str = "aarch64";
#[cfg(target_arch = "aarch64")]
const FOREIGN: &str = "x86-64-v3";

#[test]
fn the_variant_using_most_features_runs_and_print_cpu_names_this_machine() {
    let built = build(APP);
    let cache = temp_dir("cache-select");
    let cpu = this_cpu();
    let list = format!("{OLD},{cpu},{FOREIGN}");
    let out = wasmpi(cache.path(), &["compile", "--cpu", &list], &built.wasm);
    assert!(out.status.success(), "{}", out.describe());
    assert_eq!(
        out.stderr_text().lines().count(),
        3,
        "one artifact per CPU\n{}",
        out.describe()
    );
    let run_out = wasmpirun_in(cache.path(), None, &built.wasm);
    assert_eq!(
        run_out.status.code(),
        Some(APP_STATUS),
        "{}",
        run_out.describe()
    );
    let stderr = run_out.stderr_text();
    assert!(
        stderr.contains(&format!("compiled for CPU `{cpu}`")),
        "the exact match must win\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("[{FOREIGN}]")) && stderr.contains("not usable here"),
        "{stderr}"
    );
}

#[test]
fn no_fitting_variant_lists_the_variants_and_the_command_to_run() {
    let built = build(APP);
    let cache = temp_dir("cache-nofit");
    let out = wasmpi(cache.path(), &["compile", "--cpu", FOREIGN], &built.wasm);
    assert!(out.status.success(), "{}", out.describe());
    let run_out = wasmpirun_in(cache.path(), None, &built.wasm);
    assert_eq!(run_out.status.code(), Some(125), "{}", run_out.describe());
    let stderr = run_out.stderr_text();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("[{FOREIGN}]")),
        "names the variant: {stderr}"
    );
    assert!(
        stderr.contains(&format!("wasmpi compile --cpu {}", this_cpu())),
        "gives the command: {stderr}"
    );
}

#[test]
fn site_caches_are_searched_after_the_users_cache() {
    let built = build(APP);
    let (user, site) = (temp_dir("cache-user"), temp_dir("cache-site"));
    assert!(wasmpi(site.path(), &["compile", "--cpu", OLD], &built.wasm)
        .status
        .success());
    let from_site = wasmpirun_in(user.path(), Some(site.path()), &built.wasm);
    assert_eq!(
        from_site.status.code(),
        Some(APP_STATUS),
        "{}",
        from_site.describe()
    );
    assert!(
        from_site
            .stderr_text()
            .contains(&site.path().display().to_string()),
        "{}",
        from_site.describe()
    );
    assert!(wasmpi(user.path(), &["compile", "--cpu", OLD], &built.wasm)
        .status
        .success());
    let from_user = wasmpirun_in(user.path(), Some(site.path()), &built.wasm);
    assert!(
        from_user
            .stderr_text()
            .contains(&user.path().display().to_string()),
        "equal variants: user's first\n{}",
        from_user.describe()
    );
}

#[test]
fn sixteen_concurrent_compiles_into_one_cache_leave_one_complete_artifact() {
    let built = build(APP);
    let cache = temp_dir("cache-race");
    let children: Vec<_> = (0..16)
        .map(|_| {
            Command::new(&bins().wasmpi)
                .args(["compile", "-j", "1"])
                .arg(&built.wasm)
                .env(wasmpi_abi::cache::CACHE_DIR_ENV, cache.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start wasmpi")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait for wasmpi");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let files = files_under(cache.path());
    let artifacts: Vec<_> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "wasmpi"))
        .collect();
    assert_eq!(artifacts.len(), 1, "{files:?}");
    assert_eq!(files.len(), 1, "temporary files left behind: {files:?}");
    let run_out = wasmpirun_in(cache.path(), None, &built.wasm);
    assert_eq!(
        run_out.status.code(),
        Some(APP_STATUS),
        "{}",
        run_out.describe()
    );
}

#[test]
fn prune_keeps_artifacts_in_use_and_removes_the_rest() {
    // A program that blocks reading stdin until we close it.
    let wasm = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 0) "\10\00\00\00\10\00\00\00")
             (func (export "_start") (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 64)))))"#,
    )
    .expect("valid wat");
    let dir = temp_dir("cache-prune");
    let blocker = dir.path().join("blocker.wasm");
    std::fs::write(&blocker, wasm).unwrap();
    let cache = dir.path().join("cache");
    let other = build(APP);
    assert!(wasmpi(&cache, &["compile"], &blocker).status.success());
    assert!(wasmpi(&cache, &["compile"], &other.wasm).status.success());
    let mut running = Command::new(&bins().wasmpirun)
        .arg(&blocker)
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache)
        .stdin(Stdio::piped())
        .spawn()
        .expect("start wasmpirun");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut prune = Command::new(&bins().wasmpi);
    prune
        .args(["cache", "prune", "--max-size", "0"])
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
    let out = run(&mut prune, "wasmpi cache prune");
    drop(running.stdin.take());
    let status = running.wait().expect("wasmpirun ends");
    assert!(status.success(), "{status:?}");
    assert!(out.status.success(), "{}", out.describe());
    let left: Vec<_> = files_under(&cache)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|x| x == "wasmpi"))
        .collect();
    assert_eq!(
        left.len(),
        1,
        "only the artifact in use stays: {left:?}\n{}",
        out.describe()
    );
    assert!(
        out.stdout_text().contains("(in use)") && out.stdout_text().contains("removed"),
        "{}",
        out.describe()
    );
    let sizes = ["500M", "2G", "1.5GiB", "1048576"];
    for size in sizes {
        let mut prune = Command::new(&bins().wasmpi);
        prune
            .args(["cache", "prune", "--max-size", size])
            .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
        assert!(run(&mut prune, "prune").status.success(), "{size}");
    }
    let mut bad = Command::new(&bins().wasmpi);
    bad.args(["cache", "prune", "--max-size", "lots"])
        .env(wasmpi_abi::cache::CACHE_DIR_ENV, &cache);
    let out = run(&mut bad, "prune lots");
    assert_eq!(out.status.code(), Some(1), "{}", out.describe());
    assert!(
        out.stderr_text().contains("invalid size"),
        "{}",
        out.describe()
    );
}
