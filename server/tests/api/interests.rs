use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::{PHONE, TestServer, access, assert_error, count_rows};

const LABELS: [&str; 5] = [
    "Cardiology",
    "Oncology",
    "Medical education",
    "Neurology",
    "Pediatrics",
];

/// The documented choice: three consecutive labels from (sum of the id's bytes) mod 5.
fn expected_labels(user_id: &str) -> Vec<&'static str> {
    let start = user_id.bytes().map(usize::from).sum::<usize>() % LABELS.len();
    (0..3).map(|i| LABELS[(start + i) % LABELS.len()]).collect()
}

async fn tags(server: &TestServer, token: &str) -> Vec<Value> {
    let body = server
        .expect(Method::GET, "/v1/me/interests", token, None, StatusCode::OK)
        .await;
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["tags"].as_array().unwrap().clone()
}

fn id(tag: &Value) -> String {
    tag["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_new_account_gets_three_tags_chosen_by_its_id_once() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let token = access(&login);
    let user_id = login["user"]["id"].as_str().unwrap();
    let seeded = tags(&server, &token).await;
    let labels: Vec<_> = seeded
        .iter()
        .map(|tag| tag["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, expected_labels(user_id));
    for tag in &seeded {
        let id = id(tag);
        assert!(id.starts_with("t_") && id.len() == 18, "{id}");
        assert!(id[2..].bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(tag.as_object().unwrap().len(), 2, "{tag}");
    }

    // Logging in again does not seed again.
    server.advance(60).await;
    let again = access(&server.login(PHONE).await);
    assert_eq!(tags(&server, &again).await, seeded);
    assert_eq!(count_rows(&server, "interests"), 3);
}

#[tokio::test]
async fn tags_are_deleted_one_by_one_or_all_at_once() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let seeded = tags(&server, &token).await;

    let path = format!("/v1/me/interests/{}", id(&seeded[1]));
    let deleted = server
        .expect(Method::DELETE, &path, &token, None, StatusCode::NO_CONTENT)
        .await;
    assert_eq!(deleted, Value::Null);
    assert_eq!(
        tags(&server, &token).await,
        [seeded[0].clone(), seeded[2].clone()]
    );
    let twice = server.call(Method::DELETE, &path, Some(&token), None).await;
    assert_error(twice, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = server
        .call(
            Method::DELETE,
            "/v1/me/interests/t_0000000000000000",
            Some(&token),
            None,
        )
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;

    for _ in 0..2 {
        server
            .expect(
                Method::DELETE,
                "/v1/me/interests",
                &token,
                None,
                StatusCode::NO_CONTENT,
            )
            .await;
        assert_eq!(tags(&server, &token).await, Vec::<Value>::new());
    }
    assert_eq!(count_rows(&server, "interests"), 0);
}

#[tokio::test]
async fn another_users_tag_is_not_found_and_stays() {
    let server = TestServer::dev();
    let owner = access(&server.login(PHONE).await);
    server.advance(60).await;
    let stranger = access(&server.login("13912345678").await);
    let owned = tags(&server, &owner).await;

    let path = format!("/v1/me/interests/{}", id(&owned[0]));
    let response = server
        .call(Method::DELETE, &path, Some(&stranger), None)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    server
        .expect(
            Method::DELETE,
            "/v1/me/interests",
            &stranger,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    assert_eq!(tags(&server, &owner).await, owned);
    assert_eq!(count_rows(&server, "interests"), 3);
}
