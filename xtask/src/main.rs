//! Project tasks: `cargo xtask bindings`, `cargo xtask test`, `cargo xtask bench`.

mod bench;
mod bindings;
mod cmd;
mod contract;
mod cross;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bindings   build medcircle-ffi and generate the Kotlin and Swift bindings into target/bindings
  test       run every suite: Rust (workspace), the checks for the phones' targets (`cross`),
             the server's contract (schemathesis against its OpenAPI document), Kotlin on the
             JVM, Swift on Linux (the bindings, then the iOS package's layer)
  cross      only the checks for the phones' targets: clippy of medcircle-ffi for the Android
             ABIs and aarch64-apple-ios, and the Android static library's keyring JNI export
  contract   only the server's contract run (needs `cargo build -p medcircle-server` first)
  privacy    regenerate the store declarations from core/privacy/inventory.toml
  bench      run the core's benchmarks (encrypted store vs plain SQLite) and summarise them
             against the budgets, then the server's load test (p50/p99, errors); further arguments
             go to criterion, e.g. a filter: `bench page_read`; `bench load` runs the load test alone";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bindings") => bindings::generate(&root(), bindings::Purpose::App).map(|out| {
            println!("bindings written to {}", out.display());
        }),
        Some("test") => suites::run_all(&root()),
        Some("cross") => {
            cross::check_all(&root()).map(|checks| println!("{checks} passed, 0 failed"))
        }
        Some("contract") => {
            let root = root();
            contract::run(&root, &bindings::target_dir(&root))
                .map(|cases| println!("{cases} passed, 0 failed"))
        }
        Some("bench") => bench::run_all(&root(), &args[1..]),
        Some("privacy") => cmd::run(
            cmd::cargo(&root())
                .args([
                    "test",
                    "-p",
                    "medcircle-core",
                    "--test",
                    "privacy_manifests",
                ])
                .env("MEDCIRCLE_BLESS", "1"),
        ),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this crate lives one level below it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}
