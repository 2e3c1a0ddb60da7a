use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error};

const PUMCH: &str = "北京协和医院 Peking Union Medical College Hospital";
const WUHAN_UNION: &str = "武汉协和医院 Wuhan Union Hospital";
const PKU_FIRST: &str = "北京大学第一医院 Peking University First Hospital";

/// The units a search answers, as (id, name) pairs.
async fn search(server: &TestServer, token: &str, query: &str) -> Vec<(String, String)> {
    let body = server
        .expect(
            Method::GET,
            &format!("/v1/dictionaries/units{query}"),
            token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    entries(&body["units"])
}

fn entries(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry.as_object().unwrap().len(), 2, "{entry}");
            (
                entry["id"].as_str().unwrap().to_owned(),
                entry["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn names(units: &[(String, String)]) -> Vec<&str> {
    units.iter().map(|(_, name)| name.as_str()).collect()
}

async fn departments(server: &TestServer, token: &str, unit_id: &str) -> Vec<(String, String)> {
    let body = server
        .expect(
            Method::GET,
            &format!("/v1/dictionaries/units/{unit_id}/departments"),
            token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    entries(&body["departments"])
}

#[tokio::test]
async fn units_are_found_by_chinese_or_english_substring() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);

    // Sorted by name: 北 (U+5317) before 武 (U+6B66).
    let union = search(&server, &token, "?q=协和").await;
    assert_eq!(names(&union), [PUMCH, WUHAN_UNION]);
    assert_eq!(union[0].0, "un_1");

    let peking = search(&server, &token, "?q=PEKING").await;
    // 协 (U+534F) sorts before 大 (U+5927).
    assert_eq!(names(&peking), [PUMCH, PKU_FIRST]);
    assert_eq!(search(&server, &token, "?q=peking").await, peking);
    assert_eq!(search(&server, &token, "?q=%20pEkInG%20").await, peking);

    let west_china = search(&server, &token, "?q=west%20china").await;
    assert_eq!(names(&west_china), ["四川大学华西医院 West China Hospital"]);
    assert!(
        search(&server, &token, "?q=no-such-hospital")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_empty_query_lists_units_by_name_up_to_the_limit() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);

    let all = search(&server, &token, "?limit=50").await;
    assert_eq!(all.len(), 12);
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(all, sorted);
    for (id, _) in &all {
        assert!(
            id.starts_with("un_") && id[3..].parse::<u32>().is_ok(),
            "{id}"
        );
    }
    assert!(
        all.iter()
            .any(|(_, name)| name.contains("Community Health Center (other)"))
    );

    assert_eq!(search(&server, &token, "").await, all);
    assert_eq!(search(&server, &token, "?q=").await, all);
    assert_eq!(search(&server, &token, "?q=%20%20").await, all);
    assert_eq!(search(&server, &token, "?limit=3").await, all[..3]);
    assert_eq!(search(&server, &token, "?q=&limit=1").await, all[..1]);
    // Both bounds inclusive; the default is 20, more than there are units.
    assert_eq!(search(&server, &token, "?q=医院&limit=50").await.len(), 11);
    assert_eq!(search(&server, &token, "?q=医院&limit=2").await.len(), 2);
}

#[tokio::test]
async fn wildcards_in_the_query_match_only_themselves() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    // Unescaped, `%` would match every name and `_` any one character.
    for query in [
        "?q=%25",
        "?q=_",
        "?q=%25%25",
        "?q=协_",
        "?q=北京%25医院",
        "?q=%5C",
    ] {
        assert!(search(&server, &token, query).await.is_empty(), "{query}");
    }
    // Text next to what would be wildcards still has to match literally.
    assert_eq!(names(&search(&server, &token, "?q=(other)").await).len(), 1);
    // A quote is bound, not spliced into SQL.
    assert!(
        search(&server, &token, "?q='%20OR%201=1%20--")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn bad_queries_are_422() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let long = "协".repeat(65);
    let ok = "协".repeat(64);
    assert!(
        search(&server, &token, &format!("?q={ok}"))
            .await
            .is_empty()
    );
    for query in [
        format!("?q={long}"),
        format!("?q={}", "a".repeat(65)),
        "?limit=0".to_owned(),
        "?limit=51".to_owned(),
        "?limit=-1".to_owned(),
        "?limit=ten".to_owned(),
    ] {
        let response = server
            .call(
                Method::GET,
                &format!("/v1/dictionaries/units{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn a_unit_lists_its_departments_and_an_unknown_unit_is_404() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let pumch = departments(&server, &token, "un_1").await;
    assert_eq!(
        names(&pumch),
        [
            "心内科 Cardiology",
            "肿瘤科 Oncology",
            "神经内科 Neurology",
            "儿科 Pediatrics",
            "急诊科 Emergency",
            "内分泌科 Endocrinology",
        ]
    );
    assert_eq!(pumch[0].0, "dp_1");

    let all = search(&server, &token, "?limit=50").await;
    let mut seen = std::collections::BTreeSet::new();
    for (unit_id, _) in &all {
        let listed = departments(&server, &token, unit_id).await;
        assert!((4..=8).contains(&listed.len()), "{unit_id}");
        for (id, _) in listed {
            assert!(id.starts_with("dp_"), "{id}");
            assert!(seen.insert(id), "a department belongs to one unit");
        }
    }

    for unknown in ["un_0", "un_999", "dp_1", "%25"] {
        let response = server
            .call(
                Method::GET,
                &format!("/v1/dictionaries/units/{unknown}/departments"),
                Some(&token),
                None,
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn the_profile_sets_unit_and_department_shown_wherever_the_user_is() {
    let server = TestServer::dev();
    let login = server.login(PHONE).await;
    let token = access(&login);
    assert_eq!(login["user"]["unit"], Value::Null);
    assert_eq!(login["user"]["department"], Value::Null);
    let before: Value = server.me(&token).await.json().await.unwrap();
    assert_eq!(before["unit"], Value::Null);
    assert_eq!(before["department"], Value::Null);
    assert_eq!(before["avatar_url"], Value::Null);
    assert_eq!(before.as_object().unwrap().len(), 7, "{before}");

    let union = search(&server, &token, "?q=武汉协和").await;
    let unit_id = &union[0].0;
    let (department_id, department_name) = departments(&server, &token, unit_id)
        .await
        .into_iter()
        .find(|(_, name)| name == "儿科 Pediatrics")
        .unwrap();
    let updated = server
        .expect(
            Method::PUT,
            "/v1/me/profile",
            &token,
            Some(json!({ "unit_id": unit_id, "department_id": department_id })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        updated["unit"],
        json!({ "id": unit_id, "name": WUHAN_UNION })
    );
    assert_eq!(
        updated["department"],
        json!({ "id": department_id, "name": department_name })
    );
    for field in ["id", "phone_masked", "nickname", "created_at"] {
        assert_eq!(updated[field], before[field], "{field}");
    }
    let me: Value = server.me(&token).await.json().await.unwrap();
    assert_eq!(me, updated);

    // Every body carrying the user carries them too.
    let refreshed: Value = server
        .refresh(login["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["user"], me);
    let export = server
        .expect(Method::GET, "/v1/me/export", &token, None, StatusCode::OK)
        .await;
    assert_eq!(export["user"], me);
    server.advance(60).await;
    assert_eq!(server.login(PHONE).await["user"], me);

    // Setting it again replaces it.
    let pumch = departments(&server, &token, "un_1").await;
    let again = server
        .expect(
            Method::PUT,
            "/v1/me/profile",
            &access(&refreshed),
            Some(json!({ "unit_id": "un_1", "department_id": pumch[0].0 })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(again["unit"]["name"], PUMCH);
    assert_eq!(again["department"]["name"], "心内科 Cardiology");
}

#[tokio::test]
async fn a_department_must_exist_and_belong_to_the_unit() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let other = departments(&server, &token, "un_2").await;
    let put = |body: Value| server.call(Method::PUT, "/v1/me/profile", Some(&token), Some(body));

    let response = put(json!({ "unit_id": "un_1", "department_id": other[0].0 })).await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "department_not_in_unit",
    )
    .await;
    for body in [
        json!({ "unit_id": "un_999", "department_id": other[0].0 }),
        json!({ "unit_id": "un_2", "department_id": "dp_999" }),
        json!({ "unit_id": "un_2" }),
        json!({ "unit_id": "un_2", "department_id": 7 }),
    ] {
        let response = put(body.clone()).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        )
        .await;
    }
    // Nothing was set by the refusals.
    let me: Value = server.me(&token).await.json().await.unwrap();
    assert_eq!(me["unit"], Value::Null);
    assert_eq!(me["department"], Value::Null);
}
