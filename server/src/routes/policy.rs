//! `GET /v1/policy`: the privacy policy in force, with its hash as the entity tag.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::Shared;

pub async fn get(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let policy = state.policy.current();
    let etag = policy.etag.as_bytes();
    // Weak comparison, as If-None-Match requires.
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag);
    if unchanged {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, policy.etag.clone())],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, policy.etag.clone()),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        policy.body.clone(),
    )
        .into_response()
}
