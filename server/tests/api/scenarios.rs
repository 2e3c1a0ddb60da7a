//! Scenarios and the dev reset: a QA case starts from one file, or one request.

use std::path::PathBuf;

use medcircle_server::{Options, Scenario};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{TestServer, access, assert_error, count_rows};

fn shipped(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    Scenario::from_file(&path).unwrap()
}

fn with_scenario(scenario: Scenario) -> TestServer {
    TestServer::dev_with(Options {
        scenario: Some(scenario),
        ..Options::default()
    })
}

/// Logs `phone` in (the device cooldown passed first, so logins may follow each other).
async fn login(server: &TestServer, phone: &str) -> String {
    server.advance(60).await;
    access(&server.login(phone).await)
}

async fn get(server: &TestServer, token: &str, path: &str) -> Value {
    server
        .expect(Method::GET, path, token, None, StatusCode::OK)
        .await
}

#[tokio::test]
async fn each_certification_state_logs_in_as_its_own_account() {
    let server = with_scenario(shipped("certification-states.toml"));
    let expected = [
        ("13800138010", "none", None),
        ("13800138011", "pending", None),
        ("13800138012", "approved", None),
        (
            "13800138013",
            "rejected",
            Some("The practising certificate photo is blurred; take it again in good light."),
        ),
    ];
    for (phone, status, reason) in expected {
        let token = login(&server, phone).await;
        let me = get(&server, &token, "/v1/me").await;
        assert_eq!(me["unit"]["id"], "un_3", "{me}");
        assert_eq!(me["department"]["id"], "dp_12", "{me}");
        let certification = get(&server, &token, "/v1/me/certification").await;
        assert_eq!(certification["status"], status, "{phone}: {certification}");
        assert_eq!(certification["reason"], json!(reason));
        if status != "none" {
            assert_eq!(certification["id_number_masked"], "1101**********002X");
            assert_eq!(certification["photo_count"], 1);
        }
    }
    // Only the scenario: no demo feed.
    assert_eq!(count_rows(&server, "posts"), 0);
}

#[tokio::test]
async fn a_doctor_with_history_sees_their_posts_comments_and_likes() {
    let server = with_scenario(shipped("certified-doctor.toml"));
    let token = login(&server, "13800138000").await;
    let me = get(&server, &token, "/v1/me").await;
    assert_eq!(me["nickname"], "Dr. Wang Lei");
    let feed = get(&server, &token, "/v1/feed?limit=50").await;
    let posts = feed["items"].as_array().unwrap();
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "Winter reminder: older patients with heart failure should weigh themselves daily.",
            "Stroke code drill today: door-to-needle time down to 38 minutes.",
            "心电图读图小技巧：先看节律，再看电轴，最后看ST段。",
            "Case discussion: early signs of an acute myocardial infarction in a 34-year-old.",
        ],
        "newest first"
    );
    let oldest = &posts[3];
    assert_eq!(oldest["like_count"], 2, "{oldest}");
    assert_eq!(oldest["comment_count"], 2, "{oldest}");
    assert_eq!(posts[1]["liked_by_me"], true);
    assert_eq!(posts[2]["public_share"], true);
    let comments = get(
        &server,
        &token,
        &format!("/v1/posts/{}/comments", oldest["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(comments["items"][0]["author"]["nickname"], "Dr. Chen Yu");
    assert_eq!(comments["items"][1]["text"], "收藏了，下周科室学习用。");
}

#[tokio::test]
async fn a_new_user_scenario_has_no_account_but_the_demo_feed() {
    let server = with_scenario(shipped("new-user.toml"));
    assert_eq!(count_rows(&server, "users"), crate::common::DEMO_AUTHORS);
    assert_eq!(count_rows(&server, "posts"), 40);
    let session = server.login("13900139000").await;
    assert_eq!(
        count_rows(&server, "users"),
        crate::common::DEMO_AUTHORS + 1
    );
    assert_eq!(session["user"]["unit"], Value::Null);
}

#[tokio::test]
async fn a_policy_scenario_publishes_its_version() {
    let server = with_scenario(shipped("policy-update.json"));
    let policy: Value = server.get("/v1/policy").await.json().await.unwrap();
    assert_eq!(policy["version"], "2027-01-01");
    assert_eq!(policy["previous_version"], "2026-11-01");
}

#[tokio::test]
async fn a_scenario_at_start_replaces_what_the_database_held() {
    let first = TestServer::dev();
    first.login("13700137000").await;
    let crate::common::TestServer { server, dir, http } = first;
    server.shutdown();
    let server = medcircle_server::RunningServer::start_with(
        crate::common::config(&dir, true),
        Options {
            scenario: Some(shipped("certification-states.toml")),
            ..Options::default()
        },
    )
    .unwrap();
    let again = TestServer { server, dir, http };
    assert_eq!(
        count_rows(&again, "users"),
        4,
        "only the scenario's accounts"
    );
    assert_eq!(count_rows(&again, "sessions"), 0);
}

#[tokio::test]
async fn reset_empties_everything_but_the_dictionaries() {
    let server = TestServer::dev();
    let token = access(&server.login("13700137001").await);
    server.advance(3600).await;
    let response = server
        .http
        .post(server.url("/dev/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let loaded: Value = response.json().await.unwrap();
    assert_eq!(
        loaded,
        json!({ "accounts": [], "posts": [], "policy_version": "2026-11-01" })
    );
    for table in [
        "users",
        "sessions",
        "posts",
        "comments",
        "sms_sends",
        "interests",
    ] {
        assert_eq!(count_rows(&server, table), 0, "{table}");
    }
    assert_eq!(count_rows(&server, "units"), 12);
    // The clock is back, the outbox and the request log empty.
    assert!((server.advance(0).await - crate::common::unix_now()).abs() <= 2);
    let outbox = server.get("/dev/sms/outbox?phone=13700137001").await;
    assert_error(outbox, StatusCode::NOT_FOUND, "not_found").await;
    let requests: Value = server.get("/dev/requests").await.json().await.unwrap();
    assert_eq!(requests, json!({ "requests": [] }));
    assert_error(
        server.me(&token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn reset_loads_a_scenario_sent_as_toml_or_json() {
    let server = TestServer::dev();
    let toml = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/certified-doctor.toml"),
    )
    .unwrap();
    let response = server
        .http
        .post(server.url("/dev/reset"))
        .header(header::CONTENT_TYPE, "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let loaded: Value = response.json().await.unwrap();
    let accounts = loaded["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[0]["phone"], "13800138000");
    assert_eq!(accounts[0]["certification"], "approved");
    assert_eq!(loaded["posts"].as_array().unwrap().len(), 4);
    let decided = server
        .post(
            "/dev/certification/decide",
            json!({ "user_id": accounts[2]["user_id"], "approve": true }),
        )
        .await;
    assert_eq!(
        decided.status(),
        StatusCode::OK,
        "the user ids are the real ones"
    );

    let json_scenario = json!({ "accounts": [{ "phone": "13600136000", "nickname": "QA" }] });
    let loaded: Value = server
        .post("/dev/reset", json_scenario)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(loaded["accounts"][0]["nickname"], "QA");
    assert_eq!(count_rows(&server, "users"), 1);
}

#[tokio::test]
async fn a_scenario_that_does_not_load_changes_nothing_and_says_where() {
    let server = TestServer::dev();
    let posts_before = count_rows(&server, "posts");
    let refusals = [
        (
            json!({ "accounts": [{ "phone": "13600136000" }],
                    "posts": [{ "author": "13600136001", "text": "x" }] }),
            "posts[0].author",
        ),
        (
            json!({ "accounts": [{ "phone": "12345" }] }),
            "accounts[0].phone",
        ),
        (
            json!({ "accounts": [{ "phone": "13600136000", "unit": "un_1", "department": "dp_7" }] }),
            "accounts[0].department",
        ),
        (
            json!({ "accounts": [{ "phone": "13600136000", "nickname": "\u{202E}evil" }] }),
            "accounts[0].nickname",
        ),
        (
            json!({ "accounts": [{ "phone": "13600136000", "certification": "approved",
                                   "id_number": "110105194912310021" }] }),
            "accounts[0].certification",
        ),
        (
            json!({ "points": [{ "phone": "13600136000", "balance": 10 }] }),
            "points",
        ),
        (
            json!({ "policies": [{ "version": "2026-11-01", "changes": ["x"],
                                   "purposes": ["privacy_policy"] }] }),
            "policies",
        ),
    ];
    for (scenario, named) in refusals {
        let response = server.post("/dev/reset", scenario.clone()).await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(named), "{scenario}: {message}");
        assert_eq!(count_rows(&server, "posts"), posts_before, "{scenario}");
    }
}
