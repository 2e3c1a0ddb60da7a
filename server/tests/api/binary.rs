use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{DEVICE, PHONE, client};

fn spawn(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcircle-server"))
        .args(["--addr", "127.0.0.1:0", "--dev", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .strip_suffix('\n')
        .and_then(|line| line.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (child, url)
}

fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[tokio::test]
async fn binary_announces_its_url_serves_and_stops_on_signals_without_logging_secrets() {
    let dir = tempfile::tempdir().unwrap();
    for signal in ["-TERM", "-INT"] {
        let (mut child, url) = spawn(&dir.path().join("server.db"));
        let port: u16 = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap()
            .parse()
            .unwrap();
        assert_ne!(port, 0);

        let http = client();
        let send = http
            .post(format!("{url}/v1/auth/sms/send"))
            .json(&json!({ "phone": PHONE, "device_id": DEVICE }))
            .send()
            .await
            .unwrap();
        // The second run shares the database, so it is inside the first run's cooldown.
        let expected = if signal == "-TERM" {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(send.status(), expected);
        let phone = if signal == "-TERM" {
            "13912345678"
        } else {
            "15000000000"
        };
        let token: serde_json::Value = http
            .post(format!("{url}/dev/carrier/token"))
            .json(&json!({ "phone": phone, "carrier": "China Mobile" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["token"].as_str().unwrap().to_owned();
        for expected in [StatusCode::OK, StatusCode::UNAUTHORIZED] {
            let one_tap = http
                .post(format!("{url}/v1/auth/one-tap"))
                .json(&json!({ "carrier_token": token, "device_id": DEVICE }))
                .send()
                .await
                .unwrap();
            assert_eq!(one_tap.status(), expected);
        }
        let outbox: serde_json::Value = http
            .get(format!("{url}/dev/sms/outbox?phone={PHONE}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = wait_for_exit(&mut child);
        assert!(status.success(), "{signal}: {status}");

        let mut log = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        assert!(log.contains("/v1/auth/sms/send"), "{log}");
        assert!(log.contains("138****8000"), "{log}");
        assert!(!log.contains(PHONE), "the phone was logged in clear: {log}");
        assert!(log.contains("/v1/auth/one-tap"), "{log}");
        assert!(log.contains("carrier_token_used"), "{log}");
        assert!(!log.contains(phone), "the phone was logged in clear: {log}");
        let (payload, signature) = token.split_once('.').unwrap();
        assert!(
            !log.contains(payload),
            "the carrier token was logged: {log}"
        );
        assert!(
            !log.contains(signature),
            "the carrier token was logged: {log}"
        );
        if let Some(code) = outbox["code"].as_str() {
            assert!(!log.contains(code), "the code was logged: {log}");
        }
    }
}

#[test]
fn binary_fails_cleanly_on_an_unusable_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_medcircle-server"))
        .args(["--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "announced before failing");
}
