use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error};

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) MedCircleTest/1.0";

struct Started {
    id: String,
    poll_token: String,
}

async fn start(server: &TestServer) -> Started {
    let response = server
        .http
        .post(server.url("/web/login"))
        .header(header::USER_AGENT, BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    assert!(
        id.len() == 35 && id.starts_with("wl_") && id[3..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(
        body["payload"],
        format!("medcircle://web-login?id={id}&v=1")
    );
    assert_eq!(body["expires_in_s"], 120);
    Started {
        id,
        poll_token: body["poll_token"].as_str().unwrap().to_owned(),
    }
}

async fn poll(server: &TestServer, started: &Started) -> Value {
    let response = server
        .get(&format!(
            "/web/login/{}/status?poll={}",
            started.id, started.poll_token
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn phone(server: &TestServer, method: Method, path: &str, token: &str) -> reqwest::Response {
    server.call(method, path, Some(token), None).await
}

#[tokio::test]
async fn a_phone_confirms_a_browsers_login() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    let started = start(&server).await;
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "pending" })
    );

    let details = server
        .expect(
            Method::GET,
            &format!("/v1/web-logins/{}", started.id),
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(details["id"], started.id.as_str());
    assert_eq!(details["browser"], BROWSER);
    assert_eq!(details["ip"], "127.0.x.x");
    assert_eq!(details["place"], "Loopback");
    assert_eq!(details["status"], "scanned");
    let requested_at = details["requested_at"].as_i64().unwrap();
    assert_eq!(details["expires_at"], requested_at + 120);
    assert_eq!(details.as_object().unwrap().len(), 7, "{details}");
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "scanned" })
    );

    let confirm = format!("/v1/web-logins/{}/confirm", started.id);
    let body = server
        .expect(Method::POST, &confirm, &token, None, StatusCode::OK)
        .await;
    assert_eq!(body, json!({ "status": "confirmed" }));
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "confirmed", "session": {
            "user_id": session["user"]["id"], "nickname": session["user"]["nickname"] } })
    );

    assert_error(
        phone(&server, Method::POST, &confirm, &token).await,
        StatusCode::CONFLICT,
        "web_login_used",
    )
    .await;
    for path in [
        format!("/v1/web-logins/{}", started.id),
        format!("/v1/web-logins/{}/decline", started.id),
    ] {
        let method = if path.ends_with("decline") {
            Method::POST
        } else {
            Method::GET
        };
        assert_error(
            phone(&server, method, &path, &token).await,
            StatusCode::CONFLICT,
            "web_login_used",
        )
        .await;
    }
    // Long after, a confirmed login stays confirmed.
    server.advance(200).await;
    assert_eq!(poll(&server, &started).await["status"], "confirmed");
}

#[tokio::test]
async fn a_phone_declines_a_browsers_login() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let started = start(&server).await;
    let decline = format!("/v1/web-logins/{}/decline", started.id);
    let body = server
        .expect(Method::POST, &decline, &token, None, StatusCode::OK)
        .await;
    assert_eq!(body, json!({ "status": "declined" }));
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "declined" })
    );
    assert_error(
        phone(
            &server,
            Method::POST,
            &format!("/v1/web-logins/{}/confirm", started.id),
            &token,
        )
        .await,
        StatusCode::CONFLICT,
        "web_login_used",
    )
    .await;
    assert_error(
        phone(&server, Method::POST, &decline, &token).await,
        StatusCode::CONFLICT,
        "web_login_used",
    )
    .await;
}

#[tokio::test]
async fn a_web_login_expires_after_120_s() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let started = start(&server).await;
    server.advance(121).await;
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "expired" })
    );
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::POST, "/confirm"),
        (Method::POST, "/decline"),
    ] {
        assert_error(
            phone(
                &server,
                method,
                &format!("/v1/web-logins/{}{suffix}", started.id),
                &token,
            )
            .await,
            StatusCode::GONE,
            "web_login_expired",
        )
        .await;
    }
}

#[tokio::test]
async fn confirming_needs_a_recent_login() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    server.advance(301).await;
    let started = start(&server).await;
    let confirm = format!("/v1/web-logins/{}/confirm", started.id);
    assert_error(
        phone(&server, Method::POST, &confirm, &token).await,
        StatusCode::FORBIDDEN,
        "reauth_required",
    )
    .await;
    assert_error(
        phone(&server, Method::POST, &confirm, "mca_nope").await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_eq!(poll(&server, &started).await["status"], "pending");

    server
        .expect(
            Method::POST,
            "/v1/auth/reauth/sms/send",
            &token,
            Some(json!({ "phone": PHONE })),
            StatusCode::OK,
        )
        .await;
    let code = server.outbox_code(PHONE).await;
    server
        .expect(
            Method::POST,
            "/v1/auth/reauth/sms/verify",
            &token,
            Some(json!({ "phone": PHONE, "code": code })),
            StatusCode::OK,
        )
        .await;
    let body = server
        .expect(Method::POST, &confirm, &token, None, StatusCode::OK)
        .await;
    assert_eq!(body["status"], "confirmed");
}

#[tokio::test]
async fn only_the_poll_token_reads_the_status_and_unknown_ids_are_404() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let started = start(&server).await;
    let wrong = format!("/web/login/{}/status?poll=wlp_nope", started.id);
    assert_error(server.get(&wrong).await, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = "wl_00000000000000000000000000000000";
    let stray = format!("/web/login/{unknown}/status?poll={}", started.poll_token);
    assert_error(server.get(&stray).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(
        server
            .get(&format!("/web/login/{}/status", started.id))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::POST, "/confirm"),
        (Method::POST, "/decline"),
    ] {
        let path = format!("/v1/web-logins/{unknown}{suffix}");
        assert_error(
            phone(&server, method.clone(), &path, &token).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_error(
            server.call(method, &path, None, None).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
}

#[tokio::test]
async fn the_web_page_starts_a_login_and_shows_its_payload() {
    let server = TestServer::production();
    let response = server
        .http
        .get(server.url("/web/login"))
        .header(header::USER_AGENT, BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    let start = page.find("medcircle://web-login?id=wl_").expect(&page);
    let payload = &page[start..start + "medcircle://web-login?id=".len() + 35 + "&v=1".len()];
    assert!(payload.ends_with("&v=1"), "{payload}");
    let id = &payload["medcircle://web-login?id=".len()..payload.len() - 4];
    assert!(page.contains(&format!("/web/login/{id}/status?poll=wlp_")));
    assert!(page.contains("<script>"));
    assert!(page.contains("<svg"), "the QR code is drawn");

    // The page's request is a real one a phone can read.
    let poll_at = page.find("?poll=").unwrap() + "?poll=".len();
    let poll_token: String = page[poll_at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let started = Started {
        id: id.to_owned(),
        poll_token,
    };
    assert_eq!(
        poll(&server, &started).await,
        json!({ "status": "pending" })
    );
}
