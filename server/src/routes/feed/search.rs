//! `GET /v1/search?q=`: posts whose text contains `q`, newest first.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::pages::{Page, Window};
use crate::feed::posts::{self, List, Post};
use crate::feed::search;
use crate::routes::session::caller;

use super::bad_query;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
    limit: Option<String>,
}

pub async fn search(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Page<Post>>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query.map_err(bad_query)?;
    let matcher = search::matcher(&query.q)?;
    let window = Window::parse(query.cursor.as_deref(), query.limit.as_deref())?;
    let rows = posts::list(&conn, &session.user_id, &List::Matching(&matcher), &window)?;
    Ok(Json(Page::cut(rows, &window)))
}
