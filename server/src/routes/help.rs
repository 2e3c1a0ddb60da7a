//! The help center: `GET /v1/help/articles` (by topic, or searched), `GET
//! /v1/help/articles/{id}`, `POST /v1/help/photos`, `POST /v1/help/feedback`, `GET
//! /v1/help/tickets` and `POST /v1/help/tickets/{id}/read`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::idempotency::Reply;
use crate::help::articles::{self, Article, Summary};
use crate::help::photos;
use crate::help::tickets::{self, NewFeedback, Ticket};
use crate::quota::Budget;
use crate::routes::feed::photos::received_image;
use crate::routes::feed::{Mutation, canonical};
use crate::routes::session::caller;
use medcircle_rules::text;

const TOPICS: [&str; 5] = ["account", "certification", "feed", "privacy", "feedback"];

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Only this topic: `account`, `certification`, `feed`, `privacy` or `feedback`.
    topic: Option<String>,
    /// Only articles whose title or body contains this text (any case; Chinese or English), 1 to 100 characters.
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = HelpArticleList)]
pub struct ArticleList {
    /// By topic, then id.
    articles: Vec<Summary>,
}

#[utoipa::path(
    get,
    path = "/v1/help/articles",
    operation_id = "listHelpArticles",
    tag = "help",
    summary = "Help articles",
    description = "Help center articles in Chinese and English, of one topic or all, optionally only those whose title or body contains `q` (a substring match, any case: it finds Chinese words inside sentences, which have no spaces). No session needed.",
    params(ArticleQuery),
    responses(
        (status = 200, description = "The articles, without their bodies.", body = ArticleList),
        (status = 400, description = "`invalid_query`: `q` is blank, longer than 100 characters or holds invisible characters.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: `topic` is not one of the topics.", body = crate::error::ErrorBody)
    )
)]
pub async fn list(
    State(state): State<Shared>,
    query: Result<Query<ArticleQuery>, QueryRejection>,
) -> Result<Json<ArticleList>, ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::InvalidRequest("a query parameter has the wrong type".into()))?;
    if let Some(topic) = &query.topic
        && !TOPICS.contains(&topic.as_str())
    {
        return Err(ApiError::InvalidRequest(format!(
            "topic must be one of {}",
            TOPICS.join(", ")
        )));
    }
    let q = match &query.q {
        Some(q) => Some(text::search_query(q).ok_or(ApiError::InvalidQuery)?),
        None => None,
    };
    let conn = state.db().await;
    Ok(Json(ArticleList {
        articles: articles::list(&conn, query.topic.as_deref(), q)?,
    }))
}

#[utoipa::path(
    get,
    path = "/v1/help/articles/{id}",
    operation_id = "getHelpArticle",
    tag = "help",
    summary = "A help article",
    description = "One article with its body. No session needed.",
    params(("id" = String, Path, pattern = "^ha_[a-z_]{1,40}$")),
    responses(
        (status = 200, description = "The article.", body = Article),
        (status = 404, description = "`article_not_found`: No article has this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn article(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Article>, ApiError> {
    let Path(id) = path.map_err(|_| ApiError::ArticleNotFound)?;
    let conn = state.db().await;
    Ok(Json(
        articles::get(&conn, &id)?.ok_or(ApiError::ArticleNotFound)?,
    ))
}

#[utoipa::path(
    post,
    path = "/v1/help/photos",
    operation_id = "uploadHelpPhoto",
    tag = "help",
    summary = "Upload a feedback photo",
    description = "The body is the image itself, `image/jpeg` or `image/png` as `Content-Type` says, up to 5 MiB. Checked and stripped of its metadata as POST /v1/photos does; it belongs to the caller until POST /v1/help/feedback uses it.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content((String = "image/jpeg"), (String = "image/png"))),
    responses(
        (status = 201, description = "The stored photo.", body = crate::help::photos::HelpPhoto, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_image`: The bytes are not an image of the declared type, its header is truncated, or it cannot be read to its end. `photo_too_large_dimensions`: Width or height is over 4096. `invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`too_large`: The body is over 5 MiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_image`: `Content-Type` is not `image/jpeg` or `image/png`.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: Over the budget: 20 feedback photo uploads per user in an hour. retry_after_s (and the Retry-After header) say when to try again.", body = crate::error::ErrorBody, headers(("Retry-After" = u32, description = "Seconds until the request may succeed (same as retry_after_s).")))
    )
)]
pub async fn upload_photo(
    request: Mutation,
    body: Result<Bytes, BytesRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let (bytes, image_type, kept) = received_image(&request.headers, body)?;
    let state = &request.state;
    let now = state.clock.now();
    state
        .quotas
        .take(Budget::HelpPhotos, session.user().as_bytes(), 1, now)?;
    session
        .once(
            &[image_type.media_type().as_bytes(), &bytes],
            |tx, user, now| {
                let photo = photos::store(tx, user, image_type, &kept.bytes, kept.size, now)?;
                tracing::info!(%user, photo = %photo.id, "feedback photo uploaded");
                Ok(Reply::json(StatusCode::CREATED, &photo))
            },
        )
        .await
}

#[utoipa::path(
    post,
    path = "/v1/help/feedback",
    operation_id = "sendFeedback",
    tag = "help",
    summary = "Send feedback",
    description = "Feedback becomes a ticket: text (1 to 2000 visible characters), up to 4 of the caller's unused photos (POST /v1/help/photos), an optional mainland mobile number to be called back on (kept sealed, shown masked), and the app and OS version only when the user agreed to attach them.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = NewFeedback),
    responses(
        (status = 201, description = "The ticket, as GET /v1/help/tickets lists it.", body = Ticket, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_text`: The text is blank, longer than 2000 characters or holds invisible characters. `invalid_photo`: A photo id is unknown, another user's, already used, or repeated. `too_many_photos`: More than 4 photos. `invalid_phone`: The contact is not a mainland mobile number. `invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing, unknown or has the wrong type, or a version is longer than 32 characters or holds invisible characters. `idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body.", body = crate::error::ErrorBody)
    )
)]
pub async fn feedback(
    request: Mutation,
    body: Result<ApiJson<NewFeedback>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let ApiJson(body) = body?;
    let contact = tickets::check(&body)?;
    session
        .once(&[&canonical(&body)?], |tx, user, now| {
            let ticket = tickets::create(tx, user, &body, contact.as_deref(), now)?;
            tracing::info!(%user, ticket = %ticket.id, photos = ticket.photos.len(), "feedback received");
            Ok(Reply::json(StatusCode::CREATED, &ticket))
        })
        .await
}

#[derive(Serialize, ToSchema)]
#[schema(as = TicketList)]
pub struct TicketList {
    /// Newest first.
    tickets: Vec<Ticket>,
    /// Replies not marked read, over all tickets.
    unread: u32,
}

#[utoipa::path(
    get,
    path = "/v1/help/tickets",
    operation_id = "listTickets",
    tag = "help",
    summary = "The caller's feedback",
    description = "The caller's tickets, newest first, each with its status, photos and the team's replies (each with its read marker), and how many replies are unread.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The tickets.", body = TicketList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn list_tickets(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<TicketList>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    let tickets = tickets::for_user(&conn, &session.user_id)?;
    let unread = tickets
        .iter()
        .flat_map(|ticket| &ticket.replies)
        .filter(|reply| !reply.read)
        .count();
    Ok(Json(TicketList {
        tickets,
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
    }))
}

#[utoipa::path(
    post,
    path = "/v1/help/tickets/{id}/read",
    operation_id = "readTicket",
    tag = "help",
    summary = "Mark a ticket's replies read",
    description = "Marks every reply of one of the caller's tickets read (safe to repeat). No body.",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, pattern = "^ht_[0-9a-f]{16}$")),
    responses(
        (status = 204, description = "Marked."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`ticket_not_found`: The caller has no ticket with this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn read_ticket(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let conn = state.writer().await;
    let session = caller(&conn, &headers, now)?;
    let Path(id) = path.map_err(|_| ApiError::TicketNotFound)?;
    if !tickets::mark_read(&conn, &session.user_id, &id)? {
        return Err(ApiError::TicketNotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
