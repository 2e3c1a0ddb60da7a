//! The decision itself, as a pure function of the facts, so every rule is tested directly.

use super::store::PermissionRefusal;
use super::{PermissionDecision, PermissionStatus, UnavailableReason};
use crate::policy::{ConsentPurpose, Feature};

/// After a refusal the app does not ask again for 48 hours.
pub(crate) const RETRY_AFTER_REFUSAL_S: i64 = 48 * 3600;

pub(crate) struct Facts<S> {
    pub(crate) missing_consent: Option<ConsentPurpose>,
    pub(crate) positioning_on: bool,
    /// The OS status, read only when consent and the switch allow; an error when it cannot be
    /// read (no provider, or the provider failed).
    pub(crate) status: S,
    pub(crate) refusal: Option<PermissionRefusal>,
    pub(crate) now: i64,
}

pub(crate) fn decide<S>(feature: Feature, facts: Facts<S>) -> PermissionDecision
where
    S: FnOnce() -> Result<PermissionStatus, UnavailableReason>,
{
    let unavailable = |reason| PermissionDecision::Unavailable { reason };
    if let Some(purpose) = facts.missing_consent {
        return unavailable(UnavailableReason::ConsentRequired { purpose });
    }
    if feature == Feature::Positioning && !facts.positioning_on {
        return unavailable(UnavailableReason::PositioningOff);
    }
    let status = match (facts.status)() {
        Ok(status) => status,
        Err(reason) => return unavailable(reason),
    };
    match status {
        PermissionStatus::Granted => PermissionDecision::Allowed,
        PermissionStatus::Restricted => unavailable(UnavailableReason::Restricted),
        PermissionStatus::DeniedPermanently => unavailable(UnavailableReason::DeniedPermanently),
        PermissionStatus::Denied | PermissionStatus::NotDetermined => match facts.refusal {
            // Some OSes report a permanent refusal as a plain "denied": the core remembers.
            Some(refusal) if refusal.permanent => unavailable(UnavailableReason::DeniedPermanently),
            Some(refusal) if facts.now - refusal.refused_at < RETRY_AFTER_REFUSAL_S => {
                let left = RETRY_AFTER_REFUSAL_S - (facts.now - refusal.refused_at);
                unavailable(UnavailableReason::DeniedRecently {
                    retry_after_s: left.max(1) as u64,
                })
            }
            _ => PermissionDecision::ShowRationale {
                rationale: feature.rationale(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn facts(
        status: Option<PermissionStatus>,
    ) -> Facts<impl FnOnce() -> Result<PermissionStatus, UnavailableReason>> {
        Facts {
            missing_consent: None,
            positioning_on: true,
            status: move || status.ok_or(UnavailableReason::NoProvider),
            refusal: None,
            now: NOW,
        }
    }

    fn never_asked() -> Result<PermissionStatus, UnavailableReason> {
        panic!("the OS was queried although the decision did not need it")
    }

    fn reason(decision: PermissionDecision) -> UnavailableReason {
        match decision {
            PermissionDecision::Unavailable { reason } => reason,
            other => panic!("expected unavailable, got {other:?}"),
        }
    }

    #[test]
    fn missing_consent_wins_and_the_os_is_not_even_queried() {
        let decision = decide(
            Feature::Positioning,
            Facts {
                missing_consent: Some(ConsentPurpose::PreciseLocation),
                positioning_on: true,
                status: never_asked,
                refusal: None,
                now: NOW,
            },
        );
        assert_eq!(
            reason(decision),
            UnavailableReason::ConsentRequired {
                purpose: ConsentPurpose::PreciseLocation
            }
        );
    }

    #[test]
    fn positioning_is_off_until_turned_on() {
        let decision = decide(
            Feature::Positioning,
            Facts {
                missing_consent: None,
                positioning_on: false,
                status: never_asked,
                refusal: None,
                now: NOW,
            },
        );
        assert_eq!(reason(decision), UnavailableReason::PositioningOff);
        // The switch concerns positioning only.
        let camera = decide(
            Feature::ScanToLogin,
            Facts {
                positioning_on: false,
                ..facts(Some(PermissionStatus::Granted))
            },
        );
        assert_eq!(camera, PermissionDecision::Allowed);
    }

    #[test]
    fn an_undecided_permission_first_shows_the_rationale() {
        match decide(
            Feature::PostPhotos,
            facts(Some(PermissionStatus::NotDetermined)),
        ) {
            PermissionDecision::ShowRationale { rationale } => {
                assert_eq!(rationale.feature, Feature::PostPhotos);
                assert_eq!(rationale.permission, crate::policy::Permission::Camera);
                assert!(!rationale.title.is_empty() && !rationale.text.is_empty());
                assert!(!rationale.purpose.is_empty());
            }
            other => panic!("expected a rationale, got {other:?}"),
        }
    }

    #[test]
    fn a_refusal_blocks_new_requests_for_48_hours() {
        let refused = |ago: i64, permanent| Facts {
            refusal: Some(PermissionRefusal {
                refused_at: NOW - ago,
                permanent,
            }),
            ..facts(Some(PermissionStatus::Denied))
        };
        assert_eq!(
            reason(decide(Feature::ScanToLogin, refused(0, false))),
            UnavailableReason::DeniedRecently {
                retry_after_s: 48 * 3600
            }
        );
        assert_eq!(
            reason(decide(Feature::ScanToLogin, refused(47 * 3600, false))),
            UnavailableReason::DeniedRecently {
                retry_after_s: 3600
            }
        );
        assert!(matches!(
            decide(Feature::ScanToLogin, refused(48 * 3600, false)),
            PermissionDecision::ShowRationale { .. }
        ));
        assert_eq!(
            reason(decide(Feature::ScanToLogin, refused(30 * 24 * 3600, true))),
            UnavailableReason::DeniedPermanently
        );
    }

    #[test]
    fn the_os_status_is_respected() {
        assert_eq!(
            decide(
                Feature::FeedbackPhotos,
                facts(Some(PermissionStatus::Granted))
            ),
            PermissionDecision::Allowed
        );
        assert_eq!(
            reason(decide(
                Feature::FeedbackPhotos,
                facts(Some(PermissionStatus::DeniedPermanently))
            )),
            UnavailableReason::DeniedPermanently
        );
        assert_eq!(
            reason(decide(
                Feature::FeedbackPhotos,
                facts(Some(PermissionStatus::Restricted))
            )),
            UnavailableReason::Restricted
        );
        assert_eq!(
            reason(decide(Feature::FeedbackPhotos, facts(None))),
            UnavailableReason::NoProvider
        );
    }
}
