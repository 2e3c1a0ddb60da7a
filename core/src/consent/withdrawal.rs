//! What withdrawing a purpose does, at once and locally: the data queued for it is dropped,
//! identifiers tied to it are retired, dependent switches turn off, and a deletion request for
//! what the server holds is queued (sent by `sync`, now if possible, later if not).

use rand::RngCore;

use super::ConsentPurpose;
use crate::client::Inner;
use crate::store::{PendingDeletion, StoreError};

pub(super) fn apply(inner: &Inner, purpose: ConsentPurpose) -> Result<(), StoreError> {
    match purpose {
        ConsentPurpose::BrowsingRecords => inner.app.retire_records()?,
        ConsentPurpose::PreciseLocation => crate::permissions::positioning_off(inner)?,
        ConsentPurpose::PrivacyPolicy
        | ConsentPurpose::Personalisation
        | ConsentPurpose::IdentityVerification
        | ConsentPurpose::ThirdPartySharing => {}
    }
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    inner.app.queue_deletion(&PendingDeletion {
        request_id: hex::encode(id),
        purpose: purpose.key().to_string(),
        requested_at: inner.clock.now_unix(),
    })
}
