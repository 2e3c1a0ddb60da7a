//! The contract run: schemathesis (a pinned version, installed by `.ci/run` into its own
//! virtualenv) generates requests from the reference server's own OpenAPI document and checks
//! every answer against it: no server error, only documented statuses, content types, headers
//! and bodies. Bounded in time; against a fresh dev server on loopback.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::cmd::{Result, run_capturing};

/// The schemathesis release the run is pinned to (`.ci/run` installs it).
pub(crate) const SCHEMATHESIS_VERSION: &str = "4.32.5";
const DEFAULT_VENV: &str = "/var/cache/medcircle/schemathesis";
/// Seconds of generated requests; with start-up the run stays under two minutes.
const MAX_TIME_S: &str = "90";

/// Runs the contract check against `target/debug/medcircle-server`; returns how many test
/// cases passed.
pub(crate) fn run(root: &Path, target: &Path) -> Result<u64> {
    let venv = PathBuf::from(
        std::env::var("MEDCIRCLE_SCHEMATHESIS_VENV").unwrap_or_else(|_| DEFAULT_VENV.into()),
    );
    let schemathesis = venv.join("bin/schemathesis");
    let version = Command::new(&schemathesis)
        .arg("--version")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    if !version.contains(SCHEMATHESIS_VERSION) {
        return Err(format!(
            "no schemathesis {SCHEMATHESIS_VERSION} at {}: run `bash .ci/run` first",
            schemathesis.display()
        ));
    }
    let data = std::env::temp_dir().join(format!("medcircle-contract-{}", std::process::id()));
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let server = DevServer::start(&target.join("debug/medcircle-server"), &data)?;
    let output = run_capturing(
        Command::new(&schemathesis)
            .args(["run", &format!("{}/openapi.json", server.url)])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,\
                 response_headers_conformance,response_schema_conformance",
            ])
            // Dev hooks are no contract; logging out or deleting the account would end the
            // run's session.
            .args(["--exclude-path-regex", "^/dev/"])
            .args(["--exclude-operation-id", "logout"])
            .args(["--exclude-operation-id", "deleteAccount"])
            .args(["--max-examples", "25", "--seed", "1", "--no-color"])
            .args(["--max-time", MAX_TIME_S])
            .env("SCHEMATHESIS_HOOKS", "auth")
            .env("PYTHONPATH", root.join("server/contract"))
            .env("MEDCIRCLE_CONTRACT_URL", &server.url),
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    count(&output?)
}

/// Schemathesis's summary line `N generated, N passed` (anything failed exits non-zero).
fn count(output: &str) -> Result<u64> {
    output
        .lines()
        .find_map(|line| line.trim().split(" generated, ").nth(1))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .ok_or_else(|| "schemathesis printed no test case count".to_string())
}

/// The server binary in dev mode on a free loopback port, stopped when dropped.
struct DevServer {
    child: Child,
    url: String,
}

impl DevServer {
    fn start(binary: &Path, data: &Path) -> Result<DevServer> {
        let mut child = Command::new(binary)
            .args(["--dev", "--addr", "127.0.0.1:0", "--db"])
            .arg(data.join("server.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut first = String::new();
        let stdout = child.stdout.take().expect("piped");
        let _ = BufReader::new(stdout).read_line(&mut first);
        let Some(url) = first.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            return Err(format!("the server did not start: {first:?}"));
        };
        Ok(DevServer {
            url: url.to_owned(),
            child,
        })
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_schemathesis_own_summary() {
        let summary = "Test cases:\n  4953 generated, 4953 passed\n\nSeed: 1\n";
        assert_eq!(count(summary), Ok(4953));
        assert!(count("API Operations:\n  Tested: 52\n").is_err());
    }
}
