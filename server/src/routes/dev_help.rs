//! Dev hooks playing the support team: `GET /dev/help/tickets` (what arrived, as stored),
//! `POST /dev/help/tickets/{id}/replies` and `POST /dev/help/tickets/{id}/close`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::help::tickets::{self, MAX_REPLY_CHARS, Received};
use medcircle_rules::text;

#[derive(Serialize, ToSchema)]
#[schema(as = ReceivedFeedbackList)]
pub struct ReceivedList {
    /// Oldest first.
    tickets: Vec<Received>,
}

#[utoipa::path(
    get,
    path = "/dev/help/tickets",
    operation_id = "devHelpTickets",
    tag = "dev",
    summary = "Feedback as received",
    description = "Every ticket as the server keeps it: the contact number in clear, the app and OS version when they were sent, each photo's stored bytes (base64url). The witness of what a client sent. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    responses(
        (status = 200, description = "The tickets.", body = ReceivedList),
        (status = 404, description = "`not_found`: Dev mode is off.", body = crate::error::ErrorBody)
    )
)]
pub async fn tickets(State(state): State<Shared>) -> Result<Json<ReceivedList>, ApiError> {
    let conn = state.db().await;
    Ok(Json(ReceivedList {
        tickets: tickets::received(&conn)?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TicketReplyRequest)]
pub struct ReplyRequest {
    /// 1 to 2000 visible characters.
    body: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = TicketReplied)]
pub struct Replied {
    #[schema(pattern = "^hr_[0-9a-f]{16}$")]
    id: String,
}

#[utoipa::path(
    post,
    path = "/dev/help/tickets/{id}/replies",
    operation_id = "devReplyTicket",
    tag = "dev",
    summary = "Reply to a ticket",
    description = "Plays the support team replying: the reply is unread until its author marks the ticket read; an open ticket becomes `answered` (a closed one stays closed). Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(("id" = String, Path, pattern = "^ht_[0-9a-f]{16}$")),
    request_body(content = ReplyRequest),
    responses(
        (status = 200, description = "Replied.", body = Replied),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: Dev mode is off. `ticket_not_found`: No ticket has this id.", body = crate::error::ErrorBody),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or the body is blank, longer than 2000 characters or holds invisible characters.", body = crate::error::ErrorBody)
    )
)]
pub async fn reply(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
    ApiJson(request): ApiJson<ReplyRequest>,
) -> Result<Json<Replied>, ApiError> {
    let Path(id) = path.map_err(|_| ApiError::TicketNotFound)?;
    if request.body.trim().is_empty()
        || request.body.chars().count() > MAX_REPLY_CHARS
        || !text::is_visible_paragraph(&request.body)
    {
        return Err(ApiError::InvalidRequest(format!(
            "body must be 1 to {MAX_REPLY_CHARS} visible characters"
        )));
    }
    let now = state.clock.now();
    let conn = state.writer().await;
    let reply = tickets::reply(&conn, &id, &request.body, now)?.ok_or(ApiError::TicketNotFound)?;
    tracing::info!(ticket = %id, "dev reply to a ticket");
    Ok(Json(Replied { id: reply }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = TicketClosed)]
pub struct Closed {
    status: tickets::Status,
}

#[utoipa::path(
    post,
    path = "/dev/help/tickets/{id}/close",
    operation_id = "devCloseTicket",
    tag = "dev",
    summary = "Close a ticket",
    description = "Plays the support team closing a ticket. No body. Dev mode only (`--dev`): without it this route does not exist and answers 404 `not_found`.",
    params(("id" = String, Path, pattern = "^ht_[0-9a-f]{16}$")),
    responses(
        (status = 200, description = "Closed.", body = Closed),
        (status = 404, description = "`not_found`: Dev mode is off. `ticket_not_found`: No ticket has this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn close(
    State(state): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Closed>, ApiError> {
    let Path(id) = path.map_err(|_| ApiError::TicketNotFound)?;
    let conn = state.writer().await;
    if !tickets::close(&conn, &id, state.clock.now())? {
        return Err(ApiError::TicketNotFound);
    }
    Ok(Json(Closed {
        status: tickets::Status::Closed,
    }))
}
