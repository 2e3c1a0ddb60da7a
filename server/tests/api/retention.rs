//! The retention sweep, on the dev clock: what the data inventory keeps only for a while is
//! gone once that while has passed, and nothing else.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::certification::{ID_NUMBER, submit, upload as upload_certificate};
use crate::common::{PHONE, TestServer, access, count_rows};
use crate::feed_photos::{png, upload};

const DAY: u64 = 86_400;

async fn certificate(server: &TestServer, token: &str) -> Value {
    let response = upload_certificate(server, token, "physician", "image/png", png(800, 600)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["photo_id"].clone()
}

async fn photo(server: &TestServer, token: &str) -> Value {
    let response = upload(server, token, "image/png", png(800, 600), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"].clone()
}

fn counts(server: &TestServer) -> [i64; 4] {
    ["risk_devices", "events", "certification_photos", "photos"]
        .map(|table| count_rows(server, table))
}

#[tokio::test]
async fn what_is_kept_for_a_while_is_deleted_after_it_and_the_rest_stays() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let report = json!({ "model": "Pixel 8", "os": "android", "os_version": "14",
                         "app_version": "1.0.0", "network_type": "wifi", "carrier": null,
                         "install_id": "install-1" });
    let reported = server
        .call(Method::POST, "/v1/risk/device", Some(&token), Some(report))
        .await;
    assert_eq!(reported.status(), StatusCode::NO_CONTENT);
    let events = json!({ "pseudonym": "pseudonym-0123456789",
                         "events": [{ "kind": "view", "target": "post/1", "at": 1 }] });
    assert_eq!(
        server.post("/v1/events", events).await.status(),
        StatusCode::ACCEPTED
    );
    // A first application, then a second with another photo: the first photo is superseded.
    let first = certificate(&server, &token).await;
    let body = json!({ "id_number": ID_NUMBER, "photo_ids": [first] });
    assert_eq!(submit(&server, &token, body).await.status(), StatusCode::OK);
    let second = certificate(&server, &token).await;
    let body = json!({ "id_number": ID_NUMBER, "photo_ids": [second] });
    assert_eq!(submit(&server, &token, body).await.status(), StatusCode::OK);
    // One photo goes into a post, one is never used.
    let used = photo(&server, &token).await;
    photo(&server, &token).await;
    let post = json!({ "text": "", "photo_ids": [used] });
    server
        .expect(
            Method::POST,
            "/v1/posts",
            &token,
            Some(post),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(counts(&server), [1, 1, 2, 2]);

    server.advance(DAY - 60).await;
    assert_eq!(counts(&server), [1, 1, 2, 2], "nothing is due within a day");
    server.advance(60).await;
    assert_eq!(
        counts(&server),
        [1, 1, 1, 1],
        "the superseded and the unused photo"
    );
    let kept: String = rusqlite::Connection::open(server.db_path())
        .unwrap()
        .query_row("SELECT id FROM certification_photos", [], |row| row.get(0))
        .unwrap();
    assert_eq!(kept, second.as_str().unwrap());
    server.advance(89 * DAY).await;
    assert_eq!(
        counts(&server),
        [0, 1, 1, 1],
        "device reports after 90 days"
    );
    server.advance(90 * DAY).await;
    assert_eq!(
        counts(&server),
        [0, 0, 1, 1],
        "browsing events after 180 days"
    );
}
