//! Completing the account from the server's dictionaries, and the profile the session
//! listener then reports.

use crate::common::Harness;
use medcircle_core::{ProfileError, SessionState};

#[tokio::test]
async fn the_account_is_completed_from_the_dictionaries() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let profile = client.profile();
    assert_eq!(
        profile.search_units("协和".into(), 10).await,
        Err(ProfileError::NotLoggedIn)
    );
    h.login(&client, "13800138100").await;
    assert!(profile.needs_completion());

    let union = profile.search_units("协和".into(), 10).await.unwrap();
    assert!(union.len() >= 2, "{union:?}");
    assert!(union.iter().all(|u| u.name.contains("协和")));
    let english = profile.search_units("peking".into(), 10).await.unwrap();
    assert!(!english.is_empty());
    assert!(
        profile
            .search_units("%".into(), 10)
            .await
            .unwrap()
            .is_empty(),
        "wildcards are matched literally"
    );
    assert_eq!(profile.search_units("".into(), 3).await.unwrap().len(), 3);
    let requests_before = h.requests().await.len();
    assert_eq!(
        profile.search_units("x".repeat(65), 10).await,
        Err(ProfileError::QueryTooLong)
    );
    assert_eq!(h.requests().await.len(), requests_before, "refused locally");

    let unit = union[0].clone();
    let departments = profile.departments(unit.id.clone()).await.unwrap();
    assert!(!departments.is_empty());
    let other_unit = english
        .iter()
        .find(|u| u.id != unit.id)
        .expect("another unit");
    let foreign = profile.departments(other_unit.id.clone()).await.unwrap();
    assert_eq!(
        profile
            .complete_account(unit.id.clone(), foreign[0].id.clone())
            .await,
        Err(ProfileError::DepartmentNotInUnit)
    );
    assert_eq!(
        profile.departments("un_nope".into()).await,
        Err(ProfileError::UnknownUnit)
    );

    let mut updates = client.auth().session_updates();
    updates.next().await.unwrap();
    let completed = profile
        .complete_account(unit.id.clone(), departments[0].id.clone())
        .await
        .unwrap();
    assert_eq!(completed.unit.as_ref(), Some(&unit));
    assert_eq!(completed.department.as_ref(), Some(&departments[0]));
    assert_eq!(
        updates.next().await.unwrap(),
        SessionState::LoggedIn {
            user: completed.clone()
        }
    );
    assert!(!profile.needs_completion());
    assert_eq!(client.auth().whoami().await.unwrap(), completed);

    drop(client);
    let reopened = h.client("app").await;
    assert_eq!(
        reopened.auth().session_state(),
        SessionState::LoggedIn { user: completed },
        "the completed profile is cached in the account database"
    );
}
