//! The security center in a terminal: where the account is logged in, signing sessions out
//! (an SMS code again when the last login is not recent), and the security notices.

use medcircle_core::{
    AccountSession, Client, LoginMethod, NoticeKind, SecurityError, SecurityNotices,
};
use serde_json::json;

use crate::commands::reauthenticate;
use crate::output::Output;

fn method(method: LoginMethod) -> &'static str {
    match method {
        LoginMethod::Sms => "sms",
        LoginMethod::OneTap => "one_tap",
        LoginMethod::Provider => "provider",
        LoginMethod::WebLogin => "web_login",
        LoginMethod::Other => "other",
    }
}

fn kind(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Incident => "incident",
        NoticeKind::NewLogin => "new_login",
        NoticeKind::ForcedLogout => "forced_logout",
        NoticeKind::MinimumVersion => "minimum_version",
        NoticeKind::Other => "other",
    }
}

fn device(session: &AccountSession) -> String {
    match &session.device {
        Some(d) => format!(
            "{} ({} {}, app {})",
            d.model, d.os, d.os_version, d.app_version
        ),
        None => "unknown device".into(),
    }
}

pub(crate) async fn list(client: &Client, out: &Output) -> Result<(), String> {
    let sessions = client
        .security()
        .sessions()
        .await
        .map_err(|e| e.to_string())?;
    for session in &sessions {
        let this = if session.is_current {
            " (this device)"
        } else {
            ""
        };
        out.emit(
            "session",
            &format!(
                "{}{this}: {}, {} login, {}, last used {}",
                session.id,
                device(session),
                method(session.login_method),
                session.place,
                session.last_used_at
            ),
            json!({ "ok": true, "id": session.id, "current": session.is_current,
                    "login_method": method(session.login_method),
                    "device": session.device.as_ref().map(|d| json!({
                        "model": d.model, "os": d.os, "os_version": d.os_version,
                        "app_version": d.app_version })),
                    "place": session.place, "created_at": session.created_at,
                    "last_used_at": session.last_used_at }),
        );
    }
    out.emit(
        "sessions",
        &format!("{} session(s)", sessions.len()),
        json!({ "ok": true, "count": sessions.len() }),
    );
    Ok(())
}

/// Signs session `id` out, or with `None` every other one; confirms it is the user first if
/// the server asks.
pub(crate) async fn revoke(
    client: &Client,
    id: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let security = client.security();
    let attempt = || async {
        match &id {
            Some(id) => security.revoke_session(id.clone()).await.map(|()| 1),
            None => security.revoke_other_sessions().await,
        }
    };
    let revoked = match attempt().await {
        Err(SecurityError::ReauthRequired) => {
            reauthenticate(client).await?;
            attempt().await
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    out.emit(
        "revoked",
        &format!("{revoked} session(s) signed out"),
        json!({ "ok": true, "revoked": revoked }),
    );
    Ok(())
}

/// The notices (fetched, or as kept when the server cannot be reached); `read` marks one read
/// first.
pub(crate) async fn notices(
    client: &Client,
    read: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let security = client.security();
    let notices = match read {
        Some(id) => security.mark_notice_read(id).await,
        None => match security.refresh_notices().await {
            Err(SecurityError::Network { problem }) => {
                eprintln!("not refreshed ({problem}): the notices as kept on this device");
                security.notices().await
            }
            other => other,
        },
    }
    .map_err(|e| e.to_string())?;
    show(&notices, out);
    Ok(())
}

fn show(notices: &SecurityNotices, out: &Output) {
    for notice in &notices.notices {
        let mark = if notice.read { " " } else { "*" };
        out.emit(
            "notice",
            &format!(
                "{mark} {} [{}] {}: {} {}",
                notice.id,
                kind(notice.kind),
                notice.title,
                notice.body,
                notice.action
            ),
            json!({ "ok": true, "id": notice.id, "kind": kind(notice.kind),
                    "title": notice.title, "body": notice.body, "action": notice.action,
                    "created_at": notice.created_at, "read": notice.read }),
        );
    }
    let update = match &notices.update_required {
        Some(minimum) => format!("; update required: version {minimum} or newer"),
        None => String::new(),
    };
    out.emit(
        "notices",
        &format!(
            "{} notice(s), {} unread{update}",
            notices.notices.len(),
            notices.unread
        ),
        json!({ "ok": true, "count": notices.notices.len(), "unread": notices.unread,
                "update_required": notices.update_required }),
    );
}
