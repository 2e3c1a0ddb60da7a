//! What a shell passes to open a client, and the transport rules checked before anything runs.

use std::net::IpAddr;
use url::{Host, Url};

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ClientError {
    #[error("invalid configuration: {reason}")]
    InvalidConfig { reason: String },
    /// Plain http is only for a loopback server in a dev build.
    #[error("refusing insecure server URL {url}: use https")]
    InsecureServerUrl { url: String },
    #[error("the secure store is unavailable: {detail}")]
    SecureStoreUnavailable { detail: String },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<StoreError> for ClientError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Secrets(e) => ClientError::SecureStoreUnavailable {
                detail: e.to_string(),
            },
            other => ClientError::Storage {
                detail: other.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ClientConfig {
    /// Base URL of the MedCircle API, e.g. `https://api.medcircle.example`.
    pub server_url: String,
    /// A directory only this app can read; the databases live here.
    pub data_dir: String,
    /// Development build: allows plain http, and only to a loopback host.
    pub dev: bool,
    /// Optional certificate pins: base64 SHA-256 of a SubjectPublicKeyInfo in the server's
    /// chain. Empty means the system of trust alone; give a backup pin with the live one.
    pub spki_pins: Vec<String>,
    /// OpenID Connect providers offered for third-party login.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub oauth_providers: Vec<OAuthProviderConfig>,
    /// Certificates (PEM) trusted besides the system of trust, for QA builds that talk to a
    /// server with a development CA. Empty in an app store build.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub extra_trust_anchors: Vec<String>,
}

/// A third-party login provider: any standards-compliant OpenID provider, found by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct OAuthProviderConfig {
    /// The name the app and the server know it by, e.g. `wechat`.
    pub name: String,
    /// The issuer URL; `/.well-known/openid-configuration` is found under it.
    pub issuer: String,
    /// The app's public client id at the provider (no secret: a phone cannot keep one).
    pub client_id: String,
    /// Where the provider sends the browser back, registered with it: a private-use scheme
    /// of the app (RFC 8252), e.g. `com.medcircle.app:/oauth/callback`.
    pub redirect_uri: String,
}

impl ClientConfig {
    pub(crate) fn validated_server_url(&self) -> Result<Url, ClientError> {
        let url = Url::parse(self.server_url.trim()).map_err(|e| ClientError::InvalidConfig {
            reason: format!("server_url is not a URL: {e}"),
        })?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if self.dev && is_loopback(&url) => Ok(url),
            "http" => Err(ClientError::InsecureServerUrl {
                url: self.server_url.clone(),
            }),
            other => Err(ClientError::InvalidConfig {
                reason: format!("unsupported scheme {other}"),
            }),
        }
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, dev: bool) -> ClientConfig {
        ClientConfig {
            server_url: url.into(),
            data_dir: "/tmp/x".into(),
            dev,
            spki_pins: vec![],
            oauth_providers: vec![],
            extra_trust_anchors: vec![],
        }
    }

    #[test]
    fn https_is_always_allowed() {
        assert!(
            config("https://api.example.com", false)
                .validated_server_url()
                .is_ok()
        );
    }

    #[test]
    fn plain_http_needs_dev_and_loopback() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(config(url, true).validated_server_url().is_ok(), "{url}");
            assert!(matches!(
                config(url, false).validated_server_url(),
                Err(ClientError::InsecureServerUrl { .. })
            ));
        }
        assert!(matches!(
            config("http://10.0.0.2:8080", true).validated_server_url(),
            Err(ClientError::InsecureServerUrl { .. })
        ));
        assert!(matches!(
            config("http://localhost.evil.example", true).validated_server_url(),
            Err(ClientError::InsecureServerUrl { .. })
        ));
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert!(matches!(
            config("ftp://127.0.0.1", true).validated_server_url(),
            Err(ClientError::InvalidConfig { .. })
        ));
        assert!(matches!(
            config("not a url", true).validated_server_url(),
            Err(ClientError::InvalidConfig { .. })
        ));
    }
}
