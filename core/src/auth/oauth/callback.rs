//! The URL the provider sends the browser back to: checked before anything is exchanged.

use url::Url;

use super::super::AuthError;

/// Far above any genuine callback; a longer one is not worth parsing.
const MAX_CALLBACK_LEN: usize = 4096;

/// Returns the authorization code, or why the callback cannot be used.
pub(super) fn authorization_code(
    raw: &str,
    redirect_uri: &str,
    expected_state: &str,
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
    for (key, value) in url.query_pairs() {
        let slot = match key.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
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

    fn parse(url: &str) -> Result<String, AuthError> {
        authorization_code(url, REDIRECT, "s1")
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
            if let Ok(code) = authorization_code(&raw, REDIRECT, "our-state") {
                prop_assert!(raw.contains("state=our-state"));
                prop_assert!(!code.is_empty() || raw.contains("code="));
            }
        }
    }
}
