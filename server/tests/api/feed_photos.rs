use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{TestServer, access, assert_error};
use crate::feed::{id, send, two_users};
use crate::images;

/// A PNG that is only a signature, an IHDR chunk and its end: all the server reads, and
/// nothing for it to strip (it checks no CRC and decodes no pixels).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    png_with_data(width, height, &[])
}

/// A PNG as `png` is, with `data` as its one IDAT chunk (if not empty), which stripping keeps.
pub fn png_with_data(width: u32, height: u32, data: &[u8]) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    if !data.is_empty() {
        bytes.extend(images::chunk(b"IDAT", data));
    }
    bytes.extend(images::chunk(b"IEND", &[]));
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

/// Uploads `bytes` as `content_type`, puts it in a post of `author`'s and reads it back as
/// `reader`: the photo as the server answered it, and the bytes another user is served.
async fn posted_and_served(
    server: &TestServer,
    (author, reader): (&str, &str),
    content_type: &str,
    bytes: Vec<u8>,
) -> (Value, Vec<u8>) {
    let response = upload(server, author, content_type, bytes, None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let photo: Value = response.json().await.unwrap();
    let body = json!({ "text": "ward round", "photo_ids": [id(&photo)] });
    let post = server
        .expect(
            Method::POST,
            "/v1/posts",
            author,
            Some(body),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(post["photos"], json!([photo]));
    let url = photo["url"].as_str().unwrap();
    let served = send(server, Method::GET, url, reader, None, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[header::CONTENT_TYPE], content_type);
    (photo, served.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_camera_photo_reaches_no_reader_with_its_metadata() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let users = (access(&first), access(&second));
    let users = (users.0.as_str(), users.1.as_str());
    // Sent as a client that strips nothing would send them: GPS, serial, XMP, IPTC, comment,
    // thumbnail, text chunks and trailing bytes all in place.
    let (jpeg, clean_jpeg) = images::camera_jpeg();
    let (png, clean_png) = images::camera_png();
    for needle in images::PLANTED {
        assert!(images::contains(&jpeg, needle), "the JPEG plants {needle}");
    }

    let (photo, served) = posted_and_served(&server, users, "image/jpeg", jpeg).await;
    assert_eq!(
        (&photo["width"], &photo["height"]),
        (&json!(32), &json!(24))
    );
    for needle in images::PLANTED {
        assert!(!images::contains(&served, needle), "{needle} was served");
    }
    assert_eq!(
        images::jpeg_pixels(&served),
        images::jpeg_pixels(&clean_jpeg)
    );
    assert!(
        served
            .windows(images::ORIENTATION_ONLY.len())
            .any(|w| w == images::ORIENTATION_ONLY),
        "the orientation is kept, alone"
    );

    let (photo, served) = posted_and_served(&server, users, "image/png", png).await;
    assert_eq!((&photo["width"], &photo["height"]), (&json!(8), &json!(8)));
    assert_eq!(served, clean_png, "only the image's own chunks are kept");
    assert_eq!(images::png_pixels(&served), images::png_pixels(&clean_png));

    // A photo that cannot be read to its end cannot be cleaned, so it is not kept.
    let (jpeg, _) = images::camera_jpeg();
    let cut = jpeg[..jpeg.len() / 2].to_vec();
    let response = upload(&server, users.0, "image/jpeg", cut, None).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_image").await;
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
