//! `POST /v1/photos` (the raw image as the body, up to the photo limit rather than the API's
//! 64 KiB) and `GET /v1/photos/{id}`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::photos;
use crate::quota::Budget;
use crate::routes::session::caller;

use super::{Mutation, id};

pub async fn upload(
    request: Mutation,
    body: Result<Bytes, BytesRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::ImageTooLarge
        } else {
            ApiError::InvalidImage
        }
    })?;
    let declared = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let (image_type, kept) = photos::check(declared, &bytes)?;
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
