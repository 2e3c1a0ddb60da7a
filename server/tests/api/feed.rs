use std::collections::HashSet;

use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows};

pub const OTHER: &str = "13900139000";

/// Logs in PHONE and OTHER; returns their sessions.
pub async fn two_users(server: &TestServer) -> (Value, Value) {
    let first = server.login(PHONE).await;
    server.advance(60).await;
    let second = server.login(OTHER).await;
    (first, second)
}

/// A request with a bearer token, an optional Idempotency-Key and an optional JSON body.
pub async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = server
        .http
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

pub async fn publish(server: &TestServer, token: &str, text: &str) -> Value {
    server
        .expect(
            Method::POST,
            "/v1/posts",
            token,
            Some(json!({ "text": text })),
            StatusCode::CREATED,
        )
        .await
}

/// Comments `text` on `post` as `token`; returns the comment.
pub async fn comment_on(server: &TestServer, token: &str, post: &str, text: &str) -> Value {
    server
        .expect(
            Method::POST,
            &format!("/v1/posts/{post}/comments"),
            token,
            Some(json!({ "text": text })),
            StatusCode::CREATED,
        )
        .await
}

/// `PUT /v1/posts/{post}/{mark}` (`like` or `collect`) as `token`; returns the new counts.
pub async fn mark(server: &TestServer, token: &str, post: &str, mark: &str) -> Value {
    server
        .expect(
            Method::PUT,
            &format!("/v1/posts/{post}/{mark}"),
            token,
            None,
            StatusCode::OK,
        )
        .await
}

pub async fn get(server: &TestServer, token: &str, path: &str) -> Value {
    server
        .expect(Method::GET, path, token, None, StatusCode::OK)
        .await
}

pub fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(id).collect()
}

pub async fn stats(server: &TestServer) -> Value {
    let response = server.get("/dev/feed/stats").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn dev_mode_seeds_a_demo_feed_once() {
    let server = TestServer::dev();
    assert_eq!(
        stats(&server).await,
        json!({ "posts": 40, "comments": 12, "idempotency_keys": 0 })
    );
    let token = access(&server.login(PHONE).await);
    let page = get(&server, &token, "/v1/feed?limit=50").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 40);
    assert_eq!(page["next_cursor"], Value::Null);
    let authors: HashSet<_> = items
        .iter()
        .map(|post| post["author"]["nickname"].as_str().unwrap())
        .collect();
    assert!(
        authors.contains("王医生") && authors.contains("Dr. Chen"),
        "{authors:?}"
    );
    assert_eq!(items[39]["text"], "今天的病例讨论：急性心肌梗死的早期识别");
    assert!(
        items
            .iter()
            .any(|post| post["like_count"].as_i64() > Some(0))
    );
    assert!(items.iter().all(|post| post["mine"] == false));

    // Restarting on the same database does not seed again.
    let dir = server.dir;
    drop(server.server);
    let again = crate::common::start(crate::common::config(&dir, true)).unwrap();
    let stats: Value = crate::common::client()
        .get(format!("{}/dev/feed/stats", again.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["posts"], 40);
}

#[tokio::test]
async fn limits_need_no_session() {
    let server = TestServer::production();
    let response = server.get("/v1/limits").await;
    assert_eq!(response.status(), StatusCode::OK);
    let limits: Value = response.json().await.unwrap();
    assert_eq!(
        limits,
        json!({
            "max_photo_bytes": 5_242_880,
            "max_photo_dimension": 4096,
            "max_photos_per_post": 9,
            "max_text_chars": 2000,
            "max_comment_chars": 500,
            "accepted_types": ["image/jpeg", "image/png"],
        })
    );
}

#[tokio::test]
async fn a_post_is_shown_to_its_author_and_to_others() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let post = publish(&server, &mine, "Tips for the night shift").await;
    assert_eq!(post.as_object().unwrap().len(), 12, "{post}");
    assert!(
        id(&post).starts_with("p_") && id(&post).len() == 18,
        "{post}"
    );
    assert_eq!(
        post["author"],
        json!({ "id": first["user"]["id"], "nickname": first["user"]["nickname"], "avatar_url": null })
    );
    assert_eq!(post["text"], "Tips for the night shift");
    assert_eq!(post["photos"], json!([]));
    for count in ["like_count", "comment_count", "collect_count"] {
        assert_eq!(post[count], 0);
    }
    assert_eq!(
        (
            &post["liked_by_me"],
            &post["collected_by_me"],
            &post["mine"]
        ),
        (&json!(false), &json!(false), &json!(true))
    );
    let path = format!("/v1/posts/{}", id(&post));
    assert_eq!(get(&server, &mine, &path).await, post);
    let seen = get(&server, &theirs, &path).await;
    assert_eq!(seen["mine"], false);
    assert_eq!(seen["text"], post["text"]);

    let missing = send(
        &server,
        Method::GET,
        "/v1/posts/p_0000000000000000",
        &mine,
        None,
        None,
    );
    assert_error(missing.await, StatusCode::NOT_FOUND, "post_not_found").await;
    let anonymous = server.get(&path).await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn post_text_is_counted_in_characters_and_may_be_empty_only_with_photos() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let create = |body: Value| send(&server, Method::POST, "/v1/posts", &token, None, Some(body));
    let longest = "心".repeat(2000);
    let created: Value = create(json!({ "text": longest }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["text"].as_str().unwrap().chars().count(), 2000);
    for text in ["", "  \n ", &"心".repeat(2001)] {
        let response = create(json!({ "text": text })).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_text").await;
    }
    let ten: Vec<String> = (0..10).map(|i| format!("ph_{i:016x}")).collect();
    let response = create(json!({ "text": "x", "photo_ids": ten })).await;
    assert_error(response, StatusCode::BAD_REQUEST, "too_many_photos").await;
    let response = create(json!({ "text": "x", "photo_ids": ["ph_0000000000000000"] })).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_photo").await;
    let response = create(json!({ "photo_ids": [] })).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    )
    .await;
    // Refused posts leave nothing behind.
    assert_eq!(stats(&server).await["posts"], 41);
}

#[tokio::test]
async fn feed_pages_are_newest_first_and_stable_under_inserts() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let a = id(&publish(&server, &token, "post A").await);
    let b = id(&publish(&server, &token, "post B").await);
    let c = id(&publish(&server, &token, "post C").await);

    let first = get(&server, &token, "/v1/feed?limit=2").await;
    assert_eq!(ids(&first), [c.clone(), b.clone()]);
    assert_eq!(first["personalised"], false);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    // A post published meanwhile does not shift the next page.
    let d = id(&publish(&server, &token, "post D").await);
    let second = get(
        &server,
        &token,
        &format!("/v1/feed?limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(ids(&second)[0], a);
    assert_eq!(
        second["items"][1]["text"],
        "医学教育的未来：模拟教学在临床技能培训中的作用。"
    );

    // Walking every page sees every post once, newest first.
    let mut seen = Vec::new();
    let mut times = Vec::new();
    let mut path = "/v1/feed?limit=7".to_owned();
    loop {
        let page = get(&server, &token, &path).await;
        for post in page["items"].as_array().unwrap() {
            seen.push(id(post));
            times.push(post["created_at"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/feed?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 44);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 44);
    assert_eq!(seen[..4], [d, c, b, a]);
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");

    // Limits outside 1..=50 are refused, like any other list's; cursors are opaque but checked.
    for limit in ["0", "51", "500", "-1"] {
        let bad = send(
            &server,
            Method::GET,
            &format!("/v1/feed?limit={limit}"),
            &token,
            None,
            None,
        )
        .await;
        assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
    }
    assert_eq!(
        get(&server, &token, "/v1/feed").await["items"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let bad = send(
        &server,
        Method::GET,
        "/v1/feed?cursor=nope!",
        &token,
        None,
        None,
    )
    .await;
    assert_error(bad, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    let bad = send(
        &server,
        Method::GET,
        "/v1/feed?limit=many",
        &token,
        None,
        None,
    )
    .await;
    assert_error(bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request").await;
}

async fn feed_with(server: &TestServer, token: &str, path: &str, etag: Option<&str>) -> Response {
    let mut request = server.http.get(server.url(path)).bearer_auth(token);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

fn etag_of(response: &Response) -> String {
    response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_first_page_has_an_etag_that_changes_with_what_it_shows() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (token, other) = (access(&first), access(&second));
    let post = id(&publish(&server, &other, "Journal club at 7").await);

    let response = feed_with(&server, &token, "/v1/feed", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, no-cache"
    );
    let etag = etag_of(&response);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "{etag}"
    );

    let unchanged = feed_with(&server, &token, "/v1/feed", Some(&etag)).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(etag_of(&unchanged), etag);
    let header_bytes: usize = unchanged
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    assert!(header_bytes < 1024, "{:?}", unchanged.headers());
    assert!(unchanged.bytes().await.unwrap().is_empty());
    let listed = format!("\"x\", W/{etag}");
    let weak = feed_with(&server, &token, "/v1/feed", Some(&listed)).await;
    assert_eq!(weak.status(), StatusCode::NOT_MODIFIED);

    // My like changes the page; taking it back restores the same page, and the same ETag.
    let like = format!("/v1/posts/{post}/like");
    server
        .expect(Method::PUT, &like, &token, None, StatusCode::OK)
        .await;
    let liked = feed_with(&server, &token, "/v1/feed", Some(&etag)).await;
    assert_eq!(liked.status(), StatusCode::OK);
    let liked_etag = etag_of(&liked);
    assert_ne!(liked_etag, etag);
    let body: Value = liked.json().await.unwrap();
    assert_eq!(body["items"][0]["liked_by_me"], true);
    server
        .expect(Method::DELETE, &like, &token, None, StatusCode::OK)
        .await;
    let back = feed_with(&server, &token, "/v1/feed", Some(&etag)).await;
    assert_eq!(back.status(), StatusCode::NOT_MODIFIED);

    // Someone else's new post, and the personalised flag, change it too.
    publish(&server, &other, "Another one").await;
    let newer = feed_with(&server, &token, "/v1/feed", Some(&etag)).await;
    assert_eq!(newer.status(), StatusCode::OK);
    let newer = etag_of(&newer);
    let personalised = feed_with(&server, &token, "/v1/feed?personalised=true", Some(&newer)).await;
    assert_eq!(personalised.status(), StatusCode::OK);
    assert_ne!(etag_of(&personalised), newer);

    // Later pages carry none.
    let page: Value = feed_with(&server, &token, "/v1/feed?limit=1", None)
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let later = feed_with(
        &server,
        &token,
        &format!("/v1/feed?limit=1&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(later.status(), StatusCode::OK);
    assert!(later.headers().get(header::ETAG).is_none());
    assert_eq!(later.headers()[header::CACHE_CONTROL], "private, no-cache");
}

#[tokio::test]
async fn personalised_puts_matching_posts_first_and_is_echoed() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let interests = get(&server, &token, "/v1/me/interests").await;
    let label = interests["tags"][0]["label"].as_str().unwrap().to_owned();
    let matching = id(&publish(&server, &token, &format!("Notes on {label}")).await);
    let plain_one = id(&publish(&server, &token, "Weekly rota is out").await);
    let plain_two = id(&publish(&server, &token, "Parking is closed on Monday").await);

    let chronological = get(&server, &token, "/v1/feed?limit=3&personalised=false").await;
    assert_eq!(chronological["personalised"], false);
    assert_eq!(
        ids(&chronological),
        [plain_two.clone(), plain_one.clone(), matching.clone()]
    );
    assert_eq!(
        get(&server, &token, "/v1/feed?limit=3").await,
        chronological
    );

    let personalised = get(&server, &token, "/v1/feed?limit=3&personalised=true").await;
    assert_eq!(personalised["personalised"], true);
    assert_eq!(
        ids(&personalised),
        [matching.clone(), plain_two.clone(), plain_one.clone()]
    );
    // Only the order within the page changes, never where the next page starts.
    assert_eq!(personalised["next_cursor"], chronological["next_cursor"]);
    assert_eq!(get(&server, &token, "/v1/me/interests").await, interests);

    // Without tags there is nothing to personalise by, and the answer says so.
    server
        .expect(
            Method::DELETE,
            "/v1/me/interests",
            &token,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let untagged = get(&server, &token, "/v1/feed?limit=3&personalised=true").await;
    assert_eq!(untagged, chronological);
    assert_eq!(count_rows(&server, "interests"), 0);
}

#[tokio::test]
async fn search_matches_substrings_case_insensitively_and_wildcards_literally() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let chinese = id(&publish(&server, &token, "罕见病例：法布雷病的心脏表现").await);
    let upper = id(&publish(&server, &token, "Weekly ROUNDUP: 100% attendance_rate").await);
    let plain = id(&publish(
        &server,
        &token,
        "Weekly roundup: 100 percent attendance rate",
    )
    .await);
    let search = |q: &str| {
        let path = format!("/v1/search?q={}", urlencode(q));
        let server = &server;
        let token = &token;
        async move { ids(&get(server, token, &path).await) }
    };
    assert_eq!(search("法布雷").await, [chinese.as_str()]);
    assert_eq!(search("  心脏表现 ").await, [chinese]);
    assert_eq!(search("roundup").await, [plain.clone(), upper.clone()]);
    assert_eq!(search("100%").await, [upper.as_str()]);
    assert_eq!(search("e_r").await, [upper]);
    assert!(
        search("O'Brien\\ \"; DROP TABLE posts; --")
            .await
            .is_empty()
    );
    // The seeded feed is searched too, page by page.
    let first = get(&server, &token, "/v1/search?q=%E5%BF%83&limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert!(first["next_cursor"].is_string());

    for q in ["", "%20%20", &"字".repeat(101)] {
        let path = format!("/v1/search?q={q}");
        let response = send(&server, Method::GET, &path, &token, None, None).await;
        assert_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    let missing = send(&server, Method::GET, "/v1/search", &token, None, None).await;
    assert_error(missing, StatusCode::BAD_REQUEST, "invalid_query").await;
    assert_eq!(stats(&server).await["posts"], 43);
}

/// Percent-encodes every byte that is not unreserved.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn comments_are_listed_oldest_first_and_deleted_by_their_author_only() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let post = id(&publish(&server, &mine, "Case discussion").await);
    let path = format!("/v1/posts/{post}/comments");
    let mut written = Vec::new();
    for (token, text) in [(&mine, "first"), (&theirs, "second"), (&mine, "third")] {
        let comment = comment_on(&server, token, &post, text).await;
        assert_eq!(comment.as_object().unwrap().len(), 6, "{comment}");
        assert_eq!(comment["post_id"], post.as_str());
        assert_eq!(comment["text"], text);
        assert_eq!(comment["mine"], true);
        written.push(id(&comment));
    }
    let page = get(&server, &mine, &format!("{path}?limit=2")).await;
    assert_eq!(ids(&page), written[..2]);
    assert_eq!(page["items"][1]["mine"], false);
    assert_eq!(page["items"][1]["author"]["id"], second["user"]["id"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = get(&server, &mine, &format!("{path}?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&rest), written[2..]);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(
        get(&server, &mine, &format!("/v1/posts/{post}")).await["comment_count"],
        3
    );

    for text in ["", " ", &"字".repeat(501)] {
        let response = send(
            &server,
            Method::POST,
            &path,
            &mine,
            None,
            Some(json!({ "text": text })),
        );
        assert_error(response.await, StatusCode::BAD_REQUEST, "invalid_text").await;
    }
    let body = Some(json!({ "text": "hello" }));
    let nowhere = send(
        &server,
        Method::POST,
        "/v1/posts/p_0000000000000000/comments",
        &mine,
        None,
        body,
    );
    assert_error(nowhere.await, StatusCode::NOT_FOUND, "post_not_found").await;
    let nowhere = send(
        &server,
        Method::GET,
        "/v1/posts/p_0000000000000000/comments",
        &mine,
        None,
        None,
    );
    assert_error(nowhere.await, StatusCode::NOT_FOUND, "post_not_found").await;

    let theirs_path = format!("/v1/comments/{}", written[1]);
    let refused = send(&server, Method::DELETE, &theirs_path, &mine, None, None).await;
    assert_error(refused, StatusCode::FORBIDDEN, "not_author").await;
    server
        .expect(
            Method::DELETE,
            &theirs_path,
            &theirs,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let again = send(&server, Method::DELETE, &theirs_path, &theirs, None, None).await;
    assert_error(again, StatusCode::NOT_FOUND, "comment_not_found").await;
    assert_eq!(
        ids(&get(&server, &mine, &path).await),
        [written[0].clone(), written[2].clone()]
    );
}

#[tokio::test]
async fn likes_and_collections_are_idempotent_and_collections_list_newest_first() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let older = id(&publish(&server, &theirs, "older").await);
    let newer = id(&publish(&server, &theirs, "newer").await);
    let like = format!("/v1/posts/{older}/like");
    for _ in 0..2 {
        let liked = mark(&server, &mine, &older, "like").await;
        assert_eq!(liked, json!({ "like_count": 1, "liked_by_me": true }));
    }
    let liked = mark(&server, &theirs, &older, "like").await;
    assert_eq!(liked, json!({ "like_count": 2, "liked_by_me": true }));
    for _ in 0..2 {
        let unliked = server
            .expect(Method::DELETE, &like, &mine, None, StatusCode::OK)
            .await;
        assert_eq!(unliked, json!({ "like_count": 1, "liked_by_me": false }));
    }

    // Collected newer first, then older: the collection lists older (collected last) first.
    for post in [&newer, &older] {
        let collected = mark(&server, &mine, post, "collect").await;
        assert_eq!(
            collected,
            json!({ "collect_count": 1, "collected_by_me": true })
        );
        server.advance(1).await;
    }
    mark(&server, &mine, &newer, "collect").await;
    let collections = get(&server, &mine, "/v1/me/collections").await;
    assert_eq!(ids(&collections), [older.clone(), newer.clone()]);
    assert_eq!(collections["items"][0]["collected_by_me"], true);
    let page = get(&server, &mine, "/v1/me/collections?limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = get(
        &server,
        &mine,
        &format!("/v1/me/collections?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(ids(&rest), [newer.as_str()]);
    assert!(ids(&get(&server, &theirs, "/v1/me/collections").await).is_empty());
    let uncollect = format!("/v1/posts/{older}/collect");
    let removed = server
        .expect(Method::DELETE, &uncollect, &mine, None, StatusCode::OK)
        .await;
    assert_eq!(
        removed,
        json!({ "collect_count": 0, "collected_by_me": false })
    );
    assert_eq!(
        ids(&get(&server, &mine, "/v1/me/collections").await),
        [newer]
    );

    for (method, path) in [
        (Method::PUT, "/v1/posts/p_0000000000000000/like"),
        (Method::DELETE, "/v1/posts/p_0000000000000000/like"),
        (Method::PUT, "/v1/posts/p_0000000000000000/collect"),
        (Method::POST, "/v1/posts/p_0000000000000000/share"),
    ] {
        let response = send(&server, method, path, &mine, None, None).await;
        assert_error(response, StatusCode::NOT_FOUND, "post_not_found").await;
    }
}

#[tokio::test]
async fn deleting_a_post_takes_everything_on_it_and_only_its_author_may() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let photo = crate::feed_photos::upload_png(&server, &mine, 32, 16).await;
    let post = server
        .expect(
            Method::POST,
            "/v1/posts",
            &mine,
            Some(json!({ "text": "", "photo_ids": [photo["id"]] })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(post["photos"], json!([photo]));
    let post = id(&post);
    let path = format!("/v1/posts/{post}");
    comment_on(&server, &theirs, &post, "nice").await;
    mark(&server, &theirs, &post, "like").await;
    mark(&server, &theirs, &post, "collect").await;
    let shared = server
        .expect(
            Method::POST,
            &format!("{path}/share"),
            &theirs,
            None,
            StatusCode::OK,
        )
        .await;
    let before = stats(&server).await;

    let refused = send(&server, Method::DELETE, &path, &theirs, None, None).await;
    assert_error(refused, StatusCode::FORBIDDEN, "not_author").await;
    server
        .expect(Method::DELETE, &path, &mine, None, StatusCode::NO_CONTENT)
        .await;

    let gone = send(&server, Method::GET, &path, &theirs, None, None).await;
    assert_error(gone, StatusCode::NOT_FOUND, "post_not_found").await;
    let again = send(&server, Method::DELETE, &path, &mine, None, None).await;
    assert_error(again, StatusCode::NOT_FOUND, "post_not_found").await;
    let bytes = send(
        &server,
        Method::GET,
        photo["url"].as_str().unwrap(),
        &mine,
        None,
        None,
    )
    .await;
    assert_error(bytes, StatusCode::NOT_FOUND, "photo_not_found").await;
    let comments = send(
        &server,
        Method::GET,
        &format!("{path}/comments"),
        &theirs,
        None,
        None,
    )
    .await;
    assert_error(comments, StatusCode::NOT_FOUND, "post_not_found").await;
    assert!(ids(&get(&server, &theirs, "/v1/me/collections").await).is_empty());
    let landing = server.get(shared["url"].as_str().unwrap()).await;
    assert_eq!(landing.status(), StatusCode::NOT_FOUND);
    let after = stats(&server).await;
    assert_eq!(after["posts"], before["posts"].as_i64().unwrap() - 1);
    assert_eq!(after["comments"], before["comments"].as_i64().unwrap() - 1);
    for table in ["photos", "collections"] {
        assert_eq!(count_rows(&server, table), 0, "{table}");
    }
    assert_eq!(
        count_rows(&server, "likes"),
        28,
        "only the seeded likes are left"
    );
}

#[tokio::test]
async fn sharing_gives_a_stable_link_to_a_public_page_until_the_post_is_deleted() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let (token, nickname) = (
        access(&session),
        session["user"]["nickname"].as_str().unwrap(),
    );
    let text = format!("<b>急诊</b> & notes: {}", "x".repeat(80));
    let public = server
        .expect(
            Method::POST,
            "/v1/posts",
            &token,
            Some(json!({ "text": text, "public_share": true })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(public["public_share"], true);
    let post = id(&public);
    let share = format!("/v1/posts/{post}/share");
    let link = server
        .expect(Method::POST, &share, &token, None, StatusCode::OK)
        .await;
    assert_eq!(link.as_object().unwrap().len(), 2, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/p/") && url.len() == 19, "{url}");
    let preview: String = text.chars().take(60).collect();
    assert_eq!(link["text"], format!("{preview} — on MedCircle"));
    assert_eq!(
        server
            .expect(Method::POST, &share, &token, None, StatusCode::OK)
            .await,
        link
    );

    let page = server.get(&url).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("&lt;b&gt;急诊&lt;/b&gt; &amp; notes"),
        "{html}"
    );
    assert!(html.contains(nickname) && !html.contains("<b>"), "{html}");

    let unknown = server.get("/p/AAAAAAAAAAAAAAAA").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let deleted = server
        .post(&format!("/dev/posts/{post}/delete"), json!({}))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(server.get(&url).await.status(), StatusCode::NOT_FOUND);
    let missing = server
        .post("/dev/posts/p_0000000000000000/delete", json!({}))
        .await;
    assert_error(missing, StatusCode::NOT_FOUND, "post_not_found").await;
}

#[tokio::test]
async fn a_members_only_post_shared_by_anyone_shows_only_a_teaser_on_the_web() {
    let server = TestServer::dev();
    let (author, reader) = two_users(&server).await;
    let text = "Patient in bed 12: suspected sepsis, lactate 4.1";
    let post = publish(&server, &access(&author), text).await;
    assert_eq!(post["public_share"], false, "not public by default");
    let link = server
        .expect(
            Method::POST,
            &format!("/v1/posts/{}/share", id(&post)),
            &access(&reader),
            None,
            StatusCode::OK,
        )
        .await;
    let nickname = author["user"]["nickname"].as_str().unwrap();
    assert_eq!(link["text"], format!("A post by {nickname} — on MedCircle"));
    let page = server.get(link["url"].as_str().unwrap()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("sepsis") && !html.contains("bed 12"),
        "{html}"
    );
    assert!(
        html.contains(nickname) && html.contains("medcircle://p/"),
        "{html}"
    );
}

#[tokio::test]
async fn the_account_export_holds_the_feed_and_deleting_the_account_removes_it() {
    let server = TestServer::dev();
    let (first, second) = two_users(&server).await;
    let (mine, theirs) = (access(&first), access(&second));
    let kept = id(&publish(&server, &theirs, "stays").await);
    let post = publish(&server, &mine, "my post").await;
    let comment = comment_on(&server, &mine, &kept, "mine").await;
    mark(&server, &mine, &kept, "like").await;
    mark(&server, &mine, &kept, "collect").await;
    comment_on(&server, &theirs, &id(&post), "theirs").await;
    crate::feed_photos::upload_png(&server, &mine, 1, 1).await;
    let keyed = send(
        &server,
        Method::PUT,
        &format!("/v1/posts/{kept}/like"),
        &mine,
        Some("k1"),
        None,
    )
    .await;
    assert_eq!(keyed.status(), StatusCode::OK);

    let export = get(&server, &mine, "/v1/me/export").await;
    assert_eq!(
        export["posts"],
        json!([get(&server, &mine, &format!("/v1/posts/{}", id(&post))).await])
    );
    assert_eq!(export["comments"], json!([comment]));

    server
        .expect(
            Method::DELETE,
            "/v1/me",
            &mine,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let user = first["user"]["id"].as_str().unwrap();
    let conn = rusqlite::Connection::open(server.db_path()).unwrap();
    for (table, column) in [
        ("posts", "author_id"),
        ("comments", "author_id"),
        ("photos", "owner_id"),
        ("likes", "user_id"),
        ("collections", "user_id"),
        ("idempotency_keys", "user_id"),
    ] {
        let left: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
                [user],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    let stays = get(&server, &theirs, &format!("/v1/posts/{kept}")).await;
    assert_eq!(
        (
            &stays["like_count"],
            &stays["comment_count"],
            &stays["collect_count"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    assert_eq!(stats(&server).await["comments"], 12);
}
