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
use serde_json::{Value, json};

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
#[derive(Serialize)]
pub struct Started {
    id: String,
    payload: String,
    poll_token: String,
    expires_in_s: i64,
}

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

#[derive(Deserialize)]
pub struct PollQuery {
    poll: Option<String>,
}

/// `GET /web/login/{id}/status`: the browser watching its request, with the poll token from
/// its cookie (or `?poll=`). The first poll to see it confirmed gets the session.
pub async fn status(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<(HeaderMap, Json<Value>), ApiError> {
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
    let mut body = json!({ "status": login.status });
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
            body["session"] = json!({ "user_id": user.id, "nickname": user.nickname });
            tracing::info!(user = %user.id, web_login = %login.id, "web session handed to its browser");
        }
    }
    Ok((response, Json(body)))
}

/// `GET /web/me`: who the browser is logged in as, from its session cookie.
pub async fn me(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<(HeaderMap, Json<Value>), ApiError> {
    let token = read_cookie(&headers, SESSION_COOKIE).ok_or(ApiError::InvalidToken)?;
    let conn = state.db().await;
    let session = sessions::authenticate(&conn, token, state.clock.now())?;
    let user = users::get(&conn, &session.user_id)?.ok_or(ApiError::InvalidToken)?;
    let body = json!({ "user_id": user.id, "nickname": user.nickname });
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
pub async fn confirm(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    answer(&state, &headers, id, Status::Confirmed).await
}

/// `POST /v1/web-logins/{id}/decline`: refuses the browser's request.
pub async fn decline(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    answer(&state, &headers, id, Status::Declined).await
}

/// The phone's answer. Confirming logs the browser in as the caller, so it needs step-up.
async fn answer(
    state: &Shared,
    headers: &HeaderMap,
    id: Result<Path<String>, PathRejection>,
    status: Status,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "status": login.status })))
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
