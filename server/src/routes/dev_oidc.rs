//! `/dev/oidc/*` (dev mode only): the dev OpenID provider's endpoints (metadata, keys,
//! authorize, token) and a mint for tests that need tokens no honest provider would issue.
//! Its protocol logic lives in `oidc::dev_provider`; this module speaks HTTP.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::Shared;
use crate::error::ApiError;
use crate::oidc::dev_provider::{
    self, Authorization, AuthorizeQuery, DevProvider, IdTokenClaims, OAuthError, TokenRequest,
};

fn provider(state: &Shared) -> Result<&DevProvider, ApiError> {
    state.oidc.dev.as_ref().ok_or(ApiError::NotFound)
}

/// `GET /dev/oidc/.well-known/openid-configuration`
pub async fn metadata(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    Ok(Json(provider(&state)?.metadata()))
}

/// `GET /dev/oidc/jwks`
pub async fn jwks(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    Ok(Json(provider(&state)?.jwks()))
}

/// `GET /dev/oidc/authorize`: the sign-in page, or a redirect back to the app.
pub async fn authorize(
    State(state): State<Shared>,
    uri: Uri,
    query: Result<Query<AuthorizeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let provider = provider(&state)?;
    let Ok(Query(query)) = query else {
        return Ok(oauth_error(&OAuthError {
            error: "invalid_request",
            description: "the query is malformed or repeats a parameter",
        }));
    };
    Ok(match provider.authorize(&query, state.clock.now()) {
        Authorization::Refused(error) => oauth_error(&error),
        Authorization::Consent => consent_page(uri.query().unwrap_or_default()).into_response(),
        Authorization::Redirect(location) => {
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
    })
}

/// Two links back to this very request, each adding the user's decision.
fn consent_page(query: &str) -> Html<String> {
    let here = format!("/dev/oidc/authorize?{query}");
    let allow = escape(&format!("{here}&dev_subject=demo-doctor"));
    let deny = escape(&format!("{here}&dev_decision=deny"));
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in to DevID</title>
</head>
<body>
<h1>Sign in to DevID</h1>
<p>MedCircle (<code>{client}</code>) asks to know who you are.</p>
<p><a id="allow" href="{allow}">Allow as Dr. Demo</a></p>
<p><a id="deny" href="{deny}">Deny</a></p>
</body>
</html>
"#,
        client = dev_provider::CLIENT_ID,
    ))
}

/// The request's own query is echoed into attributes: escape what HTML gives meaning to.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `POST /dev/oidc/token` (form-encoded): code + verifier for an ID token.
pub async fn token(
    State(state): State<Shared>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<Response, ApiError> {
    let provider = provider(&state)?;
    let Ok(Form(request)) = form else {
        return Ok(oauth_error(&OAuthError {
            error: "invalid_request",
            description: "expected an application/x-www-form-urlencoded body without repeats",
        }));
    };
    Ok(match provider.token(&request, state.clock.now()) {
        Ok(body) => no_store(Json(body).into_response()),
        Err(error) => oauth_error(&error),
    })
}

/// 400 with `{"error","error_description"}` (RFC 6749 §5.2), never cached.
fn oauth_error(error: &OAuthError) -> Response {
    let body = json!({ "error": error.error, "error_description": error.description });
    no_store((StatusCode::BAD_REQUEST, Json(body)).into_response())
}

/// Token responses carry credentials (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[derive(Deserialize)]
pub struct MintQuery {
    sub: String,
    nonce: Option<String>,
    aud: Option<String>,
    iss: Option<String>,
    exp_in: Option<i64>,
    sign: Option<String>,
    name: Option<String>,
}

/// `GET /dev/oidc/mint?sub=…`: an ID token made to order (expired, for another audience or
/// issuer, without a nonce, or forged), for tests of the login endpoint's checks.
pub async fn mint(
    State(state): State<Shared>,
    query: Result<Query<MintQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let provider = provider(&state)?;
    let Query(query) = query.map_err(|_| {
        ApiError::InvalidRequest(
            "expected the query parameter sub, and exp_in as an integer".into(),
        )
    })?;
    if !dev_provider::valid_subject(&query.sub) {
        return Err(ApiError::InvalidRequest(
            "sub must be 1 to 64 of A-Z, a-z, 0-9, _ and -".into(),
        ));
    }
    let name = query.name.as_deref().unwrap_or(dev_provider::DEFAULT_NAME);
    if !dev_provider::valid_name(name) {
        return Err(ApiError::InvalidRequest(
            "name must be 1 to 64 characters".into(),
        ));
    }
    let forger = match query.sign.as_deref() {
        None | Some("valid") => None,
        Some("bad") => Some(dev_provider::throwaway_key().map_err(|error| {
            tracing::error!(%error, "cannot make a throwaway key");
            ApiError::Internal
        })?),
        Some(_) => return Err(ApiError::InvalidRequest("sign must be valid or bad".into())),
    };
    let now = state.clock.now();
    let id_token = provider.id_token(
        &IdTokenClaims {
            issuer: query.iss.as_deref().unwrap_or(provider.issuer()),
            subject: &query.sub,
            audience: query.aud.as_deref().unwrap_or(dev_provider::CLIENT_ID),
            nonce: query.nonce.as_deref(),
            name,
            issued_at: now,
            expires_at: now.saturating_add(query.exp_in.unwrap_or(dev_provider::ID_TOKEN_TTL_S)),
        },
        forger.as_ref(),
    );
    Ok(Json(json!({ "id_token": id_token })))
}
