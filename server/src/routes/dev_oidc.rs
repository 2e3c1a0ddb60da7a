//! `/dev/oidc/*` (dev mode only): the dev OpenID provider's endpoints (metadata, keys,
//! authorize, token) and a mint for tests that need tokens no honest provider would issue.
//! Its protocol logic lives in `oidc::dev_provider`; this module speaks HTTP.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Shared;
use crate::error::ApiError;
use crate::oidc::dev_provider::{
    self, Authorization, AuthorizeQuery, DevProvider, IdTokenClaims, Metadata, OAuthError,
    PublicKeys, TokenAnswer, TokenRequest,
};

fn provider(state: &Shared) -> Result<&DevProvider, ApiError> {
    state.oidc.dev.as_ref().ok_or(ApiError::NotFound)
}

/// `GET /dev/oidc/.well-known/openid-configuration`
#[utoipa::path(
    get,
    path = "/dev/oidc/.well-known/openid-configuration",
    operation_id = "devOidcMetadata",
    tag = "dev",
    summary = "Dev OpenID provider metadata",
    description = "The dev OpenID provider (\"DevID\") metadata (OpenID Connect Discovery 1.0). Its issuer is `{server}/dev/oidc`, `{server}` being the server's own URL from its bound address; its one client is `medcircle-app`, a public client whose one redirect URI is `com.medcircle.app:/oauth/callback` (compared exactly). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The metadata.", body = Metadata),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn metadata(State(state): State<Shared>) -> Result<Json<Metadata>, ApiError> {
    Ok(Json(provider(&state)?.metadata()))
}

/// `GET /dev/oidc/jwks`
#[utoipa::path(
    get,
    path = "/dev/oidc/jwks",
    operation_id = "devOidcJwks",
    tag = "dev",
    summary = "Dev OpenID provider: signing keys",
    description = "The provider's one P-256 signing key as a JWK. The key is generated at first start and kept in the database; its `kid` is derived from it. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The key set.", body = PublicKeys),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
pub async fn jwks(State(state): State<Shared>) -> Result<Json<PublicKeys>, ApiError> {
    Ok(Json(provider(&state)?.jwks()))
}

/// `GET /dev/oidc/authorize`: the sign-in page, or a redirect back to the app.
#[utoipa::path(
    get,
    path = "/dev/oidc/authorize",
    operation_id = "devOidcAuthorize",
    tag = "dev",
    summary = "Dev OpenID provider: authorization endpoint",
    description = "Authorization code flow with PKCE (RFC 6749 4.1, RFC 7636, OIDC Core 3.1.2). An unknown `client_id` or a `redirect_uri` other than the registered one is a 400 JSON error, never a redirect. Otherwise, once the request is valid: without `dev_subject` or `dev_decision` a sign-in page (\"Sign in to DevID\") links to this same URL plus `&dev_subject=demo-doctor` (\"Allow as Dr. Demo\") or plus `&dev_decision=deny` (\"Deny\"). Every other answer is a 302 to the redirect URI with the `state` echoed (form-encoded; left out if not sent) and `iss`, the issuer (RFC 9207, announced by the metadata's `authorization_response_iss_parameter_supported`): `code=<random>` for `dev_subject`, `error=access_denied` for `dev_decision=deny`, `error=invalid_request` (with `error_description`) when `response_type` is not `code`, `scope` lacks `openid`, `nonce` is missing, `code_challenge` is missing or not 43-128 unreserved characters, `code_challenge_method` is not `S256`, `dev_subject` is not 1-64 of [A-Za-z0-9_-], `dev_name` is not 1-64 characters, or `dev_decision` is not `deny`. A code is single use, expires 60 s after issue, and is bound to the redirect URI, the challenge, the nonce, the subject and the display name. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(
        AuthorizeQuery,
    ),
    responses(
        (status = 200, description = "The sign-in page.", content_type = "text/html", body = String),
        (status = 302, description = "Back to the app: `com.medcircle.app:/oauth/callback?code=...&state=...&iss=...`, or `?error=...&error_description=...&state=...&iss=...`.", headers(("Location" = String, description = "The redirect URI with the result."))),
        (status = 400, description = "`invalid_client`: unknown `client_id`. `invalid_request`: `redirect_uri` is not the registered one, or the query repeats a parameter. Not redirected, since the redirect URI cannot be trusted.", body = OAuthError),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody)
    )
)]
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
#[utoipa::path(
    post,
    path = "/dev/oidc/token",
    operation_id = "devOidcToken",
    tag = "dev",
    summary = "Dev OpenID provider: token endpoint",
    description = "Exchanges a code (RFC 6749 4.1.3, RFC 7636 4.6). A code presented once is spent, even if the exchange fails. The ID token is ES256 (header `alg`, `typ: JWT`, `kid`) with claims `iss`, `sub`, `aud` (`medcircle-app`), `exp` (now + 600), `iat`, `nonce`, `name`, `nickname` (= name) and `picture` (`{issuer}/avatars/{sub}.png`, not served). The access token opens nothing: the dev provider has no userinfo endpoint. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    request_body(content((crate::oidc::dev_provider::TokenRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "The tokens.", body = TokenAnswer, headers(("Cache-Control" = inline(crate::openapi::fields::NoStore), description = "Always `no-store`."))),
        (status = 400, description = "RFC 6749 5.2. `invalid_request`: a parameter is missing or repeated, the body is not form-encoded, or `code_verifier` is not 43-128 unreserved characters. `invalid_client`: unknown `client_id`. `unsupported_grant_type`: not `authorization_code`. `invalid_grant`: the code is unknown, used, expired (60 s), or issued for another redirect URI, or the verifier does not hash to its challenge.", body = OAuthError, headers(("Cache-Control" = inline(crate::openapi::fields::NoStore), description = "Always `no-store`."))),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody)
    )
)]
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
    no_store((StatusCode::BAD_REQUEST, Json(error)).into_response())
}

/// Token responses carry credentials (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MintQuery {
    /// The subject.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    sub: String,
    /// The `nonce` claim; none if absent.
    nonce: Option<String>,
    /// The audience.
    #[param(default = "medcircle-app")]
    aud: Option<String>,
    /// The issuer; default the dev provider's.
    iss: Option<String>,
    /// Seconds from now (server clock) to `exp`; negative for an expired token.
    #[param(default = 600)]
    exp_in: Option<i64>,
    /// `bad` signs with a throwaway key.
    #[param(schema_with = crate::openapi::fields::mint_signature)]
    sign: Option<String>,
    /// The `name` and `nickname` claims.
    #[param(min_length = 1, max_length = 64, default = "Dr. Demo")]
    name: Option<String>,
}

/// An ID token made to order.
#[derive(Serialize, ToSchema)]
#[schema(as = MintedIdToken)]
pub struct Minted {
    id_token: String,
}

/// `GET /dev/oidc/mint?sub=…`: an ID token made to order (expired, for another audience or
/// issuer, without a nonce, or forged), for tests of the login endpoint's checks.
#[utoipa::path(
    get,
    path = "/dev/oidc/mint",
    operation_id = "devOidcMint",
    tag = "dev",
    summary = "Dev OpenID provider: an ID token made to order",
    description = "An ID token as the token endpoint would issue it, without the flow, and with whatever tests need: another audience or issuer, an expiry in the past, no nonce, or a forged signature (`sign=bad`: a throwaway key, under the real key's `kid`). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(
        MintQuery,
    ),
    responses(
        (status = 200, description = "The token.", body = Minted),
        (status = 404, description = "`not_found`: No such resource.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: `sub` is missing or not 1-64 of [A-Za-z0-9_-], `name` is not 1-64 characters, `sign` is not valid or bad, or `exp_in` is not an integer.", body = crate::error::ErrorBody)
    )
)]
pub async fn mint(
    State(state): State<Shared>,
    query: Result<Query<MintQuery>, QueryRejection>,
) -> Result<Json<Minted>, ApiError> {
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
    Ok(Json(Minted { id_token }))
}
