//! Built only with the `testing` feature, for the Kotlin and Swift suites: each error type
//! handed in comes back thrown, so a suite can check every case lifts to the right exception
//! or enum case with its fields, without staging each failure for real.

use medcircle_core::{
    AuthError, CertificationError, ClientError, ConsentError, FeedError, HelpError, MallError,
    PermissionError, PrivacyError, ProfileError, ProviderError, PurchaseError, RecordsError,
    SecurityError,
};

macro_rules! thrown {
    ($($name:ident: $error:ty,)*) => {
        $(
            #[uniffi::export]
            pub fn $name(error: $error) -> Result<(), $error> {
                Err(error)
            }
        )*
    };
}

thrown! {
    testing_throw_auth_error: AuthError,
    testing_throw_certification_error: CertificationError,
    testing_throw_client_error: ClientError,
    testing_throw_consent_error: ConsentError,
    testing_throw_feed_error: FeedError,
    testing_throw_mall_error: MallError,
    testing_throw_help_error: HelpError,
    testing_throw_permission_error: PermissionError,
    testing_throw_privacy_error: PrivacyError,
    testing_throw_profile_error: ProfileError,
    testing_throw_provider_error: ProviderError,
    testing_throw_records_error: RecordsError,
    testing_throw_security_error: SecurityError,
    testing_throw_purchase_error: PurchaseError,
}
