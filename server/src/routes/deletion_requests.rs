//! `POST /v1/me/deletion-requests` and `GET /v1/me/deletion-requests`: withdrawing consent
//! asks the server to delete what it holds for that purpose.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::deletion_requests::{self, DeletionRequest};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;
use crate::{consents, events, ident, interests};

const MAX_PSEUDONYMS: usize = 50;

#[derive(Deserialize)]
pub struct CreateRequest {
    purpose: String,
    requested_at: i64,
    request_id: String,
    /// Events are stored without an account, so only the client can say which are the
    /// user's. Not kept with the request: that would link them to the account after all.
    #[serde(default)]
    pseudonyms: Vec<String>,
}

#[derive(Serialize)]
pub struct Accepted {
    request_id: String,
    status: &'static str,
}

#[derive(Serialize)]
pub struct Requests {
    requests: Vec<DeletionRequest>,
}

pub async fn create(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<ApiJson<CreateRequest>, ApiError>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let ApiJson(request) = body?;
    consents::check_purpose(&request.purpose)?;
    if !ident::is_valid(&request.request_id, 1..=64) {
        return Err(ApiError::InvalidRequest(
            "request_id must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -".into(),
        ));
    }
    if !request.pseudonyms.is_empty() && request.purpose != "browsing_records" {
        return Err(ApiError::InvalidRequest(
            "pseudonyms go only with the purpose browsing_records".into(),
        ));
    }
    if request.pseudonyms.len() > MAX_PSEUDONYMS {
        return Err(ApiError::InvalidRequest(format!(
            "at most {MAX_PSEUDONYMS} pseudonyms"
        )));
    }
    for pseudonym in &request.pseudonyms {
        events::check_pseudonym(pseudonym)?;
    }
    let recorded = DeletionRequest::new(request.request_id, request.purpose, request.requested_at);
    let tx = pool::immediate(&mut conn)?;
    // A retry changes nothing: the first arrival already deleted what there was.
    if deletion_requests::record(&tx, &session.user_id, &recorded)? {
        let deleted = match recorded.purpose.as_str() {
            "browsing_records" => events::forget(&tx, &request.pseudonyms)?,
            "personalisation" => interests::delete_all(&tx, &session.user_id)?,
            _ => 0,
        };
        tracing::info!(
            user = %session.user_id,
            purpose = %recorded.purpose,
            deleted,
            "deletion request accepted"
        );
    }
    tx.commit()?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            request_id: recorded.request_id,
            status: recorded.status,
        }),
    ))
}

pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Requests>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let requests = deletion_requests::list(&conn, &session.user_id)?;
    Ok(Json(Requests { requests }))
}
