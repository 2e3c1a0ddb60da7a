//! `PUT`/`DELETE /v1/posts/{id}/like` and `/collect`, and `GET /v1/me/collections`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::{self, Idempotency, Reply};
use crate::feed::pages::Page;
use crate::feed::posts::{self, List, Post};
use crate::feed::reactions;
use crate::routes::session::caller;

use super::{PageQuery, bad_query, id};

/// PUT likes, DELETE takes the like back.
pub async fn like(
    State(state): State<Shared>,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let now = state.clock.now();
    let mut conn = state.db();
    let session = caller(&conn, &headers, now)?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let key = Idempotency::of(&headers, &method, uri.path(), &[])?;
    let user = &session.user_id;
    idempotency::once(&mut conn, user, key, now, |tx| {
        let liked = reactions::like(tx, user, &post_id, method == Method::PUT)?;
        Ok(Reply::json(StatusCode::OK, &liked))
    })
}

/// PUT collects, DELETE removes from the collection.
pub async fn collect(
    State(state): State<Shared>,
    headers: HeaderMap,
    method: Method,
    uri: Uri,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let now = state.clock.now();
    let mut conn = state.db();
    let session = caller(&conn, &headers, now)?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let key = Idempotency::of(&headers, &method, uri.path(), &[])?;
    let user = &session.user_id;
    idempotency::once(&mut conn, user, key, now, |tx| {
        let collected = reactions::collect(tx, user, &post_id, method == Method::PUT, now)?;
        Ok(Reply::json(StatusCode::OK, &collected))
    })
}

/// The caller's collected posts, most recently collected first.
pub async fn collections(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Post>>, ApiError> {
    let conn = state.db();
    let session = caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query.map_err(bad_query)?;
    let window = query.window()?;
    let rows = posts::list(&conn, &session.user_id, &List::Collected, &window)?;
    Ok(Json(Page::cut(rows, &window)))
}
