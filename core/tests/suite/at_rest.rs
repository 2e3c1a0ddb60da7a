//! What a login leaves on disk: encrypted databases only, nothing personal in clear, and an
//! unreadable app database recovered from rather than fatal.

use crate::common::{Harness, ID_NUMBER, files_under};

#[tokio::test]
async fn no_personal_data_in_clear_under_the_data_directory() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let phone = "13800138010";
    client.auth().request_sms_code(phone.into()).await.unwrap();
    let code = h.outbox_code(phone).await;
    let user = client
        .auth()
        .verify_sms_code(phone.into(), code.clone())
        .await
        .unwrap();
    client.auth().whoami().await.unwrap();
    h.certify(&client).await;
    client.certification().refresh_status().await.unwrap();

    let files = files_under(&h.data_dir("app"));
    assert!(
        files.iter().any(|f| f.ends_with("app.db")),
        "the app database exists: {files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("accounts")),
        "the account database exists: {files:?}"
    );
    let planted = [
        phone,
        &code,
        &user.phone_masked,
        &user.nickname,
        &user.id,
        ID_NUMBER,
        // The part masking hides, alone: not even a fragment is kept.
        &ID_NUMBER[4..14],
        "mca_",
        "mcr_",
        "SQLite format 3",
    ];
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for value in planted {
            assert!(
                !text.contains(value),
                "{} contains {value:?} in clear",
                file.display()
            );
        }
        assert!(
            !file.to_string_lossy().contains(&user.id),
            "file names do not reveal the account"
        );
    }
}

#[tokio::test]
async fn a_corrupt_app_database_is_recreated_on_open() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    assert!(!client.consent().status().await.unwrap().needs_acceptance);
    drop(client);

    let db = h.data_dir("app").join("app.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::write(
        &db,
        b"this is not a database, just bytes on a dying flash chip",
    )
    .unwrap();

    let reopened = h.client("app").await;
    let status = reopened.consent().status().await.unwrap();
    assert!(
        status.needs_acceptance,
        "the recreated database starts empty"
    );
    assert_eq!(status.accepted_version, None);
    let policy = reopened.consent().fetch_policy().await.unwrap();
    reopened.consent().accept(policy.version).await.unwrap();
}
