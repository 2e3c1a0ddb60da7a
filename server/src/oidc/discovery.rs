//! Fetching a provider's metadata (OpenID Connect Discovery 1.0) and then its key set or its
//! userinfo, over HTTPS; plain HTTP only to a loopback host, where the dev provider and tests
//! live.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::{Host, Url};

use crate::oidc::jwk::JwkSet;

const TIMEOUT: Duration = Duration::from_secs(10);
/// Metadata and key sets are a few KiB; anything far larger is not one.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Why a provider's keys could not be had; logged, and answered as `provider_unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("{0} is neither https nor http to a loopback host")]
    Insecure(String),
    #[error("fetching {0} failed: {1}")]
    Fetch(String, reqwest::Error),
    #[error("{0} answered {1}")]
    Status(String, u16),
    #[error("{0} answered more than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge(String),
    #[error("{0} did not answer the expected JSON: {1}")]
    Json(String, serde_json::Error),
    #[error("the metadata names issuer {0:?}, not the configured one")]
    WrongIssuer(String),
    #[error("the provider has no userinfo endpoint")]
    NoUserinfo,
}

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// The HTTP client for provider fetches: rustls with ring and the Mozilla roots (built here,
/// as the workspace's reqwest has no default TLS provider), no redirects, so an https URL
/// cannot be turned into a plain-http one.
pub fn client() -> reqwest::Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("medcircle-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The current key set of the provider `issuer`, found through its metadata.
pub async fn fetch_keys(http: &reqwest::Client, issuer: &str) -> Result<JwkSet, Unavailable> {
    let metadata = fetch_metadata(http, issuer).await?;
    get_json(http, &metadata.jwks_uri, None).await
}

/// What the provider `issuer` answers at its userinfo endpoint for `access_token`.
pub async fn fetch_userinfo<T: DeserializeOwned>(
    http: &reqwest::Client,
    issuer: &str,
    access_token: &str,
) -> Result<T, Unavailable> {
    let metadata = fetch_metadata(http, issuer).await?;
    let endpoint = metadata.userinfo_endpoint.ok_or(Unavailable::NoUserinfo)?;
    get_json(http, &endpoint, Some(access_token)).await
}

async fn fetch_metadata(http: &reqwest::Client, issuer: &str) -> Result<Metadata, Unavailable> {
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let metadata: Metadata = get_json(http, &discovery, None).await?;
    if metadata.issuer != issuer {
        return Err(Unavailable::WrongIssuer(metadata.issuer));
    }
    Ok(metadata)
}

async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Result<T, Unavailable> {
    let parsed = Url::parse(url)
        .ok()
        .filter(allowed)
        .ok_or_else(|| Unavailable::Insecure(url.to_owned()))?;
    let fetch = |error| Unavailable::Fetch(url.to_owned(), error);
    let mut request = http.get(parsed);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.map_err(fetch)?;
    if !response.status().is_success() {
        return Err(Unavailable::Status(
            url.to_owned(),
            response.status().as_u16(),
        ));
    }
    let too_large = || Unavailable::TooLarge(url.to_owned());
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fetch)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|error| Unavailable::Json(url.to_owned(), error))
}

/// https anywhere; http only to a loopback host.
fn allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for yes in [
            "https://accounts.example.com/",
            "http://127.0.0.1:8080/dev/oidc",
            "http://127.9.9.9/x",
            "http://[::1]:80/x",
            "http://localhost:1/x",
        ] {
            assert!(allowed(&Url::parse(yes).unwrap()), "{yes}");
        }
        for no in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1.example.com/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
        ] {
            assert!(!allowed(&Url::parse(no).unwrap()), "{no}");
        }
    }
}
