//! What a third-party login left behind: the sharing consent and the privacy ledger.

use medcircle_core::{Client, ConsentPurpose, LedgerFilter};

/// Whether the user has agreed to share with third parties (binding a provider's profile).
pub async fn third_party_sharing_granted(client: &Client) -> bool {
    client
        .consent()
        .purposes()
        .await
        .unwrap()
        .iter()
        .any(|p| p.purpose == ConsentPurpose::ThirdPartySharing && p.granted)
}

/// The items of every privacy ledger entry, oldest first.
pub async fn ledger_items(client: &Client) -> Vec<String> {
    let ledger = client.privacy().ledger(LedgerFilter::default()).await;
    ledger.unwrap().into_iter().map(|e| e.item).collect()
}
