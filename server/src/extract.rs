//! A JSON body extractor whose every rejection is an `ApiError`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;

/// Like `axum::Json`, but rejections use the API's error shape and never echo body values
/// (which may be phone numbers or codes) back in messages.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge
            } else {
                ApiError::MalformedJson("the body could not be read".into())
            }
        })?;
        serde_json::from_slice(&body)
            .map(ApiJson)
            .map_err(|error| rejection(&error))
    }
}

fn rejection(error: &serde_json::Error) -> ApiError {
    let at = format!("line {}, column {}", error.line(), error.column());
    match error.classify() {
        Category::Data => {
            // "missing field `x`" names only a field; other data errors quote the value sent.
            let message = error.to_string();
            let what = match message.split(" at line").next() {
                Some(missing) if missing.starts_with("missing field") => missing,
                _ => "a field has the wrong type, or the body is not the expected object",
            };
            ApiError::InvalidRequest(format!("{what} ({at})"))
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(at),
    }
}

/// `application/json`, with or without parameters, or any `application/*+json` type.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        headers
    }

    #[test]
    fn recognises_json_content_types() {
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(is_json(&with(yes)), "{yes}");
        }
        for no in ["text/plain", "application/jsonx", "+json", "text/x+json"] {
            assert!(!is_json(&with(no)), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
