//! The data inventory's lists and the privacy ledger, as a user (or QA) reads them.

use medcircle_core::{Client, LedgerFilter};
use serde_json::json;

use crate::output::Output;

pub(crate) fn inventory(client: &Client, out: &Output) {
    let privacy = client.privacy();
    for item in privacy.collected_data() {
        out.emit(
            "collected",
            &format!(
                "{} — {} (for {:?}; policy: {}; kept {}; to {})",
                item.name,
                item.description,
                item.purpose,
                item.policy_section,
                item.retention,
                item.recipients.join(", ")
            ),
            json!({ "ok": true, "id": item.id, "name": item.name, "purpose": format!("{:?}", item.purpose),
                    "policy_section": item.policy_section, "legal_basis": item.legal_basis,
                    "sensitive": item.sensitive, "retention": item.retention,
                    "recipients": item.recipients }),
        );
    }
    for share in privacy.third_party_sharing() {
        out.emit(
            "shared",
            &format!(
                "shared with {} ({}): {}",
                share.recipient,
                share.why,
                share.items.join(", ")
            ),
            json!({ "ok": true, "recipient": share.recipient, "processor": share.processor,
                    "why": share.why, "items": share.items }),
        );
    }
    for using in privacy.permission_uses() {
        out.emit(
            "permission_use",
            &format!(
                "{:?} for {:?}: {}",
                using.permission, using.feature, using.purpose
            ),
            json!({ "ok": true, "permission": format!("{:?}", using.permission),
                    "feature": format!("{:?}", using.feature), "purpose": using.purpose }),
        );
    }
}

pub(crate) async fn ledger(
    client: &Client,
    item: Option<String>,
    since: Option<i64>,
    export: bool,
    out: &Output,
) -> Result<(), String> {
    let filter = LedgerFilter {
        item,
        since,
        ..LedgerFilter::default()
    };
    let privacy = client.privacy();
    if export {
        let document = privacy
            .export_ledger(filter)
            .await
            .map_err(|e| e.to_string())?;
        println!("{document}");
        return Ok(());
    }
    for entry in privacy.ledger(filter).await.map_err(|e| e.to_string())? {
        out.emit(
            "ledger",
            &format!(
                "{} {} → {}{} ({:?})",
                entry.sent_at, entry.item_name, entry.destination, entry.endpoint, entry.purpose
            ),
            json!({ "ok": true, "item": entry.item, "purpose": format!("{:?}", entry.purpose),
                    "destination": entry.destination, "endpoint": entry.endpoint,
                    "sent_at": entry.sent_at }),
        );
    }
    Ok(())
}

pub(crate) async fn export(client: &Client) -> Result<(), String> {
    let document = client
        .privacy()
        .export_my_data()
        .await
        .map_err(|e| e.to_string())?;
    println!("{document}");
    Ok(())
}

pub(crate) async fn delete_account(client: &Client, yes: bool, out: &Output) -> Result<(), String> {
    if !yes {
        return Err("deleting the account cannot be undone: add --yes".into());
    }
    client
        .privacy()
        .delete_account()
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "delete_account",
        "account deleted; nothing of it is left on this device",
        json!({ "ok": true }),
    );
    Ok(())
}

pub(crate) async fn interests(
    client: &Client,
    delete: Option<String>,
    delete_all: bool,
    out: &Output,
) -> Result<(), String> {
    let privacy = client.privacy();
    match delete {
        Some(id) => privacy.delete_interest(id).await,
        None if delete_all => privacy.clear_interests().await,
        None => Ok(()),
    }
    .map_err(|e| e.to_string())?;
    for tag in privacy.interests().await.map_err(|e| e.to_string())? {
        out.emit(
            "interest",
            &format!("{} ({})", tag.label, tag.id),
            json!({ "ok": true, "id": tag.id, "label": tag.label }),
        );
    }
    Ok(())
}
