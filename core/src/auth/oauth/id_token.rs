//! Reading an ID token's claims to show the binding prompt. Not verification: the server
//! verifies the token against the provider's keys before it means anything.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::super::AuthError;

/// Far above any provider's ID token.
const MAX_TOKEN_LEN: usize = 16 * 1024;

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct Claims {
    #[serde(default)]
    pub(super) sub: Option<String>,
    #[serde(default)]
    pub(super) nonce: Option<String>,
    #[serde(default)]
    pub(super) nickname: Option<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) picture: Option<String>,
}

impl Claims {
    /// Whether it holds anything binding would copy.
    pub(super) fn has_profile(&self) -> bool {
        self.nickname.is_some() || self.name.is_some() || self.picture.is_some()
    }
}

pub(super) fn claims(token: &str) -> Result<Claims, AuthError> {
    let malformed = || AuthError::IdTokenRejected {
        reason: "the provider's ID token is malformed".into(),
    };
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed());
    }
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
    serde_json::from_slice(&json).map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_the_payload() {
        let payload =
            URL_SAFE_NO_PAD.encode(br#"{"nonce":"n","name":"Dr. Li","picture":"https://p/x.png"}"#);
        let claims = claims(&format!("e30.{payload}.sig")).unwrap();
        assert_eq!(claims.nonce.as_deref(), Some("n"));
        assert_eq!(claims.name.as_deref(), Some("Dr. Li"));
        assert_eq!(claims.picture.as_deref(), Some("https://p/x.png"));
    }

    #[test]
    fn anything_but_three_parts_of_json_is_malformed() {
        for token in ["", "a.b", "a.b.c.d", "e30.!!!.x", "e30.bm90IGpzb24.x"] {
            assert!(claims(token).is_err(), "{token}");
        }
    }
}
