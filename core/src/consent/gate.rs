//! What the user currently allows, held in memory for the network layer, which reads it before
//! every request; written only by the consent flow (and loaded from the app database at start).

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use super::ConsentPurpose;

#[derive(Clone, Default)]
pub(crate) struct ConsentGate(Arc<RwLock<HashSet<ConsentPurpose>>>);

impl ConsentGate {
    /// Whether data for `purpose` may be collected now: the policy accepted and, for an
    /// optional purpose, that purpose granted.
    pub(crate) fn allows(&self, purpose: ConsentPurpose) -> bool {
        let granted = self.0.read().unwrap_or_else(|p| p.into_inner());
        granted.contains(&ConsentPurpose::PrivacyPolicy) && granted.contains(&purpose)
    }

    pub(crate) fn policy_accepted(&self) -> bool {
        self.allows(ConsentPurpose::PrivacyPolicy)
    }

    pub(crate) fn set(&self, purpose: ConsentPurpose, granted: bool) {
        let mut set = self.0.write().unwrap_or_else(|p| p.into_inner());
        if granted {
            set.insert(purpose);
        } else {
            set.remove(&purpose);
        }
    }
}
