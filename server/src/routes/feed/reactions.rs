//! `PUT`/`DELETE /v1/posts/{id}/like` and `/collect`, and `GET /v1/me/collections`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use rusqlite::Transaction;
use serde::Serialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::pages::Page;
use crate::feed::posts::{self, List, Post};
use crate::feed::reactions;
use crate::routes::session::caller;

use super::{Mutation, PageQuery, bad_query, id};

/// PUT likes, DELETE takes the like back.
pub async fn like(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    toggle(request, path, |tx, user, post_id, on, _| {
        reactions::like(tx, user, post_id, on)
    })
    .await
}

/// PUT collects, DELETE removes from the collection.
pub async fn collect(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    toggle(request, path, |tx, user, post_id, on, now| {
        reactions::collect(tx, user, post_id, on, now)
    })
    .await
}

/// Sets (PUT) or clears (DELETE) the caller's mark on the post in `path`; answers with what
/// `action` returns.
async fn toggle<T: Serialize>(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
    action: impl FnOnce(&Transaction<'_>, &str, &str, bool, i64) -> Result<T, ApiError>,
) -> Result<Reply, ApiError> {
    let on = request.method == Method::PUT;
    let session = request.authenticate().await?;
    let post_id = id(path, ApiError::PostNotFound)?;
    session
        .once(&[], |tx, user, now| {
            let marked = action(tx, user, &post_id, on, now)?;
            Ok(Reply::json(StatusCode::OK, &marked))
        })
        .await
}

/// The caller's collected posts, most recently collected first.
pub async fn collections(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Post>>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query.map_err(bad_query)?;
    let window = query.window()?;
    let rows = posts::list(&conn, &session.user_id, &List::Collected, &window)?;
    Ok(Json(Page::cut(rows, &window)))
}
