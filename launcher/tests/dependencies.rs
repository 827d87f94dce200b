//! The launcher runs on every rank of every job: it must stay small and must never link the
//! code generator.

use std::process::Command;

#[test]
fn launcher_does_not_depend_on_cranelift() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "wasmpi-launcher",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        tree.contains("wasmpi-abi"),
        "unexpected cargo tree output:\n{tree}"
    );
    let forbidden: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains("cranelift") || l.contains("wasmparser") || l.contains("rayon"))
        .collect();
    assert!(
        forbidden.is_empty(),
        "the launcher depends on code generation crates: {forbidden:?}"
    );
}
