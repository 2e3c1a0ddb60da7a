//! `cargo xtask test`: every suite, in order (Rust, the checks for the phones' targets, the
//! contract run, Kotlin: the bindings suite, then the Android code; Swift: the bindings suite,
//! then the iOS package's Swift layer; the SQLCipher shell); any failure or missing toolchain
//! fails the run.

use std::path::Path;
use std::process::Command;

use crate::bindings::{self, LIBRARY, target_dir};
use crate::chroot::Chroot;
use crate::cmd::{Result, cargo, run, run_capturing};
use crate::{android, contract, cross, sqlcipher_shell};

/// Set once the run is inside its own session keyring.
const IN_SESSION_KEYRING: &str = "MEDCIRCLE_IN_SESSION_KEYRING";

pub(crate) fn run_all(root: &Path) -> Result {
    // The suites use the real secure store. On Linux that is keyutils, which needs a session
    // keyring (a login session has one; a container shell or CI job often does not).
    if std::env::var_os(IN_SESSION_KEYRING).is_none() {
        let this = std::env::current_exe().map_err(|e| e.to_string())?;
        return run(Command::new("keyctl")
            .args(["session", "-"])
            .arg(this)
            .arg("test")
            .env(IN_SESSION_KEYRING, "1"));
    }
    // The server's own tests build target/debug/medcircle-server, which the Kotlin and Swift
    // suites start: no separate build (with other features, so other artifacts) needed.
    let rust = count_rust(&run_capturing(cargo(root).args(["test", "--workspace"]))?);
    let cross = cross::check_all(root)?;
    let target = target_dir(root);
    let contract = contract::run(root, &target)?;
    let generated = bindings::generate(root, bindings::Purpose::Suites)?;
    let kotlin = count_maven(&kotlin(root, &generated.join("kotlin"), &target)?)?;
    let android = count_maven(&android::run(root, &generated.join("kotlin"), &target)?)?;
    let bindings_swift = count_swift(&swift(root, &target, &root.join("tests/swift"))?)?;
    let ios = count_swift(&swift(root, &target, &root.join("ios"))?)?;
    let sqlcipher = sqlcipher_shell::run_all(root, &target)?;
    println!(
        "xtask: every suite passed: Rust {rust}, phone targets (checks) {cross}, \
         contract (schemathesis cases) {contract}, Kotlin/JVM {kotlin}, \
         Android layer on the JVM (Robolectric; sample app compiled) {android}, \
         Swift/Linux {bindings_swift}, iOS layer on Swift/Linux {ios}, SQLCipher shell {sqlcipher}"
    );
    // The one closing line, in the form any CI reads.
    println!(
        "{} passed, 0 failed",
        rust + cross + contract + kotlin + android + bindings_swift + ios + sqlcipher
    );
    Ok(())
}

/// Sum of `test result: ok. N passed` over every Rust test binary.
fn count_rust(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Surefire's summary line `Tests run: N, Failures: 0, Errors: 0, Skipped: 0`.
fn count_maven(output: &str) -> Result<u64> {
    output
        .lines()
        .rev()
        .filter(|l| !l.contains(" -- in "))
        .find_map(|l| l.split("Tests run: ").nth(1))
        .and_then(|rest| rest.split(',').next()?.trim().parse().ok())
        .ok_or_else(|| "Maven printed no test summary".to_string())
}

/// The Swift runner's own line: `run-tests.sh: N Swift tests passed`.
fn count_swift(output: &str) -> Result<u64> {
    output
        .lines()
        .find_map(|l| {
            l.strip_prefix("run-tests.sh: ")?
                .strip_suffix(" Swift tests passed")
        })
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| "the Swift suite printed no test count".to_string())
}

fn kotlin(root: &Path, generated: &Path, target: &Path) -> Result<String> {
    let debug = target.join("debug");
    run_capturing(
        Command::new("mvn")
            .current_dir(root.join("tests/kotlin"))
            // `clean`: classes compiled against older bindings must not survive a change.
            .args(["-B", "--no-transfer-progress", "clean", "test"])
            .arg(format!("-Dmedcircle.bindings={}", generated.display()))
            .arg(format!("-Dmedcircle.libDir={}", debug.display()))
            .arg(format!(
                "-Dmedcircle.serverBin={}",
                debug.join("medcircle-server").display()
            )),
    )
}

/// `tests/swift/run-tests.sh` in the chroot for one Swift package: `tests/swift` (the generated
/// bindings) or `ios` (the iOS package, built for Linux with its platform-neutral layer).
fn swift(root: &Path, target: &Path, package: &Path) -> Result<String> {
    let chroot = Chroot::prepared(root)?;
    let debug = target.join("debug");
    let mounts = chroot.mount(true)?;
    let result = run_capturing(
        chroot
            .command()
            .arg(format!(
                "MEDCIRCLE_BINDINGS={}",
                chroot.inside(&target.join("bindings/swift"))?
            ))
            .arg(format!("MEDCIRCLE_LIB_DIR={}", chroot.inside(&debug)?))
            .arg(format!(
                "MEDCIRCLE_SERVER_BIN={}",
                chroot.inside(&debug.join("medcircle-server"))?
            ))
            .arg(format!("MEDCIRCLE_LIBRARY={LIBRARY}"))
            .args([
                "bash",
                &chroot.inside(&root.join("tests/swift/run-tests.sh"))?,
            ])
            .arg(chroot.inside(package)?),
    );
    drop(mounts);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_from_each_runners_own_summary() {
        let cargo = "running 3 tests\ntest result: ok. 3 passed; 0 failed; 0 ignored\n\
                     test result: ok. 0 passed; 0 failed\ntest result: ok. 12 passed; 0 failed\n";
        assert_eq!(count_rust(cargo), 15);
        let maven = "[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.4 s -- in a.B\n\
                     [INFO] Tests run: 7, Failures: 0, Errors: 0, Skipped: 0\n[INFO] BUILD SUCCESS\n";
        assert_eq!(count_maven(maven), Ok(7));
        assert!(count_maven("[INFO] BUILD SUCCESS\n").is_err());
        assert_eq!(
            count_swift("x\nrun-tests.sh: 6 Swift tests passed\n"),
            Ok(6)
        );
        assert!(count_swift("Executed 0 tests\n").is_err());
    }
}
