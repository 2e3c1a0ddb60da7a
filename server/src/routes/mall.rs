//! The wheat-grain mall: `GET /v1/me/points`, `POST /v1/me/points/check-in`,
//! `GET /v1/mall/items` and `/{id}`, the address book under `/v1/me/addresses`, and
//! redemptions under `/v1/me/redemptions`. Every write runs in one transaction, once per
//! `Idempotency-Key` (the feed's `Mutation`).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::feed::idempotency::Reply;
use crate::feed::pages::Page;
use crate::mall::addresses::{self, Address, Details};
use crate::mall::catalogue::{self, Item};
use crate::mall::points::{self, Change, Rule};
use crate::mall::redemptions::{self, Redemption};
use crate::routes::feed::{Mutation, PageQuery, bad_query, canonical, id};
use crate::routes::session::caller;

#[derive(Serialize, ToSchema)]
pub struct Points {
    /// The sum of the history: the only balance that counts.
    balance: i64,
    /// Every change, newest first.
    history: Vec<Change>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckIn {
    /// False when the account already checked in today (days begin at midnight, UTC+8).
    awarded: bool,
    /// Wheat grains a check-in earns.
    amount: i64,
    balance: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AddressList {
    /// The default first, then newest first.
    addresses: Vec<Address>,
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionList {
    /// Newest first.
    redemptions: Vec<Redemption>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewRedemption {
    item_id: String,
    /// One of the caller's addresses.
    address_id: String,
}

#[utoipa::path(
    get,
    path = "/v1/me/points",
    operation_id = "getPoints",
    tag = "mall",
    summary = "Wheat-grain balance and history",
    description = "The account's wheat grains: the balance and every change (earned by a rule, spent on a redemption, refunded by a cancellation), newest first. The history always sums to the balance.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The balance and its history.", body = Points),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn points(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Points>, ApiError> {
    let mut conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    // One snapshot, so the history sums to the balance shown with it.
    let tx = conn.transaction()?;
    let answer = Points {
        balance: points::balance(&tx, &session.user_id)?,
        history: points::history(&tx, &session.user_id)?,
    };
    tx.commit()?;
    Ok(Json(answer))
}

#[utoipa::path(
    post,
    path = "/v1/me/points/check-in",
    operation_id = "checkIn",
    tag = "mall",
    summary = "Daily check-in",
    description = "Earns the daily check-in's wheat grains once per day (days begin at midnight, UTC+8); a second check-in the same day earns nothing and says so. Other rules earn by themselves: a published post (at most 3 a day), a comment received from another account (at most 10 a day), a completed certification (once).",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Whether it earned, and the balance.", body = CheckIn),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn check_in(request: Mutation) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    session
        .once(&[], |tx, user, now| {
            let day = points::day_of(now).to_string();
            let awarded = points::earn(tx, user, Rule::CheckIn, &day, now)?;
            let answer = CheckIn {
                awarded,
                amount: Rule::CheckIn.amount(),
                balance: points::balance(tx, user)?,
            };
            Ok(Reply::json(StatusCode::OK, &answer))
        })
        .await
}

#[utoipa::path(
    get,
    path = "/v1/mall/items",
    operation_id = "listMallItems",
    tag = "mall",
    summary = "The catalogue",
    description = "The goods wheat grains redeem, in the order they were added, one page at a time.",
    security(("bearerAuth" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page of goods.", body = Page<Item>),
        (status = 400, description = "`invalid_cursor`: The cursor is not one this server gave.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 422, description = "`invalid_request`: `limit` is not a whole number from 1 to 50.", body = crate::error::ErrorBody)
    )
)]
pub async fn items(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<Item>>, ApiError> {
    let conn = state.db().await;
    caller(&conn, &headers, state.clock.now())?;
    let Query(query) = query.map_err(bad_query)?;
    Ok(Json(catalogue::page(&conn, &query.window()?)?))
}

#[utoipa::path(
    get,
    path = "/v1/mall/items/{id}",
    operation_id = "getMallItem",
    tag = "mall",
    summary = "One item",
    description = "One item of the catalogue, with its stock now.",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "An item id from the catalogue.")),
    responses(
        (status = 200, description = "The item.", body = Item),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`item_not_found`: No item has this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn item(
    State(state): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Item>, ApiError> {
    let conn = state.db().await;
    caller(&conn, &headers, state.clock.now())?;
    let id = id(path, ApiError::ItemNotFound)?;
    Ok(Json(
        catalogue::get(&conn, &id)?.ok_or(ApiError::ItemNotFound)?,
    ))
}

#[utoipa::path(
    get,
    path = "/v1/me/addresses",
    operation_id = "listAddresses",
    tag = "mall",
    summary = "The address book",
    description = "The caller's delivery addresses, the default first. The recipient's name and phone are masked here as everywhere: the clear address goes only to the logistics provider and the supplier when an item ships.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The addresses.", body = AddressList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn addresses(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<AddressList>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    Ok(Json(AddressList {
        addresses: addresses::list(&conn, &session.user_id)?,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/me/addresses",
    operation_id = "addAddress",
    tag = "mall",
    summary = "Add an address",
    description = "Adds a delivery address, checked with the rules the app applies: the recipient's name (1 to 20), province, city and district (1 to 20 each) and street (1 to 120) are each one line of visible characters without control, bidirectional or invisible formatting characters or blanks at either end; the phone a mainland mobile number. The first address, or one sent with `is_default`, becomes the default. Kept sealed; answered masked.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = Details),
    responses(
        (status = 201, description = "The address, masked.", body = Address),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`address_invalid`: A part of the address is refused; `field` names it. `idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body. `invalid_request`: A field is missing or of the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn add_address(
    request: Mutation,
    body: Result<ApiJson<Details>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let ApiJson(body) = body?;
    // The default flag is part of the request, though not of the address kept.
    let fingerprint = [canonical(&body)?, vec![u8::from(body.is_default)]];
    session
        .once(&[&fingerprint[0], &fingerprint[1]], |tx, user, now| {
            let address = addresses::add(tx, user, &body, now)?;
            Ok(Reply::json(StatusCode::CREATED, &address))
        })
        .await
}

#[utoipa::path(
    put,
    path = "/v1/me/addresses/{id}/default",
    operation_id = "setDefaultAddress",
    tag = "mall",
    summary = "Make an address the default",
    description = "Makes one of the caller's addresses the default (the others stop being it). No body.",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "An address id from `GET /v1/me/addresses`.")),
    responses(
        (status = 200, description = "The address book afterwards.", body = AddressList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`address_not_found`: The caller has no address with this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn set_default_address(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::AddressNotFound)?;
    session
        .once(&[], |tx, user, _| {
            addresses::set_default(tx, user, &id)?;
            let list = AddressList {
                addresses: addresses::list(tx, user)?,
            };
            Ok(Reply::json(StatusCode::OK, &list))
        })
        .await
}

#[utoipa::path(
    delete,
    path = "/v1/me/addresses/{id}",
    operation_id = "deleteAddress",
    tag = "mall",
    summary = "Delete an address",
    description = "Deletes one of the caller's addresses; if it was the default, the newest remaining one becomes the default. A redemption keeps the copy it ships to. All addresses go with the account.",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "An address id from `GET /v1/me/addresses`.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`address_not_found`: The caller has no address with this id.", body = crate::error::ErrorBody)
    )
)]
pub async fn delete_address(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::AddressNotFound)?;
    session
        .once(&[], |tx, user, _| {
            addresses::delete(tx, user, &id)?;
            Ok(Reply::no_content())
        })
        .await
}

#[utoipa::path(
    get,
    path = "/v1/me/redemptions",
    operation_id = "listRedemptions",
    tag = "mall",
    summary = "Redemption orders",
    description = "The caller's redemptions, newest first: `placed`, `shipped` (with carrier and tracking number), `delivered` or `cancelled` (points refunded). Addresses masked.",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The redemptions.", body = RedemptionList),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))
    )
)]
pub async fn redemptions(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<RedemptionList>, ApiError> {
    let conn = state.db().await;
    let session = caller(&conn, &headers, state.clock.now())?;
    Ok(Json(RedemptionList {
        redemptions: redemptions::list(&conn, &session.user_id)?,
    }))
}

#[utoipa::path(
    post,
    path = "/v1/me/redemptions",
    operation_id = "redeem",
    tag = "mall",
    summary = "Redeem an item",
    description = "Redeems one item to one of the caller's addresses: in one transaction the points are debited, the stock goes down by one and the redemption is placed. Send an Idempotency-Key: a repeat, or a retry after a lost answer, gets the same redemption and spends nothing more. When several race for the last item one wins and the others get `out_of_stock`.",
    security(("bearerAuth" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = crate::openapi::IDEMPOTENCY_KEY, pattern = "^[A-Za-z0-9_-]{1,64}$")
    ),
    request_body(content = NewRedemption),
    responses(
        (status = 201, description = "The redemption, placed.", body = Redemption, headers(("Idempotent-Replay" = inline(crate::openapi::fields::IdempotentReplay), description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again); absent otherwise."))),
        (status = 400, description = "`invalid_idempotency_key`: The Idempotency-Key header is not 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`. `malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`address_not_found`: The caller has no address with this id. `item_not_found`: No item has this id.", body = crate::error::ErrorBody),
        (status = 409, description = "`out_of_stock`: None is left. `limit_reached`: The caller has redeemed as many of this item as one account may (cancelled ones do not count). `insufficient_points`: The balance is below the price.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: This Idempotency-Key was already used, within 24 h, for a request with another method, path or body. `invalid_request`: A field is missing or of the wrong type.", body = crate::error::ErrorBody)
    )
)]
pub async fn redeem(
    request: Mutation,
    body: Result<ApiJson<NewRedemption>, ApiError>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let ApiJson(body) = body?;
    session
        .once(&[&canonical(&body)?], |tx, user, now| {
            let redemption = redemptions::redeem(tx, user, &body.item_id, &body.address_id, now)?;
            Ok(Reply::json(StatusCode::CREATED, &redemption))
        })
        .await
}

#[utoipa::path(
    post,
    path = "/v1/me/redemptions/{id}/cancel",
    operation_id = "cancelRedemption",
    tag = "mall",
    summary = "Cancel a redemption",
    description = "Cancels a redemption that has not shipped: the points are refunded and the item goes back to stock, in one transaction. Cancelling one already cancelled answers it unchanged. No body.",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "A redemption id from `GET /v1/me/redemptions`.")),
    responses(
        (status = 200, description = "The redemption, cancelled.", body = Redemption),
        (status = 401, description = crate::openapi::INVALID_TOKEN, body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "`redemption_not_found`: The caller has no redemption with this id.", body = crate::error::ErrorBody),
        (status = 409, description = "`not_cancellable`: It has shipped (or was delivered).", body = crate::error::ErrorBody)
    )
)]
pub async fn cancel(
    request: Mutation,
    path: Result<Path<String>, PathRejection>,
) -> Result<Reply, ApiError> {
    let session = request.authenticate().await?;
    let id = id(path, ApiError::RedemptionNotFound)?;
    session
        .once(&[], |tx, user, now| {
            let redemption = redemptions::cancel(tx, user, &id, now)?;
            Ok(Reply::json(StatusCode::OK, &redemption))
        })
        .await
}
