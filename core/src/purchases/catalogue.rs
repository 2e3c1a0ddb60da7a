//! What the shop sells, as the server lists it: prices in integer fen, titles in Chinese and
//! English.

use serde::Deserialize;

use super::method::PaymentMethod;
use super::{PurchaseError, PurchasesArea};
use crate::net::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum ProductKind {
    /// Membership for a number of days, extending a running one.
    Membership,
    /// A virtual good.
    Good,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Product {
    pub id: String,
    pub kind: ProductKind,
    /// CNY in fen (1 yuan = 100 fen).
    pub price_fen: u32,
    /// Membership days (memberships only).
    #[serde(default)]
    pub days: Option<u32>,
    pub title_zh: String,
    pub title_en: String,
}

impl Product {
    /// The title for a BCP 47 language tag: Chinese for `zh…`, English otherwise.
    pub fn title(&self, language: &str) -> &str {
        if language.to_ascii_lowercase().starts_with("zh") {
            &self.title_zh
        } else {
            &self.title_en
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Catalogue {
    pub products: Vec<Product>,
    /// Buying something dearer than this needs a recent authentication (`ReauthRequired`).
    pub reauth_above_fen: u64,
    /// The methods the server takes.
    pub methods: Vec<PaymentMethod>,
}

/// `2500` → `¥25.00`: integers only.
pub fn format_fen(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

impl PurchasesArea {
    pub(super) async fn catalogue(&self) -> Result<Catalogue, PurchaseError> {
        let request = Endpoint::ShopProducts.request();
        Ok(self.platform.net.send(&request, None).await?.json()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_print_from_integers() {
        assert_eq!(format_fen(2_500), "¥25.00");
        assert_eq!(format_fen(5), "¥0.05");
        assert_eq!(format_fen(25_801), "¥258.01");
    }
}
