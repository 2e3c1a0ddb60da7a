//! The data inventory (`core/privacy/inventory.toml`), parsed and checked once.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Deserialize;

use super::ConsentPurpose;

const SOURCE: &str = include_str!("../../privacy/inventory.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inventory {
    #[serde(rename = "recipient")]
    pub(crate) recipients: Vec<Recipient>,
    #[serde(rename = "item")]
    pub(crate) items: Vec<Item>,
    pub(crate) apple: Apple,
    pub(crate) google: Google,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Recipient {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: RecipientKind,
    #[serde(default)]
    pub(crate) why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RecipientKind {
    FirstParty,
    /// Processes the data on MedCircle's behalf.
    Processor,
    /// Receives the data for its own purposes.
    ThirdParty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    purpose: String,
    pub(crate) policy_section: String,
    pub(crate) legal_basis: LegalBasis,
    pub(crate) sensitivity: Sensitivity,
    pub(crate) retention: String,
    /// When the server's retention sweep deletes the item (see the file's header).
    #[serde(default)]
    pub(crate) deleted_after_days: Option<u32>,
    pub(crate) recipients: Vec<String>,
    pub(crate) linked_to_user: bool,
    pub(crate) apple_type: String,
    pub(crate) apple_purposes: Vec<String>,
    pub(crate) google_type: String,
    pub(crate) google_purposes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Sensitivity {
    Personal,
    Sensitive,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Apple {
    pub(crate) tracking: bool,
    pub(crate) accessed_apis: Vec<AccessedApi>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessedApi {
    #[serde(rename = "type")]
    pub(crate) api_type: String,
    pub(crate) reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Google {
    pub(crate) encrypted_in_transit: bool,
    pub(crate) deletion_request_available: bool,
}

impl Item {
    pub(crate) fn purpose(&self) -> ConsentPurpose {
        ConsentPurpose::from_key(&self.purpose).expect("validated when the inventory was loaded")
    }
}

impl Inventory {
    pub(crate) fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }

    pub(crate) fn recipient(&self, id: &str) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.id == id)
    }

    fn parse(source: &str) -> Result<Inventory, String> {
        let inventory: Inventory = toml::from_str(source).map_err(|e| e.to_string())?;
        inventory.validate()?;
        Ok(inventory)
    }

    fn validate(&self) -> Result<(), String> {
        let mut ids = HashSet::new();
        for recipient in &self.recipients {
            if !ids.insert(recipient.id.as_str()) {
                return Err(format!("recipient {} declared twice", recipient.id));
            }
        }
        let mut items = HashSet::new();
        for item in &self.items {
            if !items.insert(item.id.as_str()) {
                return Err(format!("item {} declared twice", item.id));
            }
            if ConsentPurpose::from_key(&item.purpose).is_none() {
                return Err(format!(
                    "item {}: unknown purpose {}",
                    item.id, item.purpose
                ));
            }
            if item.deleted_after_days == Some(0) {
                return Err(format!(
                    "item {}: deleted_after_days must be at least 1",
                    item.id
                ));
            }
            if item.recipients.is_empty() {
                return Err(format!("item {}: no recipient", item.id));
            }
            if let Some(unknown) = item.recipients.iter().find(|r| self.recipient(r).is_none()) {
                return Err(format!("item {}: unknown recipient {unknown}", item.id));
            }
            for (field, value) in [
                ("name", &item.name),
                ("description", &item.description),
                ("policy_section", &item.policy_section),
                ("retention", &item.retention),
                ("apple_type", &item.apple_type),
                ("google_type", &item.google_type),
            ] {
                if value.trim().is_empty() {
                    return Err(format!("item {}: empty {field}", item.id));
                }
            }
        }
        Ok(())
    }
}

/// The inventory the app was built with.
pub(crate) fn inventory() -> &'static Inventory {
    static INVENTORY: LazyLock<Inventory> = LazyLock::new(|| {
        Inventory::parse(SOURCE).unwrap_or_else(|e| panic!("core/privacy/inventory.toml: {e}"))
    });
    &INVENTORY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_inventory_is_valid() {
        let inventory = Inventory::parse(SOURCE).unwrap();
        assert!(inventory.item("phone_number").is_some());
        assert_eq!(
            inventory.item("phone_number").unwrap().purpose(),
            ConsentPurpose::PrivacyPolicy
        );
    }

    #[test]
    fn mistakes_in_the_inventory_are_caught() {
        let item = |id: &str, purpose: &str, recipient: &str| {
            format!(
                r#"
[[item]]
id = "{id}"
name = "n"
description = "d"
purpose = "{purpose}"
policy_section = "s"
legal_basis = "consent"
sensitivity = "personal"
retention = "r"
recipients = ["{recipient}"]
linked_to_user = true
apple_type = "a"
apple_purposes = []
google_type = "g"
google_purposes = []
"#
            )
        };
        let tail = "[apple]\ntracking = false\naccessed_apis = []\n[google]\n\
                    encrypted_in_transit = true\ndeletion_request_available = false\n";
        let head = "[[recipient]]\nid = \"medcircle\"\nname = \"m\"\nkind = \"first_party\"\n";
        let doc = |items: &str| format!("{head}{items}{tail}");
        assert!(Inventory::parse(&doc(&item("a", "privacy_policy", "medcircle"))).is_ok());
        let twice = format!(
            "{}{}",
            item("a", "privacy_policy", "medcircle"),
            item("a", "privacy_policy", "medcircle")
        );
        assert!(
            Inventory::parse(&doc(&twice))
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            Inventory::parse(&doc(&item("a", "marketing", "medcircle")))
                .unwrap_err()
                .contains("unknown purpose")
        );
        let swept_at_once = item("a", "privacy_policy", "medcircle")
            .replace("recipients", "deleted_after_days = 0\nrecipients");
        assert!(
            Inventory::parse(&doc(&swept_at_once))
                .unwrap_err()
                .contains("deleted_after_days")
        );
        let swept_later = swept_at_once.replace("= 0", "= 30");
        assert!(Inventory::parse(&doc(&swept_later)).is_ok());
        assert!(
            Inventory::parse(&doc(&item("a", "privacy_policy", "adnetwork")))
                .unwrap_err()
                .contains("unknown recipient")
        );
        assert!(
            Inventory::parse(&doc(&format!(
                "{}surprise = 1\n",
                item("a", "privacy_policy", "medcircle")
            )))
            .is_err()
        );
    }
}
