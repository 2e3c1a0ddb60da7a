//! OpenID Connect discovery: where a provider's endpoints are, checked before any use.

use serde::Deserialize;
use url::Url;

use super::super::AuthError;
use crate::config::is_loopback;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct ProviderMetadata {
    pub(super) issuer: String,
    pub(super) authorization_endpoint: String,
    pub(super) token_endpoint: String,
    /// Where the profile claims are when the ID token leaves them out (OpenID Connect Core 5.3).
    #[serde(default)]
    pub(super) userinfo_endpoint: Option<String>,
    /// RFC 9207: every authorization response names its issuer, so a missing `iss` is refused.
    #[serde(default)]
    pub(super) authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    response_types_supported: Vec<String>,
}

/// Where the configuration document of `issuer` lives (OpenID Connect Discovery §4).
pub(super) fn configuration_url(issuer: &str, dev: bool) -> Result<Url, AuthError> {
    let issuer = secure_url(issuer, dev)?;
    let mut url = issuer.clone();
    url.path_segments_mut()
        .map_err(|()| misconfigured("the issuer cannot take a path"))?
        .pop_if_empty()
        .extend([".well-known", "openid-configuration"]);
    Ok(url)
}

impl ProviderMetadata {
    /// Refuses a document that names another issuer (a mix-up), plain-http endpoints, or a
    /// provider that cannot do what this client needs.
    pub(super) fn checked(self, issuer: &str, dev: bool) -> Result<Self, AuthError> {
        if self.issuer != issuer {
            return Err(misconfigured("the configuration names another issuer"));
        }
        secure_url(&self.authorization_endpoint, dev)?;
        secure_url(&self.token_endpoint, dev)?;
        if let Some(userinfo) = &self.userinfo_endpoint {
            secure_url(userinfo, dev)?;
        }
        if !self.response_types_supported.is_empty()
            && !self.response_types_supported.iter().any(|t| t == "code")
        {
            return Err(misconfigured(
                "the provider does not issue authorization codes",
            ));
        }
        // Absent means "not announced"; announced without S256 means it would be ignored.
        if !self.code_challenge_methods_supported.is_empty()
            && !self
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
        {
            return Err(misconfigured(
                "the provider does not support PKCE with S256",
            ));
        }
        Ok(self)
    }
}

/// https, or plain http to a loopback host in a dev build (the reference server's provider).
pub(super) fn secure_url(raw: &str, dev: bool) -> Result<Url, AuthError> {
    let url = Url::parse(raw).map_err(|e| misconfigured(&format!("not a URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if dev && is_loopback(&url) => Ok(url),
        _ => Err(misconfigured("provider URLs must use https")),
    }
}

fn misconfigured(reason: &str) -> AuthError {
    AuthError::ProviderMisconfigured {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(issuer: &str, token: &str, methods: &[&str]) -> ProviderMetadata {
        ProviderMetadata {
            issuer: issuer.into(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: token.into(),
            userinfo_endpoint: None,
            authorization_response_iss_parameter_supported: false,
            code_challenge_methods_supported: methods.iter().map(|m| m.to_string()).collect(),
            response_types_supported: vec!["code".into()],
        }
    }

    #[test]
    fn the_configuration_lives_under_the_issuer() {
        for issuer in ["https://id.example/tenant", "https://id.example/tenant/"] {
            assert_eq!(
                configuration_url(issuer, false).unwrap().as_str(),
                "https://id.example/tenant/.well-known/openid-configuration"
            );
        }
    }

    #[test]
    fn a_document_for_another_issuer_is_refused() {
        let doc = metadata("https://evil.example", "https://evil.example/token", &[]);
        assert!(matches!(
            doc.checked("https://id.example", false),
            Err(AuthError::ProviderMisconfigured { .. })
        ));
    }

    #[test]
    fn plain_http_is_only_for_a_loopback_provider_in_dev() {
        let local = "http://127.0.0.1:9/dev/oidc";
        let doc = metadata(local, &format!("{local}/token"), &["S256"]);
        assert!(doc.clone().checked(local, true).is_ok());
        assert!(doc.checked(local, false).is_err());
        let remote = "http://id.example";
        let doc = metadata(remote, "http://id.example/token", &["S256"]);
        assert!(doc.checked(remote, true).is_err());
    }

    #[test]
    fn a_plain_http_userinfo_endpoint_is_refused() {
        let mut doc = metadata("https://id.example", "https://id.example/t", &["S256"]);
        doc.userinfo_endpoint = Some("http://id.example/userinfo".into());
        assert!(matches!(
            doc.clone().checked("https://id.example", true),
            Err(AuthError::ProviderMisconfigured { .. })
        ));
        doc.userinfo_endpoint = Some("https://id.example/userinfo".into());
        assert!(doc.checked("https://id.example", false).is_ok());
    }

    #[test]
    fn a_provider_without_s256_is_refused() {
        let doc = metadata("https://id.example", "https://id.example/t", &["plain"]);
        assert!(doc.checked("https://id.example", false).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn urls() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("https://id.example/authorize".to_string()),
            Just("http://id.example/token".to_string()),
            Just("http://127.0.0.1:9/token".to_string()),
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn no_document_panics_and_a_checked_one_is_safe(
            issuer in prop_oneof![Just("https://id.example".to_string()), any::<String>()],
            authorization in urls(),
            token in urls(),
            methods in proptest::collection::vec("[A-Za-z0-9]{0,6}", 0..3),
            dev in any::<bool>(),
        ) {
            let document = serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": authorization,
                "token_endpoint": token,
                "code_challenge_methods_supported": methods,
            });
            let Ok(metadata) = serde_json::from_value::<ProviderMetadata>(document) else {
                return Ok(());
            };
            if let Ok(checked) = metadata.checked("https://id.example", dev) {
                for endpoint in [&checked.authorization_endpoint, &checked.token_endpoint] {
                    let url = Url::parse(endpoint).unwrap();
                    prop_assert!(url.scheme() == "https" || (dev && is_loopback(&url)));
                }
            }
        }
    }
}
