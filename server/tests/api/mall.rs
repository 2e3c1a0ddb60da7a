//! The mall's contract: addresses refused by the shared rules with the field named and kept
//! sealed, redemptions once per idempotency key and never beyond the stock, and everything
//! of the mall gone with the account.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::common::{TestServer, access, assert_error, count_rows};

const STREET: &str = "幸福里七弄十九号";

fn address(street: &str) -> Value {
    json!({ "recipient_name": "欧阳明远", "phone": "13912345678", "province": "北京市",
            "city": "北京市", "district": "东城区", "street": street })
}

/// Adds the planted address to the caller's book; the answer, masked.
async fn add_address(server: &TestServer, token: &str) -> Value {
    server
        .expect(
            Method::POST,
            "/v1/me/addresses",
            token,
            Some(address(STREET)),
            StatusCode::CREATED,
        )
        .await
}

async fn shopper(server: &TestServer, phone: &str, points: i64) -> (String, String) {
    let session = server.login(phone).await;
    let user = session["user"]["id"].as_str().unwrap().to_owned();
    let granted = server
        .post(
            "/dev/points/grant",
            json!({ "user_id": user, "amount": points }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    (access(&session), user)
}

async fn item(server: &TestServer, stock: i64) -> String {
    let response = server
        .post(
            "/dev/mall/items",
            json!({ "title": "听诊器", "price": 100, "stock": stock, "per_user_limit": 20,
                    "supplier": "医疗器械供应商" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn redeem(server: &TestServer, token: &str, key: &str, body: &Value) -> reqwest::Response {
    server
        .http
        .post(server.url("/v1/me/redemptions"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn addresses_are_checked_by_the_shared_rules_and_kept_sealed() {
    let server = TestServer::dev();
    let (token, _) = shopper(&server, "13800138201", 0).await;
    for (field, value) in [
        ("phone", json!("12345")),
        ("recipient_name", json!("欧阳\u{200B}明远")),
        ("street", json!("a\u{202E}b")),
        ("street", json!("路".repeat(121))),
        ("district", json!(" 东城区")),
    ] {
        let mut body = address(STREET);
        body[field] = value;
        let response = server
            .call(Method::POST, "/v1/me/addresses", Some(&token), Some(body))
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "address_invalid",
        )
        .await;
        assert_eq!(error["field"], field);
    }
    let added = add_address(&server, &token).await;
    assert_eq!(added["recipient_name"], "欧***");
    assert_eq!(added["phone"], "139****5678");
    assert_eq!(added["is_default"], true);
    let file = std::fs::read(server.db_path()).unwrap();
    let text = String::from_utf8_lossy(&file);
    assert!(!text.contains(STREET) && !text.contains("13912345678"));
}

#[tokio::test]
async fn one_redemption_per_key_and_never_beyond_the_stock() {
    let server = TestServer::dev();
    let (token, _) = shopper(&server, "13800138202", 10_000).await;
    let address = add_address(&server, &token).await;
    let stocked = item(&server, 5).await;
    let body = json!({ "item_id": stocked, "address_id": address["id"] });
    let first = redeem(&server, &token, "same-key", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = redeem(&server, &token, "same-key", &body).await;
    assert_eq!(again.headers()["idempotent-replay"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let points = server
        .expect(Method::GET, "/v1/me/points", &token, None, StatusCode::OK)
        .await;
    assert_eq!(points["balance"], 10_000 - 100);

    // Twelve keys race for the last item.
    let last = item(&server, 1).await;
    let mut racing = JoinSet::new();
    for n in 0..12 {
        let (http, url, token) = (
            server.http.clone(),
            server.url("/v1/me/redemptions"),
            token.clone(),
        );
        let body = json!({ "item_id": last, "address_id": address["id"] });
        racing.spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .header("idempotency-key", format!("race-{n}"))
                .json(&body)
                .send()
                .await
                .unwrap()
        });
    }
    let answers = racing.join_all().await;
    let won = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1);
    for answer in answers
        .into_iter()
        .filter(|r| r.status() != StatusCode::CREATED)
    {
        assert_error(answer, StatusCode::CONFLICT, "out_of_stock").await;
    }
    assert_eq!(count_rows(&server, "redemptions"), 2);
    let points = server
        .expect(Method::GET, "/v1/me/points", &token, None, StatusCode::OK)
        .await;
    assert_eq!(points["balance"], 10_000 - 200);
    let history: i64 = points["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(history, 10_000 - 200);
}

#[tokio::test]
async fn the_mall_goes_with_the_account() {
    let server = TestServer::dev();
    let (token, _) = shopper(&server, "13800138203", 1_000).await;
    let address = add_address(&server, &token).await;
    let stocked = item(&server, 5).await;
    server
        .expect(
            Method::POST,
            "/v1/me/redemptions",
            &token,
            Some(json!({ "item_id": stocked, "address_id": address["id"] })),
            StatusCode::CREATED,
        )
        .await;
    server
        .expect(
            Method::DELETE,
            "/v1/me",
            &token,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    for table in [
        "addresses",
        "redemptions",
        "points_ledger",
        "address_disclosures",
    ] {
        assert_eq!(count_rows(&server, table), 0, "{table}");
    }
}
