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
    let response = poll_as_program(server, started).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn poll_as_program(server: &TestServer, started: &Started) -> reqwest::Response {
    server
        .get(&format!(
            "/web/login/{}/status?poll={}",
            started.id, started.poll_token
        ))
        .await
}

const POLL_COOKIE: &str = "__Host-medcircle_web_login";
const SESSION_COOKIE: &str = "__Host-medcircle_session";

/// A GET as a browser makes it, with `cookie` (`name=value`) if any.
async fn browse(server: &TestServer, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = server
        .http
        .get(server.url(path))
        .header(header::USER_AGENT, BROWSER);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

/// The `Set-Cookie` headers of `response`.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// Cookie `name` as a browser sends it back (`name=value`), checked to be one no script
/// reads, sent over HTTPS or to localhost only, and by this site's own requests only.
fn cookie(set_cookies: &[String], name: &str) -> String {
    let set = set_cookies
        .iter()
        .find(|cookie| cookie.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {set_cookies:?}"));
    let mut parts = set.split("; ");
    let pair = parts.next().unwrap().to_owned();
    let attributes: Vec<&str> = parts.collect();
    for attribute in ["Path=/", "HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(attributes.contains(&attribute), "{attribute} in {set}");
    }
    pair
}

/// Checks the answer is never cached, sniffed or named in a referrer.
fn assert_private(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
}

/// Confirms `id` from the phone of `token` (which scans it first).
async fn scan_and_confirm(server: &TestServer, id: &str, token: &str) {
    let path = format!("/v1/web-logins/{id}");
    server
        .expect(Method::GET, &path, token, None, StatusCode::OK)
        .await;
    let confirm = format!("{path}/confirm");
    server
        .expect(Method::POST, &confirm, token, None, StatusCode::OK)
        .await;
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
    // The first poll that sees it confirmed gets the browser's session, once.
    let handed = poll_as_program(&server, &started).await;
    assert_eq!(handed.status(), StatusCode::OK);
    assert_private(&handed);
    let web_session = cookie(&set_cookies(&handed), SESSION_COOKIE);
    let me = json!({ "user_id": session["user"]["id"], "nickname": session["user"]["nickname"] });
    assert_eq!(
        handed.json::<Value>().await.unwrap(),
        json!({ "status": "confirmed", "session": me })
    );
    let again = poll_as_program(&server, &started).await;
    assert!(set_cookies(&again).is_empty(), "a second session");
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({ "status": "confirmed" })
    );
    let logged_in = browse(&server, "/web/me", Some(&web_session)).await;
    assert_eq!(logged_in.status(), StatusCode::OK);
    assert_private(&logged_in);
    assert_eq!(logged_in.json::<Value>().await.unwrap(), me);
    let anonymous = browse(&server, "/web/me", None).await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;
    // The browser never proved who it is itself: nothing sensitive without a step-up.
    let bearer = web_session.split_once('=').unwrap().1;
    let delete = server
        .call(Method::DELETE, "/v1/me", Some(bearer), None)
        .await;
    assert_error(delete, StatusCode::FORBIDDEN, "reauth_required").await;

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
async fn only_the_account_that_scanned_may_answer() {
    let server = TestServer::dev();
    let (scanner, other) = crate::feed::two_users(&server).await;
    let (scanner_token, other_token) = (access(&scanner), access(&other));
    let started = start(&server).await;
    let path = format!("/v1/web-logins/{}", started.id);
    server
        .expect(Method::GET, &path, &scanner_token, None, StatusCode::OK)
        .await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::POST, "/confirm"),
        (Method::POST, "/decline"),
    ] {
        let response = phone(&server, method, &format!("{path}{suffix}"), &other_token).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(poll(&server, &started).await["status"], "scanned");
    scan_and_confirm(&server, &started.id, &scanner_token).await;
    let handed = poll(&server, &started).await;
    assert_eq!(handed["session"]["user_id"], scanner["user"]["id"]);

    // Answered before anyone scanned it, a request is the answering account's.
    let started = start(&server).await;
    let confirm = format!("/v1/web-logins/{}/confirm", started.id);
    server
        .expect(Method::POST, &confirm, &other_token, None, StatusCode::OK)
        .await;
    assert_eq!(
        poll(&server, &started).await["session"]["user_id"],
        other["user"]["id"]
    );
}

#[tokio::test]
async fn the_web_page_starts_a_login_and_shows_its_payload() {
    let server = TestServer::dev();
    let response = browse(&server, "/web/login", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_private(&response);
    assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'none'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    let poll_cookie = cookie(&set_cookies(&response), POLL_COOKIE);
    let page = response.text().await.unwrap();
    let start = page.find("medcircle://web-login?id=wl_").expect(&page);
    let payload = &page[start..start + "medcircle://web-login?id=".len() + 35 + "&v=1".len()];
    assert!(payload.ends_with("&v=1"), "{payload}");
    let id = &page[start + "medcircle://web-login?id=".len()..start + payload.len() - 4];
    assert!(page.contains("<svg"), "the QR code is drawn");
    // The one script runs under the policy's nonce; the poll token is in no page or URL.
    let nonce_at = policy.find("'nonce-").unwrap() + "'nonce-".len();
    let nonce = &policy[nonce_at..nonce_at + 32];
    assert_eq!(page.matches("<script").count(), 1);
    assert!(
        page.contains(&format!("<script nonce=\"{nonce}\">")),
        "{page}"
    );
    assert!(!page.contains("wlp_"), "the poll token is in the page");
    assert!(page.contains(&format!("/web/login/{id}/status\"")));

    let status = format!("/web/login/{id}/status");
    let pending = browse(&server, &status, Some(&poll_cookie)).await;
    assert_eq!(pending.status(), StatusCode::OK);
    assert_private(&pending);
    assert_eq!(
        pending.json::<Value>().await.unwrap(),
        json!({ "status": "pending" })
    );
    // Another browser that photographed the QR code: it knows the id, not the poll token.
    let photographed = browse(&server, &status, None).await;
    assert_error(
        photographed,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    // It opens the page itself: its own request, with its own poll token.
    let other_page = browse(&server, "/web/login", None).await;
    let other_cookie = cookie(&set_cookies(&other_page), POLL_COOKIE);
    assert_ne!(other_cookie, poll_cookie);
    let stranger = browse(&server, &status, Some(&other_cookie)).await;
    assert_error(stranger, StatusCode::NOT_FOUND, "not_found").await;

    let token = access(&server.login(PHONE).await);
    scan_and_confirm(&server, id, &token).await;
    let stranger = browse(&server, &status, Some(&other_cookie)).await;
    assert_error(stranger, StatusCode::NOT_FOUND, "not_found").await;
    let confirmed = browse(&server, &status, Some(&poll_cookie)).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let set = set_cookies(&confirmed);
    let web_session = cookie(&set, SESSION_COOKIE);
    assert!(
        set.iter()
            .any(|c| c.starts_with(&format!("{POLL_COOKIE}=;")) && c.contains("Max-Age=0")),
        "the poll cookie is cleared: {set:?}"
    );
    let me = browse(&server, "/web/me", Some(&web_session)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(
        me["nickname"],
        confirmed.json::<Value>().await.unwrap()["session"]["nickname"]
    );
}
