//! Databases written by other SQLCipher 4 builds open with this one.

mod support;

use std::path::Path;

/// Written by the OpenSSL-backed build the app shipped before (see tests/fixtures/README.md).
const OPENSSL_FIXTURE: &str = "tests/fixtures/openssl-4.20.db";
const OPENSSL_FIXTURE_KEY: &str = include_str!("fixtures/openssl-4.20.key");

#[test]
fn a_database_written_by_the_openssl_build_opens() {
    // A copy: opening in WAL mode writes next to the file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixture.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(OPENSSL_FIXTURE),
        &file,
    )
    .unwrap();
    let verdict = support::check(&file, OPENSSL_FIXTURE_KEY.trim()).unwrap();
    assert_eq!(verdict, support::CONTENT_OK);
}
