//! The catalogue: pages of goods from the server, kept in order for offline browsing.

use serde::{Deserialize, Serialize};

use super::store::{self, Kind};
use super::{MallArea, MallError};
use crate::net::Endpoint;

/// Where the next page starts; absent once the last page was fetched.
const NEXT: &str = "catalogue_next";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct MallItem {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Picture URLs, the first one the cover.
    pub pictures: Vec<String>,
    /// Wheat grains for one.
    pub price: i64,
    /// How many were left when fetched; the server decides at redemption.
    pub stock: i64,
    /// How many one account may redeem.
    pub per_user_limit: i64,
    /// Who ships it (and receives the address then).
    pub supplier: String,
}

/// The catalogue as far as it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct CataloguePage {
    pub items: Vec<MallItem>,
    /// More follow: `more_catalogue` fetches them.
    pub has_more: bool,
}

#[derive(Deserialize)]
struct Page {
    items: Vec<MallItem>,
    next_cursor: Option<String>,
}

impl MallArea {
    /// The first page (replacing the cache), or with `more` the page after the cached ones.
    pub(super) async fn catalogue_page(&self, more: bool) -> Result<CataloguePage, MallError> {
        let db = self.account.db()?;
        let mut request = Endpoint::MallItems.request();
        if more {
            let next: Option<String> = store::state(&db.conn(), NEXT)?.flatten();
            let Some(cursor) = next else {
                return self.cached_catalogue();
            };
            request = request.query("cursor", cursor);
        }
        let page: Page = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        let rows: Vec<_> = page.items.into_iter().map(|i| (i.id.clone(), i)).collect();
        let conn = db.conn();
        if more {
            store::append(&conn, Kind::Items, &rows)?;
        } else {
            store::replace(&conn, Kind::Items, &rows)?;
        }
        store::set_state(&conn, NEXT, &page.next_cursor)?;
        drop(conn);
        self.cached_catalogue()
    }

    pub(super) fn cached_catalogue(&self) -> Result<CataloguePage, MallError> {
        let db = self.account.db()?;
        let conn = db.conn();
        let next: Option<Option<String>> = store::state(&conn, NEXT)?;
        Ok(CataloguePage {
            items: store::load(&conn, Kind::Items)?,
            has_more: next.flatten().is_some(),
        })
    }

    pub(super) async fn item(&self, id: &str) -> Result<MallItem, MallError> {
        let db = self.account.db()?;
        let request = Endpoint::MallItem.request().id(id);
        let item: MallItem = self
            .account
            .send_for(&db.account_id, &request)
            .await?
            .json()?;
        store::append(&db.conn(), Kind::Items, &[(item.id.clone(), item.clone())])?;
        Ok(item)
    }
}
