use reqwest::{StatusCode, header};
use serde_json::json;

use crate::common::{DEVICE, PHONE, TestServer, assert_error};

#[tokio::test]
async fn malformed_json_is_400() {
    let server = TestServer::dev();
    for body in [
        "{\"phone\": ",
        "not json",
        "",
        "{\"phone\":\"13800138000\",}",
    ] {
        let response = server
            .http
            .post(server.url("/v1/auth/sms/send"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_422_without_echoing_values() {
    let server = TestServer::dev();
    let wrong_type = server
        .post(
            "/v1/auth/sms/send",
            json!({ "phone": 13800138000_u64, "device_id": DEVICE }),
        )
        .await;
    let error = assert_error(
        wrong_type,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    assert!(
        !error["message"].as_str().unwrap().contains("13800138000"),
        "{error}"
    );

    let missing = server
        .post("/v1/auth/sms/send", json!({ "phone": PHONE }))
        .await;
    let error = assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    assert!(
        error["message"].as_str().unwrap().contains("device_id"),
        "{error}"
    );

    let not_an_object = server.post("/v1/auth/sms/verify", json!([PHONE])).await;
    assert_error(
        not_an_object,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;

    let negative = server
        .post("/dev/clock/advance", json!({ "seconds": -5 }))
        .await;
    assert_error(
        negative,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let server = TestServer::dev();
    let padding = "x".repeat(64 * 1024);
    let oversized = server
        .post(
            "/v1/auth/sms/send",
            json!({ "phone": PHONE, "device_id": DEVICE, "padding": padding }),
        )
        .await;
    assert_error(oversized, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;

    // Just under the limit is read (and then accepted: unknown fields are ignored).
    let fits = "x".repeat(64 * 1024 - 100);
    let under = server
        .post(
            "/v1/auth/sms/send",
            json!({ "phone": PHONE, "device_id": DEVICE, "padding": fits }),
        )
        .await;
    assert_eq!(under.status(), StatusCode::OK);
}

#[tokio::test]
async fn json_endpoints_require_a_json_content_type() {
    let server = TestServer::dev();
    let body = json!({ "phone": PHONE, "device_id": DEVICE }).to_string();
    let missing = server
        .http
        .post(server.url("/v1/auth/sms/send"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_error(
        missing,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let text = server
        .http
        .post(server.url("/v1/auth/sms/send"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_error(
        text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let with_charset = server
        .http
        .post(server.url("/v1/auth/sms/send"))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(with_charset.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let server = TestServer::dev();
    for path in [
        "/",
        "/v1",
        "/v1/nope",
        "/v1/policy/extra",
        "/v2/policy",
        "/dev/nope",
    ] {
        assert_error(server.get(path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    let post_unknown = server.post("/v1/unknown", json!({})).await;
    assert_error(post_unknown, StatusCode::NOT_FOUND, "not_found").await;

    let get_send = server.get("/v1/auth/sms/send").await;
    assert_eq!(get_send.headers()[header::ALLOW], "POST");
    assert_error(
        get_send,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let post_policy = server.post("/v1/policy", json!({})).await;
    assert_error(
        post_policy,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let put_me = server.http.put(server.url("/v1/me")).send().await.unwrap();
    assert_eq!(put_me.headers()[header::ALLOW], "GET,HEAD,DELETE");
    assert_error(put_me, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn dev_routes_do_not_exist_without_dev_mode() {
    let server = TestServer::production();
    let outbox = server.get(&format!("/dev/sms/outbox?phone={PHONE}")).await;
    assert_error(outbox, StatusCode::NOT_FOUND, "not_found").await;
    let advance = server
        .post("/dev/clock/advance", json!({ "seconds": 60 }))
        .await;
    assert_error(advance, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(
        server.get("/dev/requests").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The rest of the API works, with the same limits.
    assert_eq!(
        server.send_code(PHONE, DEVICE).await.status(),
        StatusCode::OK
    );
    let again = server.send_code(PHONE, DEVICE).await;
    assert_error(again, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn oversized_uris_and_headers_get_the_json_error_shape() {
    let server = TestServer::dev();
    let long = format!("/v1/feed?cursor={}", "a".repeat(9 * 1024));
    assert_error(
        server.get(&long).await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    )
    .await;
    let long_path = format!("/v1/posts/{}", "p".repeat(9 * 1024));
    assert_error(
        server.get(&long_path).await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    )
    .await;
    let mut many = server.http.get(server.url("/v1/policy"));
    for n in 0..70 {
        many = many.header(format!("x-extra-{n}"), "1");
    }
    let response = many.send().await.unwrap();
    assert_error(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    let big = server
        .http
        .get(server.url("/v1/policy"))
        .header("x-big", "b".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_error(
        big,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    // Just under the limits is served.
    let fine = format!("/v1/policy?x={}", "a".repeat(8 * 1024 - 20));
    assert_eq!(server.get(&fine).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_list_has_the_same_limit_rule() {
    let server = TestServer::dev();
    let token = crate::common::access(&server.login(PHONE).await);
    let post = crate::feed::publish(&server, &token, "limits everywhere").await;
    let post = post["id"].as_str().unwrap();
    for list in [
        "/v1/feed?".to_owned(),
        "/v1/search?q=limits&".to_owned(),
        format!("/v1/posts/{post}/comments?"),
        "/v1/me/collections?".to_owned(),
        "/v1/dictionaries/units?".to_owned(),
    ] {
        for bad in ["0", "51", "-1", "ten", "1.5"] {
            let response = server
                .call(
                    reqwest::Method::GET,
                    &format!("{list}limit={bad}"),
                    Some(&token),
                    None,
                )
                .await;
            let error = assert_error(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
            )
            .await;
            assert!(
                error["message"].as_str().unwrap().contains("1 to 50"),
                "{list}{bad}: {error}"
            );
        }
        for good in ["1", "50"] {
            let response = server
                .call(
                    reqwest::Method::GET,
                    &format!("{list}limit={good}"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{list}{good}");
        }
    }
}
