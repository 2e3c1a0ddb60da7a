//! The wheat-grain mall against the reference server: points and their daily caps, the
//! address book's checks on both sides, redemptions racing for the last item, retried through
//! lost answers, cancelled and refunded, shipped with the address disclosed and recorded, and
//! the address nowhere in clear on disk.

use std::sync::Arc;

use futures_util::future::join_all;
use medcircle_core::{
    AddressField, Client, LedgerFilter, MallError, NewAddress, PointsReason, RedemptionStatus,
};
use serde_json::{Value, json};

use crate::common::proxy::Fault;
use crate::common::{Harness, files_under};

/// A recipient's name and street planted to be looked for where they must not be.
pub const PLANTED_NAME: &str = "欧阳明远";
pub const PLANTED_STREET: &str = "幸福里七弄十九号";
pub const PLANTED_PHONE: &str = "13912345678";

pub fn address(name: &str, phone: &str, street: &str) -> NewAddress {
    NewAddress {
        recipient_name: name.into(),
        phone: phone.into(),
        province: "北京市".into(),
        city: "北京市".into(),
        district: "东城区".into(),
        street: street.into(),
        is_default: false,
    }
}

/// Plays the operator: an item with this price, stock and limit; its id.
pub async fn add_item(h: &Harness, price: i64, stock: i64, limit: i64) -> String {
    let item = h
        .dev_post(
            "/dev/mall/items",
            json!({ "title": "测试商品", "price": price, "stock": stock,
                "per_user_limit": limit, "supplier": "测试供应商" }),
        )
        .await;
    item["id"].as_str().unwrap().to_string()
}

pub async fn grant(h: &Harness, user_id: &str, amount: i64) {
    h.dev_post(
        "/dev/points/grant",
        json!({ "user_id": user_id, "amount": amount }),
    )
    .await;
}

pub async fn ship(h: &Harness, redemption_id: &str) {
    h.dev_post(
        &format!("/dev/mall/redemptions/{redemption_id}/ship"),
        json!({ "carrier": "顺丰速运", "tracking_number": "SF1234567890" }),
    )
    .await;
}

/// A logged-in client with `points` granted.
async fn shopper(h: &Harness, name: &str, phone: &str, points: i64) -> Client {
    let client = h.consented_client(name).await;
    let user = h.login(&client, phone).await;
    grant(h, &user.id, points).await;
    client
}

/// The mall as the log-privacy journey walks it: check in, add the planted address, redeem.
pub async fn journey(h: &Harness, client: &Client, user_id: &str) {
    let mall = client.mall();
    mall.check_in().await.unwrap();
    grant(h, user_id, 500).await;
    let added = mall
        .add_address(address(PLANTED_NAME, PLANTED_PHONE, PLANTED_STREET))
        .await
        .unwrap();
    let item = add_item(h, 100, 5, 1).await;
    mall.redeem(item, added.id).await.unwrap();
    mall.refresh_redemptions().await.unwrap();
}

fn sum(history: &[medcircle_core::PointsChange]) -> i64 {
    history.iter().map(|change| change.amount).sum()
}

#[tokio::test]
async fn checking_in_earns_once_a_day_and_the_history_sums_to_the_balance() {
    let mut h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138101").await;
    let mall = client.mall();

    let first = mall.check_in().await.unwrap();
    assert!(first.awarded);
    assert_eq!(first.balance, first.amount);
    let again = mall.check_in().await.unwrap();
    assert!(!again.awarded, "once a day");
    assert_eq!(again.balance, first.amount);

    h.advance_clock(86_400).await;
    let next_day = mall.check_in().await.unwrap();
    assert!(next_day.awarded);
    let points = mall.refresh_points().await.unwrap();
    assert_eq!(points.balance, 2 * first.amount);
    assert_eq!(sum(&points.history), points.balance);
    assert!(
        points
            .history
            .iter()
            .all(|c| c.reason == PointsReason::CheckIn)
    );

    // Offline: the kept balance and history.
    h.stop_server();
    assert!(mall.refresh_points().await.is_err());
    assert_eq!(mall.cached_points().await.unwrap(), Some(points));
}

#[tokio::test]
async fn posts_comments_and_certification_earn_within_their_daily_caps() {
    let h = Harness::start();
    let author = h.consented_client("author").await;
    let author_user = h.login(&author, "13800138102").await;
    let reader = h.consented_client("reader").await;
    h.login(&reader, "13800138103").await;

    let mut posts = Vec::new();
    for n in 0..4 {
        let posted = published(&author, &format!("查房记录 {n}")).await;
        posts.push(posted);
    }
    // Twelve comments from another account, one from the author on their own post.
    for n in 0..12 {
        comment_as(&h, &reader, &posts[0], &format!("同意 {n}")).await;
    }
    comment_as(&h, &author, &posts[0], "自己的评论").await;
    h.certify(&author).await;
    h.decide_certification(&author_user.id, true, None).await;
    h.decide_certification(&author_user.id, true, None).await;

    let points = author.mall().refresh_points().await.unwrap();
    let count = |reason| points.history.iter().filter(|c| c.reason == reason).count();
    assert_eq!(
        count(PointsReason::PostPublished),
        3,
        "at most 3 posts a day"
    );
    assert_eq!(
        count(PointsReason::CommentReceived),
        10,
        "at most 10 comments received a day, never one's own"
    );
    assert_eq!(count(PointsReason::CertificationCompleted), 1, "once");
    assert_eq!(points.balance, 3 * 5 + 10 * 2 + 100);
    assert_eq!(sum(&points.history), points.balance);
    let reader_points = reader.mall().refresh_points().await.unwrap();
    assert_eq!(
        reader_points.balance, 0,
        "commenting earns the author, not the reader"
    );
}

/// Publishes through the feed (the outbox sends it now); the post's server id.
async fn published(client: &Client, text: &str) -> String {
    let item = client
        .feed()
        .publish(
            text.into(),
            vec![],
            Arc::new(crate::common::NoProgress),
            medcircle_core::CancelToken::new(),
        )
        .await
        .unwrap();
    match item.delivery {
        medcircle_core::Delivery::Sent => item.post.id,
        other => panic!("{other:?}"),
    }
}

async fn comment_as(_h: &Harness, client: &Client, post_id: &str, text: &str) {
    client
        .feed()
        .comment(post_id.into(), text.into())
        .await
        .unwrap();
    client.feed().flush().await.unwrap();
}

#[tokio::test]
async fn addresses_are_checked_on_both_sides_and_listed_masked() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    h.login(&client, "13800138104").await;
    let mall = client.mall();

    for (bad, field) in [
        (
            address("张三", "1380013800", "帅府园1号"),
            AddressField::Phone,
        ),
        (
            address("张\u{200B}三", PLANTED_PHONE, "帅府园1号"),
            AddressField::RecipientName,
        ),
        (
            address("张三", PLANTED_PHONE, "帅府园\u{202E}1号"),
            AddressField::Street,
        ),
        (
            address("张三", PLANTED_PHONE, &"路".repeat(121)),
            AddressField::Street,
        ),
        (
            address("张三", PLANTED_PHONE, "帅府园\n1号"),
            AddressField::Street,
        ),
    ] {
        assert_eq!(
            mall.add_address(bad).await.unwrap_err(),
            MallError::AddressInvalid { field }
        );
    }
    assert_eq!(
        h.count_requests("/v1/me/addresses").await,
        0,
        "a bad address costs no request"
    );

    let first = mall
        .add_address(address(PLANTED_NAME, PLANTED_PHONE, PLANTED_STREET))
        .await
        .unwrap();
    assert!(first.is_default, "the first address is the default");
    assert_eq!(first.recipient_name, "欧***");
    assert_eq!(first.phone, "139****5678");
    let second = mall
        .add_address(address("李四", "13700137000", "帅府园1号"))
        .await
        .unwrap();
    assert!(!second.is_default);
    let list = mall.set_default_address(second.id.clone()).await.unwrap();
    assert_eq!(list[0].id, second.id);
    assert!(list[0].is_default && !list[1].is_default);
    let list = mall.delete_address(second.id.clone()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].is_default, "the remaining one becomes the default");
    assert_eq!(mall.cached_addresses().await.unwrap(), list);
    assert_eq!(
        mall.delete_address(second.id).await.unwrap_err(),
        MallError::AddressNotFound
    );
}

#[tokio::test]
async fn the_race_for_the_last_items_has_as_many_winners_as_stock() {
    let h = Harness::start();
    let item = add_item(&h, 100, 3, 10).await;
    let mut shoppers = Vec::new();
    for (n, phone) in ["13800138105", "13800138106"].into_iter().enumerate() {
        let client = shopper(&h, &format!("shopper{n}"), phone, 1000).await;
        let mut addresses = Vec::new();
        for street in ["一号", "二号", "三号", "四号"] {
            let added = client
                .mall()
                .add_address(address("王五", "13600136000", street))
                .await
                .unwrap();
            addresses.push(added.id);
        }
        shoppers.push((client, addresses));
    }

    // Eight redemptions at once, four from each account, for three items.
    let attempts = shoppers.iter().flat_map(|(client, addresses)| {
        addresses.iter().map(|address_id| {
            let mall = client.mall();
            let (item, address_id) = (item.clone(), address_id.clone());
            async move { mall.redeem(item, address_id).await }
        })
    });
    let results = join_all(attempts).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 3, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| *e == MallError::OutOfStock),
        "{results:?}"
    );

    let mall = shoppers[0].0.mall();
    assert_eq!(mall.item(item.clone()).await.unwrap().stock, 0);
    let mut spent = 0;
    for (client, _) in &shoppers {
        let points = client.mall().refresh_points().await.unwrap();
        let redeemed = client.mall().refresh_redemptions().await.unwrap().len() as i64;
        assert_eq!(sum(&points.history), points.balance);
        assert_eq!(
            points.balance,
            1000 - 100 * redeemed,
            "each redemption paid once"
        );
        spent += 1000 - points.balance;
    }
    assert_eq!(spent, 300, "three items, three payments");

    // The typed refusals.
    assert_eq!(
        mall.redeem(item, shoppers[0].1[0].clone())
            .await
            .unwrap_err(),
        MallError::OutOfStock
    );
    let pricey = add_item(&h, 5000, 5, 1).await;
    assert_eq!(
        mall.redeem(pricey, shoppers[0].1[0].clone())
            .await
            .unwrap_err(),
        MallError::InsufficientPoints
    );
    let one_each = add_item(&h, 10, 5, 1).await;
    mall.redeem(one_each.clone(), shoppers[0].1[0].clone())
        .await
        .unwrap();
    assert_eq!(
        mall.redeem(one_each, shoppers[0].1[1].clone())
            .await
            .unwrap_err(),
        MallError::LimitReached
    );
}

#[tokio::test]
async fn a_redemption_retried_through_lost_answers_is_made_once() {
    let h = Harness::start();
    let item = add_item(&h, 100, 5, 5).await;
    let (proxy, client) = h.logged_in_behind_a_proxy("13800138107").await;
    let user = client.auth().whoami().await.unwrap();
    grant(&h, &user.id, 1000).await;
    let mall = client.mall();
    let to = mall
        .add_address(address("赵六", "13500135000", "帅府园1号"))
        .await
        .unwrap();

    // The server redeems; every answer (the first and each retry's replay) is cut off.
    proxy.set(Fault::Truncate);
    let lost = mall.redeem(item.clone(), to.id.clone()).await.unwrap_err();
    assert!(matches!(lost, MallError::Network { .. }), "{lost:?}");

    // The user taps again once the network is back: the same key, the server's first answer.
    proxy.set(Fault::None);
    let redemption = mall.redeem(item.clone(), to.id.clone()).await.unwrap();
    let orders = mall.refresh_redemptions().await.unwrap();
    assert_eq!(orders.len(), 1, "made once: {orders:?}");
    assert_eq!(orders[0].id, redemption.id);
    let points = mall.refresh_points().await.unwrap();
    assert_eq!(points.balance, 900, "paid once");
    assert_eq!(sum(&points.history), points.balance);
    assert_eq!(mall.item(item.clone()).await.unwrap().stock, 4);

    // Settled: the next redemption is a new one. Two taps at once before its answer came
    // share its key: one redemption, the same for both.
    let (one, two) = tokio::join!(
        mall.redeem(item.clone(), to.id.clone()),
        mall.redeem(item.clone(), to.id.clone())
    );
    assert_eq!(one.unwrap().id, two.unwrap().id);
    assert_eq!(mall.refresh_redemptions().await.unwrap().len(), 2);
    assert_eq!(mall.refresh_points().await.unwrap().balance, 800);
    assert_eq!(mall.item(item).await.unwrap().stock, 3);
}

#[tokio::test]
async fn cancelling_refunds_until_shipped_and_shipping_discloses_the_address() {
    let h = Harness::start();
    let item = add_item(&h, 100, 2, 5).await;
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138108").await;
    grant(&h, &user.id, 300).await;
    let mall = client.mall();
    let to = mall
        .add_address(address(PLANTED_NAME, PLANTED_PHONE, PLANTED_STREET))
        .await
        .unwrap();
    let mut updates = mall.redemption_updates();
    assert_eq!(updates.next().await.unwrap(), vec![], "nothing kept yet");

    let placed = mall.redeem(item.clone(), to.id.clone()).await.unwrap();
    assert_eq!(placed.status, RedemptionStatus::Placed);
    assert_eq!(placed.address.recipient_name, "欧***");
    assert_eq!(updates.next().await.unwrap()[0].id, placed.id);
    let cancelled = mall.cancel_redemption(placed.id.clone()).await.unwrap();
    assert_eq!(cancelled.status, RedemptionStatus::Cancelled);
    assert_eq!(
        updates.next().await.unwrap()[0].status,
        RedemptionStatus::Cancelled
    );
    let points = mall.refresh_points().await.unwrap();
    assert_eq!(points.balance, 300, "refunded");
    assert_eq!(points.history[0].reason, PointsReason::Refund);
    assert_eq!(sum(&points.history), points.balance);
    assert_eq!(
        mall.item(item.clone()).await.unwrap().stock,
        2,
        "back in stock"
    );
    // Cancelling twice refunds once.
    mall.cancel_redemption(placed.id.clone()).await.unwrap();
    assert_eq!(mall.refresh_points().await.unwrap().balance, 300);

    let shipped = mall.redeem(item, to.id.clone()).await.unwrap();
    ship(&h, &shipped.id).await;
    assert_eq!(
        mall.cancel_redemption(shipped.id.clone())
            .await
            .unwrap_err(),
        MallError::NotCancellable
    );
    mall.refresh_redemptions().await.unwrap();
    let seen = updates.next().await.unwrap();
    let order = seen.iter().find(|r| r.id == shipped.id).unwrap();
    assert_eq!(order.status, RedemptionStatus::Shipped);
    assert_eq!(order.carrier.as_deref(), Some("顺丰速运"));
    assert_eq!(order.tracking_number.as_deref(), Some("SF1234567890"));
    h.dev_post(
        &format!("/dev/mall/redemptions/{}/deliver", shipped.id),
        json!({}),
    )
    .await;
    let orders = mall.refresh_redemptions().await.unwrap();
    assert_eq!(orders[0].status, RedemptionStatus::Delivered);

    // The export names each disclosure: which address, to whom, when.
    let export: Value =
        serde_json::from_str(&client.privacy().export_my_data().await.unwrap()).unwrap();
    let disclosures = export["server"]["address_disclosures"]
        .as_array()
        .unwrap_or_else(|| panic!("{export:#}"))
        .clone();
    let recipients: Vec<_> = disclosures
        .iter()
        .map(|d| d["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(recipients, ["logistics_provider", "supplier"]);
    for disclosure in &disclosures {
        assert_eq!(disclosure["redemption_id"], shipped.id.as_str());
        assert_eq!(disclosure["address_id"], to.id.as_str());
        assert_eq!(disclosure["address"]["street"], PLANTED_STREET);
        assert!(disclosure["disclosed_at"].as_i64().unwrap() > 0);
    }
    // The sharing list and the ledger follow the inventory.
    let sharing = client.privacy().third_party_sharing();
    for recipient in ["logistics provider", "supplier"] {
        let entry = sharing
            .iter()
            .find(|s| s.recipient.to_lowercase().contains(recipient))
            .unwrap_or_else(|| panic!("{recipient}: {sharing:?}"));
        assert_eq!(entry.items, ["Delivery address"]);
    }
    let ledger = client
        .privacy()
        .ledger(LedgerFilter {
            item: Some("delivery_address".into()),
            ..LedgerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1, "sent once, when added: {ledger:?}");
}

#[tokio::test]
async fn the_address_is_nowhere_in_clear_on_disk_and_goes_with_the_account() {
    let h = Harness::start();
    let client = h.consented_client("app").await;
    let user = h.login(&client, "13800138109").await;
    journey(&h, &client, &user.id).await;
    client.mall().refresh_addresses().await.unwrap();
    client.mall().refresh_points().await.unwrap();
    client.mall().refresh_catalogue().await.unwrap();
    client.close(2_000).await;

    let files = files_under(&h.data_dir("app"));
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for value in [
            PLANTED_NAME,
            PLANTED_STREET,
            PLANTED_PHONE,
            &PLANTED_PHONE[3..7],
        ] {
            assert!(
                !text.contains(value),
                "{} contains {value:?} in clear",
                file.display()
            );
        }
    }
    // The server keeps it sealed: not in its database file either.
    let server_db = std::fs::read(h.dir.path().join("server.db")).unwrap();
    let server_text = String::from_utf8_lossy(&server_db);
    assert!(!server_text.contains(PLANTED_STREET));
    assert!(!server_text.contains(PLANTED_NAME));

    // Deleting the account deletes the address book with it.
    client.privacy().delete_account().await.unwrap();
    h.advance_clock(61).await;
    let again = h.consented_client("again").await;
    h.login(&again, "13800138109").await;
    assert_eq!(again.mall().refresh_addresses().await.unwrap(), vec![]);
}
