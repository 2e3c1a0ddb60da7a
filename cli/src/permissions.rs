//! The permission gate in a terminal: the terminal plays the OS (its "dialog" is a y/N prompt;
//! it remembers a grant for the life of the process only, as it has no permission store).

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use medcircle_core::{
    Client, Feature, Permission, PermissionDecision, PermissionProvider, PermissionStatus,
    ProviderError, UnavailableReason,
};
use serde_json::json;

use crate::output::Output;

#[derive(Default)]
struct TerminalOs {
    granted: Mutex<HashSet<Permission>>,
}

#[async_trait::async_trait]
impl PermissionProvider for TerminalOs {
    fn status(&self, permission: Permission) -> Result<PermissionStatus, ProviderError> {
        Ok(if self.granted.lock().unwrap().contains(&permission) {
            PermissionStatus::Granted
        } else {
            PermissionStatus::NotDetermined
        })
    }

    async fn request(&self, permission: Permission) -> Result<PermissionStatus, ProviderError> {
        eprint!("[system] allow MedCircle to use the {permission:?}? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        Ok(if answer.trim().eq_ignore_ascii_case("y") {
            self.granted.lock().unwrap().insert(permission);
            PermissionStatus::Granted
        } else {
            PermissionStatus::Denied
        })
    }
}

fn with_terminal_os(client: &Client) {
    client
        .permissions()
        .set_provider(Arc::new(TerminalOs::default()));
}

fn describe(decision: &PermissionDecision) -> (String, serde_json::Value) {
    match decision {
        PermissionDecision::Allowed => ("allowed".into(), json!({ "decision": "allowed" })),
        PermissionDecision::ShowRationale { rationale } => (
            format!("ask first: {}", rationale.title),
            json!({ "decision": "show_rationale", "title": rationale.title,
                    "text": rationale.text, "purpose": rationale.purpose }),
        ),
        PermissionDecision::Unavailable { reason } => {
            let text = match reason {
                UnavailableReason::ConsentRequired { purpose } => {
                    format!("unavailable: needs consent {purpose:?}")
                }
                UnavailableReason::PositioningOff => "unavailable: positioning is off".into(),
                UnavailableReason::DeniedRecently { retry_after_s } => {
                    format!("unavailable: refused; not asking again for {retry_after_s} s")
                }
                UnavailableReason::DeniedPermanently => {
                    "unavailable: refused for good; change it in the system settings".into()
                }
                UnavailableReason::Restricted => "unavailable: restricted on this device".into(),
                UnavailableReason::NoProvider => "unavailable: no permission provider".into(),
                UnavailableReason::ProviderFailed { detail } => format!("unavailable: {detail}"),
            };
            (
                text,
                json!({ "decision": "unavailable", "reason": format!("{reason:?}") }),
            )
        }
    }
}

pub(crate) async fn show(client: &Client, out: &Output) -> Result<(), String> {
    with_terminal_os(client);
    for feature in Feature::ALL {
        let decision = client
            .permissions()
            .check(feature)
            .await
            .map_err(|e| e.to_string())?;
        let (text, mut data) = describe(&decision);
        data["ok"] = json!(true);
        data["feature"] = json!(format!("{feature:?}"));
        out.emit(
            "permission",
            &format!("{:<20} {text}", format!("{feature:?}")),
            data,
        );
    }
    Ok(())
}

pub(crate) async fn request(client: &Client, feature: Feature, out: &Output) -> Result<(), String> {
    with_terminal_os(client);
    let permissions = client.permissions();
    if let PermissionDecision::ShowRationale { rationale } = permissions
        .check(feature)
        .await
        .map_err(|e| e.to_string())?
    {
        eprintln!("{}\n{}\n", rationale.title, rationale.text);
    }
    let decision = permissions
        .request(feature)
        .await
        .map_err(|e| e.to_string())?;
    let (text, mut data) = describe(&decision);
    data["ok"] = json!(true);
    data["feature"] = json!(format!("{feature:?}"));
    out.emit("permission", &format!("{feature:?}: {text}"), data);
    Ok(())
}

pub(crate) async fn set_positioning(client: &Client, on: bool, out: &Output) -> Result<(), String> {
    client
        .permissions()
        .set_positioning_enabled(on)
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "positioning",
        if on {
            "positioning on"
        } else {
            "positioning off"
        },
        json!({ "ok": true, "enabled": on }),
    );
    Ok(())
}
