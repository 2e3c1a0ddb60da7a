//! Scan-to-login from the terminal: `web-login` plays the browser (shows the QR code and
//! waits), `scan` plays the phone (shows who asks, confirms or declines, re-authenticates
//! when the server wants a recent authentication).

use std::time::Duration;

use medcircle_core::{AuthError, Client};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use serde_json::json;

use crate::commands::prompt;
use crate::dev_server;
use crate::output::Output;

/// A little past the code's own lifetime (120 s).
const WAIT: Duration = Duration::from_secs(130);

pub(crate) async fn browser(server: &str, out: &Output) -> Result<(), String> {
    let started = dev_server::request(server, "POST", "/web/login", None)?;
    let field = |k: &str| {
        started[k]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("web login: no {k} in the answer"))
    };
    let (id, payload, poll) = (field("id")?, field("payload")?, field("poll_token")?);
    let qr = QrCode::new(payload.as_bytes())
        .map(|code| code.render::<Dense1x2>().quiet_zone(true).build())
        .unwrap_or_default();
    out.emit(
        "web_login",
        &format!("{qr}\nscan with the app, or run: medcircle scan '{payload}'"),
        json!({ "ok": true, "id": id, "payload": payload }),
    );
    let path = format!("/web/login/{id}/status?poll={poll}");
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        let status = dev_server::request(server, "GET", &path, None)?;
        let state = status["status"].as_str().unwrap_or("unknown").to_string();
        if state != last && state != "pending" {
            let text = match state.as_str() {
                "scanned" => "scanned: waiting for the phone to confirm".to_string(),
                "confirmed" => format!(
                    "logged in on the web as {}",
                    status["session"]["nickname"].as_str().unwrap_or("?")
                ),
                other => other.to_string(),
            };
            out.emit("web_login", &text, json!({ "ok": true, "status": state }));
        }
        if matches!(state.as_str(), "confirmed" | "declined" | "expired") {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err("the web login was not answered in time".into());
        }
        last = state;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

pub(crate) async fn phone(client: &Client, payload: String, out: &Output) -> Result<(), String> {
    let auth = client.auth();
    let request = auth
        .scan_web_login(payload)
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "web_login_request",
        &format!(
            "log in on the web?\n  browser: {}\n  from: {} ({})",
            request.browser, request.place, request.ip
        ),
        json!({ "ok": true, "id": request.id, "browser": request.browser,
                "ip": request.ip, "place": request.place }),
    );
    if !prompt("confirm? [y/N] ")?.eq_ignore_ascii_case("y") {
        auth.decline_web_login(request.id)
            .await
            .map_err(|e| e.to_string())?;
        out.emit(
            "web_login",
            "declined",
            json!({ "ok": true, "status": "declined" }),
        );
        return Ok(());
    }
    match auth.confirm_web_login(request.id.clone()).await {
        Err(AuthError::ReauthRequired) => {
            crate::commands::reauthenticate(client).await?;
            auth.confirm_web_login(request.id)
                .await
                .map_err(|e| e.to_string())?;
        }
        other => other.map_err(|e| e.to_string())?,
    }
    out.emit(
        "web_login",
        "confirmed",
        json!({ "ok": true, "status": "confirmed" }),
    );
    Ok(())
}
