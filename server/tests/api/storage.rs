use std::fs;

use reqwest::StatusCode;
use rusqlite::Connection;

use crate::common::{DEVICE, PHONE, TestServer};

/// Every byte the database keeps on disk (main file, WAL and shared memory).
fn database_bytes(server: &TestServer) -> Vec<u8> {
    let main = server.db_path();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", main.display());
        if let Ok(content) = fs::read(path) {
            bytes.extend(content);
        }
    }
    assert!(bytes.len() > 4096, "the database was not written");
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn codes_phones_and_tokens_are_never_stored_in_clear() {
    let server = TestServer::dev();
    assert_eq!(
        server.send_code(PHONE, DEVICE).await.status(),
        StatusCode::OK
    );
    let code = server.outbox_code(PHONE).await;

    let stored: Vec<(Vec<u8>, i64)> = {
        let conn = Connection::open(server.db_path()).unwrap();
        let mut rows = conn
            .prepare("SELECT code_mac, wrong_attempts FROM sms_codes")
            .unwrap();
        rows.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0.len(), 32, "an HMAC-SHA256, not the code");
    assert_eq!(stored[0].1, 0);
    assert!(!contains(&stored[0].0, &code));

    let bytes = database_bytes(&server);
    assert!(
        !contains(&bytes, &code),
        "the clear code is in the database"
    );
    assert!(
        !contains(&bytes, PHONE),
        "the clear phone is in the database"
    );
    assert!(
        !contains(&bytes, DEVICE),
        "the clear device id is in the database"
    );

    let login = server.verify(PHONE, &code).await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: serde_json::Value = login.json().await.unwrap();
    let bytes = database_bytes(&server);
    for token in ["access_token", "refresh_token"] {
        let token = login[token].as_str().unwrap();
        assert!(!contains(&bytes, token), "a clear token is in the database");
        assert!(
            !contains(&bytes, &token[4..]),
            "a clear token is in the database"
        );
    }
    assert!(
        !contains(&bytes, "138****8000"),
        "the phone's mask is in the database"
    );
}
