//! `PUT`/`DELETE /v1/posts/{id}/like` and `/collect`, and `GET /v1/me/collections`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use rusqlite::Transaction;
use serde::Serialize;

use crate::app::Shared;
use crate::error::ApiError;
use crate::feed::idempotency::Reply;
use crate::feed::pages::Page;
use crate::feed::posts::{self, List, Post};
use crate::feed::reactions;
use crate::routes::session::caller;

use super::{Mutation, PageQuery, bad_query, id};

/// PUT likes, DELETE takes the like back.
#[utoipa::path(
    put,
    path = "/v1/posts/{id}/like",
    operation_id = "likePost",
    tag = "feed",
    summary = "Like a post",
    description = "Likes the post. Liking again changes nothing.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 200, description = "The post's like state after the change.", body = crate::feed::reactions::Liked, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn like(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    toggle(request, path, |tx, user, post_id, on, _| {
        reactions::like(tx, user, post_id, on)
    })
    .await
}

/// DELETE: the same handler as PUT (the method says which); its own operation in the document.
#[utoipa::path(
    delete,
    path = "/v1/posts/{id}/like",
    operation_id = "unlikePost",
    tag = "feed",
    summary = "Take a like back",
    description = "Takes the caller's like back. Doing it again changes nothing.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 200, description = "The post's like state after the change.", body = crate::feed::reactions::Liked, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn unlike(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    like(request, path).await
}

/// PUT collects, DELETE removes from the collection.
#[utoipa::path(
    put,
    path = "/v1/posts/{id}/collect",
    operation_id = "collectPost",
    tag = "feed",
    summary = "Collect a post",
    description = "Adds the post to the caller's collection (GET /v1/me/collections). Collecting again changes nothing, and keeps its place.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 200, description = "The post's collection state after the change.", body = crate::feed::reactions::Collected, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn collect(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    toggle(request, path, |tx, user, post_id, on, now| {
        reactions::collect(tx, user, post_id, on, now)
    })
    .await
}

/// DELETE: the same handler as PUT (the method says which); its own operation in the document.
#[utoipa::path(
    delete,
    path = "/v1/posts/{id}/collect",
    operation_id = "uncollectPost",
    tag = "feed",
    summary = "Remove a post from the collection",
    description = "Removes the post from the caller's collection. Doing it again changes nothing.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 200, description = "The post's collection state after the change.", body = crate::feed::reactions::Collected, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn uncollect(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    collect(request, path).await
}

/// Sets (PUT) or clears (DELETE) the caller's mark on the post in `path`; answers with what
/// `action` returns.
async fn toggle<T: Serialize>(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
    action: impl FnOnce(&Transaction<'_>, &str, &str, bool, i64) -> Result<T, ApiError>,
) -> Result<Reply, ApiError> {
    let on = request.method == Method::PUT;
    let session = request.authenticate().await?;
    let post_id = id(path, ApiError::PostNotFound)?;
    session
        .once(&[], |tx, user, now| {
            let marked = action(tx, user, &post_id, on, now)?;
            Ok(Reply::json(StatusCode::OK, &marked))
        })
        .await
}

/// The caller's collected posts, most recently collected first.
#[utoipa::path(
    get,
    path = "/v1/me/collections",
    operation_id = "getCollections",
    tag = "feed",
    summary = "The caller's collection",
    description = "The posts the caller collected, most recently collected first, in keyset pages.",
    security(("bearerAuth" = [])),
    params(
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of posts.", body = crate::feed::pages::Page<crate::feed::posts::Post>),
        (status = 400, description = "`invalid_cursor`: The cursor is not one this server gave.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 422, description = "`invalid_request`: A query parameter has the wrong type (`limit` not a number, `personalised` not `true` or `false`).", body = crate::error::ErrorBody)
    )
)]
pub async fn collections(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Post>>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query.map_err(bad_query)?;
    let window = query.window()?;
    let rows = posts::list(&conn, &session.user_id, &List::Collected, &window)?;
    Ok(Json(Page::cut(rows, &window)))
}
