//! What the user currently allows, held in memory for the network layer, which reads it before
//! every request; written only by the consent flow (and loaded from the app database at start).

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use super::ConsentPurpose;

#[derive(Default)]
struct State {
    /// The policy (as `PrivacyPolicy`) and the optional purposes the user granted.
    granted: HashSet<ConsentPurpose>,
    /// The purposes the accepted policy version covers: a category a newer version adds stays
    /// closed until that version is accepted.
    covered: HashSet<ConsentPurpose>,
}

#[derive(Clone, Default)]
pub(crate) struct ConsentGate(Arc<RwLock<State>>);

impl ConsentGate {
    /// Whether data for `purpose` may be collected now: the policy accepted, the purpose
    /// covered by the accepted version and, for an optional purpose, granted.
    pub(crate) fn allows(&self, purpose: ConsentPurpose) -> bool {
        let state = self.0.read().unwrap_or_else(|p| p.into_inner());
        state.granted.contains(&ConsentPurpose::PrivacyPolicy)
            && state.covered.contains(&purpose)
            && state.granted.contains(&purpose)
    }

    pub(crate) fn policy_accepted(&self) -> bool {
        self.allows(ConsentPurpose::PrivacyPolicy)
    }

    /// Whether the accepted policy version covers `purpose` at all.
    pub(crate) fn covers(&self, purpose: ConsentPurpose) -> bool {
        let state = self.0.read().unwrap_or_else(|p| p.into_inner());
        state.covered.contains(&purpose)
    }

    pub(crate) fn set(&self, purpose: ConsentPurpose, granted: bool) {
        let mut state = self.0.write().unwrap_or_else(|p| p.into_inner());
        if granted {
            state.granted.insert(purpose);
        } else {
            state.granted.remove(&purpose);
        }
    }

    pub(crate) fn set_covered(&self, purposes: &[ConsentPurpose]) {
        let mut state = self.0.write().unwrap_or_else(|p| p.into_inner());
        state.covered = purposes.iter().copied().collect();
    }
}
