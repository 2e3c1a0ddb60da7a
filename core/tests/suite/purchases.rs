//! Buying against the reference server's dev gateways, through the core: the SDK's answer is
//! never the last word, the server's is. Every case of the proof list.

use std::sync::Arc;
use std::time::Duration;

use medcircle_core::{
    Client, LedgerFilter, OrderStatus, PayRequest, PaymentMethod, PaymentOutcome, PaymentProvider,
    ProviderError, Purchase, PurchaseError, PurchasesClient, SdkResult,
};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::common::Harness;

const PHONE: &str = "13800138160";

/// The shell's SDK, played by the dev gateway: what the user does there (`succeed`,
/// `processing`, `cancel`, `fail`) and when the gateway notifies the server (`now`, `twice`,
/// `held`). With `hang`, the SDK never comes back (the app is killed meanwhile).
pub(crate) struct DevSdk {
    url: String,
    result: &'static str,
    notify: &'static str,
    hang: Option<Arc<Notify>>,
}

impl DevSdk {
    pub(crate) fn new(h: &Harness, result: &'static str, notify: &'static str) -> Arc<DevSdk> {
        Arc::new(DevSdk {
            url: h.url.clone(),
            result,
            notify,
            hang: None,
        })
    }
}

#[async_trait::async_trait]
impl PaymentProvider for DevSdk {
    async fn pay(&self, request: PayRequest) -> Result<SdkResult, ProviderError> {
        let pay_request = match &request {
            PayRequest::Alipay { order_string } => {
                json!({ "method": "alipay", "order_string": order_string })
            }
            PayRequest::WechatPay { params } => json!({ "method": "wechat_pay", "params": {
                "appid": params.app_id, "partnerid": params.partner_id,
                "prepayid": params.prepay_id, "package": params.package,
                "noncestr": params.nonce_str, "timestamp": params.timestamp, "sign": params.sign,
            }}),
        };
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/dev/pay/sdk", self.url))
            .json(&json!({ "pay_request": pay_request, "result": self.result, "notify": self.notify }))
            .send()
            .await
            .map_err(|e| ProviderError::Failed {
                detail: e.to_string(),
            })?
            .json()
            .await
            .map_err(|e| ProviderError::Failed {
                detail: e.to_string(),
            })?;
        if let Some(hang) = &self.hang {
            hang.notified().await;
        }
        Ok(match request {
            PayRequest::Alipay { .. } => SdkResult::Alipay {
                result_status: answer["resultStatus"].as_str().unwrap().into(),
            },
            PayRequest::WechatPay { .. } => SdkResult::WechatPay {
                err_code: answer["errCode"].as_i64().unwrap() as i32,
            },
        })
    }
}

/// Buys `product` by `method`, paying with `sdk`.
async fn buy(
    shop: &PurchasesClient,
    product: &str,
    method: PaymentMethod,
    sdk: Arc<DevSdk>,
) -> Result<Purchase, PurchaseError> {
    shop.buy(product.into(), method, sdk).await
}

async fn logged_in(h: &Harness, name: &str) -> Client {
    let client = h.consented_client(name).await;
    h.login(&client, PHONE).await;
    client
}

async fn notify(h: &Harness, number: &str, tamper: &str) -> Value {
    h.dev_post(
        "/dev/pay/notify",
        json!({ "order_number": number, "tamper": tamper }),
    )
    .await
}

async fn orders_made(h: &Harness) -> usize {
    h.requests()
        .await
        .iter()
        .filter(|(method, path)| method == "POST" && path == "/v1/orders")
        .count()
}

async fn security_events(h: &Harness) -> Vec<Value> {
    let body: Value = reqwest::get(format!("{}/dev/pay/security-events", h.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn either_gateway_pays_and_the_account_gets_what_it_bought() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    let catalogue = shop.catalogue().await.unwrap();
    let month = catalogue
        .products
        .iter()
        .find(|p| p.id == "member_month")
        .unwrap();
    assert_eq!(month.price_fen, 2500);
    assert_eq!(month.title("zh-CN"), "月度会员");
    assert_eq!(
        catalogue.methods,
        [PaymentMethod::Alipay, PaymentMethod::WechatPay]
    );
    let mut entitlements = shop.entitlement_updates();
    assert_eq!(entitlements.next().await.unwrap().membership_until, None);

    let bought = buy(
        &shop,
        "member_month",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(bought.sdk, PaymentOutcome::Succeeded);
    assert_eq!(bought.order.status, OrderStatus::Paid);
    assert!(!bought.still_confirming);
    assert_eq!(bought.order.payer_account.as_deref(), Some("138****8000"));
    let until = entitlements.next().await.unwrap().membership_until.unwrap();
    assert_eq!(until, bought.order.paid_at.unwrap() + 31 * 86_400);

    let good = buy(
        &shop,
        "case_pack",
        PaymentMethod::WechatPay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(good.order.status, OrderStatus::Paid);
    assert_eq!(good.order.method, PaymentMethod::WechatPay);
    let owned = shop.entitlements().await.unwrap();
    assert_eq!(owned.goods.len(), 1);
    assert_eq!(owned.goods[0].product_id, "case_pack");

    // The order information went to MedCircle, and the ledger says so.
    let ledger = client
        .privacy()
        .ledger(LedgerFilter {
            item: Some("order_information".into()),
            purpose: None,
            since: None,
            until: None,
        })
        .await
        .unwrap();
    assert!(
        ledger.iter().any(|e| e.endpoint.contains("/v1/orders")),
        "{ledger:?}"
    );
    // Another device of the account restores it from the server.
    h.advance_clock(61).await;
    let other = logged_in(&h, "tablet").await;
    let restored = other.purchases().entitlements().await.unwrap();
    assert_eq!(restored.membership_until, Some(until));
    assert_eq!(other.purchases().orders().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_cancelled_or_failed_payment_gives_nothing() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    for (method, result, outcome, status) in [
        (
            PaymentMethod::Alipay,
            "cancel",
            PaymentOutcome::Cancelled,
            OrderStatus::Cancelled,
        ),
        (
            PaymentMethod::WechatPay,
            "cancel",
            PaymentOutcome::Cancelled,
            OrderStatus::Cancelled,
        ),
        (
            PaymentMethod::Alipay,
            "fail",
            PaymentOutcome::Failed,
            OrderStatus::Failed,
        ),
    ] {
        let bought = buy(
            &shop,
            "member_month",
            method,
            DevSdk::new(&h, result, "now"),
        )
        .await
        .unwrap();
        assert_eq!(bought.sdk, outcome);
        assert_eq!(bought.order.status, status);
        assert!(!bought.still_confirming);
    }
    assert_eq!(
        shop.refresh_entitlements().await.unwrap().membership_until,
        None
    );
}

#[tokio::test]
async fn any_confirmation_limit_the_app_sets_is_taken() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    shop.set_confirmation_limit_ms(u64::MAX);
    let bought = buy(
        &shop,
        "member_month",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(bought.order.status, OrderStatus::Paid);
    assert!(!bought.still_confirming);
}

#[tokio::test]
async fn sdk_success_without_a_notification_is_still_confirming_until_it_arrives() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    shop.set_confirmation_limit_ms(1_500);
    let bought = buy(
        &shop,
        "member_month",
        PaymentMethod::WechatPay,
        DevSdk::new(&h, "succeed", "held"),
    )
    .await
    .unwrap();
    assert_eq!(bought.sdk, PaymentOutcome::Succeeded);
    assert!(bought.still_confirming);
    assert_eq!(bought.order.status, OrderStatus::Paying);
    assert!(bought.order.confirming);
    assert_eq!(shop.entitlements().await.unwrap().membership_until, None);

    let mut orders = shop.order_updates();
    let first = orders.next().await.unwrap();
    assert!(first[0].confirming);
    assert_eq!(
        notify(&h, &bought.order.number, "none").await["accepted"],
        true
    );
    shop.refresh_orders().await.unwrap();
    let resolved = loop {
        let list = orders.next().await.unwrap();
        if list[0].status == OrderStatus::Paid {
            break list;
        }
    };
    assert!(!resolved[0].confirming);
    assert!(
        shop.entitlements()
            .await
            .unwrap()
            .membership_until
            .is_some()
    );
}

#[tokio::test]
async fn a_notification_before_the_sdk_returns_and_its_repeat_are_recorded_once() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    let bought = buy(
        &shop,
        "case_pack",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "twice"),
    )
    .await
    .unwrap();
    assert_eq!(bought.order.status, OrderStatus::Paid);
    assert_eq!(
        notify(&h, &bought.order.number, "none").await["accepted"],
        true
    );
    let owned = shop.refresh_entitlements().await.unwrap();
    assert_eq!(owned.goods[0].quantity, 1);
    assert!(security_events(&h).await.is_empty());
}

#[tokio::test]
async fn forged_altered_and_mismatched_notifications_leave_the_order_unpaid() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    shop.set_confirmation_limit_ms(300);
    for method in [PaymentMethod::Alipay, PaymentMethod::WechatPay] {
        let bought = buy(
            &shop,
            "member_month",
            method,
            DevSdk::new(&h, "succeed", "held"),
        )
        .await
        .unwrap();
        assert!(bought.still_confirming);
        for tamper in ["forge", "alter", "wrong_amount", "wrong_merchant"] {
            assert_eq!(
                notify(&h, &bought.order.number, tamper).await["accepted"],
                false
            );
        }
        let order = shop.order(bought.order.number.clone()).await.unwrap();
        assert_eq!(order.status, OrderStatus::Paying);
        assert!(order.confirming);
    }
    assert_eq!(security_events(&h).await.len(), 8);
    assert_eq!(
        shop.refresh_entitlements().await.unwrap().membership_until,
        None
    );
}

#[tokio::test]
async fn a_double_tap_makes_one_order() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    let release = Arc::new(Notify::new());
    let sdk = Arc::new(DevSdk {
        url: h.url.clone(),
        result: "succeed",
        notify: "now",
        hang: Some(release.clone()),
    });
    let first = {
        let (shop, sdk) = (shop.clone(), sdk.clone());
        tokio::spawn(async move { buy(&shop, "member_month", PaymentMethod::Alipay, sdk).await })
    };
    // The first purchase is in the payment app when the second tap arrives.
    while orders_made(&h).await == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = buy(&shop, "member_month", PaymentMethod::Alipay, sdk.clone()).await;
    assert_eq!(second, Err(PurchaseError::AlreadyInProgress));
    release.notify_one();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.order.status, OrderStatus::Paid);
    assert_eq!(orders_made(&h).await, 1);
    assert_eq!(shop.refresh_orders().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_order_paid_while_the_app_was_killed_resolves_at_the_next_start() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let killed = Arc::new(DevSdk {
        url: h.url.clone(),
        result: "succeed",
        notify: "held",
        hang: Some(Arc::new(Notify::new())),
    });
    let shop = client.purchases();
    let purchase = buy(&shop, "member_year", PaymentMethod::Alipay, killed);
    assert!(
        tokio::time::timeout(Duration::from_secs(2), purchase)
            .await
            .is_err()
    );
    // The order was kept before the payment app was called: its number is on the device.
    let kept = shop.orders().await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].confirming);
    let number = kept[0].number.clone();
    // Killed: no second client on the same data while this one could still be at work (it
    // would resolve the order itself, racing the restarted app).
    drop(shop);
    drop(client);
    // The gateway's notification arrives while the app is down.
    assert_eq!(notify(&h, &number, "none").await["accepted"], true);
    let restarted = h.client("app").await;
    let mut orders = restarted.purchases().order_updates();
    let resolved = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let list = orders.next().await.unwrap();
            if list.first().is_some_and(|o| o.status == OrderStatus::Paid) {
                break list;
            }
        }
    })
    .await
    .expect("the order resolves at start");
    assert!(!resolved[0].confirming);
    let mut entitlements = restarted.purchases().entitlement_updates();
    let granted = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let value = entitlements.next().await.unwrap();
            if value.membership_until.is_some() {
                break value;
            }
        }
    })
    .await
    .expect("the membership follows");
    assert!(granted.membership_until.unwrap() > resolved[0].paid_at.unwrap());
}

#[tokio::test]
async fn an_unpaid_order_closes_after_its_time_limit() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    shop.set_confirmation_limit_ms(300);
    let bought = buy(
        &shop,
        "case_pack",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "processing", "held"),
    )
    .await
    .unwrap();
    assert_eq!(bought.sdk, PaymentOutcome::Processing);
    assert!(bought.still_confirming);
    h.advance_clock(901).await;
    let orders = shop.refresh_orders().await.unwrap();
    assert_eq!(orders[0].status, OrderStatus::Closed);
    assert!(!orders[0].confirming);
    assert_eq!(
        notify(&h, &bought.order.number, "none").await["accepted"],
        false
    );
    assert!(shop.refresh_entitlements().await.unwrap().goods.is_empty());
}

#[tokio::test]
async fn a_refund_ends_the_membership() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    let bought = buy(
        &shop,
        "member_month",
        PaymentMethod::WechatPay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert!(
        shop.entitlements()
            .await
            .unwrap()
            .membership_until
            .is_some()
    );
    h.dev_post(
        "/dev/pay/refund",
        json!({ "order_number": bought.order.number }),
    )
    .await;
    assert_eq!(
        shop.refresh_entitlements().await.unwrap().membership_until,
        None
    );
    let order = shop.order(bought.order.number.clone()).await.unwrap();
    assert_eq!(order.status, OrderStatus::Refunded);
}

#[tokio::test]
async fn an_amount_over_the_threshold_needs_a_step_up() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    h.advance_clock(301).await;
    let refused = buy(
        &shop,
        "ecg_course",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await;
    assert_eq!(refused, Err(PurchaseError::ReauthRequired));
    assert!(shop.orders().await.unwrap().is_empty());
    let unknown = buy(
        &shop,
        "gold_bar",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await;
    assert_eq!(unknown, Err(PurchaseError::UnknownProduct));
    assert!(shop.orders().await.unwrap().is_empty());
    client
        .auth()
        .request_reauth_code(PHONE.into())
        .await
        .unwrap();
    let code = h.outbox_code(PHONE).await;
    client
        .auth()
        .reauthenticate(PHONE.into(), code)
        .await
        .unwrap();
    let bought = buy(
        &shop,
        "ecg_course",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(bought.order.status, OrderStatus::Paid);
    assert_eq!(bought.order.amount_fen, 19_900);
}

#[tokio::test]
async fn logged_out_nothing_is_ordered_and_the_history_reads_offline() {
    let mut h = Harness::start();
    let client = h.consented_client("app").await;
    let refused = buy(
        &client.purchases(),
        "member_month",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await;
    assert_eq!(refused, Err(PurchaseError::NotLoggedIn));
    assert_eq!(orders_made(&h).await, 0);
    h.login(&client, PHONE).await;
    let bought = buy(
        &client.purchases(),
        "case_pack",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    client.close(2_000).await;
    drop(client);
    h.stop_server();
    let offline = h.client("app").await;
    let orders = offline.purchases().orders().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].number, bought.order.number);
    assert_eq!(orders[0].status, OrderStatus::Paid);
    let order = offline
        .purchases()
        .order(bought.order.number.clone())
        .await
        .unwrap();
    assert_eq!(order.payer_account.as_deref(), Some("138****8000"));
    assert_eq!(
        offline
            .purchases()
            .entitlements()
            .await
            .unwrap()
            .goods
            .len(),
        1
    );
    // Logging out leaves nothing of the account's purchases on screen.
    offline.auth().logout().await.unwrap();
    assert_eq!(
        offline.purchases().orders().await,
        Err(PurchaseError::NotLoggedIn)
    );
}

/// The server's times are in seconds: orders made within one list in the order they were
/// made, on this device and on another, not by their random numbers.
#[tokio::test]
async fn orders_made_within_a_second_keep_the_servers_order_here_and_elsewhere() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let mut made = Vec::new();
    for _ in 0..10 {
        let cancelled = buy(
            &client.purchases(),
            "case_pack",
            PaymentMethod::WechatPay,
            DevSdk::new(&h, "cancel", "now"),
        )
        .await
        .unwrap();
        made.insert(0, cancelled.order.number);
    }
    let numbers = |orders: Vec<medcircle_core::Order>| {
        orders.into_iter().map(|o| o.number).collect::<Vec<_>>()
    };
    assert_eq!(numbers(client.purchases().orders().await.unwrap()), made);
    assert_eq!(
        numbers(client.purchases().refresh_orders().await.unwrap()),
        made
    );
    let other = h.consented_client("other").await;
    h.advance_clock(61).await;
    h.login(&other, PHONE).await;
    assert_eq!(
        numbers(other.purchases().refresh_orders().await.unwrap()),
        made
    );
}

/// WeChat Pay's API down: the purchase fails with its own case, nothing is ordered or kept,
/// Alipay still works, and once WeChat Pay is back the same purchase goes through.
#[tokio::test]
async fn an_outage_at_the_gateway_is_its_own_error_and_orders_nothing() {
    let h = Harness::start();
    let client = logged_in(&h, "app").await;
    let shop = client.purchases();
    h.dev_post("/dev/pay/outage", json!({ "down": true })).await;
    let refused = buy(
        &shop,
        "case_pack",
        PaymentMethod::WechatPay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await;
    assert_eq!(refused, Err(PurchaseError::GatewayUnavailable));
    assert!(shop.orders().await.unwrap().is_empty());
    let by_alipay = buy(
        &shop,
        "case_pack",
        PaymentMethod::Alipay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(by_alipay.order.status, OrderStatus::Paid);
    h.dev_post("/dev/pay/outage", json!({ "down": false }))
        .await;
    let by_wechat = buy(
        &shop,
        "case_pack",
        PaymentMethod::WechatPay,
        DevSdk::new(&h, "succeed", "now"),
    )
    .await
    .unwrap();
    assert_eq!(by_wechat.order.status, OrderStatus::Paid);
    assert_eq!(orders_made(&h).await, 3);
    assert_eq!(shop.refresh_orders().await.unwrap().len(), 2);
}
