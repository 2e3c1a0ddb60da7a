//! Project tasks: `cargo xtask bindings`, `cargo xtask test`, `cargo xtask docs`,
//! `cargo xtask bench`, `cargo xtask size`, and the smaller ones in USAGE.

mod android;
mod bench;
mod bindings;
mod chroot;
mod cmd;
mod contract;
mod cross;
mod docs;
mod fuzz;
mod json;
mod size;
mod sqlcipher_shell;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bindings   build medcircle-ffi and generate the Kotlin and Swift bindings into target/bindings
  test       run every suite: Rust (workspace), the checks for the phones' targets (`cross`),
             the server's contract (schemathesis against its OpenAPI document), Kotlin on the
             JVM (the bindings, then android/: the layer's tests under Robolectric and the
             sample app's compile), Swift on Linux (the bindings, then the iOS package's layer),
             and SQLCipher 4 compatibility with the `sqlcipher` shell
  cross      only the checks for the phones' targets: clippy of medcircle-ffi for the Android
             ABIs and aarch64-apple-ios, and the Android static library's keyring JNI export
  contract   only the server's contract run (needs `cargo build -p medcircle-server` first)
  openapi    rewrite server/openapi.json from the handlers' annotations (the served document)
  docs       the API reference in target/: rustdoc (core, FFI crate), Dokka (the Android layer
             and the Kotlin bindings), DocC (the iOS package's Swift, in the Swift chroot)
  privacy    regenerate the store declarations from core/privacy/inventory.toml
  fuzz       every fuzz target in fuzz/ for SECONDS each (`fuzz 60`; nightly and cargo-fuzz,
             installed if missing)
  bench      run the core's benchmarks (encrypted store vs plain SQLite) and summarise them
             against the budgets, then the server's load test (p50/p99, errors); further arguments
             go to criterion, e.g. a filter: `bench page_read`; `bench load` runs the load test alone
  size       build the library the apps ship for each target linkable here and report its
             stripped size against the budget, with its largest contributors";

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
        Some("docs") => docs::run_all(&root()),
        Some("bench") => bench::run_all(&root(), &args[1..]),
        Some("size") => size::run_all(&root()),
        Some("openapi") => cmd::run(
            cmd::cargo(&root())
                .args([
                    "test",
                    "-p",
                    "medcircle-server",
                    "--test",
                    "api",
                    "the_served_document_is_the_committed_one",
                ])
                .env("MEDCIRCLE_BLESS", "1"),
        ),
        Some("privacy") => cmd::run(
            cmd::cargo(&root())
                .args([
                    "test",
                    "-p",
                    "medcircle-core",
                    "--test",
                    "suite",
                    "privacy_manifests",
                ])
                .env("MEDCIRCLE_BLESS", "1"),
        ),
        Some("fuzz") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz::run_all(&root(), 60),
            Some(Ok(seconds)) => fuzz::run_all(&root(), seconds),
            Some(Err(_)) => Err("fuzz takes the seconds per target".into()),
        },
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
