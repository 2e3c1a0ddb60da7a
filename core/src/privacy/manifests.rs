//! Store declarations generated from the inventory: Apple's privacy manifest and the answers
//! to Google Play's data-safety form. `cargo xtask privacy` writes them; a test compares them
//! with the committed files.

use std::fmt::Write as _;

use crate::policy::inventory::{Inventory, Item, RecipientKind};

/// Items grouped by a store's data type (first appearance first): both stores declare each
/// type once, with the union of its items' purposes.
fn by_type(items: &[Item], key: impl Fn(&Item) -> &str) -> Vec<(String, Vec<&Item>)> {
    let mut groups: Vec<(String, Vec<&Item>)> = Vec::new();
    for item in items {
        match groups.iter_mut().find(|(k, _)| k == key(item)) {
            Some((_, group)) => group.push(item),
            None => groups.push((key(item).to_string(), vec![item])),
        }
    }
    groups
}

fn union<'a>(lists: impl Iterator<Item = &'a Vec<String>>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for value in lists.flatten() {
        if !out.contains(&value.as_str()) {
            out.push(value);
        }
    }
    out
}

/// `PrivacyInfo.xcprivacy` (a property list).
pub fn apple_privacy_manifest() -> String {
    render_apple(crate::policy::inventory())
}

/// Google Play data-safety answers, as JSON.
pub fn google_data_safety() -> String {
    render_google(crate::policy::inventory())
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn render_apple(inventory: &Inventory) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Generated from core/privacy/inventory.toml by `cargo xtask privacy`. Do not edit. -->\n\
         <plist version=\"1.0\">\n<dict>\n",
    );
    let tracking = if inventory.apple.tracking {
        "true"
    } else {
        "false"
    };
    let _ = writeln!(out, "\t<key>NSPrivacyTracking</key>\n\t<{tracking}/>");
    out.push_str("\t<key>NSPrivacyTrackingDomains</key>\n\t<array/>\n");
    out.push_str("\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array>\n");
    for (data_type, items) in by_type(&inventory.items, |i| &i.apple_type) {
        let linked = if items.iter().any(|i| i.linked_to_user) {
            "true"
        } else {
            "false"
        };
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        let _ = write!(
            out,
            "\t\t<!-- {} -->\n\t\t<dict>\n\
             \t\t\t<key>NSPrivacyCollectedDataType</key>\n\t\t\t<string>{}</string>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypeLinked</key>\n\t\t\t<{linked}/>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypeTracking</key>\n\t\t\t<false/>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypePurposes</key>\n\t\t\t<array>\n",
            xml_escape(&ids.join(", ")),
            xml_escape(&data_type)
        );
        for purpose in union(items.iter().map(|i| &i.apple_purposes)) {
            let _ = writeln!(out, "\t\t\t\t<string>{}</string>", xml_escape(purpose));
        }
        out.push_str("\t\t\t</array>\n\t\t</dict>\n");
    }
    out.push_str("\t</array>\n\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n");
    for api in &inventory.apple.accessed_apis {
        let _ = write!(
            out,
            "\t\t<dict>\n\t\t\t<key>NSPrivacyAccessedAPIType</key>\n\t\t\t<string>{}</string>\n\
             \t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n\t\t\t<array>\n",
            xml_escape(&api.api_type)
        );
        for reason in &api.reasons {
            let _ = writeln!(out, "\t\t\t\t<string>{}</string>", xml_escape(reason));
        }
        out.push_str("\t\t\t</array>\n\t\t</dict>\n");
    }
    out.push_str("\t</array>\n</dict>\n</plist>\n");
    out
}

fn render_google(inventory: &Inventory) -> String {
    let data_types: Vec<_> = by_type(&inventory.items, |i| &i.google_type)
        .into_iter()
        .map(|(data_type, items)| {
            // Sharing, in Play's sense, excludes processors acting on the developer's behalf.
            let shared = items.iter().flat_map(|i| &i.recipients).any(|r| {
                inventory
                    .recipient(r)
                    .is_some_and(|r| r.kind == RecipientKind::ThirdParty)
            });
            let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
            serde_json::json!({
                "items": ids,
                "data_type": data_type,
                "collected": true,
                "shared": shared,
                "processed_ephemerally": false,
                "required": items
                    .iter()
                    .all(|i| i.purpose() == crate::policy::ConsentPurpose::PrivacyPolicy),
                "purposes": union(items.iter().map(|i| &i.google_purposes)),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "generated_from": "core/privacy/inventory.toml (cargo xtask privacy; do not edit)",
        "data_types": data_types,
        "security_practices": {
            "encrypted_in_transit": inventory.google.encrypted_in_transit,
            "deletion_request_available": inventory.google.deletion_request_available,
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("json values serialise");
    text.push('\n');
    text
}
