//! Buying with the dev gateways over real HTTP: an order is paid only by the gateway's
//! verified notification, recorded once; forged, altered and mismatched ones change nothing
//! and are logged; retries make one order; expiry, refunds and the step-up.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use medcircle_server::{AlipayMerchant, Options, PaymentSettings, WechatPayMerchant};
use reqwest::{Method, StatusCode};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde_json::{Value, json};

use crate::common::{PHONE, TestServer, access, assert_error, count_rows, unix_now};

const DAY: i64 = 86_400;

/// Orders `product`; the answer as it comes.
async fn try_order(
    server: &TestServer,
    token: Option<&str>,
    product: &str,
    method: &str,
) -> reqwest::Response {
    server
        .call(
            Method::POST,
            "/v1/orders",
            token,
            Some(json!({ "product_id": product, "method": method })),
        )
        .await
}

/// Orders `product`: the created order and its pay request.
async fn order(server: &TestServer, token: &str, product: &str, method: &str) -> Value {
    let response = try_order(server, Some(token), product, method).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn sdk(server: &TestServer, created: &Value, result: &str, notify: &str) -> Value {
    let response = server
        .post(
            "/dev/pay/sdk",
            json!({ "pay_request": created["pay_request"], "result": result, "notify": notify }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn notify(server: &TestServer, number: &str, tamper: &str) -> Value {
    let response = server
        .post(
            "/dev/pay/notify",
            json!({ "order_number": number, "tamper": tamper }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn get_order(server: &TestServer, token: &str, number: &str) -> Value {
    server
        .expect(
            Method::GET,
            &format!("/v1/orders/{number}"),
            token,
            None,
            StatusCode::OK,
        )
        .await
}

async fn entitlements(server: &TestServer, token: &str) -> Value {
    server
        .expect(
            Method::GET,
            "/v1/me/entitlements",
            token,
            None,
            StatusCode::OK,
        )
        .await
}

async fn security_events(server: &TestServer) -> Vec<Value> {
    let body: Value = server
        .get("/dev/pay/security-events")
        .await
        .json()
        .await
        .unwrap();
    body["events"].as_array().unwrap().clone()
}

fn number(created: &Value) -> String {
    created["order"]["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_catalogue_prices_in_integer_fen_with_both_titles() {
    let server = TestServer::dev();
    let body: Value = server.get("/v1/shop/products").await.json().await.unwrap();
    let products = body["products"].as_array().unwrap();
    assert!(products.len() >= 4);
    for product in products {
        assert!(product["price_fen"].is_u64(), "{product}");
        assert_eq!(product["currency"], "CNY");
        assert!(!product["title_zh"].as_str().unwrap().is_empty());
        assert!(!product["title_en"].as_str().unwrap().is_empty());
    }
    let month = products.iter().find(|p| p["id"] == "member_month").unwrap();
    assert_eq!(month["price_fen"], 2500);
    assert_eq!(month["kind"], "membership");
    assert_eq!(body["methods"], json!(["alipay", "wechat_pay"]));
    assert_eq!(body["reauth_above_fen"], 10_000);
}

#[tokio::test]
async fn alipay_pays_an_order_once_its_signed_notification_arrives() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "member_month", "alipay").await;
    assert_eq!(created["order"]["status"], "created");
    assert_eq!(created["order"]["amount_fen"], 2500);
    assert_eq!(created["pay_request"]["method"], "alipay");
    let order_string = created["pay_request"]["order_string"].as_str().unwrap();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(order_string.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(param("sign_type").as_deref(), Some("RSA2"));
    assert_eq!(param("method").as_deref(), Some("alipay.trade.app.pay"));
    assert!(param("sign").is_some());
    let biz: Value = serde_json::from_str(&param("biz_content").unwrap()).unwrap();
    assert_eq!(biz["total_amount"], "25.00");
    assert_eq!(biz["out_trade_no"], number(&created));

    let answer = sdk(&server, &created, "succeed", "now").await;
    assert_eq!(answer, json!({ "resultStatus": "9000" }));
    let paid = get_order(&server, &token, &number(&created)).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payer_account"], "138****8000");
    assert_eq!(paid["method"], "alipay");
    let granted = entitlements(&server, &token).await;
    let until = granted["membership_until"].as_i64().unwrap();
    let paid_at = paid["paid_at"].as_i64().unwrap();
    assert_eq!(until, paid_at + 31 * DAY);
    assert!(security_events(&server).await.is_empty());
}

#[tokio::test]
async fn wechat_pay_pays_a_good_and_the_account_keeps_it() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "case_pack", "wechat_pay").await;
    let params = &created["pay_request"]["params"];
    assert_eq!(params["package"], "Sign=WXPay");
    assert_eq!(params["partnerid"], "1900000001");
    assert!(params["prepayid"].as_str().unwrap().starts_with("wx"));
    assert_eq!(
        sdk(&server, &created, "succeed", "now").await,
        json!({ "errCode": 0 })
    );
    let paid = get_order(&server, &token, &number(&created)).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payer_account"], "oDev****ayer");
    let granted = entitlements(&server, &token).await;
    assert_eq!(granted["membership_until"], Value::Null);
    assert_eq!(
        granted["goods"],
        json!([{ "product_id": "case_pack", "quantity": 1 }])
    );
}

/// Goods list in the order they were granted, also when that was within one second (the
/// order numbers are random: two accounts, two orders of buying).
#[tokio::test]
async fn goods_bought_within_a_second_list_in_the_order_they_were_bought() {
    let server = TestServer::dev();
    for (phone, bought) in [
        ("13800138001", ["ecg_course", "case_pack"]),
        ("13800138002", ["case_pack", "ecg_course"]),
    ] {
        let token = access(&server.login(phone).await);
        server.advance(61).await;
        for product in bought {
            let created = order(&server, &token, product, "alipay").await;
            sdk(&server, &created, "succeed", "now").await;
        }
        let goods = entitlements(&server, &token).await["goods"].clone();
        assert_eq!(
            goods,
            json!([
                { "product_id": bought[0], "quantity": 1 },
                { "product_id": bought[1], "quantity": 1 },
            ])
        );
    }
}

#[tokio::test]
async fn a_cancelled_payment_gives_nothing_and_the_apps_report_never_pays() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for (method, code) in [
        ("alipay", json!({ "resultStatus": "6001" })),
        ("wechat_pay", json!({ "errCode": -2 })),
    ] {
        let created = order(&server, &token, "member_month", method).await;
        assert_eq!(sdk(&server, &created, "cancel", "now").await, code);
        let path = format!("/v1/orders/{}/report", number(&created));
        let reported = server
            .expect(
                Method::POST,
                &path,
                &token,
                Some(json!({ "sdk": "cancelled" })),
                StatusCode::OK,
            )
            .await;
        assert_eq!(reported["status"], "cancelled");
        // Saying "succeeded" afterwards does not reopen it, and nothing says paid.
        let again = server
            .expect(
                Method::POST,
                &path,
                &token,
                Some(json!({ "sdk": "succeeded" })),
                StatusCode::OK,
            )
            .await;
        assert_eq!(again["status"], "cancelled");
    }
    let created = order(&server, &token, "member_month", "alipay").await;
    let path = format!("/v1/orders/{}/report", number(&created));
    let reported = server
        .expect(
            Method::POST,
            &path,
            &token,
            Some(json!({ "sdk": "succeeded" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(reported["status"], "paying");
    assert_eq!(
        entitlements(&server, &token).await["membership_until"],
        Value::Null
    );
}

#[tokio::test]
async fn a_late_notification_pays_and_a_repeat_changes_nothing() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for method in ["alipay", "wechat_pay"] {
        let created = order(&server, &token, "member_month", method).await;
        let number = number(&created);
        sdk(&server, &created, "succeed", "held").await;
        assert_eq!(
            get_order(&server, &token, &number).await["status"],
            "created"
        );
        assert_eq!(notify(&server, &number, "none").await["accepted"], true);
        let paid = get_order(&server, &token, &number).await;
        assert_eq!(paid["status"], "paid");
        let until = entitlements(&server, &token).await["membership_until"].clone();
        // The gateway retries: accepted, recorded once.
        assert_eq!(notify(&server, &number, "none").await["accepted"], true);
        assert_eq!(get_order(&server, &token, &number).await, paid);
        assert_eq!(
            entitlements(&server, &token).await["membership_until"],
            until
        );
    }
    // Two memberships: the second extends the first.
    let granted = entitlements(&server, &token).await;
    let orders = server
        .expect(Method::GET, "/v1/orders", &token, None, StatusCode::OK)
        .await;
    let first_paid = orders["orders"][1]["paid_at"].as_i64().unwrap();
    assert_eq!(
        granted["membership_until"].as_i64().unwrap(),
        first_paid + 62 * DAY
    );
}

#[tokio::test]
async fn a_notification_sent_twice_before_the_sdk_returns_is_recorded_once() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "case_pack", "alipay").await;
    sdk(&server, &created, "succeed", "twice").await;
    assert_eq!(
        get_order(&server, &token, &number(&created)).await["status"],
        "paid"
    );
    assert_eq!(
        entitlements(&server, &token).await["goods"],
        json!([{ "product_id": "case_pack", "quantity": 1 }])
    );
}

#[tokio::test]
async fn forged_altered_and_mismatched_notifications_are_refused_and_logged() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    for method in ["alipay", "wechat_pay"] {
        let created = order(&server, &token, "member_month", method).await;
        let number = number(&created);
        sdk(&server, &created, "succeed", "held").await;
        for (tamper, reason) in [
            ("forge", "bad_signature"),
            ("alter", "bad_signature"),
            ("wrong_amount", "wrong_amount"),
            ("wrong_merchant", "wrong_merchant"),
        ] {
            let outcome = notify(&server, &number, tamper).await;
            assert_eq!(outcome["accepted"], false, "{method} {tamper}");
            assert_eq!(outcome["refusal"], reason, "{method} {tamper}");
            assert_eq!(
                get_order(&server, &token, &number).await["status"],
                "created"
            );
        }
        let events = security_events(&server).await;
        let mine: Vec<_> = events
            .iter()
            .filter(|event| event["method"] == method)
            .map(|event| event["reason"].as_str().unwrap())
            .collect();
        assert_eq!(
            mine,
            [
                "bad_signature",
                "bad_signature",
                "wrong_amount",
                "wrong_merchant"
            ]
        );
        // The genuine one still pays.
        assert_eq!(notify(&server, &number, "none").await["accepted"], true);
    }
    assert!(entitlements(&server, &token).await["membership_until"].is_i64());
}

#[tokio::test]
async fn a_notification_from_anyone_but_the_gateway_is_refused() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "member_month", "alipay").await;
    let number = number(&created);
    let forged = format!(
        "app_id=2021000000000001&out_trade_no={number}&seller_id=2088000000000001&sign=AAAA&sign_type=RSA2&total_amount=25.00&trade_no=1&trade_status=TRADE_SUCCESS"
    );
    let response = server
        .http
        .post(server.url("/v1/pay/notify/alipay"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "fail");
    let response = server
        .http
        .post(server.url("/v1/pay/notify/wechat_pay"))
        .header("wechatpay-timestamp", "1")
        .header("wechatpay-nonce", "n")
        .header("wechatpay-signature", "AAAA")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "created"
    );
    let events = security_events(&server).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["order_number"], number.as_str());
}

#[tokio::test]
async fn a_retried_order_request_makes_one_order() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let send = || {
        server
            .http
            .post(server.url("/v1/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "tap-1")
            .json(&json!({ "product_id": "member_month", "method": "alipay" }))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replay"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    let orders = server
        .expect(Method::GET, "/v1/orders", &token, None, StatusCode::OK)
        .await;
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1);
}

/// WeChat Pay's API down: ordering with it is refused as the gateway's failure and makes no
/// order; Alipay still takes orders; back up, WeChat Pay does too.
#[tokio::test]
async fn an_outage_at_wechat_pay_refuses_its_orders_and_makes_none() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let outage = |down: bool| {
        server.call(
            Method::POST,
            "/dev/pay/outage",
            None,
            Some(json!({ "down": down })),
        )
    };
    assert_eq!(outage(true).await.status(), StatusCode::NO_CONTENT);
    let refused = try_order(&server, Some(&token), "case_pack", "wechat_pay").await;
    assert_error(
        refused,
        StatusCode::BAD_GATEWAY,
        "payment_gateway_unavailable",
    )
    .await;
    assert_eq!(count_rows(&server, "pay_orders"), 0);
    order(&server, &token, "case_pack", "alipay").await;
    assert_eq!(outage(false).await.status(), StatusCode::NO_CONTENT);
    order(&server, &token, "case_pack", "wechat_pay").await;
    assert_eq!(count_rows(&server, "pay_orders"), 2);
}

#[tokio::test]
async fn an_unpaid_order_closes_after_its_time_limit_and_cannot_be_paid() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "case_pack", "wechat_pay").await;
    let number = number(&created);
    sdk(&server, &created, "succeed", "held").await;
    // A second short of the limit, with one more of slack: the wall clock may tick meanwhile.
    server.advance(898).await;
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "created"
    );
    server.advance(3).await;
    // A refresh of the session's access token is not needed: 901 s is past its 900 s.
    let token = access(&server.login(PHONE).await);
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "closed"
    );
    let outcome = notify(&server, &number, "none").await;
    assert_eq!(outcome["accepted"], false);
    assert_eq!(outcome["refusal"], "order_not_payable");
    assert_eq!(entitlements(&server, &token).await["goods"], json!([]));
}

#[tokio::test]
async fn a_refund_ends_what_the_order_gave() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "member_month", "alipay").await;
    let number = number(&created);
    sdk(&server, &created, "succeed", "now").await;
    assert!(entitlements(&server, &token).await["membership_until"].is_i64());
    let refunded = server
        .post("/dev/pay/refund", json!({ "order_number": number }))
        .await;
    assert_eq!(refunded.status(), StatusCode::OK);
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "refunded"
    );
    assert_eq!(
        entitlements(&server, &token).await["membership_until"],
        Value::Null
    );
    // Once is enough; the gateway's repeat does not pay it again.
    assert_error(
        server
            .post("/dev/pay/refund", json!({ "order_number": number }))
            .await,
        StatusCode::CONFLICT,
        "order_not_refundable",
    )
    .await;
    assert_eq!(notify(&server, &number, "none").await["accepted"], true);
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "refunded"
    );
}

#[tokio::test]
async fn an_amount_over_the_threshold_needs_a_recent_login() {
    let server = TestServer::dev();
    let session = server.login(PHONE).await;
    let token = access(&session);
    server.advance(301).await;
    let refresh = session["refresh_token"].as_str().unwrap();
    let refreshed: Value = server.refresh(refresh).await.json().await.unwrap();
    let token_after = access(&refreshed);
    assert_ne!(token, token_after);
    let response = try_order(&server, Some(&token_after), "ecg_course", "alipay").await;
    assert_error(response, StatusCode::FORBIDDEN, "reauth_required").await;
    // Below the threshold the same session may buy.
    order(&server, &token_after, "case_pack", "alipay").await;
    let fresh = access(&server.login(PHONE).await);
    order(&server, &fresh, "ecg_course", "alipay").await;
}

#[tokio::test]
async fn ordering_needs_a_session_and_a_known_product() {
    let server = TestServer::dev();
    let response = try_order(&server, None, "member_month", "alipay").await;
    assert_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let token = access(&server.login(PHONE).await);
    let response = try_order(&server, Some(&token), "gold_bar", "alipay").await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_product",
    )
    .await;
    let response = server
        .call(
            Method::GET,
            "/v1/orders/MC00000000000000000000",
            Some(&token),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "order_not_found").await;
}

#[tokio::test]
async fn a_production_server_without_gateways_takes_no_payments() {
    let server = TestServer::production();
    let body: Value = server.get("/v1/shop/products").await.json().await.unwrap();
    assert_eq!(body["methods"], json!([]));
    assert_eq!(
        server.get("/dev/pay/security-events").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_account_export_holds_its_orders_and_what_they_give() {
    let server = TestServer::dev();
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "member_month", "alipay").await;
    sdk(&server, &created, "succeed", "now").await;
    let export = server
        .expect(Method::GET, "/v1/me/export", &token, None, StatusCode::OK)
        .await;
    assert_eq!(export["orders"][0]["number"], number(&created).as_str());
    assert_eq!(export["orders"][0]["payer_account"], "138****8000");
    assert!(export["entitlements"]["membership_until"].is_i64());
}

/// A 2048-bit key pair: the PKCS#8 PEM of its private half, its public half as Alipay's
/// console shows keys (bare base64 of the X.509 DER), and ring's signer.
fn rsa_key() -> (String, String, ring::signature::RsaKeyPair) {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public = key.to_public_key().to_public_key_der().unwrap();
    let signer =
        ring::signature::RsaKeyPair::from_pkcs8(key.to_pkcs8_der().unwrap().as_bytes()).unwrap();
    (pem, STANDARD.encode(public.as_bytes()), signer)
}

fn rsa2_sign(signer: &ring::signature::RsaKeyPair, message: &str) -> String {
    let mut signature = vec![0; signer.public().modulus_len()];
    signer
        .sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .unwrap();
    STANDARD.encode(signature)
}

/// Production's configuration path: the merchant's key and Alipay's read from files, the
/// `orderString` signed with the one, notifications trusted only under the other.
#[tokio::test]
async fn a_configured_alipay_merchant_signs_with_its_key_and_trusts_only_alipays() {
    let (merchant_pem, merchant_public, merchant_signer) = rsa_key();
    let (_, alipay_public, alipay_signer) = rsa_key();
    let keys = tempfile::tempdir().unwrap();
    let merchant_file = keys.path().join("merchant.pem");
    let alipay_file = keys.path().join("alipay.pub");
    std::fs::write(&merchant_file, merchant_pem).unwrap();
    std::fs::write(&alipay_file, &alipay_public).unwrap();
    let merchant: AlipayMerchant = format!(
        "2021009999999999,2088009999999999,file:{},file:{}",
        merchant_file.display(),
        alipay_file.display()
    )
    .parse()
    .unwrap();
    assert!(!format!("{merchant:?}").contains("BEGIN"), "never the key");
    let server = TestServer::dev_with(Options {
        payments: PaymentSettings {
            alipay: Some(merchant),
            ..PaymentSettings::default()
        },
        ..Options::default()
    });
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "member_month", "alipay").await;
    let mut params: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(
        created["pay_request"]["order_string"]
            .as_str()
            .unwrap()
            .as_bytes(),
    )
    .into_owned()
    .collect();
    assert_eq!(params["app_id"], "2021009999999999");
    let sign = STANDARD.decode(params.remove("sign").unwrap()).unwrap();
    let content = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let merchant_der = STANDARD.decode(&merchant_public).unwrap();
    let merchant_spki = rsa::RsaPublicKey::from_public_key_der(&merchant_der).unwrap();
    let merchant_pkcs1 = merchant_spki.to_pkcs1_der().unwrap();
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        merchant_pkcs1.as_bytes(),
    )
    .verify(content.as_bytes(), &sign)
    .expect("the orderString is signed with the configured merchant key");

    let number = number(&created);
    let fields = [
        ("app_id", "2021009999999999"),
        ("seller_id", "2088009999999999"),
        ("out_trade_no", number.as_str()),
        ("trade_no", "2026120522001400000000000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "25.00"),
        ("buyer_logon_id", "139****0000"),
    ];
    let content = {
        let mut sorted = fields.to_vec();
        sorted.sort_unstable();
        sorted
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let post = |signer: &ring::signature::RsaKeyPair| {
        let sign = rsa2_sign(signer, &content);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .extend_pairs([("sign_type", "RSA2"), ("sign", sign.as_str())])
            .finish();
        server
            .http
            .post(server.url("/v1/pay/notify/alipay"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Signed by the merchant, not by Alipay: refused.
    assert_eq!(
        post(&merchant_signer).await.unwrap().text().await.unwrap(),
        "fail"
    );
    assert_eq!(
        get_order(&server, &token, &number).await["status"],
        "created"
    );
    assert_eq!(
        post(&alipay_signer).await.unwrap().text().await.unwrap(),
        "success"
    );
    let paid = get_order(&server, &token, &number).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payer_account"], "139****0000");
}

/// WeChat Pay's API for the prepay order, played on loopback: it checks the merchant's
/// `Authorization` signature (401 otherwise), keeps each order asked for, and answers a prepay
/// id signed with the platform key, or, once `forge` is set, with another key.
struct WechatPayApi {
    url: String,
    asked: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    forge: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

async fn wechat_pay_api(
    merchant_pkcs1: Vec<u8>,
    platform: ring::signature::RsaKeyPair,
    forger: ring::signature::RsaKeyPair,
) -> WechatPayApi {
    use axum::http::{HeaderMap, StatusCode as Status};
    use std::sync::atomic::Ordering;
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let forge = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let keys = std::sync::Arc::new((platform, forger));
    let (kept, forging) = (asked.clone(), forge.clone());
    let prepay = move |headers: HeaderMap, body: String| {
        let (kept, forging, keys) = (kept.clone(), forging.clone(), keys.clone());
        let merchant_pkcs1 = merchant_pkcs1.clone();
        async move {
            let authorization = headers["authorization"].to_str().unwrap().to_owned();
            let field = |name: &str| {
                authorization
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default()
                    .to_owned()
            };
            let message = format!(
                "POST\n/v3/pay/transactions/app\n{}\n{}\n{body}\n",
                field("timestamp"),
                field("nonce_str")
            );
            let signed = ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                &merchant_pkcs1,
            )
            .verify(
                message.as_bytes(),
                &STANDARD.decode(field("signature")).unwrap_or_default(),
            )
            .is_ok();
            if !authorization.starts_with("WECHATPAY2-SHA256-RSA2048 ")
                || !signed
                || field("serial_no") != "5157F09EFDC096DE"
            {
                return (Status::UNAUTHORIZED, HeaderMap::new(), String::new());
            }
            kept.lock()
                .unwrap()
                .push(serde_json::from_str(&body).unwrap());
            let answer = r#"{"prepay_id":"wx201410272009395522657a690389285100"}"#.to_owned();
            let (timestamp, nonce) = (unix_now().to_string(), "answer-nonce".to_owned());
            let signer = if forging.load(Ordering::SeqCst) {
                &keys.1
            } else {
                &keys.0
            };
            let signature = rsa2_sign(signer, &format!("{timestamp}\n{nonce}\n{answer}\n"));
            let mut headers = HeaderMap::new();
            headers.insert("wechatpay-timestamp", timestamp.parse().unwrap());
            headers.insert("wechatpay-nonce", nonce.parse().unwrap());
            headers.insert("wechatpay-signature", signature.parse().unwrap());
            headers.insert("content-type", "application/json".parse().unwrap());
            (Status::OK, headers, answer)
        }
    };
    let app = axum::Router::new().route("/v3/pay/transactions/app", axum::routing::post(prepay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    WechatPayApi { url, asked, forge }
}

/// Production's WeChat Pay: the prepay order asked of WeChat Pay's API, signed by the
/// configured merchant key, its answer taken only under the platform key.
#[tokio::test]
async fn a_configured_wechat_pay_merchant_asks_wechat_pay_for_the_prepay_order() {
    let (merchant_pem, merchant_public, _) = rsa_key();
    let (_, platform_public, platform_signer) = rsa_key();
    let (_, _, forger) = rsa_key();
    let merchant_der = STANDARD.decode(&merchant_public).unwrap();
    let merchant_pkcs1 = rsa::RsaPublicKey::from_public_key_der(&merchant_der)
        .unwrap()
        .to_pkcs1_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    let api = wechat_pay_api(merchant_pkcs1, platform_signer, forger).await;
    let keys = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = keys.path().join(name);
        std::fs::write(&path, text).unwrap();
        format!("file:{}", path.display())
    };
    let merchant: WechatPayMerchant = format!(
        "wx8888888888888888,1900000109,5157F09EFDC096DE,{},{},{},{}",
        write("apiclient_key.pem", &merchant_pem),
        write("pub_key.pem", &platform_public),
        write("apiv3.key", "0123456789abcdef0123456789abcdef"),
        api.url
    )
    .parse()
    .unwrap();
    let server = TestServer::dev_with(Options {
        payments: PaymentSettings {
            wechat_pay: Some(merchant),
            ..PaymentSettings::default()
        },
        ..Options::default()
    });
    let token = access(&server.login(PHONE).await);
    let created = order(&server, &token, "case_pack", "wechat_pay").await;
    let params = &created["pay_request"]["params"];
    assert_eq!(params["prepayid"], "wx201410272009395522657a690389285100");
    assert_eq!(params["appid"], "wx8888888888888888");
    let asked = api.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["out_trade_no"], created["order"]["number"]);
    assert_eq!(
        asked[0]["amount"],
        json!({ "total": 600, "currency": "CNY" })
    );
    assert_eq!(asked[0]["mchid"], "1900000109");
    assert!(
        asked[0]["notify_url"]
            .as_str()
            .unwrap()
            .ends_with("/v1/pay/notify/wechat_pay")
    );

    // An answer not signed by the platform key is no prepay id: no order.
    api.forge.store(true, std::sync::atomic::Ordering::SeqCst);
    let response = try_order(&server, Some(&token), "case_pack", "wechat_pay").await;
    assert_error(
        response,
        StatusCode::BAD_GATEWAY,
        "payment_gateway_unavailable",
    )
    .await;
    let orders = server
        .expect(Method::GET, "/v1/orders", &token, None, StatusCode::OK)
        .await;
    assert_eq!(orders["orders"].as_array().unwrap().len(), 1);
}
