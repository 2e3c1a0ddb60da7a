//! PKCE (RFC 7636) with the S256 method: the authorization code is bound to
//! BASE64URL(SHA256(code_verifier)), so only the app that started the login can redeem it.

use sha2::{Digest, Sha256};

use crate::base64url;

/// 43 to 128 characters of the unreserved set (RFC 7636 §4.1); a challenge has the same shape.
pub fn well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is well formed and hashes to `challenge`.
pub fn verifies(verifier: &str, challenge: &str) -> bool {
    well_formed(verifier) && base64url::encode(&Sha256::digest(verifier)) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifies(verifier, challenge));
        assert!(!verifies(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!verifies(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
    }

    #[test]
    fn verifiers_are_43_to_128_unreserved_characters() {
        assert!(well_formed(&"a".repeat(43)));
        assert!(well_formed(&"Az09-._~".repeat(16)));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&"a".repeat(129)));
        for bad in ["+", "/", "=", " ", "é"] {
            assert!(!well_formed(&format!("{}{bad}", "a".repeat(43))), "{bad}");
        }
        // A well-formed verifier that is too short never verifies, even against its own hash.
        let short = "a".repeat(42);
        assert!(!verifies(
            &short,
            &base64url::encode(&Sha256::digest(&short))
        ));
    }
}
