//! `GET` and `POST /v1/posts/{id}/comments`, `DELETE /v1/comments/{id}`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::comments::{self, Comment};
use crate::feed::idempotency::Reply;
use crate::feed::pages::Page;
use crate::feed::posts;
use crate::routes::session::caller;

use super::{Mutation, PageQuery, bad_query, canonical, id};

/// Oldest first.
pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Comment>>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let Query(query) = query.map_err(bad_query)?;
    let window = query.window()?;
    if !posts::exists(&conn, &post_id)? {
        return Err(ApiError::PostNotFound);
    }
    let rows = comments::list(&conn, &session.user_id, &post_id, &window)?;
    Ok(Json(Page::cut(rows, &window)))
}

#[derive(Deserialize, Serialize)]
pub struct NewComment {
    text: String,
}

pub async fn create(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
    body: Result<ApiJson<NewComment>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let ApiJson(body) = body?;
    session
        .once(&[&canonical(&body)?], |tx, user, now| {
            let comment = comments::add(tx, user, &post_id, &body.text, now)?;
            tracing::info!(%user, post = %post_id, comment = %comment.id, "comment added");
            Ok(Reply::json(StatusCode::CREATED, &comment))
        })
        .await
}

pub async fn delete(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::CommentNotFound)?;
    session
        .once(&[], |tx, user, _| {
            comments::delete_own(tx, user, &id)?;
            tracing::info!(%user, comment = %id, "comment deleted");
            Ok(Reply::no_content())
        })
        .await
}
