//! `GET /v1/feed`, `GET /v1/limits`, `POST /v1/posts`, `GET` and `DELETE /v1/posts/{id}`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::idempotency::Reply;
use crate::feed::limits::{LIMITS, Limits};
use crate::feed::pages::{Page, Window};
use crate::feed::personalise;
use crate::feed::posts::{self, Draft, List, Post};
use crate::interests;
use crate::routes::session::caller;

use super::{Mutation, bad_query, canonical, id};

#[derive(Deserialize)]
pub struct FeedQuery {
    cursor: Option<String>,
    limit: Option<String>,
    personalised: Option<bool>,
}

#[derive(Serialize)]
struct FeedPage {
    #[serde(flatten)]
    page: Page<Post>,
    /// Whether the order was personalised: asked for, and the caller has interest tags.
    personalised: bool,
}

/// Newest first. The first page carries a strong ETag over its whole body, so anything the
/// caller would see change (posts, counts, their likes, the order) changes it.
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
pub async fn limits() -> Json<Limits> {
    Json(LIMITS)
}

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

#[derive(Deserialize, Serialize)]
pub struct NewPost {
    text: String,
    #[serde(default)]
    photo_ids: Vec<String>,
    /// Off unless the author opts in: a share link then shows only a teaser.
    #[serde(default)]
    public_share: bool,
}

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
            let post = posts::get(tx, user, &id)?.ok_or(ApiError::Internal)?;
            tracing::info!(%user, post = %id, photos = post.photos.len(), "post created");
            Ok(Reply::json(StatusCode::CREATED, &post))
        })
        .await
}

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
