//! What can be bought: membership plans and virtual goods, priced in integer fen.

use serde::Serialize;
use utoipa::ToSchema;

/// What a purchase gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Membership for `days`, extending any membership already running.
    Membership,
    /// A virtual good, kept for good.
    Good,
}

/// One product, as the shop lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Product {
    #[schema(examples("member_month"))]
    pub id: &'static str,
    pub kind: ProductKind,
    /// Price in fen (1 CNY = 100 fen): an integer, never a decimal.
    #[schema(minimum = 1)]
    pub price_fen: u32,
    /// Always `CNY`.
    #[schema(examples("CNY"))]
    pub currency: &'static str,
    /// Membership days (memberships only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub days: Option<u32>,
    /// The title in simplified Chinese.
    pub title_zh: &'static str,
    /// The title in English.
    pub title_en: &'static str,
}

const fn product(
    id: &'static str,
    kind: ProductKind,
    price_fen: u32,
    days: Option<u32>,
    title_zh: &'static str,
    title_en: &'static str,
) -> Product {
    Product {
        id,
        kind,
        price_fen,
        currency: "CNY",
        days,
        title_zh,
        title_en,
    }
}

const PRODUCTS: [Product; 4] = [
    product(
        "member_month",
        ProductKind::Membership,
        2_500,
        Some(31),
        "月度会员",
        "Monthly membership",
    ),
    product(
        "member_year",
        ProductKind::Membership,
        25_800,
        Some(366),
        "年度会员",
        "Yearly membership",
    ),
    product(
        "case_pack",
        ProductKind::Good,
        600,
        None,
        "病例精选合集",
        "Selected case collection",
    ),
    product(
        "ecg_course",
        ProductKind::Good,
        19_900,
        None,
        "心电图判读课程",
        "ECG reading course",
    ),
];

pub fn all() -> &'static [Product] {
    &PRODUCTS
}

pub fn find(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|product| product.id == id)
}
