//! The goods: title, pictures, price in wheat grains, stock, a limit per user, and the supplier
//! that ships them. Listed in the order they were added, in keyset pages.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::feed::pages::{Key, Page, Window};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MallItem)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Picture URLs, the first one the cover.
    pub pictures: Vec<String>,
    /// Wheat grains for one.
    pub price: i64,
    /// How many are left; 0: out of stock.
    pub stock: i64,
    /// How many one account may redeem (cancelled redemptions do not count).
    pub per_user_limit: i64,
    /// Who ships it: the address goes to them when it ships.
    pub supplier: String,
}

/// A new item (dev mode's operator, and the seeded catalogue).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = MallItemDraft)]
pub struct Draft {
    #[schema(max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[serde(default)]
    pub pictures: Vec<String>,
    #[schema(minimum = 1)]
    pub price: i64,
    #[schema(minimum = 0)]
    pub stock: i64,
    #[schema(minimum = 1)]
    pub per_user_limit: i64,
    pub supplier: String,
}

const SEED: [(&str, &str, i64, i64, i64, &str); 5] = [
    (
        "医用外科口罩（10只）",
        "一次性使用。",
        10,
        200,
        5,
        "日用品供应商",
    ),
    (
        "听诊器 Littmann Classic III",
        "双面听头，适合成人与儿童。",
        800,
        5,
        1,
        "医疗器械供应商",
    ),
    (
        "白大褂（长袖）",
        "纯棉，可选尺码。",
        300,
        20,
        2,
        "服装供应商",
    ),
    (
        "《内科学》第十版",
        "人民卫生出版社。",
        150,
        50,
        3,
        "图书供应商",
    ),
    ("保温杯 500ml", "不锈钢内胆。", 60, 100, 5, "日用品供应商"),
];

/// Seeds the dev catalogue if it is empty, within the caller's transaction.
pub fn seed(conn: &Connection) -> Result<(), ApiError> {
    let empty: bool =
        conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM mall_items)", [], |row| {
            row.get(0)
        })?;
    if !empty {
        return Ok(());
    }
    for (title, description, price, stock, per_user_limit, supplier) in SEED {
        add(
            conn,
            &Draft {
                title: title.into(),
                description: description.into(),
                pictures: vec![],
                price,
                stock,
                per_user_limit,
                supplier: supplier.into(),
            },
        )?;
    }
    tracing::info!(items = SEED.len(), "dev mode: mall catalogue seeded");
    Ok(())
}

pub fn add(conn: &Connection, draft: &Draft) -> Result<Item, ApiError> {
    let visible = |text: &str, max: usize| {
        text.chars().count() <= max && medcircle_rules::text::is_visible_line(text)
    };
    if !visible(&draft.title, 100)
        || !visible(&draft.supplier, 100)
        || draft.description.chars().count() > 2000
        || draft.price < 1
        || draft.stock < 0
        || draft.per_user_limit < 1
    {
        return Err(ApiError::InvalidRequest(
            "an item needs a title and supplier (1 to 100 characters), a price of at least 1, a stock of at least 0 and a limit of at least 1".into(),
        ));
    }
    let id = super::random_id("it_");
    let pictures = serde_json::to_string(&draft.pictures).map_err(|_| ApiError::Internal)?;
    conn.execute(
        "INSERT INTO mall_items (id, title, description, pictures, price, stock, per_user_limit, supplier)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            draft.title,
            draft.description,
            pictures,
            draft.price,
            draft.stock,
            draft.per_user_limit,
            draft.supplier
        ],
    )?;
    get(conn, &id)?.ok_or(ApiError::Internal)
}

const SELECT: &str =
    "SELECT id, title, description, pictures, price, stock, per_user_limit, supplier, seq
     FROM mall_items";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(Item, Key)> {
    let pictures: String = row.get(3)?;
    let seq = row.get(8)?;
    Ok((
        Item {
            id: row.get(0)?,
            title: row.get(1)?,
            description: row.get(2)?,
            pictures: serde_json::from_str(&pictures).unwrap_or_default(),
            price: row.get(4)?,
            stock: row.get(5)?,
            per_user_limit: row.get(6)?,
            supplier: row.get(7)?,
        },
        Key { at: 0, seq },
    ))
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Item>> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
        .optional()
        .map(|found| found.map(|(item, _)| item))
}

/// One page of the catalogue, in the order items were added.
pub fn page(conn: &Connection, window: &Window) -> rusqlite::Result<Page<Item>> {
    let after = window.after.unwrap_or(Key::OLDEST).seq;
    let mut statement = conn.prepare(&format!("{SELECT} WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
    let rows = statement
        .query_map(params![after, window.fetch()], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::cut(rows, window))
}
