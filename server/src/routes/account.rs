//! `GET /v1/me/export` and `DELETE /v1/me`: the account holder's copy of their data, and
//! closing the account.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::certification::{self, Exported};
use crate::consents::{self, Record};
use crate::deletion_requests::{self, DeletionRequest};
use crate::error::ApiError;
use crate::feed;
use crate::feed::comments::{self, Comment};
use crate::feed::posts::{self, Post};
use crate::help;
use crate::help::tickets::{self, Ticket};
use crate::identities::{self, Linked};
use crate::interests::{self, Tag};
use crate::mall::redemptions::{self, Disclosure};
use crate::notices::{self, Notice};
use crate::payments::entitlements::{self, Entitlements};
use crate::payments::orders::{self, Order};
use crate::risk::{self, Received};
use crate::routes::session::caller;
use crate::sessions::{self, Summary};
use crate::users::{self, User};
use crate::{logins, mall, pool};

/// Everything kept under the account, and nothing that could act as it (no tokens, hashes
/// or keys).
#[derive(Serialize, ToSchema)]
#[schema(as = AccountExport)]
pub struct Export {
    user: User,
    consents: Vec<Record>,
    interests: Vec<Tag>,
    deletion_requests: Vec<DeletionRequest>,
    /// Oldest first.
    sessions: Vec<Summary>,
    /// How each session logged in, from which app installation, and the place last seen.
    logins: Vec<logins::Recorded>,
    /// The security notices the account is shown (its own and everyone's), newest first.
    notices: Vec<Notice>,
    devices: Vec<Received>,
    /// The ID number masked, as everywhere but its step-up-gated endpoint.
    certification: Exported,
    /// Third-party identities that log in to this account.
    oauth_identities: Vec<Linked>,
    /// Newest first, as the user sees them.
    posts: Vec<Post>,
    /// Oldest first.
    comments: Vec<Comment>,
    /// Each time a delivery address left MedCircle: to the logistics provider and the supplier when an item shipped, oldest first.
    address_disclosures: Vec<Disclosure>,
    /// Help center feedback with the team's replies, newest first (the contact number masked).
    help_tickets: Vec<Ticket>,
    /// Orders, newest first, with the payment account masked as the gateway gave it.
    orders: Vec<Order>,
    /// What the paid orders give.
    entitlements: Entitlements,
    exported_at: i64,
}

#[utoipa::path(
    get,
    path = "/v1/me/export",
    operation_id = "exportAccount",
    tag = "account",
    summary = "Export the account's data",
    description = "Everything the server keeps under the account, for the account holder: the user, consent history, interest tags, deletion requests, sessions and their logins (method, app installation, place), device reports, certification, third-party identities, posts, comments, help center feedback with its replies, the security notices shown to the account, each disclosure of a delivery address, orders and what they give. Never tokens, token hashes, phone keys or the server secret. Sensitive (precise location, devices, sessions): the session must have logged in (or stepped up) within the last 300 s, else 403 `reauth_required`.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The export.", body = Export),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody)
    )
)]
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
        logins: logins::export(&tx, &user.id)?,
        notices: notices::for_user(&tx, &user.id)?,
        devices: risk::list(&tx, &user.id)?,
        certification: certification::export(&tx, &user.id)?,
        oauth_identities: identities::list(&tx, &user.id)?,
        posts: posts::by_author(&tx, &user.id)?,
        comments: comments::by_author(&tx, &user.id)?,
        address_disclosures: redemptions::disclosures(&tx, &user.id)?,
        help_tickets: tickets::for_user(&tx, &user.id)?,
        orders: orders::list(&tx, &user.id)?,
        entitlements: entitlements::of(&tx, &user.id, now)?,
        exported_at: now,
        user,
    };
    tx.commit()?;
    tracing::info!(user = %session.user_id, "account data exported");
    Ok(Json(export))
}

#[utoipa::path(
    delete,
    path = "/v1/me",
    operation_id = "deleteAccount",
    tag = "account",
    summary = "Delete the account",
    description = "Deletes the user and everything kept under the account: every session (all its access and refresh tokens then answer 401 `invalid_token`), consent records, deletion requests, interest tags, device reports, and help center feedback with its photos and replies. The phone may log in again afterwards and gets a new account (new id). Browsing events are not linked to accounts; forget them with POST /v1/events/forget. No body. Sensitive: the session must have logged in (or stepped up) within the last 300 s, else 403 `reauth_required`.",
    security(("bearerAuth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody)
    )
)]
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
    mall::forget_user(&tx, &session.user_id)?;
    help::forget_user(&tx, &session.user_id)?;
    users::delete(&tx, &session.user_id)?;
    tx.commit()?;
    tracing::info!(user = %session.user_id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}
