//! Fetching a provider's metadata (OpenID Connect Discovery 1.0) and then its key set or its
//! userinfo, through `outbound` (HTTPS, timeouts, size caps).

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::oidc::jwk::JwkSet;
use crate::outbound::{Unavailable, get_json};

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// The current key set of the provider `issuer`, found through its metadata.
pub async fn fetch_keys(http: &reqwest::Client, issuer: &str) -> Result<JwkSet, Unavailable> {
    let metadata = fetch_metadata(http, issuer).await?;
    get_json(http, &metadata.jwks_uri, &[], None).await
}

/// What the provider `issuer` answers at its userinfo endpoint for `access_token`.
pub async fn fetch_userinfo<T: DeserializeOwned>(
    http: &reqwest::Client,
    issuer: &str,
    access_token: &str,
) -> Result<T, Unavailable> {
    let metadata = fetch_metadata(http, issuer).await?;
    let endpoint = metadata.userinfo_endpoint.ok_or(Unavailable::NoUserinfo)?;
    get_json(http, &endpoint, &[], Some(access_token)).await
}

async fn fetch_metadata(http: &reqwest::Client, issuer: &str) -> Result<Metadata, Unavailable> {
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let metadata: Metadata = get_json(http, &discovery, &[], None).await?;
    if metadata.issuer != issuer {
        return Err(Unavailable::WrongIssuer(metadata.issuer));
    }
    Ok(metadata)
}
