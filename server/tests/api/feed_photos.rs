use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{TestServer, access, assert_error};
use crate::feed::{id, send, two_users};

/// A PNG that is only a signature and an IHDR chunk: all the server reads.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// SOI, an APP0 segment, then a baseline frame header.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
    bytes
}

pub async fn upload(
    server: &TestServer,
    token: &str,
    content_type: &str,
    bytes: Vec<u8>,
    key: Option<&str>,
) -> Response {
    let mut request = server
        .http
        .post(server.url("/v1/photos"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, content_type)
        .body(bytes);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

pub async fn upload_png(server: &TestServer, token: &str, width: u32, height: u32) -> Value {
    let response = upload(server, token, "image/png", png(width, height), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn png_and_jpeg_uploads_are_measured_and_served_back() {
    let server = crate::common::TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let photo = upload_png(&server, &mine, 640, 480).await;
    assert_eq!(photo.as_object().unwrap().len(), 4, "{photo}");
    let photo_id = id(&photo);
    assert!(
        photo_id.starts_with("ph_") && photo_id.len() == 19,
        "{photo_id}"
    );
    assert_eq!(photo["url"], format!("/v1/photos/{photo_id}"));
    assert_eq!(
        (&photo["width"], &photo["height"]),
        (&json!(640), &json!(480))
    );

    let response = upload(&server, &mine, "image/jpeg", jpeg(4096, 3000), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let jpeg_photo: Value = response.json().await.unwrap();
    assert_eq!(
        (&jpeg_photo["width"], &jpeg_photo["height"]),
        (&json!(4096), &json!(3000))
    );

    let url = photo["url"].as_str().unwrap();
    let served = send(&server, Method::GET, url, &mine, None, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(served.bytes().await.unwrap(), png(640, 480));
    let anonymous = server.get(url).await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // An unused upload is its owner's alone; in a post, everyone sees it.
    let hidden = send(&server, Method::GET, url, &theirs, None, None).await;
    assert_error(hidden, StatusCode::NOT_FOUND, "photo_not_found").await;
    let foreign = send(
        &server,
        Method::POST,
        "/v1/posts",
        &theirs,
        None,
        Some(json!({ "text": "x", "photo_ids": [photo_id] })),
    )
    .await;
    assert_error(foreign, StatusCode::BAD_REQUEST, "invalid_photo").await;
    let body = json!({ "text": "two photos", "photo_ids": [id(&jpeg_photo), photo_id] });
    let post = server
        .expect(
            Method::POST,
            "/v1/posts",
            &mine,
            Some(body),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(post["photos"], json!([jpeg_photo, photo]));
    let seen = send(&server, Method::GET, url, &theirs, None, None).await;
    assert_eq!(seen.status(), StatusCode::OK);
    let reused = send(
        &server,
        Method::POST,
        "/v1/posts",
        &mine,
        None,
        Some(json!({ "text": "again", "photo_ids": [photo_id] })),
    )
    .await;
    assert_error(reused, StatusCode::BAD_REQUEST, "invalid_photo").await;
    let twice = upload_png(&server, &mine, 1, 1).await;
    let repeated = send(
        &server,
        Method::POST,
        "/v1/posts",
        &mine,
        None,
        Some(json!({ "text": "", "photo_ids": [id(&twice), id(&twice)] })),
    )
    .await;
    assert_error(repeated, StatusCode::BAD_REQUEST, "invalid_photo").await;
}

#[tokio::test]
async fn uploads_that_are_not_what_they_claim_are_refused() {
    let server = crate::common::TestServer::dev();
    let token = access(&server.login(crate::common::PHONE).await);
    for (content_type, bytes, status, code) in [
        (
            "image/gif",
            b"GIF89a\x01\0\x01\0".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
        ),
        (
            "application/json",
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
        ),
        (
            "image/png",
            b"not an image at all".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "image/png",
            jpeg(10, 10),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "image/jpeg",
            png(10, 10),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "image/png",
            png(10, 10)[..20].to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "image/png",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "invalid_image",
        ),
        (
            "image/png",
            png(4097, 10),
            StatusCode::BAD_REQUEST,
            "photo_too_large_dimensions",
        ),
        (
            "image/jpeg",
            jpeg(100, 60000),
            StatusCode::BAD_REQUEST,
            "photo_too_large_dimensions",
        ),
    ] {
        let response = upload(&server, &token, content_type, bytes, None).await;
        assert_error(response, status, code).await;
    }
    let stranger = upload(&server, "mca_unknown", "image/gif", Vec::new(), None).await;
    assert_error(stranger, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(crate::common::count_rows(&server, "photos"), 0);
}

#[tokio::test]
async fn photos_may_be_5_mib_but_not_more() {
    let server = crate::common::TestServer::dev();
    let token = access(&server.login(crate::common::PHONE).await);
    let mut largest = png(4096, 4096);
    largest.resize(5 * 1024 * 1024, 0);
    let response = upload(&server, &token, "image/png", largest.clone(), None).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    largest.push(0);
    let response = upload(&server, &token, "image/png", largest, None).await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;
    // The larger limit is this route's only: JSON bodies still stop at 64 KiB.
    let text = "x".repeat(70 * 1024);
    let response = send(
        &server,
        Method::POST,
        "/v1/posts",
        &token,
        None,
        Some(json!({ "text": text })),
    )
    .await;
    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
}
