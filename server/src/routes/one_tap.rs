//! `POST /v1/auth/one-tap`: carrier one-tap login with the phone's own number.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::logins::{Method, Origin};
use crate::pool;
use crate::routes::session::{self, SessionBody};
use crate::{ident, place};

#[derive(Deserialize, ToSchema)]
pub struct OneTapRequest {
    /// The token the carrier's SDK yielded on the phone.
    carrier_token: String,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$", examples("install-7f3a9c"))]
    device_id: String,
}

/// An SMS login's body, plus the carrier the token named.
#[derive(Serialize, ToSchema)]
#[schema(as = OneTapSession)]
pub struct OneTapBody {
    #[serde(flatten)]
    session: SessionBody,
    /// The carrier the SIM's number belongs to.
    #[schema(schema_with = crate::openapi::fields::carrier)]
    carrier: String,
}

#[utoipa::path(
    post,
    path = "/v1/auth/one-tap",
    operation_id = "oneTapLogin",
    tag = "auth",
    summary = "Log in with the carrier's one-tap token",
    description = "One-click login with the phone's own number: the carrier's SDK on the phone yields a token that the server has the carrier verify, learning the phone number and the carrier. The account is found or created exactly as by an SMS login: one phone, one account, whichever method logs in (a new account gets the same default nickname, `MedCircle user` and four random letters, and starting interest tags). Each token is valid 120 s after the carrier issues it and logs in once. In dev mode `POST /dev/carrier/token` stands in for the carrier; without it tokens come from a real carrier integration (out of scope for the reference server), verified the same way.",
    request_body(content = OneTapRequest),
    responses(
        (status = 200, description = "Logged in: the SMS login's body plus the carrier.", body = OneTapBody),
        (status = 400, description = "`malformed_json`: The body is not valid JSON.", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_carrier_token`: The carrier token is malformed or its signature does not verify under the carrier key. `carrier_token_expired`: More than 120 s passed since the carrier issued it. `carrier_token_used`: The token already logged in once; get a new one from the carrier.", body = crate::error::ErrorBody, headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 413, description = "`body_too_large`: The body is larger than 64 KiB.", body = crate::error::ErrorBody),
        (status = 415, description = "`unsupported_media_type`: The Content-Type is missing or not application/json.", body = crate::error::ErrorBody),
        (status = 422, description = "`invalid_request`: A field is missing or has the wrong type, or device_id is not 1-64 characters of [A-Za-z0-9_-].", body = crate::error::ErrorBody)
    )
)]
pub async fn log_in(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<OneTapRequest>,
) -> Result<Json<OneTapBody>, ApiError> {
    ident::device_id("device_id", &request.device_id)?;
    let now = state.clock.now();
    let mut conn = state.writer().await;
    let tx = pool::immediate(&mut conn)?;
    let verified = state
        .carrier
        .redeem(&tx, &request.carrier_token, now)
        .inspect_err(|error| {
            // The reason only: never the token, nor the phone it names.
            tracing::info!(reason = error.code(), "carrier token refused");
        })?;
    let origin = Origin {
        method: Method::OneTap,
        install_id: Some(&request.device_id),
        place: place::coarse(peer.ip()),
    };
    let session = session::log_in(&tx, &state.keyed, &verified.phone, now, &origin)?;
    tx.commit()?;
    Ok(Json(OneTapBody {
        session,
        carrier: verified.carrier,
    }))
}
