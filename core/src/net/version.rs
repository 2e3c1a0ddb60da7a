//! The minimum app version the server still serves. Below it the network layer refuses every
//! request but those a user needs to see why and leave (the policy, the notices, the session's
//! refresh and logout) with `UpdateRequired`. The running version is this library's: the app
//! and the core ship as one.

use std::cmp::Ordering;
use std::sync::{Arc, RwLock};

/// The version this build is.
pub(crate) const RUNNING: &str = env!("CARGO_PKG_VERSION");

/// Compares dotted numeric versions (`1.10.0` > `1.9`); a missing part counts as 0. `None`
/// when either is not such a version.
pub(crate) fn compare(a: &str, b: &str) -> Option<Ordering> {
    let parse = |v: &str| -> Option<Vec<u64>> {
        v.trim().split('.').map(|p| p.parse::<u64>().ok()).collect()
    };
    let (mut a, mut b) = (parse(a)?, parse(b)?);
    let len = a.len().max(b.len());
    a.resize(len, 0);
    b.resize(len, 0);
    Some(a.cmp(&b))
}

/// The minimum the server last announced, read by the network layer before every request.
#[derive(Clone, Default)]
pub(crate) struct VersionGate(Arc<RwLock<Option<String>>>);

impl VersionGate {
    pub(crate) fn set(&self, minimum: Option<String>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = minimum;
    }

    /// The minimum, when this build is below it. A minimum that is not a version is ignored
    /// (logged where it is read): a broken announcement must not lock the app.
    pub(crate) fn update_required(&self) -> Option<String> {
        let minimum = self.0.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        (compare(RUNNING, &minimum) == Some(Ordering::Less)).then_some(minimum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number_not_text() {
        assert_eq!(compare("1.10.0", "1.9"), Some(Ordering::Greater));
        assert_eq!(compare("1.2", "1.2.0"), Some(Ordering::Equal));
        assert_eq!(compare("0.9.9", "1"), Some(Ordering::Less));
        assert_eq!(compare("1.x", "1"), None);
    }

    #[test]
    fn only_a_minimum_above_this_build_requires_an_update() {
        let gate = VersionGate::default();
        assert_eq!(gate.update_required(), None);
        gate.set(Some(RUNNING.into()));
        assert_eq!(gate.update_required(), None);
        gate.set(Some("0".into()));
        assert_eq!(gate.update_required(), None);
        gate.set(Some("not a version".into()));
        assert_eq!(gate.update_required(), None);
        gate.set(Some("9999.0".into()));
        assert_eq!(gate.update_required(), Some("9999.0".into()));
    }
}
