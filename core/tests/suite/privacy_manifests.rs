//! The store declarations committed in the repository are exactly what the data inventory
//! generates. `cargo xtask privacy` rewrites them (it runs this test with MEDCIRCLE_BLESS=1).

use std::path::PathBuf;

use medcircle_core::privacy::manifests;

fn check(relative: &str, generated: String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    if std::env::var_os("MEDCIRCLE_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{relative}: {e}; run `cargo xtask privacy`"));
    assert!(
        committed == generated,
        "{relative} differs from core/privacy/inventory.toml: run `cargo xtask privacy`"
    );
}

#[test]
fn apple_privacy_manifest_matches_the_inventory() {
    let manifest = manifests::apple_privacy_manifest();
    assert!(manifest.contains("NSPrivacyCollectedDataTypePhoneNumber"));
    assert!(manifest.contains("<key>NSPrivacyTracking</key>\n\t<false/>"));
    check("ios/Sources/MedCircle/PrivacyInfo.xcprivacy", manifest);
}

#[test]
fn google_data_safety_answers_match_the_inventory() {
    let answers = manifests::google_data_safety();
    let json: serde_json::Value = serde_json::from_str(&answers).unwrap();
    assert!(
        json["data_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["items"][0] == "phone_number" && t["required"] == true)
    );
    check("android/data-safety.json", answers);
}
