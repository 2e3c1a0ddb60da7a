//! Requests this server makes to login providers (OpenID metadata, keys and userinfo; OAuth 2.0
//! code exchanges): HTTPS only (plain HTTP only to a loopback host, where dev providers and
//! tests live), no redirects, a timeout and a size cap on every answer. Query strings may carry
//! secrets (an app secret, an access token): errors name the URL without its query.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use url::{Host, Url};

const TIMEOUT: Duration = Duration::from_secs(10);
/// Metadata, key sets, tokens and profiles are a few KiB; anything far larger is not one.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Why a provider's answer could not be had; logged, and answered as `provider_unavailable`.
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

/// The HTTP client for provider requests: rustls with ring and the Mozilla roots (built here,
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

/// `GET url?query` (the pairs appended), with `bearer` as the access token if given, for a
/// successful answer of at most `MAX_RESPONSE_BYTES` bytes of JSON.
pub async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    query: &[(&str, &str)],
    bearer: Option<&str>,
) -> Result<T, Unavailable> {
    let mut parsed = Url::parse(url)
        .ok()
        .filter(allowed)
        .ok_or_else(|| Unavailable::Insecure(shown(url)))?;
    let named = shown(url);
    if !query.is_empty() {
        parsed.query_pairs_mut().extend_pairs(query);
    }
    let fetch = |error: reqwest::Error| Unavailable::Fetch(named.clone(), error.without_url());
    let mut request = http.get(parsed);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.map_err(fetch)?;
    if !response.status().is_success() {
        return Err(Unavailable::Status(named, response.status().as_u16()));
    }
    let too_large = || Unavailable::TooLarge(named.clone());
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
    serde_json::from_slice(&body).map_err(|error| Unavailable::Json(named.clone(), error))
}

/// `url` as errors may name it: without its query or fragment.
fn shown(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// https anywhere; http only to a loopback host.
pub fn allowed(url: &Url) -> bool {
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

    #[tokio::test]
    async fn errors_never_name_the_query() {
        let http = client().unwrap();
        // Nothing listens there: the request fails at once.
        let error = get_json::<serde_json::Value>(
            &http,
            "http://127.0.0.1:9/sns/oauth2/access_token",
            &[("secret", "s3cr3t-value")],
            None,
        )
        .await
        .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("/sns/oauth2/access_token"), "{shown}");
    }
}
