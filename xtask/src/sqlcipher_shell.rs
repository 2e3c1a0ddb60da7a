//! SQLCipher 4 compatibility with the `sqlcipher` shell (Debian trixie's 4.x, over OpenSSL, in
//! the chroot), both ways and with a raw key as the app keys its stores: what this build writes
//! the shell opens with every page's HMAC intact, what the shell writes this build reads, and
//! the fixture the OpenSSL-backed build wrote opens in the shell. The content and its check are
//! `sqlcipher/tests/support/{content,check}.sql`; this build's side is the crate's `compat`
//! example.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::chroot::Chroot;
use crate::cmd::{Result, cargo, describe, run, stdout_of};

const SUPPORT: &str = "sqlcipher/tests/support";
const FIXTURE: &str = "sqlcipher/tests/fixtures/openssl-4.20";
/// What `check.sql` answers on intact content.
const CONTENT_OK: &str = "content ok";

/// Runs every check; returns how many passed (all, or an error).
pub(crate) fn run_all(root: &Path, target: &Path) -> Result<u64> {
    run(cargo(root).args(["build", "-p", "medcircle-sqlcipher", "--example", "compat"]))?;
    let work = target.join("sqlcipher-shell");
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let chroot = Chroot::prepared(root)?;
    let mounts = chroot.mount(false)?;
    let checks = Checks {
        root,
        compat: target.join("debug/examples/compat"),
        chroot: &chroot,
        work,
        key: random_key()?,
    };
    let result = checks.run();
    drop(mounts);
    result
}

/// One check, and what it proves.
type Check<'a> = (&'static str, fn(&Checks<'a>) -> Result);

struct Checks<'a> {
    root: &'a Path,
    compat: PathBuf,
    chroot: &'a Chroot,
    work: PathBuf,
    key: String,
}

impl<'a> Checks<'a> {
    fn run(&self) -> Result<u64> {
        let checks: [Check<'a>; 4] = [
            (
                "what this build writes opens in the shell",
                Self::ours_in_the_shell,
            ),
            (
                "what the shell writes opens in this build",
                Self::the_shells_in_ours,
            ),
            (
                "the OpenSSL build's fixture opens in the shell",
                Self::fixture_in_the_shell,
            ),
            (
                "the shell refuses a wrong key",
                Self::a_wrong_key_is_refused,
            ),
        ];
        for (name, check) in checks {
            check(self).map_err(|e| format!("SQLCipher shell: {name}: {e}"))?;
            println!("sqlcipher shell: {name} ... ok");
        }
        Ok(checks.len() as u64)
    }

    fn ours_in_the_shell(&self) -> Result {
        let db = self.work.join("written-here.db");
        self.compat("write", &db, &self.key)?;
        verdict(&self.shell_check(&db, &self.key)?)
    }

    fn the_shells_in_ours(&self) -> Result {
        let db = self.work.join("written-by-the-shell.db");
        let script = format!(
            "{}PRAGMA journal_mode = WAL;\n.read {}\n",
            key_pragma(&self.key),
            self.support("content.sql")?
        );
        self.shell(&db, &script)?;
        verdict(&self.compat("check", &db, &self.key)?)
    }

    fn fixture_in_the_shell(&self) -> Result {
        // A copy: the shell writes next to the file it opens.
        let db = self.work.join("openssl-fixture.db");
        let fixture = |ext: &str| self.root.join(format!("{FIXTURE}.{ext}"));
        std::fs::copy(fixture("db"), &db)
            .map_err(|e| format!("{}: {e}", fixture("db").display()))?;
        let key = std::fs::read_to_string(fixture("key"))
            .map_err(|e| format!("{}: {e}", fixture("key").display()))?;
        verdict(&self.shell_check(&db, key.trim())?)
    }

    fn a_wrong_key_is_refused(&self) -> Result {
        let db = self.work.join("written-here.db");
        let wrong = "0".repeat(63) + "1";
        match self.shell_check(&db, &wrong) {
            Ok(output) if verdict(&output).is_ok() => {
                Err("the content read with a wrong key".into())
            }
            _ => Ok(()),
        }
    }

    /// The shell's answer to `check.sql`, after checking every page's HMAC.
    fn shell_check(&self, db: &Path, key: &str) -> Result<String> {
        let script = format!(
            "{}PRAGMA cipher_integrity_check;\n.read {}\n",
            key_pragma(key),
            self.support("check.sql")?
        );
        self.shell(db, &script)
    }

    fn support(&self, file: &str) -> Result<String> {
        self.chroot.inside(&self.root.join(SUPPORT).join(file))
    }

    /// Runs `script` in the shell on `db`, stopping at the first error; its standard output.
    fn shell(&self, db: &Path, script: &str) -> Result<String> {
        let mut command = self.chroot.command();
        command.args(["sqlcipher", "-batch", "-bail", &self.chroot.inside(db)?]);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", describe(&command)))?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
        stdout_of(
            "the shell",
            child.wait_with_output().map_err(|e| e.to_string())?,
        )
    }

    /// This build's `compat` example on `db`; its standard output.
    fn compat(&self, action: &str, db: &Path, key: &str) -> Result<String> {
        let out = Command::new(&self.compat)
            .arg(action)
            .arg(db)
            .arg(key)
            .output()
            .map_err(|e| format!("{}: {e}", self.compat.display()))?;
        stdout_of(&format!("compat {action}"), out)
    }
}

fn key_pragma(key: &str) -> String {
    format!("PRAGMA key = \"x'{key}'\";\n")
}

/// Passes when the only line besides the pragmas' own answers (`ok` for the key, `wal` for the
/// journal mode) is `content ok`: an integrity failure or a wrong row adds lines or changes it.
fn verdict(output: &str) -> Result {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !["ok", "wal"].contains(l))
        .collect();
    if lines == [CONTENT_OK] {
        Ok(())
    } else {
        Err(format!("expected only `{CONTENT_OK}`, got {lines:?}"))
    }
}

/// 32 random bytes as 64 hex digits, from the kernel.
fn random_key() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").map_err(|e| e.to_string())?,
        &mut bytes,
    )
    .map_err(|e| e.to_string())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_ok_besides_pragma_answers_passes() {
        assert_eq!(verdict("ok\ncontent ok\n"), Ok(()));
        assert_eq!(verdict("content ok\n"), Ok(()));
        assert!(verdict("ok\nHMAC verification failed for page 3\ncontent ok\n").is_err());
        assert!(verdict("ok\nwrong row count\n").is_err());
        assert!(verdict("ok\n").is_err());
    }
}
