//! This build's SQLCipher runs on the Rust provider and keeps SQLCipher's guarantees: what it
//! writes is encrypted and reads back, a wrong key or a changed byte is refused.

mod support;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode};

const KEY: &str = "5ad8ac50c6ee1b2fa1e6a3a1a4f9b7a7c0f53e0d8e3c91e6a0e4b3c2d1f0a9b8";
const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

fn written() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    support::write(&file, KEY).unwrap();
    (dir, file)
}

fn pragma(conn: &Connection, name: &str) -> String {
    conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
        .unwrap()
}

fn error_code(result: rusqlite::Result<String>) -> Option<ErrorCode> {
    result.unwrap_err().sqlite_error_code()
}

#[test]
fn sqlcipher_4_runs_on_the_rust_provider() {
    let (_dir, file) = written();
    let conn = support::open(&file, KEY).unwrap();
    assert_eq!(pragma(&conn, "cipher_provider"), "medcircle-rust");
    assert_eq!(
        pragma(&conn, "cipher_provider_version"),
        "ring 0.17 + aes 0.9"
    );
    assert!(pragma(&conn, "cipher_version").starts_with("4."));
}

#[test]
fn what_it_writes_reads_back_and_is_encrypted_on_disk() {
    let (_dir, file) = written();
    assert_eq!(support::check(&file, KEY).unwrap(), support::CONTENT_OK);
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.starts_with("SQLite format 3"));
    for plain in ["note 137", "notes_title", "CREATE TABLE"] {
        assert!(!text.contains(plain), "{plain:?} in clear");
    }
}

#[test]
fn every_page_passes_sqlciphers_own_integrity_check() {
    let (_dir, file) = written();
    let conn = support::open(&file, KEY).unwrap();
    let mut failures = conn.prepare("PRAGMA cipher_integrity_check").unwrap();
    let failures: Vec<String> = failures
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn a_wrong_key_is_not_a_database() {
    let (_dir, file) = written();
    assert_eq!(
        error_code(support::check(&file, OTHER_KEY)),
        Some(ErrorCode::NotADatabase)
    );
}

#[test]
fn a_changed_byte_fails_its_page() {
    let (_dir, file) = written();
    flip_byte(&file, 3 * 4096 + 100);
    let result = support::check(&file, KEY);
    assert!(
        matches!(
            error_code(result),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
        ),
        "a tampered page must not read"
    );
}

#[test]
fn a_passphrase_is_stretched_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase.db");
    let keyed = |passphrase: &str| {
        let conn = Connection::open(&file).unwrap();
        // Fewer rounds than SQLCipher's 256,000 default keep the test quick; the derivation
        // is the same PBKDF2-HMAC-SHA512.
        conn.execute_batch(&format!(
            "PRAGMA key = '{passphrase}'; PRAGMA kdf_iter = 4000;"
        ))
        .unwrap();
        conn
    };
    keyed("correct horse")
        .execute_batch(support::CONTENT)
        .unwrap();
    let verdict =
        keyed("correct horse").query_row(support::CHECK, [], |row| row.get::<_, String>(0));
    assert_eq!(verdict.unwrap(), support::CONTENT_OK);
    let wrong =
        keyed("battery staple").query_row(support::CHECK, [], |row| row.get::<_, String>(0));
    assert_eq!(error_code(wrong), Some(ErrorCode::NotADatabase));
}

fn flip_byte(file: &Path, at: usize) {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(file, bytes).unwrap();
}
