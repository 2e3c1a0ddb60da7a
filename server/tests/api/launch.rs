//! The server binary as QA starts it: dev mode stays on loopback unless told, and TLS says
//! where its CA is and what to pin.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medcircle-server"));
    command
        .env_remove("MEDCIRCLE_KEYS")
        .env_remove("MEDCIRCLE_KEY_FILE");
    command
}

#[test]
fn dev_mode_on_an_address_beyond_loopback_is_refused_before_binding() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    // Refused before anything is bound or opened: no traffic, no database.
    let output = server()
        .args(["--dev", "--addr", "0.0.0.0:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--dev-remote"), "{stderr}");
    assert!(!db.exists());
    assert!(output.stdout.is_empty());

    // --dev-remote is only meaningful with --dev.
    let output = server()
        .args(["--dev-remote", "--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--dev"));
}

#[test]
fn a_scenario_needs_dev_mode_and_a_bad_one_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let scenario = dir.path().join("broken.toml");
    std::fs::write(
        &scenario,
        "[[accounts]]\nphone = \"13800138000\"\npoints = 5\n",
    )
    .unwrap();
    let output = server()
        .args(["--dev", "--addr", "127.0.0.1:0", "--scenario"])
        .arg(&scenario)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.toml") && stderr.contains("points"),
        "{stderr}"
    );
    let output = server()
        .args(["--addr", "127.0.0.1:0", "--scenario"])
        .arg(&scenario)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[test]
fn tls_announces_the_url_the_ca_files_and_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let mut child = server()
        .args([
            "--dev",
            "--addr",
            "127.0.0.1:0",
            "--tls",
            "--tls-name",
            "10.0.2.2",
            "--db",
        ])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut line = || lines.next().unwrap().unwrap();
    let (listening, ca, pin) = (line(), line(), line());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        listening.starts_with("listening on https://127.0.0.1:"),
        "{listening}"
    );
    let ca_dir = dir.path().join("server.db.tls");
    assert_eq!(
        ca,
        format!(
            "tls ca {} (DER: {})",
            ca_dir.join("ca.pem").display(),
            ca_dir.join("ca.der").display()
        )
    );
    let pin = pin.strip_prefix("tls pin ").unwrap();
    assert_eq!(pin.len(), 44, "base64 of a SHA-256 digest: {pin}");
    assert!(ca_dir.join("ca.der").exists());
}
