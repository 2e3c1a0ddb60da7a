//! `GET /v1/feed`, `GET /v1/limits`, `POST /v1/posts`, `GET` and `DELETE /v1/posts/{id}`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::idempotency::Reply;
use crate::feed::limits::{LIMITS, Limits};
use crate::feed::pages::{Page, Window};
use crate::feed::personalise;
use crate::feed::posts::{self, Draft, List, Post};
use crate::interests;
use crate::mall::points::{self, Rule};
use crate::routes::session::caller;

use super::{Mutation, bad_query, canonical, id};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` of the previous page; absent or empty for the first page. Opaque. Pages are keyed on the last item shown, so items added meanwhile neither shift nor repeat the following pages.
    cursor: Option<String>,
    /// At most this many items: a whole number from 1 to 50 (default 20). Anything else (0, 51, -1, ten) is 422 `invalid_request`, on every list alike.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
    /// Put posts matching the caller's interest tags first within each page.
    #[param(default = false)]
    personalised: Option<bool>,
}

#[derive(Serialize, ToSchema)]
struct FeedPage {
    #[serde(flatten)]
    page: Page<Post>,
    /// Whether the order was personalised: asked for, and the caller has interest tags.
    personalised: bool,
}

/// Newest first. The first page carries a strong ETag over its whole body, so anything the
/// caller would see change (posts, counts, their likes, the order) changes it.
#[utoipa::path(
    get,
    path = "/v1/feed",
    operation_id = "getFeed",
    tag = "feed",
    summary = "The feed",
    description = "Posts, newest first, in keyset pages. With `personalised=true` the posts of each page that match the caller's interest tags (GET /v1/me/interests; by keywords of the tag) come first within that page, which changes only the order inside the page, never what the next page holds. With `personalised=false` (the default) the order is purely chronological and the server does not read the caller's interests at all. The first page (no cursor) carries a strong `ETag` over its whole body, so it changes whenever anything in it would: a post added or deleted, a count, the caller's like or collection, the order or the `personalised` flag. Sending it back in `If-None-Match` answers 304 with an empty body.",
    security(("bearerAuth" = [])),
    params(
        FeedQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of a first page received before.")
    ),
    responses(
        (status = 200, description = "A page of posts.", body = FeedPage, headers(("ETag" = inline(crate::openapi::fields::FeedEtag), description = "Only on the first page (no cursor): a strong validator of this body."), ("Cache-Control" = inline(crate::openapi::fields::PrivateNoCache), description = "Always `private, no-cache`: revalidate with If-None-Match."))),
        (status = 304, description = "The first page has not changed since the ETag sent in `If-None-Match`. Empty body; carries `ETag` and `Cache-Control` again.", headers(("ETag" = String), ("Cache-Control" = inline(crate::openapi::fields::PrivateNoCache)))),
        (status = 400, description = "`invalid_cursor`: The cursor is not one this server gave.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 422, description = "`invalid_request`: A query parameter has the wrong type (`limit` not a number, `personalised` not `true` or `false`).", body = crate::error::ErrorBody)
    )
)]
pub async fn feed(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (body, first) = {
        let conn = state.db().await;
        let session = caller(&conn, &headers, state.clock.now())?;
        let Query(query) = query.map_err(bad_query)?;
        let window = Window::parse(query.cursor.as_deref(), query.limit.as_deref())?;
        let rows = posts::list(&conn, &session.user_id, &List::Recent, &window)?;
        let mut page = Page::cut(rows, &window);
        // Not personalised: the caller's interests are not even read.
        let mut personalised = false;
        if query.personalised == Some(true) {
            let tags = interests::list(&conn, &session.user_id)?;
            let keywords = personalise::keywords(tags.iter().map(|tag| tag.label.as_str()));
            personalise::rank(&mut page.items, &keywords);
            personalised = !tags.is_empty();
        }
        let first = window.after.is_none();
        let body =
            serde_json::to_vec(&FeedPage { page, personalised }).map_err(|_| ApiError::Internal)?;
        (body, first)
    };
    let etag = first.then(|| etag(&body));
    let mut response = match &etag {
        Some(etag) if matches(&headers, etag) => StatusCode::NOT_MODIFIED.into_response(),
        _ => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    };
    let response_headers = response.headers_mut();
    if let Some(etag) = etag {
        response_headers.insert(header::ETAG, etag);
    }
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// A strong validator: the first 128 bits of the body's SHA-256, quoted.
fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16])))
        .expect("hex in quotes is a valid header value")
}

/// Whether `If-None-Match` lists `etag` (compared weakly, as RFC 9110 says for this header).
fn matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

/// What the feed accepts; needs no session, so the app can fetch it before login.
#[utoipa::path(
    get,
    path = "/v1/limits",
    operation_id = "getLimits",
    tag = "feed",
    summary = "What the feed accepts",
    description = "Photo size, type and count, and text lengths the server accepts, so the app can check before sending. Needs no session.",
    responses(
        (status = 200, description = "The limits.", body = crate::feed::limits::Limits)
    )
)]
pub async fn limits() -> Json<Limits> {
    Json(LIMITS)
}

#[utoipa::path(
    get,
    path = "/v1/posts/{id}",
    operation_id = "getPost",
    tag = "feed",
    summary = "One post",
    description = "The post as the caller sees it.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$")
    ),
    responses(
        (status = 200, description = "The post.", body = crate::feed::posts::Post),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody)
    )
)]
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Post>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let id = id(path, ApiError::PostNotFound)?;
    posts::get(&conn, &session.user_id, &id)?
        .map(Json)
        .ok_or(ApiError::PostNotFound)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[schema(as = PostCreate)]
pub struct NewPost {
    /// 1 to 2000 characters; may be empty when there are photos.
    #[schema(max_length = 2000)]
    text: String,
    #[serde(default)]
    #[schema(max_items = 9, default = json!([]))]
    photo_ids: Vec<String>,
    /// Off unless the author opts in: a share link then shows only a teaser.
    #[serde(default)]
    #[schema(default = json!(false))]
    public_share: bool,
}

#[utoipa::path(
    post,
    path = "/v1/posts",
    operation_id = "createPost",
    tag = "feed",
    summary = "Publish a post",
    description = "Publishes a post with text and up to 9 of the caller's uploaded photos (POST /v1/photos), in the order given. The text is 1 to 2000 characters (characters, not bytes), and may be empty when there are photos. A photo can be used by one post only.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = NewPost),
    responses(
        (status = 201, description = "The new post, as GET /v1/posts/{id} shows it.", body = crate::feed::posts::Post, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_text`: The text is blank (without photos) or longer than 2000 characters. `invalid_photo`: A photo id is unknown, another user's, already in a post, or repeated. `too_many_photos`: More than 9 photos. `invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn create(
    request: Mutation,
    body: Result<ApiJson<NewPost>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let ApiJson(body) = body?;
    session
        .once(&[&canonical(&body)?], |tx, user, now| {
            let draft = Draft {
                text: &body.text,
                photo_ids: &body.photo_ids,
                public_share: body.public_share,
            };
            let id = posts::create(tx, user, &draft, now)?;
            points::earn(tx, user, Rule::PostPublished, &id, now)?;
            let post = posts::get(tx, user, &id)?.ok_or(ApiError::Internal)?;
            tracing::info!(%user, post = %id, photos = post.photos.len(), "post created");
            Ok(Reply::json(StatusCode::CREATED, &post))
        })
        .await
}

#[utoipa::path(
    delete,
    path = "/v1/posts/{id}",
    operation_id = "deletePost",
    tag = "feed",
    summary = "Delete a post",
    description = "Deletes one of the caller's posts, with its comments, likes, collections, photos and share link.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 204, description = "Deleted.", headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`not_author`: The post is another user's.", body = crate::error::ErrorBody),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn delete(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::PostNotFound)?;
    session
        .once(&[], |tx, user, _| {
            posts::delete_own(tx, user, &id)?;
            tracing::info!(%user, post = %id, "post deleted");
            Ok(Reply::no_content())
        })
        .await
}
