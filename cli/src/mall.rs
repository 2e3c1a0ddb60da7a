//! The wheat-grain mall in a terminal: points and the check-in, the catalogue, the address
//! book (names and phones always masked), redeeming and the orders.

use clap::Subcommand;
use medcircle_core::{
    Client, DeliveryAddress, MallItem, NewAddress, PointsReason, Redemption, RedemptionStatus,
};
use serde_json::{Value, json};

use crate::output::Output;

#[derive(Subcommand)]
pub(crate) enum AddressAction {
    /// Add an address (checked here first, then by the server).
    Add {
        /// The recipient's name.
        #[arg(long)]
        name: String,
        /// The recipient's mainland mobile number.
        #[arg(long)]
        phone: String,
        #[arg(long)]
        province: String,
        #[arg(long)]
        city: String,
        #[arg(long)]
        district: String,
        /// The street address.
        #[arg(long)]
        street: String,
        /// Make it the default address.
        #[arg(long)]
        default: bool,
    },
    /// The address book (as kept when the server cannot be reached).
    List,
    /// Make address ID the default.
    Default { id: String },
    /// Delete address ID.
    Delete { id: String },
}

#[derive(Subcommand)]
pub(crate) enum RedemptionAction {
    /// Cancel redemption ID (until it ships): the points come back.
    Cancel { id: String },
}

fn failed(error: impl std::fmt::Display) -> String {
    error.to_string()
}

fn reason(reason: PointsReason) -> &'static str {
    match reason {
        PointsReason::CheckIn => "check_in",
        PointsReason::PostPublished => "post_published",
        PointsReason::CommentReceived => "comment_received",
        PointsReason::CertificationCompleted => "certification_completed",
        PointsReason::Redemption => "redemption",
        PointsReason::Refund => "refund",
        PointsReason::Grant => "grant",
        PointsReason::Other => "other",
    }
}

fn status(status: RedemptionStatus) -> &'static str {
    match status {
        RedemptionStatus::Placed => "placed",
        RedemptionStatus::Shipped => "shipped",
        RedemptionStatus::Delivered => "delivered",
        RedemptionStatus::Cancelled => "cancelled",
    }
}

fn item_json(item: &MallItem) -> Value {
    json!({ "id": item.id, "title": item.title, "price": item.price, "stock": item.stock,
            "per_user_limit": item.per_user_limit, "supplier": item.supplier,
            "pictures": item.pictures })
}

fn address_json(address: &DeliveryAddress) -> Value {
    json!({ "id": address.id, "recipient_name": address.recipient_name,
            "phone": address.phone, "province": address.province, "city": address.city,
            "district": address.district, "street": address.street,
            "default": address.is_default })
}

fn redemption_json(redemption: &Redemption) -> Value {
    json!({ "id": redemption.id, "item_id": redemption.item_id,
            "item_title": redemption.item_title, "points": redemption.points,
            "status": status(redemption.status), "address": address_json(&redemption.address),
            "carrier": redemption.carrier, "tracking_number": redemption.tracking_number,
            "created_at": redemption.created_at, "updated_at": redemption.updated_at })
}

pub(crate) async fn points(client: &Client, out: &Output) -> Result<(), String> {
    let mall = client.mall();
    let (points, offline) = match mall.refresh_points().await {
        Ok(points) => (points, false),
        Err(error) => match mall.cached_points().await.map_err(failed)? {
            Some(points) => (points, true),
            None => return Err(error.to_string()),
        },
    };
    let mut lines: Vec<String> = points
        .history
        .iter()
        .map(|change| {
            format!(
                "{:+} {} ({}) at {}",
                change.amount,
                reason(change.reason),
                change.reference,
                change.created_at
            )
        })
        .collect();
    let kept = if offline { " (kept; offline)" } else { "" };
    lines.push(format!("{} wheat grains{kept}", points.balance));
    let history: Vec<Value> = points
        .history
        .iter()
        .map(|change| {
            json!({ "id": change.id, "amount": change.amount, "reason": reason(change.reason),
                    "reference": change.reference, "created_at": change.created_at })
        })
        .collect();
    out.emit(
        "points",
        &lines.join("\n"),
        json!({ "ok": true, "balance": points.balance, "history": history,
                "offline": offline, "fetched_at": points.fetched_at }),
    );
    Ok(())
}

pub(crate) async fn check_in(client: &Client, out: &Output) -> Result<(), String> {
    let outcome = client.mall().check_in().await.map_err(failed)?;
    let text = if outcome.awarded {
        format!(
            "checked in: +{}, balance {}",
            outcome.amount, outcome.balance
        )
    } else {
        format!("already checked in today; balance {}", outcome.balance)
    };
    out.emit(
        "checkin",
        &text,
        json!({ "ok": true, "awarded": outcome.awarded, "amount": outcome.amount,
                "balance": outcome.balance }),
    );
    Ok(())
}

pub(crate) async fn catalogue(client: &Client, more: bool, out: &Output) -> Result<(), String> {
    let mall = client.mall();
    let fetched = if more {
        mall.more_catalogue().await
    } else {
        mall.refresh_catalogue().await
    };
    let (page, offline) = match fetched {
        Ok(page) => (page, false),
        Err(error) => {
            let kept = mall.cached_catalogue().await.map_err(failed)?;
            if kept.items.is_empty() {
                return Err(error.to_string());
            }
            (kept, true)
        }
    };
    let mut lines: Vec<String> = page
        .items
        .iter()
        .map(|item| {
            format!(
                "{}: {} — {} grains, {} left (limit {})",
                item.id, item.title, item.price, item.stock, item.per_user_limit
            )
        })
        .collect();
    let more_text = if page.has_more {
        "; more with --more"
    } else {
        ""
    };
    lines.push(format!("{} item(s){more_text}", page.items.len()));
    let items: Vec<Value> = page.items.iter().map(item_json).collect();
    out.emit(
        "mall",
        &lines.join("\n"),
        json!({ "ok": true, "items": items, "has_more": page.has_more, "offline": offline }),
    );
    Ok(())
}

pub(crate) async fn item(client: &Client, id: String, out: &Output) -> Result<(), String> {
    let item = client.mall().item(id).await.map_err(failed)?;
    out.emit(
        "item",
        &format!(
            "{}: {}\n{}\n{} grains, {} left, limit {} per user, shipped by {}",
            item.id,
            item.title,
            item.description,
            item.price,
            item.stock,
            item.per_user_limit,
            item.supplier
        ),
        json!({ "ok": true, "item": item_json(&item) }),
    );
    Ok(())
}

fn list_addresses(addresses: &[DeliveryAddress], out: &Output) {
    let mut lines: Vec<String> = addresses
        .iter()
        .map(|address| {
            let default = if address.is_default { " (default)" } else { "" };
            format!(
                "{}{default}: {} {} — {}{}{} {}",
                address.id,
                address.recipient_name,
                address.phone,
                address.province,
                address.city,
                address.district,
                address.street
            )
        })
        .collect();
    lines.push(format!("{} address(es)", addresses.len()));
    let listed: Vec<Value> = addresses.iter().map(address_json).collect();
    out.emit(
        "addresses",
        &lines.join("\n"),
        json!({ "ok": true, "addresses": listed }),
    );
}

pub(crate) async fn address(
    client: &Client,
    action: AddressAction,
    out: &Output,
) -> Result<(), String> {
    let mall = client.mall();
    match action {
        AddressAction::Add {
            name,
            phone,
            province,
            city,
            district,
            street,
            default,
        } => {
            let added = mall
                .add_address(NewAddress {
                    recipient_name: name,
                    phone,
                    province,
                    city,
                    district,
                    street,
                    is_default: default,
                })
                .await
                .map_err(failed)?;
            out.emit(
                "address_added",
                &format!(
                    "added {}: {} {}",
                    added.id, added.recipient_name, added.phone
                ),
                json!({ "ok": true, "address": address_json(&added) }),
            );
            Ok(())
        }
        AddressAction::List => {
            let addresses = match mall.refresh_addresses().await {
                Ok(addresses) => addresses,
                Err(_) => mall.cached_addresses().await.map_err(failed)?,
            };
            list_addresses(&addresses, out);
            Ok(())
        }
        AddressAction::Default { id } => {
            list_addresses(&mall.set_default_address(id).await.map_err(failed)?, out);
            Ok(())
        }
        AddressAction::Delete { id } => {
            list_addresses(&mall.delete_address(id).await.map_err(failed)?, out);
            Ok(())
        }
    }
}

fn describe(redemption: &Redemption) -> String {
    let shipping = match (&redemption.carrier, &redemption.tracking_number) {
        (Some(carrier), Some(number)) => format!(", {carrier} {number}"),
        _ => String::new(),
    };
    format!(
        "{}: {} — {} grains, {}{shipping}, to {} {}",
        redemption.id,
        redemption.item_title,
        redemption.points,
        status(redemption.status),
        redemption.address.recipient_name,
        redemption.address.phone
    )
}

fn emit_redemption(step: &str, redemption: &Redemption, out: &Output) {
    out.emit(
        step,
        &describe(redemption),
        json!({ "ok": true, "redemption": redemption_json(redemption) }),
    );
}

pub(crate) async fn redeem(
    client: &Client,
    item: String,
    address: String,
    out: &Output,
) -> Result<(), String> {
    let redemption = client.mall().redeem(item, address).await.map_err(failed)?;
    emit_redemption("redeemed", &redemption, out);
    Ok(())
}

pub(crate) async fn redemptions(client: &Client, out: &Output) -> Result<(), String> {
    let mall = client.mall();
    let orders = match mall.refresh_redemptions().await {
        Ok(orders) => orders,
        Err(error) => {
            let mut kept = mall.redemption_updates();
            match kept.next().await {
                Some(orders) if !orders.is_empty() => orders,
                _ => return Err(error.to_string()),
            }
        }
    };
    let mut lines: Vec<String> = orders.iter().map(describe).collect();
    lines.push(format!("{} redemption(s)", orders.len()));
    let listed: Vec<Value> = orders.iter().map(redemption_json).collect();
    out.emit(
        "redemptions",
        &lines.join("\n"),
        json!({ "ok": true, "redemptions": listed }),
    );
    Ok(())
}

pub(crate) async fn redemption(
    client: &Client,
    action: RedemptionAction,
    out: &Output,
) -> Result<(), String> {
    match action {
        RedemptionAction::Cancel { id } => {
            let cancelled = client.mall().cancel_redemption(id).await.map_err(failed)?;
            emit_redemption("cancelled", &cancelled, out);
            Ok(())
        }
    }
}

/// The demo's part: check in, add an address, redeem the cheapest item there, see the order.
pub(crate) async fn tour(client: &Client, out: &Output) -> Result<(), String> {
    check_in(client, out).await?;
    points(client, out).await?;
    catalogue(client, false, out).await?;
    let mall = client.mall();
    let added = mall
        .add_address(NewAddress {
            recipient_name: "张医生".into(),
            phone: "13800138000".into(),
            province: "北京市".into(),
            city: "北京市".into(),
            district: "东城区".into(),
            street: "帅府园1号".into(),
            is_default: true,
        })
        .await
        .map_err(failed)?;
    out.emit(
        "address_added",
        &format!(
            "added {}: {} {}",
            added.id, added.recipient_name, added.phone
        ),
        json!({ "ok": true, "address": address_json(&added) }),
    );
    let cheapest = mall
        .cached_catalogue()
        .await
        .map_err(failed)?
        .items
        .into_iter()
        .filter(|item| item.stock > 0)
        .min_by_key(|item| item.price)
        .ok_or("the catalogue is empty")?;
    redeem(client, cheapest.id, added.id, out).await?;
    redemptions(client, out).await
}
