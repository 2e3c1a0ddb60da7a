//! The help center: articles (topics, search in Chinese and English), feedback with photos
//! stripped again on the server, tickets with replies and read markers, and the feedback's
//! place in the account export and deletion.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows};
use crate::feed::{send, two_users};
use crate::images;
use crate::one_tap::decode;

fn ids(list: &Value) -> Vec<String> {
    list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn articles(server: &TestServer, query: &str) -> Value {
    let response = server.get(&format!("/v1/help/articles{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

async fn upload(server: &TestServer, token: &str, bytes: Vec<u8>, key: Option<&str>) -> Value {
    let mut request = server
        .http
        .post(server.url("/v1/help/photos"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, "image/jpeg")
        .body(bytes);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn tickets(server: &TestServer, token: &str) -> Value {
    server
        .expect(Method::GET, "/v1/help/tickets", token, None, StatusCode::OK)
        .await
}

async fn received(server: &TestServer) -> Vec<Value> {
    let body: Value = server.get("/dev/help/tickets").await.json().await.unwrap();
    body["tickets"].as_array().unwrap().clone()
}

#[tokio::test]
async fn articles_by_topic_searched_in_chinese_and_english_and_read_without_a_session() {
    let server = TestServer::dev();
    let all = ids(&articles(&server, "").await);
    assert!(all.len() >= 8, "{all:?}");
    let privacy = articles(&server, "?topic=privacy").await;
    assert!(
        privacy["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["topic"] == "privacy")
    );
    assert_eq!(ids(&privacy).len(), 2);
    // A Chinese word inside a sentence, and English in another case.
    let zh = ids(&articles(&server, "?q=%E9%AA%8C%E8%AF%81%E7%A0%81").await);
    assert!(zh.contains(&"ha_login_zh".to_owned()), "{zh:?}");
    assert!(!zh.contains(&"ha_login_en".to_owned()));
    let en = ids(&articles(&server, "?q=sms%20CODE").await);
    assert_eq!(en, ["ha_login_en"]);
    assert!(ids(&articles(&server, "?q=nothing-like-this").await).is_empty());
    let article: Value = server
        .get("/v1/help/articles/ha_feedback_en")
        .await
        .json()
        .await
        .unwrap();
    assert!(article["body"].as_str().unwrap().contains("4 photos"));
    assert_error(
        server.get("/v1/help/articles/ha_nothing").await,
        StatusCode::NOT_FOUND,
        "article_not_found",
    )
    .await;
    assert_error(
        server.get("/v1/help/articles?topic=nothing").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    assert_error(
        server.get("/v1/help/articles?q=%20").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn feedback_with_a_photo_is_one_ticket_stripped_sealed_and_answered() {
    let server = TestServer::dev();
    let (me, other) = two_users(&server).await;
    let (token, other_token) = (access(&me), access(&other));
    let (planted, _) = images::camera_jpeg();
    let photo = upload(&server, &token, planted.clone(), Some("ph-1")).await;
    // A repeat of the upload is the same photo.
    let again = upload(&server, &token, planted, Some("ph-1")).await;
    assert_eq!(photo["id"], again["id"]);
    let body = json!({
        "text": "上传照片时卡住了",
        "photo_ids": [photo["id"]],
        "contact": "+86 138-0013-8000",
    });
    let first = send(
        &server,
        Method::POST,
        "/v1/help/feedback",
        &token,
        Some("fb-1"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let ticket: Value = first.json().await.unwrap();
    let repeat = send(
        &server,
        Method::POST,
        "/v1/help/feedback",
        &token,
        Some("fb-1"),
        Some(body),
    )
    .await;
    assert_eq!(repeat.headers()["idempotent-replay"], "true");
    assert_eq!(repeat.json::<Value>().await.unwrap()["id"], ticket["id"]);
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["contact_masked"], "138****8000");
    assert!(ticket.get("app_version").is_none());
    assert_eq!(ticket["photos"][0]["id"], photo["id"]);

    // The team's view: one ticket, the number in clear, the photo without its metadata.
    let inbox = received(&server).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["contact"], "13800138000");
    let stored = decode(inbox[0]["photos"][0].as_str().unwrap());
    assert!(stored.starts_with(&[0xff, 0xd8]));
    for planted in images::PLANTED {
        assert!(!images::contains(&stored, planted), "{planted} kept");
    }
    // At rest, the number is sealed.
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    let contact: Vec<u8> = conn
        .query_row("SELECT contact FROM help_tickets", [], |r| r.get(0))
        .unwrap();
    assert!(!images::contains(&contact, "13800138000"));

    // The photo went with the ticket: it cannot be used twice, nor by someone else.
    let reuse = json!({"text": "again", "photo_ids": [photo["id"]]});
    let refused = send(
        &server,
        Method::POST,
        "/v1/help/feedback",
        &token,
        None,
        Some(reuse),
    )
    .await;
    assert_error(refused, StatusCode::BAD_REQUEST, "invalid_photo").await;

    // A reply raises the unread count; reading clears it; closing shows.
    let id = ticket["id"].as_str().unwrap();
    assert_eq!(tickets(&server, &token).await["unread"], 0);
    let reply = server
        .post(
            &format!("/dev/help/tickets/{id}/replies"),
            json!({"body": "已修复，请更新"}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::OK);
    let list = tickets(&server, &token).await;
    assert_eq!(list["unread"], 1);
    assert_eq!(list["tickets"][0]["status"], "answered");
    assert_eq!(list["tickets"][0]["replies"][0]["body"], "已修复，请更新");
    assert_eq!(tickets(&server, &other_token).await["tickets"], json!([]));
    let others_read = server
        .call(
            Method::POST,
            &format!("/v1/help/tickets/{id}/read"),
            Some(&other_token),
            None,
        )
        .await;
    assert_error(others_read, StatusCode::NOT_FOUND, "ticket_not_found").await;
    server
        .expect(
            Method::POST,
            &format!("/v1/help/tickets/{id}/read"),
            &token,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(tickets(&server, &token).await["unread"], 0);
    let close = server
        .post(&format!("/dev/help/tickets/{id}/close"), json!({}))
        .await;
    assert_eq!(close.status(), StatusCode::OK);
    assert_eq!(
        tickets(&server, &token).await["tickets"][0]["status"],
        "closed"
    );

    // A photo no feedback uses goes a day after its upload; one with its ticket stays.
    upload(&server, &token, images::camera_jpeg().1, None).await;
    assert_eq!(count_rows(&server, "help_photos"), 2);
    server.advance(86_400).await;
    assert_eq!(count_rows(&server, "help_photos"), 1);
}

#[tokio::test]
async fn feedback_is_checked_and_device_versions_go_only_when_sent() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let post = |body: Value| {
        send(
            &server,
            Method::POST,
            "/v1/help/feedback",
            &token,
            None,
            Some(body),
        )
    };
    assert_error(
        post(json!({"text": " "})).await,
        StatusCode::BAD_REQUEST,
        "invalid_text",
    )
    .await;
    assert_error(
        post(json!({"text": "x\u{202e}y"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_text",
    )
    .await;
    let five: Vec<String> = (0..5).map(|i| format!("hp_{i:016x}")).collect();
    assert_error(
        post(json!({"text": "t", "photo_ids": five})).await,
        StatusCode::BAD_REQUEST,
        "too_many_photos",
    )
    .await;
    assert_error(
        post(json!({"text": "t", "contact": "12345"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_phone",
    )
    .await;
    assert_error(
        post(json!({"text": "t", "device": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    let plain = post(json!({"text": "text only"})).await;
    assert_eq!(plain.status(), StatusCode::CREATED);
    let with_device =
        post(json!({"text": "with versions", "app_version": "1.4.0", "os_version": "Android 14"}))
            .await;
    assert_eq!(with_device.status(), StatusCode::CREATED);
    let inbox = received(&server).await;
    assert!(inbox[0].get("app_version").is_none() && inbox[0].get("os_version").is_none());
    assert_eq!(inbox[1]["app_version"], "1.4.0");
    assert_eq!(inbox[1]["os_version"], "Android 14");
}

#[tokio::test]
async fn feedback_is_exported_and_deleted_with_the_account() {
    let server = TestServer::dev();
    let (me, other) = two_users(&server).await;
    let token = access(&me);
    let photo = upload(&server, &token, images::camera_jpeg().1, None).await;
    let body =
        json!({"text": "导出我的反馈", "photo_ids": [photo["id"]], "contact": "13800138000"});
    let sent = send(
        &server,
        Method::POST,
        "/v1/help/feedback",
        &token,
        None,
        Some(body),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let theirs = json!({"text": "someone else's"});
    let sent = send(
        &server,
        Method::POST,
        "/v1/help/feedback",
        &access(&other),
        None,
        Some(theirs),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let id = received(&server).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .post(
            &format!("/dev/help/tickets/{id}/replies"),
            json!({"body": "收到"}),
        )
        .await;
    let export = server
        .expect(Method::GET, "/v1/me/export", &token, None, StatusCode::OK)
        .await;
    let exported = export["help_tickets"].as_array().unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["text"], "导出我的反馈");
    assert_eq!(exported[0]["contact_masked"], "138****8000");
    assert_eq!(exported[0]["replies"][0]["body"], "收到");
    server
        .expect(
            Method::DELETE,
            "/v1/me",
            &token,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(
        count_rows(&server, "help_tickets"),
        1,
        "only the other user's is left"
    );
    assert_eq!(count_rows(&server, "help_photos"), 0);
    assert_eq!(count_rows(&server, "help_replies"), 0);
    assert_eq!(received(&server).await[0]["text"], "someone else's");
}
