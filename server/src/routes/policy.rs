//! `GET /v1/policy`: the privacy policy in force, with its hash as the entity tag.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::Shared;

#[utoipa::path(
    get,
    path = "/v1/policy",
    operation_id = "getPolicy",
    tag = "policy",
    summary = "The privacy policy",
    description = "The privacy policy in force, to show and consent to before anything else is sent: its text split into sections, the consent purposes it covers, and what changed since the version it replaced. The server starts with its built-in version (2026-11-01); in dev mode `POST /dev/policy/publish` can replace it. Conditional requests are supported: send the ETag back in If-None-Match to get 304 when the current version's text is unchanged.",
    params(
        ("If-None-Match" = Option<String>, Header, nullable = false)
    ),
    responses(
        (status = 200, description = "The policy.", body = crate::policy::Served<'static>, headers(("ETag" = String, description = "`\"<hash>\"`: the hash of the current version's full text, quoted."))),
        (status = 304, description = "Unchanged since the ETag in If-None-Match.", headers(("ETag" = String, description = "`\"<hash>\"`: the hash of the current version's full text, quoted.")))
    )
)]
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
