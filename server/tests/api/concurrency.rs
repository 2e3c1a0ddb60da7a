//! No request waits for every other: reads go on while a writer holds SQLite's write lock.

use reqwest::{Method, StatusCode};

use crate::common::{PHONE, TestServer, access};

#[tokio::test]
async fn reads_are_served_while_another_connection_holds_the_write_lock() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let writer = rusqlite::Connection::open(server.db_path()).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    for path in [
        "/v1/feed",
        "/v1/me",
        "/v1/search?q=心内科",
        "/v1/me/collections",
    ] {
        let response = server.call(Method::GET, path, Some(&token), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    writer.execute_batch("ROLLBACK").unwrap();
}
