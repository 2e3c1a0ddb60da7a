//! The provider's userinfo endpoint (OpenID Connect Core 5.3): where a compliant provider puts
//! the profile claims the `profile` scope asks for when its ID token leaves them out (5.4).

use url::Url;

use super::super::AuthError;
use super::id_token::Claims;
use super::provider_error;
use crate::net::{Endpoint, Net};

/// The claims userinfo returns for `access_token`, refused unless they are about `subject`,
/// the ID token's: the answer is not signed, so only its `sub` ties it to the login (5.3.2).
pub(super) async fn claims(
    net: &Net,
    endpoint: &str,
    access_token: &str,
    subject: &str,
) -> Result<Claims, AuthError> {
    let url = Url::parse(endpoint).map_err(|e| AuthError::ProviderMisconfigured {
        reason: e.to_string(),
    })?;
    let request = Endpoint::OidcUserinfo.request().at(url);
    let claims: Claims = net
        .send(&request, Some(access_token))
        .await
        .and_then(|answer| answer.json())
        .map_err(provider_error)?;
    if claims.sub.as_deref() != Some(subject) {
        return Err(AuthError::IdTokenRejected {
            reason: "the provider's userinfo is about another account".into(),
        });
    }
    Ok(claims)
}
