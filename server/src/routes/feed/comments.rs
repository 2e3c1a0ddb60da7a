//! `GET` and `POST /v1/posts/{id}/comments`, `DELETE /v1/comments/{id}`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::comments::{self, Comment};
use crate::feed::idempotency::Reply;
use crate::feed::pages::Page;
use crate::feed::posts;
use crate::mall::points::{self, Rule};
use crate::routes::session::caller;

use super::{Mutation, PageQuery, bad_query, canonical, id};

/// Oldest first.
#[utoipa::path(
    get,
    path = "/v1/posts/{id}/comments",
    operation_id = "getComments",
    tag = "feed",
    summary = "A post's comments",
    description = "Comments on the post, oldest first, in keyset pages.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of comments.", body = crate::feed::pages::Page<crate::feed::comments::Comment>),
        (status = 400, description = "`invalid_cursor`: The cursor is not one this server gave.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A query parameter has the wrong type (`limit` not a number, `personalised` not `true` or `false`).", body = crate::error::ErrorBody)
    )
)]
pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Comment>>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let Query(query) = query.map_err(bad_query)?;
    let window = query.window()?;
    if !posts::exists(&conn, &post_id)? {
        return Err(ApiError::PostNotFound);
    }
    let rows = comments::list(&conn, &session.user_id, &post_id, &window)?;
    Ok(Json(Page::cut(rows, &window)))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[schema(as = CommentCreate)]
pub struct NewComment {
    #[schema(min_length = 1, max_length = 500)]
    text: String,
}

#[utoipa::path(
    post,
    path = "/v1/posts/{id}/comments",
    operation_id = "createComment",
    tag = "feed",
    summary = "Comment on a post",
    description = "Adds a comment of 1 to 500 characters.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^p_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = NewComment),
    responses(
        (status = 201, description = "The new comment.", body = crate::feed::comments::Comment, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_text`: The text is blank or longer than 500 characters. `invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`post_not_found`: No post has this id, or it was deleted.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn create(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
    body: Result<ApiJson<NewComment>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let post_id = id(path, ApiError::PostNotFound)?;
    let ApiJson(body) = body?;
    session
        .once(&[&canonical(&body)?], |tx, user, now| {
            let comment = comments::add(tx, user, &post_id, &body.text, now)?;
            if let Some(author) = posts::author_of(tx, &post_id)?.filter(|author| author != user) {
                points::earn(tx, &author, Rule::CommentReceived, &comment.id, now)?;
            }
            tracing::info!(%user, post = %post_id, comment = %comment.id, "comment added");
            Ok(Reply::json(StatusCode::CREATED, &comment))
        })
        .await
}

#[utoipa::path(
    delete,
    path = "/v1/comments/{id}",
    operation_id = "deleteComment",
    tag = "feed",
    summary = "Delete a comment",
    description = "Deletes one of the caller's comments.",
    security(("bearerAuth" = [])),
    params(
        ("id" = String, Path, pattern = "^c_[0-9a-f]{16}$"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    responses(
        (status = 204, description = "Deleted.", headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "`not_author`: The comment is another user's.", body = crate::error::ErrorBody),
        (status = 404, description = "`comment_not_found`: No comment has this id, or it (or its post) was deleted.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn delete(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::CommentNotFound)?;
    session
        .once(&[], |tx, user, _| {
            comments::delete_own(tx, user, &id)?;
            tracing::info!(%user, comment = %id, "comment deleted");
            Ok(Reply::no_content())
        })
        .await
}
