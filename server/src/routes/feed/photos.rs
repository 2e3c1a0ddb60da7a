//! `POST /v1/photos` (the raw image as the body, up to the photo limit rather than the API's
//! 64 KiB) and `GET /v1/photos/{id}`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::Shared;
use crate::certification::image::{Cleaned, ImageType};
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::photos;
use crate::quota::Budget;
use crate::routes::session::caller;

use super::{Mutation, id};

#[utoipa::path(
    post,
    path = "/v1/photos",
    operation_id = "uploadPhoto",
    tag = "feed",
    summary = "Upload a photo",
    description = "The body is the image itself, `image/jpeg` or `image/png` as `Content-Type` says, up to 5 MiB (this route's own body limit, instead of 64 KiB). The server checks the bytes are of that type and reads the size from the PNG IHDR or JPEG frame header; width and height are at most 4096. It keeps and serves the photo without its metadata (as POST /v1/me/certification/photos does). The photo belongs to the caller and to no post until POST /v1/posts uses it.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content((String = "image/jpeg"), (String = "image/png"))),
    responses(
        (status = 201, description = "The stored photo.", body = crate::feed::photos::PhotoRef, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_image`: The bytes are not an image of the declared type, its header is truncated, or it cannot be read to its end. `photo_too_large_dimensions`: Width or height is over 4096. `invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`too_large`: The body is over 5 MiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_image`: `Content-Type` is not `image/jpeg` or `image/png`.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 60 photo uploads per user in an hour. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
pub async fn upload(
    request: Mutation,
    body: Result<Bytes, BytesRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let (bytes, image_type, kept) = received_image(&request.headers, body)?;
    let (state, user, now) = (&request.state, session.user.as_bytes(), session.now);
    state.quotas.take(Budget::PostPhotos, user, 1, now)?;
    session
        .once(
            // The request as sent identifies a retry, not the bytes kept.
            &[image_type.media_type().as_bytes(), &bytes],
            |tx, user, now| {
                let photo = photos::store(tx, user, image_type, &kept.bytes, kept.size, now)?;
                let size = kept.bytes.len();
                tracing::info!(%user, photo = %photo.id, bytes = size, "photo uploaded");
                Ok(Reply::json(StatusCode::CREATED, &photo))
            },
        )
        .await
}

#[utoipa::path(
    get,
    path = "/v1/photos/{id}",
    operation_id = "getPhoto",
    tag = "feed",
    summary = "A photo's bytes",
    description = "The image as uploaded, with its type. Any user may fetch a photo that is in a post; an unused upload only its owner.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^ph_[0-9a-f]{16}$")
    ),
    responses(
        (status = 200, description = "The image.", content((String = "image/jpeg"), (String = "image/png"))),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`photo_not_found`: No photo has this id, its post was deleted, or it is another user's unused upload.", body = crate::error::ErrorBody)
    )
)]
pub async fn get(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let id = id(path, ApiError::PhotoNotFound)?;
    let (content_type, bytes) =
        photos::get(&conn, &session.user_id, &id)?.ok_or(ApiError::PhotoNotFound)?;
    let content_type = HeaderValue::from_str(&content_type).map_err(|_| ApiError::Internal)?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// An uploaded image as its route received it: the body as sent (what identifies a retry), its
/// type, and the image checked and stripped (`photos::check`). A body over the route's limit
/// is `too_large`.
pub(crate) fn received_image(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Bytes, ImageType, Cleaned), ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::ImageTooLarge
        } else {
            ApiError::InvalidImage
        }
    })?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let (image_type, kept) = photos::check(declared, &bytes)?;
    Ok((bytes, image_type, kept))
}
