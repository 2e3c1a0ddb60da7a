//! At rest: a copy of the database file alone opens nothing sensitive. The phone number, the
//! ID number and its mask, the position and certificate photos are sealed under data keys kept
//! outside the database, and phone lookups are HMACs under a key kept there too.

use std::path::Path;

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};
use sha2::Sha256;

use medcircle_server::{KeySource, RunningServer, rotate_keys};

use crate::certification::{ID_NUMBER, MASKED, submit, upload};
use crate::common::{PHONE, TestServer, access, client, config, production_keys, start};
use crate::feed_photos::png_with_data;

const LATITUDE: f64 = 39.913_818;
const LONGITUDE: f64 = 116.363_625;
const MARKER: &[u8] = b"certificate-scan-7f3a9c";

/// Logs in and submits a certification with a photo carrying MARKER and a position.
async fn certify(server: &TestServer) -> Value {
    let session = server.login(PHONE).await;
    let token = access(&session);
    // In the image data, which the server keeps as it is.
    let image = png_with_data(800, 600, MARKER);
    let uploaded = upload(server, &token, "physician", "image/png", image).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let photo: Value = uploaded.json().await.unwrap();
    let body = json!({ "id_number": ID_NUMBER, "photo_ids": [photo["photo_id"]],
                       "location": { "latitude": LATITUDE, "longitude": LONGITUDE } });
    assert_eq!(submit(server, &token, body).await.status(), StatusCode::OK);
    session
}

/// The server, with its keys, shows the full ID number to a fresh login.
async fn assert_reads_the_id_number(server: &TestServer, session: &Value) {
    let path = "/v1/me/certification/id-number";
    let full = server
        .expect(Method::GET, path, &access(session), None, StatusCode::OK)
        .await;
    assert_eq!(full["id_number"], ID_NUMBER);
}

/// The database file and its WAL, copied (as a thief would) into a directory of their own.
fn copy_of(db_path: &Path) -> (tempfile::TempDir, Connection) {
    let copy = tempfile::tempdir().unwrap();
    let target = copy.path().join("stolen.db");
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", db_path.display());
        if Path::new(&from).exists() {
            std::fs::copy(from, format!("{}{suffix}", target.display())).unwrap();
        }
    }
    let conn = Connection::open(&target).unwrap();
    (copy, conn)
}

/// Every value of every row of every table.
fn every_value(conn: &Connection) -> Vec<Sql> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut values = Vec::new();
    for table in tables {
        let mut statement = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for column in 0..columns {
                values.push(row.get::<_, Sql>(column).unwrap());
            }
        }
    }
    values
}

fn bytes_of(value: &Sql) -> &[u8] {
    match value {
        Sql::Text(text) => text.as_bytes(),
        Sql::Blob(blob) => blob,
        _ => &[],
    }
}

fn has(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn a_copy_of_the_database_alone_reveals_no_id_number_photo_position_or_phone() {
    let server = TestServer::dev();
    let session = certify(&server).await;
    let (_copy, stolen) = copy_of(&server.db_path());
    let values = every_value(&stolen);
    assert!(values.len() > 100, "the copy holds the data");
    let last4 = &ID_NUMBER[14..];
    for needle in [
        PHONE,
        "138****8000",
        ID_NUMBER,
        MASKED,
        "1101",
        "39.913818",
        "116.363625",
    ] {
        assert!(
            !values
                .iter()
                .any(|value| has(bytes_of(value), needle.as_bytes())),
            "{needle} is readable in the copy"
        );
    }
    assert!(
        !values
            .iter()
            .any(|value| has(bytes_of(value), last4.as_bytes()) && has(bytes_of(value), b"****"))
    );
    assert!(
        !values.iter().any(|value| has(bytes_of(value), MARKER)),
        "the photo"
    );
    assert!(
        !values
            .iter()
            .any(|value| matches!(value, Sql::Real(x) if *x == LATITUDE || *x == LONGITUDE)),
        "the position"
    );
    // The attack that recovered every phone: try each stored value as the HMAC key.
    let user_id = session["user"]["id"].as_str().unwrap();
    let phone_key: Vec<u8> = stolen
        .query_row(
            "SELECT phone_key FROM users WHERE id = ?1",
            [user_id],
            |row| row.get(0),
        )
        .unwrap();
    for candidate in values
        .iter()
        .map(bytes_of)
        .filter(|bytes| !bytes.is_empty())
    {
        let mut mac = Hmac::<Sha256>::new_from_slice(candidate).unwrap();
        mac.update(format!("phone:{PHONE}").as_bytes());
        assert_ne!(
            mac.finalize().into_bytes().as_slice(),
            phone_key,
            "the lookup key is in the database"
        );
    }
    // The server itself, with its keys, still reads everything.
    let me = server
        .me(&access(&session))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(me["phone_masked"], "138****8000");
    assert_reads_the_id_number(&server, &session).await;
    let export = server
        .expect(
            Method::GET,
            "/v1/me/export",
            &access(&session),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        export["certification"]["location"],
        json!({ "latitude": LATITUDE, "longitude": LONGITUDE })
    );
    assert_eq!(
        export["certification"]["photos"][0]["size"],
        png_with_data(800, 600, MARKER).len()
    );
}

#[tokio::test]
async fn rotating_the_data_key_seals_everything_again_and_keeps_it_readable() {
    let dir = tempfile::tempdir().unwrap();
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("server.keys");
    let source = || Some(KeySource::File(key_file.clone()));
    let first = RunningServer::start_with_keys(config(&dir, true), source()).unwrap();
    let server = TestServer {
        server: first,
        dir,
        http: client(),
    };
    certify(&server).await;
    let TestServer {
        server: running,
        dir,
        http,
    } = server;
    running.shutdown();
    let before = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        before.contains("data 1 ") && !before.contains("data 2 "),
        "{before}"
    );

    let rotated = rotate_keys(&dir.path().join("server.db"), &key_file).unwrap();
    assert_eq!(rotated.key_id, 2);
    assert_eq!(
        rotated.values, 5,
        "phone, ID number, its mask, position, photo"
    );
    let after = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        after.contains("data 2 ") && !after.contains("data 1 "),
        "{after}"
    );
    assert_eq!(
        after.lines().find(|l| l.starts_with("lookup")),
        before.lines().find(|l| l.starts_with("lookup"))
    );
    let (_copy, stolen) = copy_of(&dir.path().join("server.db"));
    let sealed: Vec<Vec<u8>> = stolen
        .prepare(
            "SELECT phone_sealed FROM users WHERE phone_sealed IS NOT NULL
             UNION ALL SELECT id_number FROM certifications
             UNION ALL SELECT location FROM certifications
             UNION ALL SELECT bytes FROM certification_photos",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sealed.len(), 4);
    for value in sealed {
        assert_eq!(&value[..8], b"MCS1\0\0\0\x02", "sealed under the new key");
    }

    let again = RunningServer::start_with_keys(config(&dir, true), source()).unwrap();
    let server = TestServer {
        server: again,
        dir,
        http,
    };
    server.advance(60).await;
    let session = server.login(PHONE).await;
    assert_eq!(session["user"]["phone_masked"], "138****8000");
    assert_reads_the_id_number(&server, &session).await;
}

/// Why starting failed.
fn refusal(started: std::io::Result<RunningServer>) -> String {
    match started {
        Ok(_) => panic!("the server started"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn production_needs_keys_kept_apart_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let refused = refusal(RunningServer::start_with_keys(config(&dir, false), None));
    assert!(refused.contains("no keys"), "{refused}");
    let KeySource::File(kept_apart) = production_keys(&dir.path().join("server.db")) else {
        unreachable!()
    };
    let beside = dir.path().join("server.keys");
    std::fs::copy(&kept_apart, &beside).unwrap();
    let refused = refusal(RunningServer::start_with_keys(
        config(&dir, false),
        Some(KeySource::File(beside)),
    ));
    assert!(refused.contains("database's directory"), "{refused}");
    let missing = dir.path().join("keys/missing.keys");
    assert!(
        RunningServer::start_with_keys(config(&dir, false), Some(KeySource::File(missing)))
            .is_err()
    );
    let text = std::fs::read_to_string(&kept_apart).unwrap();
    assert!(
        RunningServer::start_with_keys(config(&dir, false), Some(KeySource::Inline(text))).is_ok()
    );
    assert!(start(config(&dir, false)).is_ok());
}

#[test]
fn an_older_database_keeps_its_phone_lookups_when_its_key_moves_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let legacy = [7u8; 32];
    {
        // What an older server left: its lookup key in the database.
        drop(start(config(&dir, true)).unwrap());
        std::fs::remove_file(format!("{}.keys", db.display())).unwrap();
        let conn = Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO server_secret (id, secret) VALUES (1, ?1)",
            [&legacy[..]],
        )
        .unwrap();
    }
    // A production server with an existing key file refuses: phones would find no account.
    let refused = refusal(RunningServer::start_with_keys(
        config(&dir, false),
        Some(production_keys(&db)),
    ));
    assert!(refused.contains("older server"), "{refused}");
    // A dev start makes the key file and moves the key into it.
    drop(start(config(&dir, true)).unwrap());
    let keys = std::fs::read_to_string(format!("{}.keys", db.display())).unwrap();
    assert!(
        keys.contains(&format!("lookup {}", hex::encode(legacy))),
        "{keys}"
    );
    let left: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM server_secret", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left, 0);
}
