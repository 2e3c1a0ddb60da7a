//! `POST /v1/me/deletion-requests` and `GET /v1/me/deletion-requests`: withdrawing consent
//! asks the server to delete what it holds for that purpose.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::deletion_requests::{self, DeletionRequest};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::routes::session::caller;
use crate::{consents, events, ident, interests};

const MAX_PSEUDONYMS: usize = 50;

#[derive(Deserialize, ToSchema)]
#[schema(as = DeletionRequestCreate)]
pub struct CreateRequest {
    #[schema(schema_with = crate::openapi::fields::purpose)]
    purpose: String,
    /// When the user withdrew, Unix seconds (client clock).
    requested_at: i64,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    request_id: String,
    /// Events are stored without an account, so only the client can say which are the
    /// user's. Not kept with the request: that would link them to the account after all.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::fields::withdrawn_pseudonyms)]
    pseudonyms: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DeletionRequestAccepted)]
pub struct Accepted {
    request_id: String,
    #[schema(schema_with = crate::openapi::fields::deletion_status)]
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DeletionRequests)]
pub struct Requests {
    requests: Vec<DeletionRequest>,
}

#[utoipa::path(
    post,
    path = "/v1/me/deletion-requests",
    operation_id = "createDeletionRequest",
    tag = "consent",
    summary = "Ask the server to delete a purpose's data",
    description = "Sent when the user withdraws consent for a purpose. What the server can delete it deletes at once: for `personalisation`, the user's interest tags; for `browsing_records`, every event stored under the pseudonyms listed (events are not linked to accounts, so only the client knows its pseudonyms; the list is used for the deletion and not kept). Idempotent by request_id, per user: a repeat answers the same 202 and changes nothing. The bearer token is checked before the body: without a valid one the answer is 401 whatever the body.",
    security(("bearerAuth" = [])),
    request_body(content = CreateRequest),
    responses(
        (status = 202, description = "Accepted.", body = Accepted),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type; purpose is not one of the six purposes; request_id is not 1-64 characters of [A-Za-z0-9_-]; pseudonyms are sent with another purpose than browsing_records, are more than 50, or one is not 16-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
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

#[utoipa::path(
    get,
    path = "/v1/me/deletion-requests",
    operation_id = "listDeletionRequests",
    tag = "consent",
    summary = "The deletion requests",
    description = "The user's deletion requests, ordered by requested_at, then arrival.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The requests.", body = Requests),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Requests>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let requests = deletion_requests::list(&conn, &session.user_id)?;
    Ok(Json(Requests { requests }))
}
