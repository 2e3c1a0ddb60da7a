//! `cargo xtask test`: every suite, in order; any failure or missing toolchain fails the run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::{self, LIBRARY, target_dir};
use crate::cmd::{Result, cargo, run};

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
    run(cargo(root).args(["test", "--workspace"]))?;
    run(cargo(root).args(["build", "-p", "medcircle-server"]))?;
    let generated = bindings::generate(root)?;
    let target = target_dir(root);
    kotlin(root, &generated.join("kotlin"), &target)?;
    swift(root, &target)?;
    eprintln!("xtask: every suite passed (Rust, Kotlin/JVM, Swift/Linux)");
    Ok(())
}

fn kotlin(root: &Path, generated: &Path, target: &Path) -> Result {
    let debug = target.join("debug");
    run(Command::new("mvn")
        .current_dir(root.join("tests/kotlin"))
        .args(["-B", "--no-transfer-progress", "test"])
        .arg(format!("-Dmedcircle.bindings={}", generated.display()))
        .arg(format!("-Dmedcircle.libDir={}", debug.display()))
        .arg(format!(
            "-Dmedcircle.serverBin={}",
            debug.join("medcircle-server").display()
        )))
}

fn swift(root: &Path, target: &Path) -> Result {
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
    let result = run(Command::new("chroot")
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
        ]));
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
