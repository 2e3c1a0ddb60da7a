//! `medcircle demo`: a reference server in-process on a free loopback port, a temporary data
//! directory, and the whole journey against them, each step printed.

use medcircle_core::{AuthError, ConsentPurpose};
use medcircle_server::{RunningServer, ServerConfig};
use serde_json::json;

use crate::commands::{self, describe_state, emit_user};
use crate::dev_server;
use crate::output::Output;

const PHONE: &str = "13800138000";

pub(crate) async fn run(out: &Output) -> Result<(), String> {
    let workdir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let server = RunningServer::start(ServerConfig {
        addr: "127.0.0.1:0".parse().expect("a valid socket address"),
        db_path: workdir.path().join("server.db"),
        dev: true,
        providers: vec![],
    })
    .map_err(|e| format!("cannot start the reference server: {e}"))?;
    let url = server.url().to_string();
    out.emit(
        "server",
        &format!("reference server listening on {url}"),
        json!({ "ok": true, "url": url }),
    );
    let data_dir = workdir.path().join("app");
    let result = journey(&url, &data_dir, out).await;
    server.shutdown();
    result
}

async fn journey(url: &str, data_dir: &std::path::Path, out: &Output) -> Result<(), String> {
    let client = commands::open(&commands::Settings {
        server: url.to_string(),
        data_dir: data_dir.to_path_buf(),
        dev: true,
        ca: None,
        oauth_providers: vec![],
    })
    .await?;
    let auth = client.auth();
    out.emit(
        "session",
        &format!("session: {}", describe_state(&auth.session_state())),
        json!({ "ok": true, "logged_in": false }),
    );

    match auth.request_sms_code(PHONE.into()).await {
        Err(AuthError::ConsentRequired {
            purpose: ConsentPurpose::PrivacyPolicy,
        }) => out.emit(
            "before_consent",
            "before consent: the core refuses to send anything but the policy request",
            json!({ "ok": true, "refused": "consent_required" }),
        ),
        other => return Err(format!("expected a consent refusal, got {other:?}")),
    }

    commands::policy_show(&client, out, false).await?;
    commands::consent_accept(&client, out).await?;

    let sent = auth
        .request_sms_code(PHONE.into())
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "code_sent",
        &format!(
            "code texted to 138****8000 (valid {} s, next code in {} s)",
            sent.expires_in_s, sent.cooldown_s
        ),
        json!({ "ok": true, "expires_in_s": sent.expires_in_s, "cooldown_s": sent.cooldown_s }),
    );

    let code = dev_server::last_code(url, PHONE)?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    match auth.verify_sms_code(PHONE.into(), wrong.into()).await {
        Err(AuthError::WrongCode { attempts_left }) => out.emit(
            "wrong_code",
            &format!("a wrong code is refused: {attempts_left} attempts left"),
            json!({ "ok": true, "attempts_left": attempts_left }),
        ),
        other => return Err(format!("expected a wrong-code refusal, got {other:?}")),
    }

    let user = auth
        .verify_sms_code(PHONE.into(), code)
        .await
        .map_err(|e| e.to_string())?;
    emit_user(out, "login", "logged in as", &user);
    commands::whoami(&client, out).await?;
    feed_tour(&client, out).await?;
    crate::mall::tour(&client, out).await?;
    crate::help::search(&client, "验证码".into(), out).await?;
    crate::help::feedback(
        &client,
        "演示：收不到验证码".into(),
        vec![],
        None,
        false,
        out,
    )
    .await?;
    buy_membership(&client, url, out).await?;
    commands::logout(&client, false, out).await?;

    match auth.whoami().await {
        Err(AuthError::NotLoggedIn) => out.emit(
            "after_logout",
            &format!("session: {}", describe_state(&auth.session_state())),
            json!({ "ok": true, "logged_in": false }),
        ),
        other => return Err(format!("expected to be logged out, got {other:?}")),
    }
    client.close(5_000).await;
    out.emit("done", "demo complete", json!({ "ok": true }));
    Ok(())
}

/// A monthly membership paid with Alipay (the dev gateway plays the payment app), and the
/// orders with it.
async fn buy_membership(
    client: &medcircle_core::Client,
    url: &str,
    out: &Output,
) -> Result<(), String> {
    crate::shop::shop(client, out).await?;
    crate::shop::buy(
        client,
        url,
        true,
        "member_month".into(),
        medcircle_core::PaymentMethod::Alipay,
        Some(crate::shop::InApp::Succeed),
        out,
    )
    .await?;
    crate::shop::orders(client, out).await
}

/// The feed: the first page, a post, a like and a comment on it, a search in the cache.
async fn feed_tour(client: &medcircle_core::Client, out: &Output) -> Result<(), String> {
    crate::feed::show(client, 0, false, out).await?;
    let feed = client.feed();
    let posted = feed
        .publish(
            "第一次查房记录 — my first ward round notes".into(),
            vec![],
            std::sync::Arc::new(crate::certify::ProgressBar),
            medcircle_core::CancelToken::new(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let id = posted.post.id.clone();
    out.emit(
        "post",
        &format!("published {id}: {}", posted.post.text),
        json!({ "ok": true, "id": id }),
    );
    crate::feed::toggle(client, id.clone(), false, false, out).await?;
    crate::feed::comment(client, id, "欢迎 welcome".into(), out).await?;
    crate::feed::search(client, "查房".into(), true, out).await
}
