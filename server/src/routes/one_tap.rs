//! `POST /v1/auth/one-tap`: carrier one-tap login with the phone's own number.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};

use crate::app::Shared;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::logins::{Method, Origin};
use crate::pool;
use crate::routes::session::{self, SessionBody};
use crate::{ident, place};

#[derive(Deserialize)]
pub struct OneTapRequest {
    carrier_token: String,
    device_id: String,
}

/// An SMS login's body, plus the carrier the token named.
#[derive(Serialize)]
pub struct OneTapBody {
    #[serde(flatten)]
    session: SessionBody,
    carrier: String,
}

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
