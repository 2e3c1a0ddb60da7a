//! Scan-to-login on the web: the website shows a QR code; the phone, logged in, scans it, shows
//! who is asking (from the server, never from the QR) and the user confirms or declines.

use serde::Deserialize;
use url::Url;

use medcircle_rules::text::display_line;

use super::{AuthArea, AuthError};
use crate::net::Endpoint;

/// Far above any code this server issues; a longer payload is not ours.
const MAX_PAYLOAD_LEN: usize = 256;
/// What a requester's details are shown as, at most.
const MAX_SHOWN_CHARS: usize = 128;

/// The browser asking to be logged in, as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct WebLoginRequest {
    pub id: String,
    /// The browser's description (its user agent).
    pub browser: String,
    /// Coarse network address (e.g. 203.0.x.x).
    pub ip: String,
    /// Coarse place.
    pub place: String,
    pub requested_at: i64,
    pub expires_at: i64,
}

fn invalid(reason: &str) -> AuthError {
    AuthError::InvalidQrCode {
        reason: reason.into(),
    }
}

/// Accepts only `medcircle://web-login?id=wl_<32 hex>&v=1`: another scheme or host, extra or
/// missing parameters, a malformed id or an overlong payload are refused before any request.
pub(crate) fn parse_payload(payload: &str) -> Result<String, AuthError> {
    let payload = payload.trim();
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(invalid("too long to be a MedCircle login code"));
    }
    let url = Url::parse(payload).map_err(|_| invalid("not a MedCircle login code"))?;
    if url.scheme() != "medcircle" || url.host_str() != Some("web-login") {
        return Err(invalid("not a MedCircle login code"));
    }
    if !url.path().is_empty() || url.fragment().is_some() || url.username() != "" {
        return Err(invalid("malformed login code"));
    }
    let mut id = None;
    let mut version = None;
    for (key, value) in url.query_pairs() {
        let slot = match key.as_ref() {
            "id" => &mut id,
            "v" => &mut version,
            _ => return Err(invalid("malformed login code")),
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(invalid("malformed login code"));
        }
    }
    if version.as_deref() != Some("1") {
        return Err(invalid("a login code from a newer version: update the app"));
    }
    let id = id.ok_or_else(|| invalid("malformed login code"))?;
    let well_formed = id.len() == 35
        && id.starts_with("wl_")
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return Err(invalid("malformed login code"));
    }
    Ok(id)
}

impl AuthArea {
    /// Who asks, from the server; what the browser said of itself is shown cleaned (no
    /// control or direction characters to make it read as something else) and bounded.
    pub(super) async fn web_login_details(&self, id: &str) -> Result<WebLoginRequest, AuthError> {
        let request = Endpoint::WebLogin.request().id(id);
        let asked: WebLoginRequest = self.account.send(&request).await?.json()?;
        Ok(WebLoginRequest {
            browser: display_line(&asked.browser, MAX_SHOWN_CHARS),
            ip: display_line(&asked.ip, MAX_SHOWN_CHARS),
            place: display_line(&asked.place, MAX_SHOWN_CHARS),
            ..asked
        })
    }

    pub(super) async fn answer_web_login(&self, id: &str, confirm: bool) -> Result<(), AuthError> {
        let endpoint = if confirm {
            Endpoint::WebLoginConfirm
        } else {
            Endpoint::WebLoginDecline
        };
        self.account.send(&endpoint.request().id(id)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "wl_0123456789abcdef0123456789abcdef";

    #[test]
    fn our_codes_are_accepted() {
        let payload = format!("medcircle://web-login?id={ID}&v=1");
        assert_eq!(parse_payload(&payload).unwrap(), ID);
        let reordered = format!(" medcircle://web-login?v=1&id={ID} ");
        assert_eq!(parse_payload(&reordered).unwrap(), ID);
    }

    #[test]
    fn hostile_payloads_are_refused() {
        let long = format!("medcircle://web-login?id={ID}&v=1&x={}", "a".repeat(300));
        let cases = [
            format!("https://evil.example/web-login?id={ID}&v=1"),
            format!("medcircle://evil?id={ID}&v=1"),
            format!("medcircle://web-login.evil.example?id={ID}&v=1"),
            format!("medcircle://user@web-login?id={ID}&v=1"),
            format!("medcircle://web-login/path?id={ID}&v=1"),
            format!("medcircle://web-login?id={ID}&v=1#frag"),
            format!("medcircle://web-login?id={ID}&v=1&id={ID}"),
            format!("medcircle://web-login?id={ID}&v=1&redirect=https://evil"),
            format!("medcircle://web-login?id={ID}&v=2"),
            format!("medcircle://web-login?id={ID}"),
            "medcircle://web-login?id=wl_../../etc&v=1".to_string(),
            "medcircle://web-login?id=wl_0123456789ABCDEF0123456789ABCDEF&v=1".to_string(),
            "medcircle://web-login?v=1".to_string(),
            "javascript:alert(1)".to_string(),
            String::new(),
            "\u{0}".to_string(),
            long,
        ];
        for payload in cases {
            assert!(
                matches!(
                    parse_payload(&payload),
                    Err(AuthError::InvalidQrCode { .. })
                ),
                "{payload:.80}"
            );
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn no_payload_panics_and_only_our_codes_pass(payload in any::<String>()) {
            if let Ok(id) = parse_payload(&payload) {
                prop_assert!(id.starts_with("wl_") && id.len() == 35);
                prop_assert!(payload.trim().starts_with("medcircle://web-login?"));
            }
        }

        #[test]
        fn every_well_formed_code_passes_and_any_extra_parameter_fails(
            hex in "[0-9a-f]{32}",
            extra in "[a-z]{1,8}",
        ) {
            let payload = format!("medcircle://web-login?id=wl_{hex}&v=1");
            prop_assert_eq!(parse_payload(&payload), Ok(format!("wl_{hex}")));
            let padded = format!("{payload}&{extra}=1");
            prop_assert!(parse_payload(&padded).is_err());
        }
    }
}
