//! Carrier one-tap login: the carrier SDK in the shell yields a token for this phone's
//! number; our server has the carrier confirm it. The number itself never passes here.

use serde::Serialize;

use super::{AuthArea, AuthError, UserProfile};
use crate::net::Endpoint;

const MAX_TOKEN_LEN: usize = 4096;

#[derive(Serialize)]
struct OneTapRequest<'a> {
    carrier_token: &'a str,
    device_id: &'a str,
}

impl AuthArea {
    pub(super) async fn one_tap(&self, token: &str) -> Result<UserProfile, AuthError> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_LEN || token.chars().any(char::is_whitespace)
        {
            return Err(AuthError::CarrierTokenInvalid);
        }
        let device_id = self.install_id()?;
        let request = Endpoint::OneTap.request().json(&OneTapRequest {
            carrier_token: token,
            device_id: &device_id,
        });
        self.log_in(request).await
    }
}
