//! `GET /v1/search?q=`: posts whose text contains `q`, newest first.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::pages::{Page, Window};
use crate::feed::posts::{self, List, Post};
use crate::feed::search;
use crate::routes::session::caller;

use super::bad_query;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    #[serde(default)]
    /// Text the post must contain: 1 to 100 characters after trimming.
    #[param(required = true, min_length = 1, max_length = 100, example = "心肌")]
    q: String,
    /// `next_cursor` of the previous page; absent or empty for the first page. Opaque. Pages are keyed on the last item shown, so items added meanwhile neither shift nor repeat the following pages.
    cursor: Option<String>,
    /// At most this many items: a whole number from 1 to 50 (default 20). Anything else (0, 51, -1, ten) is 422 `invalid_request`, on every list alike.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, default = 20)]
    limit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/search",
    operation_id = "searchPosts",
    tag = "feed",
    summary = "Search posts",
    description = "Posts whose text contains `q` (trimmed) as a substring, case-insensitive for ASCII letters, any script (e.g. Chinese); `%`, `_` and `\\` match themselves. Newest first, in keyset pages.",
    security(("bearerAuth" = [])),
    params(
        SearchQuery,
    ),
    responses(
        (status = 200, description = "A page of posts.", body = crate::feed::pages::Page<crate::feed::posts::Post>),
        (status = 400, description = "`invalid_query`: `q` is missing, blank, or longer than 100 characters. `invalid_cursor`: The cursor is not one this server gave.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 422, description = "`invalid_request`: A query parameter has the wrong type (`limit` not a number, `personalised` not `true` or `false`).", body = crate::error::ErrorBody)
    )
)]
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
