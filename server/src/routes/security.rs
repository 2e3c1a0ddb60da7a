//! The security center: `GET /v1/me/sessions`, `DELETE /v1/me/sessions/{id}`,
//! `POST /v1/me/sessions/revoke-others` (both behind a recent authentication),
//! `GET /v1/me/notices`, `GET /v1/minimum-version` (no session: a logged-out app must learn
//! it too); and in dev mode `POST /dev/notices` and `POST /dev/minimum-version`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::logins::{self, Listed};
use crate::notices::{self, Kind, Notice, Text};
use crate::routes::session::caller;
use crate::sessions::{self, Revoker};
use crate::{minimum_version, pool, users};
use medcircle_rules::text;

const MAX_TITLE_CHARS: usize = 100;
const MAX_BODY_CHARS: usize = 2000;
const MAX_ACTION_CHARS: usize = 500;

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    sessions: Vec<Listed>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = RevokedSessions)]
pub struct RevokedOthers {
    revoked: u32,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    notices: Vec<Notice>,
    /// The lowest app version served; `null`: any.
    minimum_version: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = NoticeDraft)]
pub struct PublishRequest {
    /// The account it is for; absent: everyone.
    user_id: Option<String>,
    kind: Kind,
    #[schema(max_length = 100)]
    title: String,
    #[schema(max_length = 2000)]
    body: String,
    #[schema(max_length = 500)]
    action: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = NoticePublished)]
pub struct Published {
    id: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MinimumVersionRequest {
    /// One to four dot-separated numbers; `null` lifts the minimum.
    version: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MinimumVersion {
    /// The lowest app version served; `null`: any.
    minimum_version: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/me/sessions",
    operation_id = "listSessions",
    tag = "security",
    summary = "The account's sessions",
    description = "Every session of the account still usable (not logged out, revoked or expired), the most recently used first: how it logged in, the device its app reported for risk control (absent when none was reported: show \"unknown device\"), the coarse place the server can tell from the network address alone (`Loopback`, `Local network` or `Unknown`; updated at each refresh), when it logged in and was last used, and which one is the caller's.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The sessions.", body = SessionList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn sessions(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<SessionList>, ApiError> {
    let now = state.clock.now();
    let conn = state.db().await;
    let session = caller(&conn, &headers, now)?;
    let sessions = logins::live(&conn, &session.user_id, &session.family, now)?;
    Ok(Json(SessionList { sessions }))
}

#[utoipa::path(
    delete,
    path = "/v1/me/sessions/{id}",
    operation_id = "revokeSession",
    tag = "security",
    summary = "Sign another session out",
    description = "Revokes one of the account's other sessions: its next refresh is refused with 401 `session_revoked`. Sensitive: the session must have logged in (or stepped up) within the last 300 s, else 403 `reauth_required` (checked after the id). The caller's own session cannot be revoked here (409 `current_session`: log out instead).",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, description = "A session id from `GET /v1/me/sessions`.")
    ),
    responses(
        (status = 204, description = "Signed out."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: The account has no session with this id.", body = crate::error::ErrorBody),
        (status = 409, description = "`current_session`: The id is the caller's own session.", body = crate::error::ErrorBody)
    )
)]
pub async fn revoke(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    if !logins::owned(&conn, &session.user_id, &id)? {
        return Err(ApiError::NotFound);
    }
    if id == session.family {
        return Err(ApiError::CurrentSession);
    }
    session.require_recent_auth(now)?;
    sessions::revoke_family_by(&conn, &id, Revoker::OtherDevice)?;
    tracing::info!(user = %session.user_id, "a session was signed out from another");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/v1/me/sessions/revoke-others",
    operation_id = "revokeOtherSessions",
    tag = "security",
    summary = "Sign every other session out",
    description = "Revokes every session of the account but the caller's: their next refresh is refused with 401 `session_revoked`. Sensitive: the session must have logged in (or stepped up) within the last 300 s, else 403 `reauth_required`. No body.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "How many sessions were signed out.", body = RevokedOthers),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody)
    )
)]
pub async fn revoke_others(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<RevokedOthers>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    session.require_recent_auth(now)?;
    let tx = pool::immediate(&mut conn)?;
    let revoked = sessions::revoke_others_by(
        &tx,
        &session.user_id,
        &session.family,
        Revoker::OtherDevice,
        now,
    )?;
    tx.commit()?;
    tracing::info!(user = %session.user_id, count = revoked, "other sessions signed out");
    Ok(Json(RevokedOthers {
        revoked: u32::try_from(revoked).unwrap_or(u32::MAX),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/me/notices",
    operation_id = "listNotices",
    tag = "security",
    summary = "Security notices",
    description = "The account's security notices and those to everyone, newest first (at most 100): incidents, new-login alerts (a login from an app installation the account had not used before), forced logouts and minimum-version announcements; and the lowest app version the server still serves. Read state is the app's.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The notices and the minimum version.", body = NoticeList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn notices(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<NoticeList>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    Ok(Json(NoticeList {
        notices: notices::for_user(&conn, &session.user_id)?,
        minimum_version: minimum_version::get(&conn)?,
    }))
}

#[utoipa::path(
    get,
    path = "/v1/minimum-version",
    operation_id = "getMinimumVersion",
    tag = "security",
    summary = "The minimum app version",
    description = "The lowest app version the server still serves (`null`: any), without a session: a logged-out app below it learns that it must update, and learns when the minimum is lowered again.",
    responses(
        (status = 200, description = "The minimum now in force.", body = MinimumVersion)
    )
)]
pub async fn minimum(State(state): State<Shared>) -> Result<Json<MinimumVersion>, ApiError> {
    let conn = state.db().await;
    Ok(Json(MinimumVersion {
        minimum_version: minimum_version::get(&conn)?,
    }))
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if !value.trim().is_empty() && value.chars().count() <= max && text::is_visible_paragraph(value)
    {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{field} must be 1 to {max} visible characters"
        )))
    }
}

/// `POST /dev/notices`: plays the operator publishing a notice to one account or everyone. A
/// forced logout also ends every session of its account.
#[utoipa::path(
    post,
    path = "/dev/notices",
    operation_id = "devPublishNotice",
    tag = "dev",
    summary = "Publish a security notice",
    description = "Publishes a notice to one account (`user_id`) or to everyone; a `forced_logout` also ends every session of its account (their next refresh gets 401 `forced_logout`). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = PublishRequest),
    responses(
        (status = 200, description = "Published.", body = Published),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: Dev mode is off, or no account has this user_id.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, a text is blank or too long (title 100, body 2000, action 500 characters) or holds invisible characters, or a forced logout names no user_id.", body = crate::error::ErrorBody)
    )
)]
pub async fn dev_publish(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<PublishRequest>,
) -> Result<Json<Published>, ApiError> {
    check_text("title", &request.title, MAX_TITLE_CHARS)?;
    check_text("body", &request.body, MAX_BODY_CHARS)?;
    check_text("action", &request.action, MAX_ACTION_CHARS)?;
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    if let Some(user_id) = &request.user_id
        && users::get(&tx, user_id)?.is_none()
    {
        return Err(ApiError::NotFound);
    }
    match (request.kind, &request.user_id) {
        (Kind::ForcedLogout, Some(user_id)) => {
            sessions::revoke_user_by(&tx, user_id, Revoker::Operator)?;
        }
        (Kind::ForcedLogout, None) => {
            return Err(ApiError::InvalidRequest(
                "a forced logout names its user_id".into(),
            ));
        }
        _ => {}
    }
    let text = Text {
        title: &request.title,
        body: &request.body,
        action: &request.action,
    };
    let id = notices::publish(&tx, request.user_id.as_deref(), request.kind, &text, now)?;
    tx.commit()?;
    tracing::info!(kind = ?request.kind, to_everyone = request.user_id.is_none(), "dev notice published");
    Ok(Json(Published { id }))
}

/// `POST /dev/minimum-version`: sets (or lifts, with `null`) the lowest app version served,
/// and tells everyone with a notice.
#[utoipa::path(
    post,
    path = "/dev/minimum-version",
    operation_id = "devSetMinimumVersion",
    tag = "dev",
    summary = "Set the minimum app version",
    description = "Sets the lowest app version the server still serves (`null` lifts it); setting one also publishes a `minimum_version` notice to everyone. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = MinimumVersionRequest),
    responses(
        (status = 200, description = "The minimum now in force.", body = MinimumVersion),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: Dev mode is off.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field has the wrong type, or the version is not one to four dot-separated numbers.", body = crate::error::ErrorBody)
    )
)]
pub async fn dev_minimum_version(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<MinimumVersionRequest>,
) -> Result<Json<MinimumVersion>, ApiError> {
    if let Some(version) = &request.version
        && !minimum_version::is_valid(version)
    {
        return Err(ApiError::InvalidRequest(
            "version must be one to four dot-separated numbers".into(),
        ));
    }
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    minimum_version::set(&tx, request.version.as_deref())?;
    if let Some(version) = &request.version {
        let body = format!(
            "This app version is no longer supported; version {version} or newer is required."
        );
        let text = Text {
            title: "Update required",
            body: &body,
            action: "Update the app from your app store.",
        };
        notices::publish(&tx, None, Kind::MinimumVersion, &text, now)?;
    }
    tx.commit()?;
    Ok(Json(MinimumVersion {
        minimum_version: request.version,
    }))
}
