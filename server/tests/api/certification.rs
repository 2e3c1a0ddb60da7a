use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows};
use crate::images;

/// A valid number (the standard's example, check character X) and its masked form.
pub const ID_NUMBER: &str = "11010519491231002X";
pub const MASKED: &str = "1101**********002X";

pub use crate::feed_photos::png;

/// SOI, then a baseline frame header.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08];
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
    bytes
}

pub async fn upload(
    server: &TestServer,
    token: &str,
    kind: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    server
        .http
        .post(server.url(&format!("/v1/me/certification/photos?kind={kind}")))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn photo(server: &TestServer, token: &str, kind: &str) -> String {
    let response = upload(server, token, kind, "image/png", png(800, 600)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["photo_id"].as_str().unwrap().to_owned()
}

pub async fn submit(server: &TestServer, token: &str, body: Value) -> reqwest::Response {
    server
        .call(Method::PUT, "/v1/me/certification", Some(token), Some(body))
        .await
}

async fn status(server: &TestServer, token: &str) -> Value {
    server
        .expect(
            Method::GET,
            "/v1/me/certification",
            token,
            None,
            StatusCode::OK,
        )
        .await
}

async fn decide(
    server: &TestServer,
    user_id: &Value,
    approve: bool,
    reason: Value,
) -> reqwest::Response {
    server
        .post(
            "/dev/certification/decide",
            json!({ "user_id": user_id, "approve": approve, "reason": reason }),
        )
        .await
}

#[tokio::test]
async fn a_certificate_photo_is_kept_without_its_metadata() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    // The same camera photo as a post photo: the bytes a reader is served are what is kept.
    let (jpeg, _) = images::camera_jpeg();
    let response = crate::feed_photos::upload(&server, &token, "image/jpeg", jpeg.clone(), None);
    let post_photo: Value = response.await.json().await.unwrap();
    let url = post_photo["url"].as_str().unwrap();
    let served = crate::feed::send(&server, Method::GET, url, &token, None, None).await;
    let kept = served.bytes().await.unwrap();
    assert!(!images::contains(&kept, "39.9123N"), "the position is gone");

    let (png, clean_png) = images::camera_png();
    for (content_type, bytes, kept_size) in [
        ("image/jpeg", jpeg, kept.len()),
        ("image/png", png, clean_png.len()),
    ] {
        let sent = bytes.len();
        let response = upload(&server, &token, "physician", content_type, bytes).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["size"], kept_size, "{content_type}: sent {sent} bytes");
    }
    let export = server
        .expect(Method::GET, "/v1/me/export", &token, None, StatusCode::OK)
        .await;
    // Uploaded in the same second, the two come in no set order.
    let mut sizes: Vec<_> = export["certification"]["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|photo| photo["size"].as_u64().unwrap() as usize)
        .collect();
    sizes.sort_unstable();
    let mut kept_sizes = [kept.len(), clean_png.len()];
    kept_sizes.sort_unstable();
    assert_eq!(sizes, kept_sizes);
}

#[tokio::test]
async fn photos_are_checked_against_their_declared_type() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let response = upload(&server, &token, "physician", "image/png", png(800, 600)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["photo_id"].as_str().unwrap().starts_with("cp_"),
        "{body}"
    );
    assert_eq!(body["kind"], "physician");
    assert_eq!(body["size"], png(800, 600).len());
    assert_eq!(
        (body["width"].clone(), body["height"].clone()),
        (json!(800), json!(600))
    );
    assert_eq!(body.as_object().unwrap().len(), 5);
    let response = upload(&server, &token, "practising", "image/jpeg", jpeg(1024, 768)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["width"].clone(), body["height"].clone()),
        (json!(1024), json!(768))
    );

    // More than the API's 64 KiB is fine on this route.
    let mut large = png(4000, 3000);
    large.resize(3 * 1024 * 1024, 0);
    let response = upload(&server, &token, "physician", "image/png", large).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    for (kind, content_type, bytes, status, code) in [
        (
            "physician",
            "image/gif",
            b"GIF89a".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
        ),
        (
            "physician",
            "application/json",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
        ),
        (
            "physician",
            "image/jpeg",
            png(1, 1),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "physician",
            "image/png",
            b"%PDF-1.7".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "physician",
            "image/png",
            png(0, 1),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "passport",
            "image/png",
            png(1, 1),
            StatusCode::BAD_REQUEST,
            "invalid_kind",
        ),
    ] {
        let response = upload(&server, &token, kind, content_type, bytes).await;
        assert_error(response, status, code).await;
    }
    let no_kind = server
        .http
        .post(server.url("/v1/me/certification/photos"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "image/png")
        .body(png(1, 1))
        .send()
        .await
        .unwrap();
    assert_error(no_kind, StatusCode::BAD_REQUEST, "invalid_kind").await;

    let mut too_large = png(1, 1);
    too_large.resize(5 * 1024 * 1024 + 1, 0);
    let response = upload(&server, &token, "physician", "image/png", too_large).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;

    let response = upload(&server, "mca_nope", "physician", "image/png", png(1, 1)).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(count_rows(&server, "certification_photos"), 3);
}

#[tokio::test]
async fn submission_review_and_resubmission() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let token = access(&login);
    let user_id = &login["user"]["id"];
    assert_eq!(
        status(&server, &token).await,
        json!({ "status": "none", "reason": null, "id_number_masked": null, "photo_count": 0,
                "submitted_at": null, "decided_at": null })
    );
    let physician = photo(&server, &token, "physician").await;
    let practising = photo(&server, &token, "practising").await;

    for id_number in [
        "110105194912310021",  // wrong check character
        "11010519491331002X",  // month 13
        "11010519491231002",   // 17 characters
        "11010519491231002XX", // 19 characters
    ] {
        let response = submit(
            &server,
            &token,
            json!({ "id_number": id_number, "photo_ids": [physician] }),
        )
        .await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_id_number").await;
    }
    for photo_ids in [
        json!([]),
        json!([practising]),
        json!([physician, "cp_0000000000000000"]),
    ] {
        let response = submit(
            &server,
            &token,
            json!({ "id_number": ID_NUMBER, "photo_ids": photo_ids }),
        )
        .await;
        assert_error(response, StatusCode::BAD_REQUEST, "photos_required").await;
    }

    let response = submit(
        &server,
        &token,
        json!({ "id_number": "11010519491231002x", "photo_ids": [physician, practising, physician],
                "location": { "latitude": 39.9042, "longitude": 116.4074 } }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let submitted: Value = response.json().await.unwrap();
    assert_eq!(submitted["status"], "pending");
    assert_eq!(submitted["id_number_masked"], MASKED);
    assert_eq!(submitted["photo_count"], 2);
    assert!(submitted["submitted_at"].is_i64());
    assert_eq!(submitted["decided_at"], Value::Null);
    assert_eq!(status(&server, &token).await, submitted);

    let listed: Value = server
        .get("/dev/certifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({ "certifications": [{ "user_id": user_id, "status": "pending", "has_location": true,
                                      "photo_count": 2 }] })
    );

    let response = decide(&server, user_id, false, Value::Null).await;
    assert_error(response, StatusCode::BAD_REQUEST, "reason_required").await;
    let response = decide(&server, user_id, false, json!("  ")).await;
    assert_error(response, StatusCode::BAD_REQUEST, "reason_required").await;
    let response = decide(&server, &json!("u_0000000000000000"), true, Value::Null).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let rejected: Value = decide(&server, user_id, false, json!("The photo is blurred."))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reason"], "The photo is blurred.");
    assert!(rejected["decided_at"].is_i64());
    assert_eq!(status(&server, &token).await, rejected);

    // A rejection can be answered with a new submission, without a location this time.
    let response = submit(
        &server,
        &token,
        json!({ "id_number": ID_NUMBER, "photo_ids": [physician], "location": null }),
    )
    .await;
    let resubmitted: Value = response.json().await.unwrap();
    assert_eq!(resubmitted["status"], "pending");
    assert_eq!(resubmitted["reason"], Value::Null);
    assert_eq!(resubmitted["photo_count"], 1);
    let approved: Value = decide(&server, user_id, true, Value::Null)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["status"], "approved");
    let listed: Value = server
        .get("/dev/certifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["certifications"][0]["has_location"], false);
    let response = submit(
        &server,
        &token,
        json!({ "id_number": ID_NUMBER, "photo_ids": [physician] }),
    )
    .await;
    assert_error(response, StatusCode::CONFLICT, "already_certified").await;

    // Another user cannot use these photos.
    server.advance(61).await;
    let other = access(&server.login("13912345678").await);
    let response = submit(
        &server,
        &other,
        json!({ "id_number": ID_NUMBER, "photo_ids": [physician] }),
    )
    .await;
    assert_error(response, StatusCode::BAD_REQUEST, "photos_required").await;
}

#[tokio::test]
async fn the_full_id_number_needs_a_recent_login_and_is_shown_nowhere_else() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let token = access(&login);
    let response = server
        .call(
            Method::GET,
            "/v1/me/certification/id-number",
            Some(&token),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let physician = photo(&server, &token, "physician").await;
    let response = submit(
        &server,
        &token,
        json!({ "id_number": ID_NUMBER, "photo_ids": [physician] }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    let full = server
        .expect(
            Method::GET,
            "/v1/me/certification/id-number",
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(full, json!({ "id_number": ID_NUMBER }));
    // Past the step-up window: the same answer as DELETE /v1/me.
    server.advance(301).await;
    let refresh = server
        .refresh(login["refresh_token"].as_str().unwrap())
        .await;
    let token = access(&refresh.json().await.unwrap());
    let response = server
        .call(
            Method::GET,
            "/v1/me/certification/id-number",
            Some(&token),
            None,
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "reauth_required").await;
    let response = server
        .call(Method::DELETE, "/v1/me", Some(&token), None)
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "reauth_required").await;
    let response = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "reauth_required").await;

    // After a step-up, the export shows the number masked only.
    let reauth =
        |path: &'static str, body: Value| server.call(Method::POST, path, Some(&token), Some(body));
    assert_eq!(
        reauth("/v1/auth/reauth/sms/send", json!({ "phone": PHONE }))
            .await
            .status(),
        StatusCode::OK
    );
    let code = server.outbox_code(PHONE).await;
    let verified = reauth(
        "/v1/auth/reauth/sms/verify",
        json!({ "phone": PHONE, "code": code }),
    )
    .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let export = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(export.contains(MASKED), "{export}");
    let export: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(export["certification"]["status"], "pending");
    assert_eq!(export["certification"]["photos"][0]["photo_id"], physician);
    let mut everything = export.to_string();
    everything.push_str(&server.get("/dev/requests").await.text().await.unwrap());
    everything.push_str(
        &server
            .get("/dev/certifications")
            .await
            .text()
            .await
            .unwrap(),
    );
    everything.push_str(&status(&server, &token).await.to_string());
    assert!(!everything.contains(ID_NUMBER), "{everything}");
}

#[tokio::test]
async fn deleting_the_account_deletes_the_certification_and_photos() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let physician = photo(&server, &token, "physician").await;
    photo(&server, &token, "practising").await;
    let response = submit(
        &server,
        &token,
        json!({ "id_number": ID_NUMBER, "photo_ids": [physician] }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(count_rows(&server, "certifications"), 1);
    assert_eq!(count_rows(&server, "certification_photos"), 2);
    let response = server
        .call(Method::DELETE, "/v1/me", Some(&token), None)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(count_rows(&server, "certifications"), 0);
    assert_eq!(count_rows(&server, "certification_photos"), 0);
}

#[tokio::test]
async fn the_reviewer_hooks_exist_only_in_dev_mode() {
    let server = TestServer::production();
    let response = server.get("/dev/certifications").await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = decide(&server, &json!("u_0000000000000000"), true, Value::Null).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
