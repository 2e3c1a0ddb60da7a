//! `cargo xtask fuzz [SECONDS]`: every fuzz target in `fuzz/` for SECONDS each (default 60),
//! with nightly Rust and cargo-fuzz (both installed first if missing). A crash fails the task
//! and leaves its input under fuzz/artifacts.

use std::path::Path;
use std::process::Command;

use crate::cmd::{Result, run};

/// The targets, as `fuzz/Cargo.toml` names them.
const TARGETS: &[&str] = &[
    "image",
    "web_login_payload",
    "oauth_callback",
    "server_json",
    "id_number",
];

pub(crate) fn run_all(root: &Path, seconds: u64) -> Result {
    ensure_tools()?;
    let fuzz = root.join("fuzz");
    for target in TARGETS {
        println!("xtask: fuzzing {target} for {seconds} s");
        run(Command::new("cargo")
            .current_dir(&fuzz)
            .args(["+nightly", "fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={seconds}")))?;
    }
    println!(
        "xtask: {} fuzz targets ran {seconds} s each without a crash",
        TARGETS.len()
    );
    Ok(())
}

fn ensure_tools() -> Result {
    let has = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has(&["rustup", "run", "nightly", "rustc", "--version"]) {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    if !has(&["cargo", "fuzz", "--version"]) {
        run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}
