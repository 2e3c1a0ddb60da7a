//! Project tasks: `cargo xtask bindings`, `cargo xtask test`, `cargo xtask bench`,
//! `cargo xtask size`.

mod bench;
mod bindings;
mod chroot;
mod cmd;
mod json;
mod size;
mod sqlcipher_shell;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  bindings   build medcircle-ffi and generate the Kotlin and Swift bindings into target/bindings
  test       run every suite: Rust (workspace), Kotlin on the JVM, Swift on Linux, and
             SQLCipher 4 compatibility with the `sqlcipher` shell
  privacy    regenerate the store declarations from core/privacy/inventory.toml
  bench      run the core's benchmarks (encrypted store vs plain SQLite) and summarise them
             against the budgets; further arguments go to criterion, e.g. a filter: `bench page_read`
  size       build the library the apps ship for each target linkable here and report its
             stripped size against the budget, with its largest contributors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bindings") => bindings::generate(&root()).map(|out| {
            println!("bindings written to {}", out.display());
        }),
        Some("test") => suites::run_all(&root()),
        Some("bench") => bench::run_all(&root(), &args[1..]),
        Some("size") => size::run_all(&root()),
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
