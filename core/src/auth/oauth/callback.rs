//! The URL the provider sends the browser back to: checked before anything is exchanged.

use url::Url;

use super::super::AuthError;

/// Far above any genuine callback; a longer one is not worth parsing.
const MAX_CALLBACK_LEN: usize = 4096;

/// Who must have answered: the provider's issuer, and whether it announced that it names
/// itself in every authorization response (RFC 9207).
pub(super) struct ExpectedIssuer<'a> {
    pub(super) issuer: &'a str,
    pub(super) always_named: bool,
}

/// Returns the authorization code, or why the callback cannot be used.
pub(super) fn authorization_code(
    raw: &str,
    redirect_uri: &str,
    expected_state: &str,
    expected_issuer: &ExpectedIssuer<'_>,
) -> Result<String, AuthError> {
    let raw = raw.trim();
    if raw.len() > MAX_CALLBACK_LEN {
        return Err(invalid("the callback URL is too long"));
    }
    let url = Url::parse(raw).map_err(|_| invalid("the callback is not a URL"))?;
    let expected = Url::parse(redirect_uri).map_err(|_| invalid("bad redirect URI"))?;
    if url.scheme() != expected.scheme()
        || url.host_str() != expected.host_str()
        || url.port() != expected.port()
        || url.path() != expected.path()
    {
        return Err(invalid("the callback is not this app's redirect URI"));
    }
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut description = None;
    let mut iss = None;
    for (key, value) in url.query_pairs() {
        let slot = match key.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            "iss" => &mut iss,
            _ => continue,
        };
        // A repeated parameter is ambiguous (RFC 6749 §3.1): refuse rather than pick one.
        if slot.replace(value.into_owned()).is_some() {
            return Err(invalid("a parameter is repeated"));
        }
    }
    // The state is checked first, even on errors: only our own request's answer counts.
    if state.as_deref() != Some(expected_state) {
        return Err(invalid(
            "state mismatch: this answer is not for this app's request",
        ));
    }
    // The mix-up defence (RFC 9207 §2.4), before anything else of the answer is believed.
    match iss {
        Some(iss) if iss != expected_issuer.issuer => {
            return Err(AuthError::IssuerMismatch { received: iss });
        }
        None if expected_issuer.always_named => return Err(AuthError::IssuerMissing),
        _ => {}
    }
    if let Some(error) = error {
        return Err(AuthError::ProviderDenied {
            reason: match description {
                Some(d) if !d.is_empty() => format!("{error}: {d}"),
                _ => error,
            },
        });
    }
    match code {
        Some(code) if !code.is_empty() => Ok(code),
        _ => Err(invalid("the callback carries no code")),
    }
}

fn invalid(reason: &str) -> AuthError {
    AuthError::InvalidCallback {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "com.medcircle.app:/oauth/callback";
    const ISSUER: &str = "https://id.example";

    fn parse_from(url: &str, always_named: bool) -> Result<String, AuthError> {
        let issuer = ExpectedIssuer {
            issuer: ISSUER,
            always_named,
        };
        authorization_code(url, REDIRECT, "s1", &issuer)
    }

    fn parse(url: &str) -> Result<String, AuthError> {
        parse_from(url, false)
    }

    #[test]
    fn the_issuer_named_in_the_answer_must_be_the_provider_s() {
        let named =
            "com.medcircle.app:/oauth/callback?code=abc&state=s1&iss=https%3A%2F%2Fid.example";
        assert_eq!(parse_from(named, true).unwrap(), "abc");
        assert_eq!(parse_from(named, false).unwrap(), "abc");
        let other =
            "com.medcircle.app:/oauth/callback?code=abc&state=s1&iss=https%3A%2F%2Fevil.example";
        for always_named in [true, false] {
            assert_eq!(
                parse_from(other, always_named),
                Err(AuthError::IssuerMismatch {
                    received: "https://evil.example".into()
                })
            );
        }
        // Even an error answer from another issuer is not believed.
        let error = "com.medcircle.app:/oauth/callback?error=access_denied&state=s1&iss=x";
        assert!(matches!(
            parse(error),
            Err(AuthError::IssuerMismatch { .. })
        ));
        let unnamed = "com.medcircle.app:/oauth/callback?code=abc&state=s1";
        assert_eq!(parse_from(unnamed, true), Err(AuthError::IssuerMissing));
        assert_eq!(parse_from(unnamed, false).unwrap(), "abc");
        let twice = format!("{named}&iss=https%3A%2F%2Fid.example");
        assert!(matches!(
            parse(&twice),
            Err(AuthError::InvalidCallback { .. })
        ));
    }

    #[test]
    fn the_code_of_our_own_request_is_returned() {
        assert_eq!(
            parse("com.medcircle.app:/oauth/callback?code=abc&state=s1").unwrap(),
            "abc"
        );
    }

    #[test]
    fn another_request_s_answer_is_refused() {
        for url in [
            "com.medcircle.app:/oauth/callback?code=abc&state=other",
            "com.medcircle.app:/oauth/callback?code=abc",
            "com.medcircle.app:/oauth/callback?code=abc&state=s1&state=s2",
        ] {
            assert!(
                matches!(parse(url), Err(AuthError::InvalidCallback { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn a_refusal_by_the_provider_is_reported() {
        let url =
            "com.medcircle.app:/oauth/callback?error=access_denied&error_description=no&state=s1";
        assert_eq!(
            parse(url),
            Err(AuthError::ProviderDenied {
                reason: "access_denied: no".into()
            })
        );
    }

    #[test]
    fn other_places_and_garbage_are_refused() {
        for url in [
            "https://evil.example/oauth/callback?code=abc&state=s1",
            "com.medcircle.app:/other?code=abc&state=s1",
            "not a url",
            "",
            &format!(
                "com.medcircle.app:/oauth/callback?state=s1&code={}",
                "a".repeat(5000)
            ),
            "com.medcircle.app:/oauth/callback?state=s1&code=",
        ] {
            assert!(
                matches!(parse(url), Err(AuthError::InvalidCallback { .. })),
                "{url}"
            );
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const REDIRECT: &str = "com.medcircle.app:/oauth/callback";

    proptest! {
        #[test]
        fn no_callback_panics_and_an_accepted_one_carries_our_state(
            raw in prop_oneof![
                any::<String>(),
                "[ -~]{0,200}".prop_map(|q| format!("{REDIRECT}?{q}")),
            ],
        ) {
            let issuer = ExpectedIssuer { issuer: "https://id.example", always_named: false };
            if let Ok(code) = authorization_code(&raw, REDIRECT, "our-state", &issuer) {
                prop_assert!(raw.contains("state=our-state"));
                prop_assert!(!code.is_empty() || raw.contains("code="));
            }
        }
    }
}
