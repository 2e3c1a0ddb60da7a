//! `/v1/me/certification*`: physician certification (photos, ID number, location) and its
//! review status; and its dev-mode reviewer, `/dev/certification/decide` and
//! `/dev/certifications`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

use utoipa::ToSchema;

use crate::app::Shared;
use crate::certification::image::{self, ImageType};
use crate::certification::{self, Kind, Location, Photo, Status};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::mall::points::{self, Rule};
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
#[utoipa::path(
    post,
    path = "/v1/me/certification/photos",
    operation_id = "uploadCertificationPhoto",
    tag = "certification",
    summary = "Upload a certificate photo",
    description = "The body is the photo itself, `image/jpeg` or `image/png` as `Content-Type` says, up to 5 MiB (this route's own body limit, instead of 64 KiB). The server checks the bytes start with that type's signature (PNG `89 50 4E 47 0D 0A 1A 0A`, JPEG `FF D8 FF`) and reads the size from the PNG IHDR chunk or the first JPEG SOFn header (both must be non-zero). It keeps the photo without its metadata (EXIF with any GPS position, XMP, IPTC, comments, thumbnails, PNG text and private chunks, bytes after the image; a JPEG's orientation is kept as its only EXIF), the pixels untouched; `size` is the length kept. The photo is kept in the database, the caller's, until named by PUT /v1/me/certification (or the account is deleted). Checks run in this order: session, `kind`, `Content-Type`, size, bytes.",
    security(("bearerAuth" = [])),
    params(
        ("kind" = inline(crate::certification::Kind), Query, description = "`physician`: the physician qualification certificate; `practising`: the practising certificate.")
    ),
    request_body(content((String = "image/jpeg"), (String = "image/png"))),
    responses(
        (status = 201, description = "The stored photo.", body = crate::certification::Photo),
        (status = 400, description = "`invalid_kind`: `kind` is missing or not physician or practising. `invalid_image`: The bytes are not an image of the declared type, it has no header with a non-zero width and height, or it cannot be read to its end (so its metadata cannot be taken out). `photo_too_large_dimensions`: The image header states a width or height over 4096 pixels (max_photo_dimension in GET /v1/limits).", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`too_large`: The body is over 5 MiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_image`: `Content-Type` is not `image/jpeg` or `image/png`.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 10 certificate photo uploads per user in 24 h. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
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

#[derive(Deserialize, ToSchema)]
#[schema(as = CertificationSubmission)]
pub struct SubmitRequest {
    /// The resident identity card number.
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    id_number: String,
    #[schema(min_items = 1, max_items = 10)]
    photo_ids: Vec<String>,
    /// Where the user was, if they allowed it; null or absent otherwise.
    location: Option<Location>,
}

/// `PUT /v1/me/certification`: submits (or resubmits) for review.
#[utoipa::path(
    put,
    path = "/v1/me/certification",
    operation_id = "submitCertification",
    tag = "certification",
    summary = "Submit the physician certification",
    description = "Submits (or, while pending or after a rejection, resubmits: the new submission replaces the old) the caller's certification for review: the resident ID number, the uploaded photos (duplicates counted once) and optionally where the user was. The ID number must be 17 digits and a check character (a digit or X; x is read as X) with ISO 7064 MOD 11-2 weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 and remainder map `10X98765432`, digits 7-14 a real date (1900 on). It is kept whole, shown masked everywhere (the first 4 and last 4 characters with 10 `*` between), in full only by GET /v1/me/certification/id-number, and never logged. The status becomes `pending`.",
    security(("bearerAuth" = [])),
    request_body(content = SubmitRequest),
    responses(
        (status = 200, description = "Submitted: the new status.", body = crate::certification::Status),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `invalid_id_number`: Not 18 characters, a wrong check character or a birth date that does not exist. `photos_required`: `photo_ids` is empty, names a photo that is not the caller's, or none of kind physician.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 409, description = "`already_certified`: The certification was approved; it cannot be resubmitted.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, `photo_ids` has more than 10 photos, or `location` is out of range.", body = crate::error::ErrorBody)
    )
)]
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
#[utoipa::path(
    get,
    path = "/v1/me/certification",
    operation_id = "getCertification",
    tag = "certification",
    summary = "The certification status",
    description = "Where the caller's certification stands: `none` until submitted, then `pending`, `approved` or `rejected` (with the reviewer's reason). The ID number only masked.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The status.", body = crate::certification::Status),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Status>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    Ok(Json(certification::status(&conn, &session.user_id)?))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CertificationIdNumber)]
pub struct IdNumberBody {
    #[schema(pattern = "^[0-9]{17}[0-9X]$")]
    id_number: String,
}

/// `GET /v1/me/certification/id-number`: the full number, only after a recent step-up, as
/// for deleting the account.
#[utoipa::path(
    get,
    path = "/v1/me/certification/id-number",
    operation_id = "getCertificationIdNumber",
    tag = "certification",
    summary = "The submitted ID number, in full",
    description = "The whole ID number the caller submitted, to show it to its holder. Needs a recent authentication exactly as DELETE /v1/me does: the session's login or latest step-up at most 300 s ago.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The number.", body = IdNumberBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: Nothing was submitted.", body = crate::error::ErrorBody)
    )
)]
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

#[derive(Deserialize, ToSchema)]
#[schema(as = CertificationDecision)]
pub struct DecideRequest {
    user_id: String,
    approve: bool,
    /// Required to reject.
    #[schema(max_length = 500)]
    reason: Option<String>,
}

/// `POST /dev/certification/decide`: plays the reviewer. A rejection needs a reason.
#[utoipa::path(
    post,
    path = "/dev/certification/decide",
    operation_id = "devDecideCertification",
    tag = "dev",
    summary = "Review a certification",
    description = "Plays the reviewer: approves or rejects a user's submitted certification (whatever its status). A rejection needs a reason (trimmed, at most 500 characters); an approval keeps none. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content = DecideRequest),
    responses(
        (status = 200, description = "The user's new status.", body = crate::certification::Status),
        (status = 400, description = "`malformed_json`: The body is not valid JSON. `reason_required`: A rejection without a reason (null or blank).", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: Dev mode is off, or the user submitted nothing.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or the reason is over 500 characters.", body = crate::error::ErrorBody)
    )
)]
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
    if request.approve {
        points::earn(
            &tx,
            &request.user_id,
            Rule::CertificationCompleted,
            "certification",
            now,
        )?;
    }
    let status = certification::status(&tx, &request.user_id)?;
    tx.commit()?;
    tracing::info!(user = %request.user_id, approve = request.approve, "dev certification decided");
    Ok(Json(status))
}

#[derive(Serialize, ToSchema)]
pub struct WitnessedCertifications {
    certifications: Vec<crate::certification::Summary>,
}

/// `GET /dev/certifications`: every submitted certification, without ID numbers.
#[utoipa::path(
    get,
    path = "/dev/certifications",
    operation_id = "devCertifications",
    tag = "dev",
    summary = "Submitted certifications",
    description = "Every submitted certification, oldest submission first: the user, the status, whether a location was sent and how many photos; never the ID number nor the location itself. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The certifications.", body = WitnessedCertifications),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn dev_list(
    State(state): State<Shared>,
) -> Result<Json<WitnessedCertifications>, ApiError> {
    let certifications = certification::all(&*state.db().await)?;
    Ok(Json(WitnessedCertifications { certifications }))
}
