//! Scan-to-login on the web. The browser side (`GET`/`POST /web/login`, then polling
//! `GET /web/login/{id}/status`) needs no account; the phone side (`/v1/web-logins/{id}`,
//! `/confirm`, `/decline`) is the logged-in app, and confirming needs a recent login (step-up).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::Shared;
use crate::error::ApiError;
use crate::quota::Budget;
use crate::routes::session::caller;
use crate::users;
use crate::web_logins::{self, Created, Requester, Status, TTL_S, WebLogin};

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
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let created = create(&state, &headers, peer).await?;
    Ok((
        StatusCode::CREATED,
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
) -> Result<Html<String>, ApiError> {
    let created = create(&state, &headers, peer).await?;
    let payload = web_logins::payload(&created.id);
    let qr = qrcode::QrCode::new(payload.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .build()
        })
        .unwrap_or_default();
    // Every interpolated value is server-made: hex, `wl_`/`wlp_` prefixes, the URI syntax and
    // the SVG the QR encoder draws from them.
    let status_url = format!(
        "/web/login/{}/status?poll={}",
        created.id, created.poll_token
    );
    Ok(Html(format!(
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
<script>
const statusUrl = "{status_url}";
const shown = document.getElementById("status");
const timer = setInterval(async () => {{
  try {{
    const response = await fetch(statusUrl);
    const body = await response.json();
    let text = body.status;
    if (body.session) {{
      text = "confirmed: logged in as " + body.session.nickname;
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
    )))
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
    poll: String,
}

/// `GET /web/login/{id}/status?poll=…`: the browser watching its request.
pub async fn status(
    State(state): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) =
        query.map_err(|_| ApiError::InvalidRequest("expected the query parameter poll".into()))?;
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    let conn = state.db().await;
    let login = web_logins::get(&conn, &id, state.clock.now())?
        .filter(|login| login.polled_by(&query.poll))
        .ok_or(ApiError::NotFound)?;
    let mut body = json!({ "status": login.status });
    if let (Status::Confirmed, Some(user_id)) = (login.status, &login.user_id) {
        let user = users::get(&conn, user_id)?.ok_or(ApiError::NotFound)?;
        body["session"] = json!({ "user_id": user.id, "nickname": user.nickname });
    }
    Ok(Json(body))
}

/// `GET /v1/web-logins/{id}`: the phone reads what it is about to approve, which marks the
/// request scanned.
pub async fn details(
    State(state): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<WebLogin>, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let mut login = open_login(&conn, id, now)?;
    if login.status == Status::Pending {
        web_logins::settle(&conn, &mut login, Status::Scanned, None)?;
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
    let mut login = open_login(&conn, id, now)?;
    let user = confirming.then_some(session.user_id.as_str());
    web_logins::settle(&conn, &mut login, status, user)?;
    tracing::info!(user = %session.user_id, web_login = %login.id, status = ?login.status, "web login answered");
    Ok(Json(json!({ "status": login.status })))
}

/// The request `id` if a phone may still act on it: else 404, 410 or 409.
fn open_login(
    conn: &Connection,
    id: Result<Path<String>, PathRejection>,
    now: i64,
) -> Result<WebLogin, ApiError> {
    // Only a segment that is not valid UTF-8 is rejected, and no request has such an id.
    let Path(id) = id.map_err(|_| ApiError::NotFound)?;
    let login = web_logins::get(conn, &id, now)?.ok_or(ApiError::NotFound)?;
    login.open()?;
    Ok(login)
}
