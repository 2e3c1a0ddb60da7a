//! `cargo xtask test`: every suite, in order (Rust, the checks for the phones' targets, the
//! contract run, Kotlin, Swift: the bindings suite, then the iOS package's Swift layer); any
//! failure or missing toolchain fails the run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::{self, LIBRARY, target_dir};
use crate::cmd::{Result, cargo, run, run_capturing};
use crate::{contract, cross};

const DEFAULT_SWIFT_CHROOT: &str = "/var/cache/medcircle/swift-trixie";
/// Where the repository appears inside the Swift chroot.
const REPO_IN_CHROOT: &str = "/medcircle";

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
    let bindings_swift = count_swift(&swift(root, &target, &root.join("tests/swift"))?)?;
    let ios = count_swift(&swift(root, &target, &root.join("ios"))?)?;
    println!(
        "xtask: every suite passed: Rust {rust}, phone targets (checks) {cross}, \
         contract (schemathesis cases) {contract}, \
         Kotlin/JVM {kotlin}, Swift/Linux {bindings_swift}, iOS layer on Swift/Linux {ios}"
    );
    // The one closing line, in the form any CI reads.
    println!(
        "{} passed, 0 failed",
        rust + cross + contract + kotlin + bindings_swift + ios
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
        .ok_or_else(|| "the Kotlin suite printed no test summary".to_string())
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
    let chroot = PathBuf::from(
        std::env::var("MEDCIRCLE_SWIFT_CHROOT").unwrap_or_else(|_| DEFAULT_SWIFT_CHROOT.into()),
    );
    if !chroot.join(".medcircle-ready").exists() {
        return Err(format!(
            "no Swift toolchain at {}: run `bash .ci/swift-chroot.sh` first",
            chroot.display()
        ));
    }
    let inside = |path: &Path| -> Result<String> {
        let relative = path
            .strip_prefix(root)
            .map_err(|_| format!("{} is outside the repository", path.display()))?;
        Ok(Path::new(REPO_IN_CHROOT)
            .join(relative)
            .to_string_lossy()
            .into_owned())
    };
    let debug = target.join("debug");
    let mounts = ChrootMounts::mount(&chroot, root)?;
    let result = run_capturing(
        Command::new("chroot")
            .arg(&chroot)
            .args(["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/root"])
            .arg(format!(
                "MEDCIRCLE_BINDINGS={}",
                inside(&target.join("bindings/swift"))?
            ))
            .arg(format!("MEDCIRCLE_LIB_DIR={}", inside(&debug)?))
            .arg(format!(
                "MEDCIRCLE_SERVER_BIN={}",
                inside(&debug.join("medcircle-server"))?
            ))
            .arg(format!("MEDCIRCLE_LIBRARY={LIBRARY}"))
            .args([
                "bash",
                &format!("{REPO_IN_CHROOT}/tests/swift/run-tests.sh"),
            ])
            .arg(inside(package)?),
    );
    drop(mounts);
    result
}

/// /proc and the repository mounted into the chroot for one run; unmounted when dropped,
/// whatever the run's outcome.
struct ChrootMounts {
    points: Vec<PathBuf>,
}

impl ChrootMounts {
    fn mount(chroot: &Path, repo: &Path) -> Result<Self> {
        let mut mounts = ChrootMounts { points: Vec::new() };
        let proc = chroot.join("proc");
        if !is_mounted(&proc) {
            run(Command::new("mount")
                .args(["-t", "proc", "proc"])
                .arg(&proc))?;
            mounts.points.push(proc);
        }
        let repo_point = chroot.join(REPO_IN_CHROOT.trim_start_matches('/'));
        std::fs::create_dir_all(&repo_point).map_err(|e| e.to_string())?;
        if !is_mounted(&repo_point) {
            run(Command::new("mount")
                .arg("--bind")
                .arg(repo)
                .arg(&repo_point))?;
            mounts.points.push(repo_point);
        }
        Ok(mounts)
    }
}

impl Drop for ChrootMounts {
    fn drop(&mut self) {
        for point in self.points.iter().rev() {
            if let Err(e) = run(Command::new("umount").arg(point)) {
                eprintln!("xtask: {e}");
            }
        }
    }
}

fn is_mounted(point: &Path) -> bool {
    std::fs::read_to_string("/proc/mounts").is_ok_and(|mounts| {
        mounts
            .lines()
            .filter_map(|line| line.split_whitespace().nth(1))
            .any(|mounted| Path::new(mounted) == point)
    })
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
