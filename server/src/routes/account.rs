//! `GET /v1/me/export` and `DELETE /v1/me`: the account holder's copy of their data, and
//! closing the account.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::app::Shared;
use crate::certification::{self, Exported};
use crate::consents::{self, Record};
use crate::deletion_requests::{self, DeletionRequest};
use crate::error::ApiError;
use crate::feed;
use crate::feed::comments::{self, Comment};
use crate::feed::posts::{self, Post};
use crate::identities::{self, Linked};
use crate::interests::{self, Tag};
use crate::pool;
use crate::risk::{self, Received};
use crate::routes::session::caller;
use crate::sessions::{self, Summary};
use crate::users::{self, User};

/// Everything kept under the account, and nothing that could act as it (no tokens, hashes
/// or keys).
#[derive(Serialize)]
pub struct Export {
    user: User,
    consents: Vec<Record>,
    interests: Vec<Tag>,
    deletion_requests: Vec<DeletionRequest>,
    sessions: Vec<Summary>,
    devices: Vec<Received>,
    /// The ID number masked, as everywhere but its step-up-gated endpoint.
    certification: Exported,
    /// Third-party identities that log in to this account.
    oauth_identities: Vec<Linked>,
    /// Newest first, as the user sees them.
    posts: Vec<Post>,
    /// Oldest first.
    comments: Vec<Comment>,
    exported_at: i64,
}

pub async fn export(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Export>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.db().await;
    let session = caller(&conn, &headers, now)?;
    // Precise location, devices and sessions: as sensitive as the ID number, so as guarded.
    session.require_recent_auth(now)?;
    // One snapshot, so the parts agree with each other.
    let tx = conn.transaction()?;
    let user = users::get(&tx, &session.user_id)?.ok_or(ApiError::InvalidToken)?;
    let export = Export {
        consents: consents::history(&tx, &user.id)?,
        interests: interests::list(&tx, &user.id)?,
        deletion_requests: deletion_requests::list(&tx, &user.id)?,
        sessions: sessions::summaries(&tx, &user.id)?,
        devices: risk::list(&tx, &user.id)?,
        certification: certification::export(&tx, &user.id)?,
        oauth_identities: identities::list(&tx, &user.id)?,
        posts: posts::by_author(&tx, &user.id)?,
        comments: comments::by_author(&tx, &user.id)?,
        exported_at: now,
        user,
    };
    tx.commit()?;
    tracing::info!(user = %session.user_id, "account data exported");
    Ok(Json(export))
}

pub async fn delete(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    session.require_recent_auth(now)?;
    let tx = pool::immediate(&mut conn)?;
    feed::forget_user(&tx, &session.user_id)?;
    users::delete(&tx, &session.user_id)?;
    tx.commit()?;
    tracing::info!(user = %session.user_id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}
