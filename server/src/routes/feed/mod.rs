//! The feed's routes: posts, photos, comments, likes and collections, search, share links,
//! the published limits, and the dev hooks.

pub mod comments;
pub mod dev;
pub mod photos;
pub mod posts;
pub mod reactions;
pub mod search;
pub mod share;

use axum::extract::Path;
use axum::extract::rejection::{PathRejection, QueryRejection};

use serde::Deserialize;

use crate::error::ApiError;
use crate::feed::pages::Window;

/// `?cursor=&limit=` of a paged list.
#[derive(Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

impl PageQuery {
    fn window(&self) -> Result<Window, ApiError> {
        Window::parse(self.cursor.as_deref(), self.limit)
    }
}

/// The `{id}` of a path; only a segment that is not valid UTF-8 is rejected, and no id is such.
fn id(path: Result<Path<String>, PathRejection>, missing: ApiError) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|_| missing)
}

fn bad_query(_: QueryRejection) -> ApiError {
    ApiError::InvalidRequest("a query parameter has the wrong type".into())
}
