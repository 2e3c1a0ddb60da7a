//! The security center: `GET /v1/me/sessions`, `DELETE /v1/me/sessions/{id}`,
//! `POST /v1/me/sessions/revoke-others` (both behind a recent authentication),
//! `GET /v1/me/notices`, `GET /v1/minimum-version` (no session: a logged-out app must learn
//! it too); and in dev mode `POST /dev/notices` and `POST /dev/minimum-version`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

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

#[derive(Serialize)]
pub struct SessionList {
    sessions: Vec<Listed>,
}

#[derive(Serialize)]
pub struct RevokedOthers {
    revoked: u32,
}

#[derive(Serialize)]
pub struct NoticeList {
    notices: Vec<Notice>,
    /// The lowest app version served; `null`: any.
    minimum_version: Option<String>,
}

#[derive(Deserialize)]
pub struct PublishRequest {
    /// The account it is for; absent: everyone.
    user_id: Option<String>,
    kind: Kind,
    title: String,
    body: String,
    action: String,
}

#[derive(Serialize)]
pub struct Published {
    id: String,
}

#[derive(Deserialize)]
pub struct MinimumVersionRequest {
    /// `null` lifts the minimum.
    version: Option<String>,
}

#[derive(Serialize)]
pub struct MinimumVersion {
    minimum_version: Option<String>,
}

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

pub async fn revoke_others(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<RevokedOthers>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    session.require_recent_auth(now)?;
    let tx = pool::immediate(&mut conn)?;
    let others: Vec<Listed> = logins::live(&tx, &session.user_id, &session.family, now)?
        .into_iter()
        .filter(|listed| !listed.current)
        .collect();
    for other in &others {
        sessions::revoke_family_by(&tx, &other.id, Revoker::OtherDevice)?;
    }
    tx.commit()?;
    tracing::info!(user = %session.user_id, count = others.len(), "other sessions signed out");
    Ok(Json(RevokedOthers {
        revoked: others.len() as u32,
    }))
}

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
