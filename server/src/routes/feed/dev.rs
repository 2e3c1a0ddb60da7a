//! Dev-mode feed hooks: `GET /dev/feed/stats` (to check that nothing was stored twice) and
//! `POST /dev/posts/{id}/delete` (a post deleted by its author meanwhile).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::{idempotency, posts};

use super::id;

pub async fn stats(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let conn = state.db().await;
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
    };
    Ok(Json(json!({
        "posts": count("posts")?,
        "comments": count("comments")?,
        "idempotency_keys": idempotency::count(&conn, state.clock.now())?,
    })))
}

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
