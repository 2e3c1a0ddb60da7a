//! What paid orders give: membership until a date (each purchase extends it) and virtual
//! goods. One row per paid order; a refund revokes its row, and the membership is worked out
//! again from the rows that remain.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use super::catalogue::{self, ProductKind};

const DAY_S: i64 = 86_400;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Good {
    pub product_id: String,
    #[schema(minimum = 1)]
    pub quantity: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entitlements {
    /// Unix seconds until which the account is a member; absent when it is not one now.
    #[schema(required = true)]
    pub membership_until: Option<i64>,
    pub goods: Vec<Good>,
}

/// Grants what `product_id` gives to `user` for the paid order `number`.
pub fn grant(
    conn: &Connection,
    user: &str,
    number: &str,
    product_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO pay_entitlements (order_number, user_id, product_id, granted_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![number, user, product_id, now],
    )?;
    Ok(())
}

pub fn revoke(conn: &Connection, number: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE pay_entitlements SET revoked_at = ?2 WHERE order_number = ?1",
        params![number, now],
    )?;
    Ok(())
}

pub fn of(conn: &Connection, user: &str, now: i64) -> rusqlite::Result<Entitlements> {
    let rows: Vec<(String, i64)> = conn
        .prepare(
            "SELECT product_id, granted_at FROM pay_entitlements
             WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY granted_at, rowid",
        )?
        .query_map([user], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut until: Option<i64> = None;
    let mut goods: Vec<Good> = Vec::new();
    for (product_id, granted_at) in rows {
        let Some(product) = catalogue::find(&product_id) else {
            continue;
        };
        match (product.kind, product.days) {
            (ProductKind::Membership, Some(days)) => {
                let start = until.map_or(granted_at, |until| until.max(granted_at));
                until = Some(start + i64::from(days) * DAY_S);
            }
            _ => match goods.iter_mut().find(|good| good.product_id == product_id) {
                Some(good) => good.quantity += 1,
                None => goods.push(Good {
                    product_id,
                    quantity: 1,
                }),
            },
        }
    }
    Ok(Entitlements {
        membership_until: until.filter(|until| *until > now),
        goods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goods_granted_in_one_second_list_in_the_order_they_were_granted() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        // Order numbers sorting against the grants: the list must not follow them.
        for (number, product) in [("MC9", "ecg_course"), ("MC1", "case_pack")] {
            conn.execute(
                "INSERT INTO pay_orders (number, user_id, product_id, amount_fen, method, status,
                     created_at, expires_at, updated_at)
                 VALUES (?1, 'u_1', ?2, 600, 'alipay', 'paid', 5, 905, 5)",
                params![number, product],
            )
            .unwrap();
            grant(&conn, "u_1", number, product, 5).unwrap();
        }
        let goods: Vec<String> = of(&conn, "u_1", 5)
            .unwrap()
            .goods
            .into_iter()
            .map(|good| good.product_id)
            .collect();
        assert_eq!(goods, ["ecg_course", "case_pack"]);
    }
}
