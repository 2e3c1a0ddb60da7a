//! One function per command, each a thin use of the core's public API.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use medcircle_core::{
    AuthError, Client, ClientConfig, ConsentPurpose, DeviceInfo, DeviceInfoProvider, DeviceOs,
    EndReason, NetworkType, OAuthProviderConfig, ProviderError, SessionState, UserProfile,
};
use serde_json::json;

use crate::output::Output;
use crate::{
    CertifyAction, Command, ConsentAction, HelpAction, LoginMethod, PermissionAction, PolicyAction,
    ProfileAction, SessionsAction, Switch,
};
use crate::{certify, permissions, privacy, security};

pub(crate) struct Settings {
    pub(crate) server: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) dev: bool,
    /// A PEM file of CA certificates to trust besides the usual roots.
    pub(crate) ca: Option<PathBuf>,
    /// Login providers given on the command line (`--oauth-provider`).
    pub(crate) oauth_providers: Vec<OAuthProviderConfig>,
}

pub(crate) async fn open(settings: &Settings) -> Result<Client, String> {
    let Settings {
        server,
        data_dir,
        dev,
        ca,
        oauth_providers,
    } = settings;
    let dev = *dev;
    let extra_trust_anchors = match ca {
        Some(path) => vec![
            std::fs::read_to_string(path).map_err(|e| format!("--ca {}: {e}", path.display()))?,
        ],
        None => vec![],
    };
    let config = ClientConfig {
        server_url: server.to_string(),
        data_dir: data_dir.to_string_lossy().into_owned(),
        dev,
        spki_pins: vec![],
        oauth_providers: crate::oauth::providers(oauth_providers, server, dev),
        extra_trust_anchors,
    };
    let client = Client::open(config).await.map_err(|e| {
        let hint = if server.starts_with("http://") && !dev {
            " (plain http is only allowed with --dev, to a loopback server)"
        } else {
            ""
        };
        format!("{e}{hint}")
    })?;
    client
        .auth()
        .set_device_info_provider(std::sync::Arc::new(TerminalDevice));
    Ok(client)
}

/// The terminal as the device a login reports for risk control.
struct TerminalDevice;

impl DeviceInfoProvider for TerminalDevice {
    fn device_info(&self) -> Result<DeviceInfo, ProviderError> {
        let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        Ok(DeviceInfo {
            model: "terminal".into(),
            os: if cfg!(target_os = "linux") {
                DeviceOs::Linux
            } else {
                DeviceOs::Other
            },
            os_version,
            app_version: env!("CARGO_PKG_VERSION").into(),
            network_type: NetworkType::Unknown,
            carrier: None,
        })
    }
}

pub(crate) async fn run(command: Command, settings: &Settings, out: &Output) -> Result<(), String> {
    let client = open(settings).await?;
    let result = dispatch(&client, command, settings, out).await;
    // Background syncs started by the command finish before the process exits.
    client.close(5_000).await;
    result
}

async fn dispatch(
    client: &Client,
    command: Command,
    settings: &Settings,
    out: &Output,
) -> Result<(), String> {
    match command {
        Command::Policy {
            action: PolicyAction::Show,
        } => policy_show(client, out, true).await,
        Command::Consent {
            action: ConsentAction::Accept,
        } => consent_accept(client, out).await,
        Command::Consent {
            action: ConsentAction::Show,
        } => consent_show(client, out).await,
        Command::Consent {
            action: ConsentAction::Grant { purpose },
        } => consent_decide(client, purpose.into(), true, out).await,
        Command::Consent {
            action: ConsentAction::Withdraw { purpose },
        } => consent_decide(client, purpose.into(), false, out).await,
        Command::Permissions { action } => match action.unwrap_or(PermissionAction::Show) {
            PermissionAction::Show => permissions::show(client, out).await,
            PermissionAction::Request { feature } => {
                permissions::request(client, feature.into(), out).await
            }
        },
        Command::Inventory => {
            privacy::inventory(client, out);
            Ok(())
        }
        Command::Ledger {
            item,
            since,
            export,
        } => privacy::ledger(client, item, since, export, out).await,
        Command::Export => privacy::export(client).await,
        Command::DeleteAccount { yes } => privacy::delete_account(client, yes, out).await,
        Command::Interests { delete, delete_all } => {
            privacy::interests(client, delete, delete_all, out).await
        }
        Command::Positioning { state } => {
            permissions::set_positioning(client, matches!(state, Switch::On), out).await
        }
        Command::Login {
            method: LoginMethod::Sms { phone, code },
        } => login_sms(client, &phone, code, out).await,
        Command::Login {
            method: LoginMethod::OneTap { phone, carrier },
        } => login_one_tap(client, &settings.server, &phone, &carrier, out).await,
        Command::Login {
            method:
                LoginMethod::Oauth {
                    provider,
                    callback,
                    subject,
                    bind,
                    no_bind,
                },
        } => {
            let args = crate::oauth::OAuthArgs {
                provider,
                callback,
                subject,
                bind: (bind || no_bind).then_some(bind),
            };
            crate::oauth::login(client, &settings.server, args, out).await
        }
        Command::Login {
            method:
                LoginMethod::Wechat {
                    provider,
                    app_id,
                    user,
                    deny,
                    cancel,
                    bind,
                    no_bind,
                },
        } => {
            use crate::wechat::InApp;
            let in_app = match (user.is_some(), deny, cancel) {
                (true, ..) => Some(InApp::Agree),
                (_, true, _) => Some(InApp::Deny),
                (_, _, true) => Some(InApp::Cancel),
                _ => None,
            };
            let args = crate::wechat::WechatArgs {
                provider,
                app_id,
                user,
                in_app,
                bind: (bind || no_bind).then_some(bind),
            };
            crate::wechat::login(client, &settings.server, settings.dev, args, out).await
        }
        Command::Certify { action } => match action {
            CertifyAction::Status => certify::status(client, out).await,
            CertifyAction::Submit {
                id_number,
                photo,
                practising,
            } => certify::submit(client, id_number, &photo, practising.as_deref(), out).await,
            CertifyAction::Reveal => certify::reveal(client, out).await,
        },
        Command::Feed { more, offline } => crate::feed::show(client, more, offline, out).await,
        Command::Post { text, photos } => crate::feed::publish(client, text, photos, out).await,
        Command::Comment { post_id, text } => {
            crate::feed::comment(client, post_id, text, out).await
        }
        Command::Comments { post_id } => crate::feed::comments(client, post_id, out).await,
        Command::Like { post_id, undo } => {
            crate::feed::toggle(client, post_id, false, undo, out).await
        }
        Command::Collect { post_id, undo } => {
            crate::feed::toggle(client, post_id, true, undo, out).await
        }
        Command::Collections => crate::feed::collections(client, out).await,
        Command::Share { post_id } => crate::feed::share(client, post_id, out).await,
        Command::Search { query, local } => crate::feed::search(client, query, local, out).await,
        Command::Delete { post_id, comment } => {
            crate::feed::delete(client, post_id, comment, out).await
        }
        Command::Outbox { flush } => crate::feed::outbox(client, flush, out).await,
        Command::Sessions { action } => match action {
            None => security::list(client, out).await,
            Some(SessionsAction::Revoke { id, .. }) => security::revoke(client, id, out).await,
        },
        Command::Notices { read } => security::notices(client, read, out).await,
        Command::Points => crate::mall::points(client, out).await,
        Command::Checkin => crate::mall::check_in(client, out).await,
        Command::Mall { more } => crate::mall::catalogue(client, more, out).await,
        Command::Item { id } => crate::mall::item(client, id, out).await,
        Command::Address { action } => crate::mall::address(client, action, out).await,
        Command::Redeem { item, address } => crate::mall::redeem(client, item, address, out).await,
        Command::Redemptions => crate::mall::redemptions(client, out).await,
        Command::Redemption { action } => crate::mall::redemption(client, action, out).await,
        Command::Help { action, topic } => match action {
            None => crate::help::articles(client, topic, out).await,
            Some(HelpAction::Search { query }) => crate::help::search(client, query, out).await,
            Some(HelpAction::Read { id }) => crate::help::read(client, id, out).await,
        },
        Command::Feedback {
            text,
            photos,
            contact,
            share_versions,
        } => crate::help::feedback(client, text, photos, contact, share_versions, out).await,
        Command::Tickets { read } => crate::help::tickets(client, read, out).await,
        Command::Whoami => whoami(client, out).await,
        Command::Shop => crate::shop::shop(client, out).await,
        Command::Buy {
            product,
            method,
            sdk,
        } => {
            crate::shop::buy(
                client,
                &settings.server,
                settings.dev,
                product,
                method.into(),
                sdk.map(Into::into),
                out,
            )
            .await
        }
        Command::Orders => crate::shop::orders(client, out).await,
        Command::Order { number } => crate::shop::order(client, number, out).await,
        Command::Profile { action } => profile(client, action, out).await,
        Command::Scan { payload } => crate::web_login::phone(client, payload, out).await,
        Command::Logout { discard_unsent } => logout(client, discard_unsent, out).await,
        Command::Demo | Command::WebLogin => {
            unreachable!("the demo and the browser run without a client")
        }
    }
}

/// Fetches the policy; `full` prints every section's text, otherwise only their titles.
pub(crate) async fn policy_show(client: &Client, out: &Output, full: bool) -> Result<(), String> {
    let policy = client
        .consent()
        .fetch_policy()
        .await
        .map_err(|e| e.to_string())?;
    let mut text = format!("{} (version {})", policy.title, policy.version);
    for section in &policy.sections {
        if full {
            text.push_str(&format!("\n\n## {}\n{}", section.title, section.text));
        } else {
            text.push_str(&format!("\n  - {}", section.title));
        }
    }
    let sections: Vec<_> = policy
        .sections
        .iter()
        .map(|s| {
            if full {
                json!({ "id": s.id, "title": s.title, "text": s.text })
            } else {
                json!({ "id": s.id, "title": s.title })
            }
        })
        .collect();
    out.emit(
        "policy",
        &text,
        json!({ "ok": true, "version": policy.version, "hash": policy.hash,
                "title": policy.title, "sections": sections }),
    );
    Ok(())
}

pub(crate) async fn consent_accept(client: &Client, out: &Output) -> Result<(), String> {
    let consent = client.consent();
    let policy = consent.fetch_policy().await.map_err(|e| e.to_string())?;
    let status = consent
        .accept(policy.version.clone())
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "consent",
        &format!("accepted privacy policy version {}", policy.version),
        json!({ "ok": true, "accepted_version": status.accepted_version,
                "accepted_at": status.accepted_at }),
    );
    Ok(())
}

async fn consent_show(client: &Client, out: &Output) -> Result<(), String> {
    let consent = client.consent();
    // The current version, to tell whether it asks for a new acceptance; offline, the local
    // state alone is shown.
    let _ = consent.fetch_policy().await;
    let status = consent.status().await.map_err(|e| e.to_string())?;
    let purposes = consent.purposes().await.map_err(|e| e.to_string())?;
    let mut text = match &status.accepted_version {
        Some(v) => format!("accepted privacy policy version {v}"),
        None => "the privacy policy has not been accepted".to_string(),
    };
    if let Some(prompt) = &status.prompt {
        text.push_str(&format!("\nto accept: version {}", prompt.version));
        for change in &prompt.changes {
            text.push_str(&format!("\n  changed: {change}"));
        }
        for purpose in &prompt.new_purposes {
            text.push_str(&format!("\n  new: {purpose:?}"));
        }
    }
    for p in &purposes {
        let state = match (p.granted, p.decided_at) {
            (true, _) => "granted",
            (false, Some(_)) => "withdrawn",
            (false, None) => "not decided",
        };
        text.push_str(&format!("\n  {:<22} {state}", format!("{:?}", p.purpose)));
    }
    let purposes: Vec<_> = purposes
        .iter()
        .map(|p| {
            json!({ "purpose": format!("{:?}", p.purpose), "granted": p.granted,
                         "decided_at": p.decided_at, "policy_version": p.policy_version })
        })
        .collect();
    out.emit(
        "consent",
        &text,
        json!({ "ok": true, "accepted_version": status.accepted_version,
                "accepted_at": status.accepted_at, "purposes": purposes,
                "prompt": status.prompt.as_ref().map(|p| json!({ "version": p.version,
                    "changes": p.changes,
                    "new_purposes": p.new_purposes.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>() })) }),
    );
    Ok(())
}

async fn consent_decide(
    client: &Client,
    purpose: ConsentPurpose,
    grant: bool,
    out: &Output,
) -> Result<(), String> {
    let consent = client.consent();
    let decided = if grant {
        consent.grant(purpose).await
    } else {
        consent.withdraw(purpose).await
    }
    .map_err(|e| e.to_string())?;
    let verb = if decided.granted {
        "granted"
    } else {
        "withdrew"
    };
    out.emit(
        "consent",
        &format!("{verb} {:?}", decided.purpose),
        json!({ "ok": true, "purpose": format!("{:?}", decided.purpose),
                "granted": decided.granted, "decided_at": decided.decided_at }),
    );
    Ok(())
}

async fn login_sms(
    client: &Client,
    phone: &str,
    code: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let auth = client.auth();
    let code = match code {
        Some(code) => code,
        None => {
            let sent = auth
                .request_sms_code(phone.to_string())
                .await
                .map_err(|e| e.to_string())?;
            out.emit(
                "code_sent",
                &format!("code sent; valid for {} s", sent.expires_in_s),
                json!({ "ok": true, "cooldown_s": sent.cooldown_s, "expires_in_s": sent.expires_in_s }),
            );
            prompt("code: ")?
        }
    };
    let user = auth
        .verify_sms_code(phone.to_string(), code)
        .await
        .map_err(|e| e.to_string())?;
    emit_user(out, "login", "logged in as", &user);
    Ok(())
}

async fn login_one_tap(
    client: &Client,
    server: &str,
    phone: &str,
    carrier: &str,
    out: &Output,
) -> Result<(), String> {
    let token = crate::dev_server::carrier_token(server, phone, carrier)?;
    let user = client
        .auth()
        .login_with_carrier_token(token)
        .await
        .map_err(|e| e.to_string())?;
    emit_user(out, "login", "logged in as", &user);
    Ok(())
}

async fn profile(client: &Client, action: ProfileAction, out: &Output) -> Result<(), String> {
    let profile = client.profile();
    let (step, entries) = match action {
        ProfileAction::Units { query, limit } => (
            "unit",
            profile
                .search_units(query, limit)
                .await
                .map_err(|e| e.to_string())?,
        ),
        ProfileAction::Departments { unit_id } => (
            "department",
            profile
                .departments(unit_id)
                .await
                .map_err(|e| e.to_string())?,
        ),
        ProfileAction::Complete {
            unit_id,
            department_id,
        } => {
            let user = profile
                .complete_account(unit_id, department_id)
                .await
                .map_err(|e| e.to_string())?;
            emit_user(out, "profile", "completed:", &user);
            return Ok(());
        }
    };
    for entry in entries {
        out.emit(
            step,
            &format!("{}  {}", entry.id, entry.name),
            json!({ "ok": true, "id": entry.id, "name": entry.name }),
        );
    }
    Ok(())
}

pub(crate) async fn whoami(client: &Client, out: &Output) -> Result<(), String> {
    let user = client.auth().whoami().await.map_err(|e| e.to_string())?;
    emit_user(out, "whoami", "logged in as", &user);
    Ok(())
}

pub(crate) async fn logout(
    client: &Client,
    discard_unsent: bool,
    out: &Output,
) -> Result<(), String> {
    let auth = client.auth();
    let outcome = if discard_unsent {
        auth.logout_discarding_unsent().await
    } else {
        auth.logout().await
    }
    .map_err(|e| match e {
        AuthError::UnsentWouldBeLost { .. } => {
            format!("{e}: send them first (outbox --flush), or logout --discard-unsent")
        }
        e => e.to_string(),
    })?;
    let text = if outcome.revoked_on_server {
        "logged out"
    } else {
        "logged out on this device (the server could not be reached to revoke the session)"
    };
    out.emit(
        "logout",
        text,
        json!({ "ok": true, "revoked_on_server": outcome.revoked_on_server }),
    );
    Ok(())
}

pub(crate) fn emit_user(out: &Output, step: &str, label: &str, user: &UserProfile) {
    let workplace = match (&user.unit, &user.department) {
        (Some(unit), Some(department)) => format!(", {} / {}", unit.name, department.name),
        _ => ", account not completed".to_string(),
    };
    let named = |n: &Option<medcircle_core::Named>| {
        n.as_ref().map(|n| json!({ "id": n.id, "name": n.name }))
    };
    out.emit(
        step,
        &format!(
            "{label} {} ({}, id {}{workplace})",
            user.nickname, user.phone_masked, user.id
        ),
        json!({ "ok": true, "id": user.id, "nickname": user.nickname,
                "phone_masked": user.phone_masked, "created_at": user.created_at,
                "unit": named(&user.unit), "department": named(&user.department) }),
    );
}

pub(crate) fn describe_state(state: &SessionState) -> String {
    match state {
        SessionState::LoggedOut => "logged out".into(),
        SessionState::LoggedIn { user } => format!("logged in as {}", user.nickname),
        SessionState::Ended {
            user,
            unsent,
            reason,
        } => {
            let why = match reason {
                EndReason::SignedOutFromAnotherDevice => "signed out from another device",
                EndReason::ForcedLogout => "ended by the operator (see `medcircle notices`)",
                EndReason::RefreshRefused => "ended by the server",
            };
            format!(
                "session {why}; {unsent} unsent item(s) kept until {} logs in again",
                user.nickname
            )
        }
    }
}

/// Confirms it is the user (an SMS code again) before a sensitive action.
pub(crate) async fn reauthenticate(client: &Client) -> Result<(), String> {
    let auth = client.auth();
    let phone = prompt("confirm it is you: your phone number: ")?;
    auth.request_reauth_code(phone.clone())
        .await
        .map_err(|e| e.to_string())?;
    let code = prompt("code: ")?;
    auth.reauthenticate(phone, code)
        .await
        .map_err(|e| e.to_string())
}

pub(crate) fn prompt(label: &str) -> Result<String, String> {
    eprint!("{label}");
    std::io::stderr().flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim().to_string())
}
