//! What the user consents to, one purpose at a time: the policy itself, and each optional or
//! sensitive use it describes, which the user may grant or withdraw on its own.

/// A reason for collecting personal data that needs the user's agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum ConsentPurpose {
    /// The privacy policy as a whole (the service itself); given with `accept`.
    PrivacyPolicy,
    /// Content and ads chosen from the user's interests.
    Personalisation,
    /// Browsing and click records.
    BrowsingRecords,
    /// GPS location, for identity authentication.
    PreciseLocation,
    /// ID number and certificates (sensitive personal information).
    IdentityVerification,
    /// Sharing with partners: a login provider's profile sync, payment and logistics.
    ThirdPartySharing,
}

impl ConsentPurpose {
    pub(crate) const OPTIONAL: [ConsentPurpose; 5] = [
        ConsentPurpose::Personalisation,
        ConsentPurpose::BrowsingRecords,
        ConsentPurpose::PreciseLocation,
        ConsentPurpose::IdentityVerification,
        ConsentPurpose::ThirdPartySharing,
    ];

    pub(crate) fn from_key(key: &str) -> Option<ConsentPurpose> {
        std::iter::once(ConsentPurpose::PrivacyPolicy)
            .chain(ConsentPurpose::OPTIONAL)
            .find(|p| p.key() == key)
    }

    /// The stable name stored in the database.
    pub(crate) fn key(self) -> &'static str {
        match self {
            ConsentPurpose::PrivacyPolicy => "privacy_policy",
            ConsentPurpose::Personalisation => "personalisation",
            ConsentPurpose::BrowsingRecords => "browsing_records",
            ConsentPurpose::PreciseLocation => "precise_location",
            ConsentPurpose::IdentityVerification => "identity_verification",
            ConsentPurpose::ThirdPartySharing => "third_party_sharing",
        }
    }
}
