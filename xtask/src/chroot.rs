//! The Debian trixie chroot `.ci/swift-chroot.sh` builds: Swift for Linux and the `sqlcipher`
//! 4.x shell run there, on the repository mounted into it for the length of a run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{Result, run};

const DEFAULT_DIR: &str = "/var/cache/medcircle/swift-trixie";

pub(crate) struct Chroot {
    dir: PathBuf,
    repo: PathBuf,
    /// Where the repository appears inside the chroot: a place of its own per checkout, so
    /// that two checkouts testing at once each test their own code.
    repo_inside: String,
}

impl Chroot {
    /// The chroot (`MEDCIRCLE_SWIFT_CHROOT`, else the default place), if it is ready.
    pub(crate) fn prepared(repo: &Path) -> Result<Chroot> {
        let dir = PathBuf::from(
            std::env::var("MEDCIRCLE_SWIFT_CHROOT").unwrap_or_else(|_| DEFAULT_DIR.into()),
        );
        if !dir.join(".medcircle-ready").exists() {
            return Err(format!(
                "no chroot with Swift and sqlcipher at {}: run `bash .ci/swift-chroot.sh` first",
                dir.display()
            ));
        }
        Ok(Chroot {
            dir,
            repo: repo.to_path_buf(),
            repo_inside: inside_path(repo),
        })
    }

    /// `path`, which lies in the repository, as seen inside the chroot.
    pub(crate) fn inside(&self, path: &Path) -> Result<String> {
        let relative = path
            .strip_prefix(&self.repo)
            .map_err(|_| format!("{} is outside the repository", path.display()))?;
        Ok(Path::new(&self.repo_inside)
            .join(relative)
            .to_string_lossy()
            .into_owned())
    }

    /// A command run inside the chroot, with a clean environment: add the program and its
    /// arguments (`NAME=value` words first set variables).
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new("chroot");
        command
            .arg(&self.dir)
            .args(["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/root"]);
        command
    }

    /// Mounts the repository, and /proc when `with_proc` (Swift needs it), for one run. /proc
    /// is mounted over whatever another run mounted there and unmounted once, so runs at the
    /// same time never take it from each other.
    pub(crate) fn mount(&self, with_proc: bool) -> Result<Mounts> {
        let mut mounts = Mounts { points: Vec::new() };
        if with_proc {
            let proc = self.dir.join("proc");
            run(Command::new("mount")
                .args(["-t", "proc", "proc"])
                .arg(&proc))?;
            mounts.points.push(proc);
        }
        let repo_point = self.dir.join(self.repo_inside.trim_start_matches('/'));
        std::fs::create_dir_all(&repo_point).map_err(|e| e.to_string())?;
        if !is_mounted(&repo_point) {
            run(Command::new("mount")
                .arg("--bind")
                .arg(&self.repo)
                .arg(&repo_point))?;
            mounts.points.push(repo_point);
        }
        Ok(mounts)
    }
}

/// What one run mounted; unmounted when dropped, whatever the run's outcome.
pub(crate) struct Mounts {
    points: Vec<PathBuf>,
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for point in self.points.iter().rev() {
            if let Err(e) = run(Command::new("umount").arg(point)) {
                eprintln!("xtask: {e}");
            }
        }
    }
}

/// `/medcircle` followed by the checkout's path, one to one: `/` becomes `_` and any other
/// character but a letter or digit its code point, e.g. `/medcircle_work_main` for `/work/main`
/// and `/medcircle_work-5f-main` for `/work_main`.
fn inside_path(repo: &Path) -> String {
    let flattened: String = repo
        .to_string_lossy()
        .chars()
        .map(|c| match c {
            '/' => "_".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            c => format!("-{:x}-", u32::from(c)),
        })
        .collect();
    format!("/medcircle{flattened}")
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
    fn each_checkout_has_its_own_place_inside() {
        assert_eq!(inside_path(Path::new("/work/main")), "/medcircle_work_main");
        assert_eq!(
            inside_path(Path::new("/work_main")),
            "/medcircle_work-5f-main"
        );
        assert_ne!(
            inside_path(Path::new("/work/main")),
            inside_path(Path::new("/work/other"))
        );
    }
}
