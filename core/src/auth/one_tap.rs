//! Carrier one-tap login: the shell's carrier SDK yields a token proving this phone's number;
//! the server has the carrier confirm it and answers with a session.

use serde::Serialize;

use super::session::TokenResponse;
use super::{AuthError, UserProfile};
use crate::client::Inner;
use crate::net::Endpoint;

/// Far above any carrier's token; a longer one is not a token.
const MAX_TOKEN_LEN: usize = 4096;

#[derive(Serialize)]
struct OneTapRequest<'a> {
    carrier_token: &'a str,
    device_id: &'a str,
}

pub(super) async fn login(inner: &Inner, token: &str) -> Result<UserProfile, AuthError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || token.chars().any(char::is_whitespace) {
        return Err(AuthError::CarrierTokenInvalid);
    }
    let device_id = inner.app.install_id()?;
    let body = OneTapRequest {
        carrier_token: token,
        device_id: &device_id,
    };
    let response: TokenResponse = inner.net.call(Endpoint::OneTap, Some(&body), None).await?;
    inner.session.establish(inner, response).await
}
