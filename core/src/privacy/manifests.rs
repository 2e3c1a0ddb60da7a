//! Store declarations generated from the inventory: Apple's privacy manifest and the answers
//! to Google Play's data-safety form. `cargo xtask privacy` writes them; a test compares them
//! with the committed files.

use std::fmt::Write as _;

use super::inventory::{Inventory, RecipientKind};

/// `PrivacyInfo.xcprivacy` (a property list).
pub fn apple_privacy_manifest() -> String {
    render_apple(super::inventory::inventory())
}

/// Google Play data-safety answers, as JSON.
pub fn google_data_safety() -> String {
    render_google(super::inventory::inventory())
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
    for item in &inventory.items {
        let linked = if item.linked_to_user { "true" } else { "false" };
        let _ = write!(
            out,
            "\t\t<!-- {} -->\n\t\t<dict>\n\
             \t\t\t<key>NSPrivacyCollectedDataType</key>\n\t\t\t<string>{}</string>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypeLinked</key>\n\t\t\t<{linked}/>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypeTracking</key>\n\t\t\t<false/>\n\
             \t\t\t<key>NSPrivacyCollectedDataTypePurposes</key>\n\t\t\t<array>\n",
            xml_escape(&item.id),
            xml_escape(&item.apple_type)
        );
        for purpose in &item.apple_purposes {
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
    let data_types: Vec<_> = inventory
        .items
        .iter()
        .map(|item| {
            // Sharing, in Play's sense, excludes processors acting on the developer's behalf.
            let shared = item.recipients.iter().any(|r| {
                inventory
                    .recipient(r)
                    .is_some_and(|r| r.kind == RecipientKind::ThirdParty)
            });
            serde_json::json!({
                "item": item.id,
                "data_type": item.google_type,
                "collected": true,
                "shared": shared,
                "processed_ephemerally": false,
                "required": item.purpose() == crate::consent::ConsentPurpose::PrivacyPolicy,
                "purposes": item.google_purposes,
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
