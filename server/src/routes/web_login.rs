//! Scan-to-login on the web. The browser side (`GET`/`POST /web/login`, then polling
//! `GET /web/login/{id}/status`, then `GET /web/me`) needs no account; the phone side
//! (`/v1/web-logins/{id}`, `/confirm`, `/decline`) is the logged-in app, and confirming needs
//! a recent login (step-up).
//!
//! The page's browser holds the poll token in an HttpOnly cookie, never in the page: a QR
//! code photographed elsewhere names the request but cannot watch it, and its session is
//! handed once, as an HttpOnly cookie, to the poll that first sees it confirmed. A program
//! playing the browser (`POST /web/login`) gets the poll token in the answer and polls with
//! `?poll=`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Html;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::quota::Budget;
use crate::routes::session::caller;
use crate::web_logins::{self, Created, Requester, Status, TTL_S, WebLogin};
use crate::{pool, sessions, tokens, users};

/// Holds a page's poll token. `__Host-`: only from this origin over HTTPS (or localhost), for
/// every path, never shared with a parent domain.
const POLL_COOKIE: &str = "__Host-medcircle_web_login";
/// Holds the browser's session once a phone confirmed.
const SESSION_COOKIE: &str = "__Host-medcircle_session";

/// `POST /web/login`: starts a web login for a program playing the browser.
#[derive(Serialize, ToSchema)]
#[schema(as = WebLoginStarted)]
pub struct Started {
    #[schema(pattern = "^wl_[0-9a-f]{32}$")]
    id: String,
    /// What the QR code holds.
    #[schema(pattern = "^medcircle://web-login\\?id=wl_[0-9a-f]{32}&v=1$")]
    payload: String,
    poll_token: String,
    #[schema(schema_with = crate::openapi::fields::web_login_expires_in_s)]
    expires_in_s: i64,
}

#[utoipa::path(
    post,
    path = "/web/login",
    operation_id = "startWebLogin",
    tag = "web",
    summary = "Start a web login (JSON)",
    description = "For programs playing the browser. Creates a pending request valid 120 s (server clock). The phone's holder sees, as requester details: `browser` (the User-Agent, trimmed, at most 200 characters, else `unknown`), `ip` (first two octets of an IPv4 peer then `.x.x`, else `unknown`) and `place` (`Loopback` for 127.0.0.0/8 and ::1, else `Unknown`). No body needed; one sent is ignored.",
    responses(
        (status = 201, description = "Started.", body = Started, headers(("Cache-Control" = String, description = "`no-store`: the answer holds a poll token or a session."), ("X-Content-Type-Options" = String, description = "`nosniff`."), ("Referrer-Policy" = String, description = "`no-referrer`."))),
        (status = 429, description = "`rate_limited`: Over the budget: 20 browser logins per requester (network address) in 10 minutes. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
pub async fn start(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<(StatusCode, HeaderMap, Json<Started>), ApiError> {
    let created = create(&state, &headers, peer).await?;
    Ok((
        StatusCode::CREATED,
        private_headers(),
        Json(Started {
            payload: web_logins::payload(&created.id),
            id: created.id,
            poll_token: created.poll_token,
            expires_in_s: TTL_S,
        }),
    ))
}

/// `GET /web/login`: the page a browser opens; it starts a web login and watches it.
#[utoipa::path(
    get,
    path = "/web/login",
    operation_id = "webLoginPage",
    tag = "web",
    summary = "Web login page (HTML)",
    description = "Starts a web login (as POST /web/login does, requester details from this request) and serves an HTML page showing the QR code (inline SVG) of the payload `medcircle://web-login?id=<id>&v=1`, the payload as text, and polling GET /web/login/{id}/status every second until confirmed, declined or expired; once confirmed it reads GET /web/me and shows whom the browser is logged in as. The poll token is set as the cookie `__Host-medcircle_web_login` (HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age 120) and appears nowhere in the page, so a QR code photographed by someone else names the request but cannot watch it or receive its session. The page's one inline script runs under a per-response nonce: `Content-Security-Policy: default-src 'none'; script-src 'nonce-<32 hex>'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`, with `X-Frame-Options: DENY`.",
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String, headers(("Cache-Control" = String, description = "`no-store`: the answer holds a poll token or a session."), ("X-Content-Type-Options" = String, description = "`nosniff`."), ("Referrer-Policy" = String, description = "`no-referrer`."), ("Set-Cookie" = String, description = "`__Host-medcircle_web_login=<poll token>; Path=/; Max-Age=120; HttpOnly; Secure; SameSite=Strict`."), ("Content-Security-Policy" = String, description = "Scripts only with this response's nonce, connections only to this origin, never framed."), ("X-Frame-Options" = String, description = "`DENY`."))),
        (status = 429, description = "`rate_limited`: Over the budget: 20 browser logins per requester (network address) in 10 minutes (the page starts one). retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
pub async fn page(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<(HeaderMap, Html<String>), ApiError> {
    let created = create(&state, &headers, peer).await?;
    let payload = web_logins::payload(&created.id);
    let qr = qrcode::QrCode::new(payload.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .build()
        })
        .unwrap_or_default();
    let nonce = tokens::script_nonce();
    let mut response = private_headers();
    // Only this response's script runs, it talks to this origin alone, and nobody frames the
    // page to overlay it.
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    response.insert(header::CONTENT_SECURITY_POLICY, header_value(&policy)?);
    response.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response.append(
        header::SET_COOKIE,
        cookie(POLL_COOKIE, &created.poll_token, TTL_S)?,
    );
    // Every interpolated value is server-made: hex, the `wl_` prefix, the URI syntax and the
    // SVG the QR encoder draws from them.
    let id = &created.id;
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MedCircle: log in on the web</title>
</head>
<body>
<h1>Log in to MedCircle</h1>
<p>Open the MedCircle app on your phone, scan this code and confirm.</p>
<div id="qr">{qr}</div>
<pre id="payload">{payload}</pre>
<p>Status: <strong id="status">pending</strong> (expires in {TTL_S} s)</p>
<script nonce="{nonce}">
const shown = document.getElementById("status");
const timer = setInterval(async () => {{
  try {{
    const response = await fetch("/web/login/{id}/status", {{ cache: "no-store" }});
    const body = await response.json();
    let text = body.status;
    if (body.status === "confirmed") {{
      const me = await fetch("/web/me", {{ cache: "no-store" }});
      text = me.ok ? "logged in as " + (await me.json()).nickname : "confirmed in another window";
    }}
    shown.textContent = text;
    if (["confirmed", "declined", "expired"].includes(body.status) || !response.ok) {{
      clearInterval(timer);
    }}
  }} catch (error) {{
    shown.textContent = "offline, retrying";
  }}
}}, 1000);
</script>
</body>
</html>
"#
    );
    Ok((response, Html(page)))
}

async fn create(
    state: &Shared,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<Created, ApiError> {
    let requester_key = state.keyed.requester(peer.ip());
    let now = state.clock.now();
    state
        .quotas
        .take(Budget::WebLogins, &requester_key, 1, now)?;
    let requester = Requester::of(headers, peer.ip());
    let created = web_logins::create(&*state.writer().await, &requester, state.clock.now())?;
    tracing::info!(web_login = %created.id, place = %requester.place, "web login requested");
    Ok(created)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PollQuery {
    /// The poll_token the request was started with, for a program; a browser sends the cookie instead.
    poll: Option<String>,
}

/// `GET /web/login/{id}/status`: the browser watching its request, with the poll token from
/// its cookie (or `?poll=`). The first poll to see it confirmed gets the session.
#[utoipa::path(
    get,
    path = "/web/login/{id}/status",
    operation_id = "webLoginStatus",
    tag = "web",
    summary = "Poll a web login",
    description = "What the browser polls, with its poll token as the cookie `__Host-medcircle_web_login` (the page's browser) or as `?poll=` (a program that started with POST /web/login; the query wins if both are given). The first poll that sees the request `confirmed` gets the browser's session: the cookie `__Host-medcircle_session` (an access token valid 900 s; HttpOnly, Secure, SameSite=Strict, Path=/; no refresh token, and no step-up window: sensitive actions with it answer `reauth_required`), the poll cookie cleared, and `session` naming the account. Later polls answer `confirmed` alone: a poll token yields one session.",
    params(
        ("id" = String, Path, pattern = "^wl_[0-9a-f]{32}$"),
        PollQuery,
    ),
    responses(
        (status = 200, description = "The request's state.", body = Polled, headers(("Cache-Control" = String, description = "`no-store`: the answer holds a poll token or a session."), ("X-Content-Type-Options" = String, description = "`nosniff`."), ("Referrer-Policy" = String, description = "`no-referrer`."), ("Set-Cookie" = String, description = "Only on the poll that hands the session: `__Host-medcircle_session=<access token>; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict`, and `__Host-medcircle_web_login=; …; Max-Age=0`."))),
        (status = 404, description = "`not_found`: No such request, or the poll token is not its own.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: Neither the poll query parameter nor the poll cookie is given.", body = crate::error::ErrorBody)
    )
)]
pub async fn status(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<(HeaderMap, Json<Polled>), ApiError> {
    let poll = query
        .ok()
        .and_then(|Query(query)| query.poll)
        .or_else(|| read_cookie(&headers, POLL_COOKIE).map(str::to_owned))
        .ok_or_else(|| {
            ApiError::InvalidRequest(
                "expected the query parameter poll or the web login cookie".into(),
            )
        })?;
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    let now = state.clock.now();
    let login = web_logins::get(&*state.db().await, &id, now)?
        .filter(|login| login.polled_by(&poll))
        .ok_or(ApiError::NotFound)?;
    let mut response = private_headers();
    let mut body = Polled {
        status: login.status,
        session: None,
    };
    if let (Status::Confirmed, Some(user_id)) = (login.status, &login.user_id) {
        let mut conn = state.writer().await;
        let tx = pool::immediate(&mut conn)?;
        if web_logins::hand_session(&tx, &login.id)? {
            let user = users::get(&tx, user_id)?.ok_or(ApiError::NotFound)?;
            let access = sessions::start_for_browser(&tx, &user.id, now, &login.place)?;
            tx.commit()?;
            response.append(
                header::SET_COOKIE,
                cookie(SESSION_COOKIE, &access, sessions::ACCESS_TTL_S)?,
            );
            response.append(header::SET_COOKIE, cookie(POLL_COOKIE, "", 0)?);
            tracing::info!(user = %user.id, web_login = %login.id, "web session handed to its browser");
            body.session = Some(WebAccount {
                user_id: user.id,
                nickname: user.nickname,
            });
        }
    }
    Ok((response, Json(body)))
}

/// `GET /web/me`: who the browser is logged in as, from its session cookie.
#[utoipa::path(
    get,
    path = "/web/me",
    operation_id = "webMe",
    tag = "web",
    summary = "Whom the browser is logged in as",
    description = "Reads the browser's session cookie `__Host-medcircle_session` (set by GET /web/login/{id}/status when a phone confirmed) and answers the account it logs in.",
    responses(
        (status = 200, description = "The account.", body = WebAccount, headers(("Cache-Control" = String, description = "`no-store`: the answer holds a poll token or a session."), ("X-Content-Type-Options" = String, description = "`nosniff`."), ("Referrer-Policy" = String, description = "`no-referrer`."))),
        (status = 401, description = "`invalid_token`: No session cookie, or its session is unknown or revoked. `token_expired`: The session is past its 900 s lifetime: log in on the web again.", body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn me(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<(HeaderMap, Json<WebAccount>), ApiError> {
    let token = read_cookie(&headers, SESSION_COOKIE).ok_or(ApiError::InvalidToken)?;
    let conn = state.db().await;
    let session = sessions::authenticate(&conn, token, state.clock.now())?;
    let user = users::get(&conn, &session.user_id)?.ok_or(ApiError::InvalidToken)?;
    let body = WebAccount {
        user_id: user.id,
        nickname: user.nickname,
    };
    Ok((private_headers(), Json(body)))
}

/// What every browser-side answer carries: it holds a poll token or a session, so it is
/// never cached, sniffed as another type, or named in a referrer.
fn private_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
}

/// A cookie no script reads, sent back only over HTTPS (or to localhost) and only by this
/// site's own requests.
fn cookie(name: &str, value: &str, max_age_s: i64) -> Result<HeaderValue, ApiError> {
    header_value(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; Secure; SameSite=Strict"
    ))
}

fn header_value(value: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(value).map_err(|_| ApiError::Internal)
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// `GET /v1/web-logins/{id}`: the phone reads what it is about to approve, which marks the
/// request scanned by the caller's account, the only one that may answer it.
#[utoipa::path(
    get,
    path = "/v1/web-logins/{id}",
    operation_id = "getWebLogin",
    tag = "web",
    summary = "What a scanned web login asks",
    description = "The phone, having scanned the QR code, reads the request it is about to approve; a pending request becomes `scanned` by the caller's account (as the answer shows), and only that account may read or answer it from then on. Refused once the request expired (410) or was confirmed or declined (409).",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^wl_[0-9a-f]{32}$")
    ),
    responses(
        (status = 200, description = "The request.", body = crate::web_logins::WebLogin),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`not_found`: No such web login request, or another account scanned it.", body = crate::error::ErrorBody),
        (status = 409, description = "`web_login_used`: The request was already confirmed or declined (each request is single use).", body = crate::error::ErrorBody),
        (status = 410, description = "`web_login_expired`: The request is past its 120 s lifetime (server clock); the browser must start a new one.", body = crate::error::ErrorBody)
    )
)]
pub async fn details(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<WebLogin>, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let mut login = open_login(&conn, id, &session.user_id, now)?;
    if login.status == Status::Pending {
        let scanner = Some(session.user_id.as_str());
        web_logins::settle(&conn, &mut login, Status::Scanned, scanner)?;
        tracing::info!(user = %session.user_id, web_login = %login.id, "web login scanned");
    }
    Ok(Json(login))
}

/// `POST /v1/web-logins/{id}/confirm`: logs the browser in as the caller; needs step-up.
#[utoipa::path(
    post,
    path = "/v1/web-logins/{id}/confirm",
    operation_id = "confirmWebLogin",
    tag = "web",
    summary = "Confirm a web login",
    description = "Logs the browser in as the caller, who must be the account that scanned it (or, if nobody did, becomes it). Sensitive: the session must have logged in (or stepped up) within the last 300 s, else 403 `reauth_required` (checked after the bearer, before the request). Single use. No body.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^wl_[0-9a-f]{32}$")
    ),
    responses(
        (status = 200, description = "Confirmed.", body = Decision),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`reauth_required`: The session's login (or latest step-up) is more than 300 s old: step up with POST /v1/auth/reauth/sms/send and /verify, then retry. A refresh does not count as a login.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: No such web login request, or another account scanned it.", body = crate::error::ErrorBody),
        (status = 409, description = "`web_login_used`: The request was already confirmed or declined (each request is single use).", body = crate::error::ErrorBody),
        (status = 410, description = "`web_login_expired`: The request is past its 120 s lifetime (server clock); the browser must start a new one.", body = crate::error::ErrorBody)
    )
)]
pub async fn confirm(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Decision>, ApiError> {
    answer(&state, &headers, id, Status::Confirmed).await
}

/// `POST /v1/web-logins/{id}/decline`: refuses the browser's request.
#[utoipa::path(
    post,
    path = "/v1/web-logins/{id}/decline",
    operation_id = "declineWebLogin",
    tag = "web",
    summary = "Decline a web login",
    description = "Refuses the browser's request; only the account that scanned it may (or, if nobody did, any logged-in account, which becomes it). Single use. No body.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^wl_[0-9a-f]{32}$")
    ),
    responses(
        (status = 200, description = "Declined.", body = Decision),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`not_found`: No such web login request, or another account scanned it.", body = crate::error::ErrorBody),
        (status = 409, description = "`web_login_used`: The request was already confirmed or declined (each request is single use).", body = crate::error::ErrorBody),
        (status = 410, description = "`web_login_expired`: The request is past its 120 s lifetime (server clock); the browser must start a new one.", body = crate::error::ErrorBody)
    )
)]
pub async fn decline(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Decision>, ApiError> {
    answer(&state, &headers, id, Status::Declined).await
}

/// The account a browser is logged in as.
#[derive(Serialize, ToSchema)]
pub struct WebAccount {
    #[schema(pattern = "^u_[0-9a-f]{16}$")]
    user_id: String,
    nickname: String,
}

/// What a poll of a browser's request answers.
#[derive(Serialize, ToSchema)]
#[schema(as = WebLoginStatus)]
pub struct Polled {
    /// `expired`: still pending or scanned 120 s after the request.
    #[schema(schema_with = crate::openapi::fields::polled_status)]
    status: Status,
    /// Only on the poll that hands the browser its session (the first to see the request confirmed): the account the browser is now logged in as.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    session: Option<WebAccount>,
}

/// The phone's answer to a request.
#[derive(Serialize, ToSchema)]
#[schema(as = WebLoginDecision)]
pub struct Decision {
    #[schema(schema_with = crate::openapi::fields::decision_status)]
    status: Status,
}

/// The phone's answer. Confirming logs the browser in as the caller, so it needs step-up.
async fn answer(
    state: &Shared,
    headers: &HeaderMap,
    id: Result<Path<String>, PathRejection>,
    status: Status,
) -> Result<Json<Decision>, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, headers, now)?;
    let confirming = status == Status::Confirmed;
    if confirming {
        session.require_recent_auth(now)?;
    }
    let mut login = open_login(&conn, id, &session.user_id, now)?;
    web_logins::settle(&conn, &mut login, status, Some(&session.user_id))?;
    tracing::info!(user = %session.user_id, web_login = %login.id, status = ?login.status, "web login answered");
    Ok(Json(Decision {
        status: login.status,
    }))
}

/// The request `id` if the phone of `user_id` may still act on it: else 404 (also when
/// another account scanned it, which this one need not learn), 410 or 409.
fn open_login(
    conn: &Connection,
    id: Result<Path<String>, PathRejection>,
    user_id: &str,
    now: i64,
) -> Result<WebLogin, ApiError> {
    // Only a segment that is not valid UTF-8 is rejected, and no request has such an id.
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    let login = web_logins::get(conn, &id, now)?
        .filter(|login| login.answerable_by(user_id))
        .ok_or(ApiError::NotFound)?;
    login.open()?;
    Ok(login)
}
