//! `/v1/me/certification*`: physician certification (photos, ID number, location) and its
//! review status; and its dev-mode reviewer, `/dev/certification/decide` and
//! `/dev/certifications`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::Shared;
use crate::certification::image::{self, ImageType};
use crate::certification::{self, Kind, Location, Photo, Status};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::pool;
use crate::quota::Budget;
use crate::routes::session::caller;
use medcircle_rules::id_number::IdNumber;

/// The most photos one submission may name.
const MAX_PHOTOS: usize = 10;
/// The longest rejection reason a reviewer may give.
const MAX_REASON_CHARS: usize = 500;

#[derive(Deserialize)]
pub struct PhotoQuery {
    kind: Option<String>,
}

/// `POST /v1/me/certification/photos?kind=…`: the raw bytes of one certificate photo.
pub async fn upload_photo(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PhotoQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Photo>), ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let kind = query
        .ok()
        .and_then(|Query(query)| query.kind)
        .as_deref()
        .and_then(Kind::parse)
        .ok_or(ApiError::InvalidKind)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(ImageType::declared)
        .ok_or(ApiError::UnsupportedImage)?;
    // The route's body limit rejects a larger body before it is read.
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::ImageTooLarge
        } else {
            ApiError::InvalidImage
        }
    })?;
    let kept = image::clean(declared, &bytes)?;
    let user = session.user_id.as_bytes();
    state.quotas.take(Budget::CertificatePhotos, user, 1, now)?;
    let photo = certification::store_photo(
        &conn,
        &session.user_id,
        kind,
        declared,
        &kept.bytes,
        kept.size,
        now,
    )?;
    tracing::info!(user = %session.user_id, photo = %photo.photo_id, ?kind, "certification photo stored");
    Ok((StatusCode::CREATED, Json(photo)))
}

#[derive(Deserialize)]
pub struct SubmitRequest {
    id_number: String,
    photo_ids: Vec<String>,
    location: Option<Location>,
}

/// `PUT /v1/me/certification`: submits (or resubmits) for review.
pub async fn submit(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<ApiJson<SubmitRequest>, ApiError>,
) -> Result<Json<Status>, ApiError> {
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let ApiJson(request) = body?;
    let id_number = IdNumber::parse(&request.id_number).map_err(|_| ApiError::InvalidIdNumber)?;
    let mut photo_ids = request.photo_ids;
    dedup_in_order(&mut photo_ids);
    if photo_ids.len() > MAX_PHOTOS {
        return Err(ApiError::InvalidRequest(format!(
            "photo_ids may name at most {MAX_PHOTOS} photos"
        )));
    }
    if request
        .location
        .is_some_and(|location| !location.is_valid())
    {
        return Err(ApiError::InvalidRequest(
            "location needs latitude in [-90, 90] and longitude in [-180, 180]".into(),
        ));
    }
    let tx = pool::immediate(&mut conn)?;
    if certification::is_approved(&tx, &session.user_id)? {
        return Err(ApiError::AlreadyCertified);
    }
    let kinds = certification::owned_kinds(&tx, &session.user_id, &photo_ids)?;
    if !kinds.is_some_and(|kinds| kinds.contains(&Kind::Physician)) {
        return Err(ApiError::PhotosRequired);
    }
    certification::submit(
        &tx,
        &session.user_id,
        &id_number,
        &photo_ids,
        request.location,
        now,
    )?;
    let status = certification::status(&tx, &session.user_id)?;
    tx.commit()?;
    // Never the ID number, nor the location.
    tracing::info!(user = %session.user_id, photos = photo_ids.len(), "certification submitted");
    Ok(Json(status))
}

fn dedup_in_order(ids: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
}

/// `GET /v1/me/certification`
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Status>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    Ok(Json(certification::status(&conn, &session.user_id)?))
}

#[derive(Serialize)]
pub struct IdNumberBody {
    id_number: String,
}

/// `GET /v1/me/certification/id-number`: the full number, only after a recent step-up, as
/// for deleting the account.
pub async fn id_number(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<IdNumberBody>, ApiError> {
    let now = state.clock.now();
    let conn = state.db().await;
    let session = caller(&conn, &headers, now)?;
    session.require_recent_auth(now)?;
    let id_number = certification::id_number(&conn, &session.user_id)?.ok_or(ApiError::NotFound)?;
    tracing::info!(user = %session.user_id, "certification id number shown to its holder");
    Ok(Json(IdNumberBody { id_number }))
}

#[derive(Deserialize)]
pub struct DecideRequest {
    user_id: String,
    approve: bool,
    reason: Option<String>,
}

/// `POST /dev/certification/decide`: plays the reviewer. A rejection needs a reason.
pub async fn dev_decide(
    State(state): State<Shared>,
    ApiJson(request): ApiJson<DecideRequest>,
) -> Result<Json<Status>, ApiError> {
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|reason| !reason.is_empty());
    if reason.is_some_and(|reason| reason.chars().count() > MAX_REASON_CHARS) {
        return Err(ApiError::InvalidRequest(format!(
            "reason must be at most {MAX_REASON_CHARS} characters"
        )));
    }
    let reason = match (request.approve, reason) {
        (true, _) => None,
        (false, Some(reason)) => Some(reason),
        (false, None) => return Err(ApiError::ReasonRequired),
    };
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    if !certification::decide(&tx, &request.user_id, request.approve, reason, now)? {
        return Err(ApiError::NotFound);
    }
    let status = certification::status(&tx, &request.user_id)?;
    tx.commit()?;
    tracing::info!(user = %request.user_id, approve = request.approve, "dev certification decided");
    Ok(Json(status))
}

/// `GET /dev/certifications`: every submitted certification, without ID numbers.
pub async fn dev_list(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let certifications = certification::all(&*state.db().await)?;
    Ok(Json(json!({ "certifications": certifications })))
}
