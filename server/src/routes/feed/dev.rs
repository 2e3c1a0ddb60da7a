//! Dev-mode feed hooks: `GET /dev/feed/stats` (to check that nothing was stored twice) and
//! `POST /dev/posts/{id}/delete` (a post deleted by its author meanwhile).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::{idempotency, posts};

use super::id;

/// How many rows the feed keeps.
#[derive(Serialize, ToSchema)]
pub struct FeedStats {
    posts: i64,
    comments: i64,
    idempotency_keys: i64,
}

#[utoipa::path(
    get,
    path = "/dev/feed/stats",
    operation_id = "devFeedStats",
    tag = "dev",
    summary = "Feed row counts",
    description = "How many posts, comments and unexpired idempotency records the server holds, to check that retries stored nothing twice. At the first dev start with an empty feed, demo content is seeded: 40 posts by 5 demo authors over the last five days, with comments and likes. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The counts.", body = FeedStats),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn stats(State(state): State<Shared>) -> Result<Json<FeedStats>, ApiError> {
    let conn = state.db().await;
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
    };
    Ok(Json(FeedStats {
        posts: count("posts")?,
        comments: count("comments")?,
        idempotency_keys: idempotency::count(&conn, state.clock.now())?,
    }))
}

#[utoipa::path(
    post,
    path = "/dev/posts/{id}/delete",
    operation_id = "devDeletePost",
    tag = "dev",
    summary = "Delete any post",
    description = "Deletes a post as its author would (with its comments, likes, collections, photos and share link), to test a post deleted meanwhile. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$")
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`post_not_found`: No post has this id. `not_found`: Not in dev mode.", body = crate::error::ErrorBody)
    )
)]
pub async fn delete_post(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id(path, ApiError::PostNotFound)?;
    let conn = state.writer().await;
    let author = posts::author_of(&conn, &id)?.ok_or(ApiError::PostNotFound)?;
    posts::delete_own(&conn, &author, &id)?;
    tracing::info!(post = %id, "dev: post deleted");
    Ok(StatusCode::NO_CONTENT)
}
