//! Random identifiers and bearer tokens, and the digest under which tokens are stored.

use sha2::{Digest, Sha256};

pub fn access_token() -> String {
    format!("mca_{}", random_hex::<32>())
}

pub fn refresh_token() -> String {
    format!("mcr_{}", random_hex::<32>())
}

pub fn user_id() -> String {
    format!("u_{}", random_hex::<8>())
}

pub fn interest_id() -> String {
    format!("t_{}", random_hex::<8>())
}

pub fn session_family() -> String {
    random_hex::<16>()
}

/// What makes each carrier one-tap token single use: 32 hex characters.
pub fn carrier_nonce() -> String {
    random_hex::<16>()
}

/// A pending web login: `wl_` and 32 hex characters.
pub fn web_login_id() -> String {
    format!("wl_{}", random_hex::<16>())
}

/// What lets only the browser that asked watch its web login.
pub fn poll_token() -> String {
    format!("wlp_{}", random_hex::<32>())
}

/// What lets one response's inline script run under the web page's Content-Security-Policy.
pub fn script_nonce() -> String {
    random_hex::<16>()
}

/// A certification photo: `cp_` and 16 hex characters.
pub fn photo_id() -> String {
    format!("cp_{}", random_hex::<8>())
}

/// A security notice: `nt_` and 16 hex characters.
pub fn notice_id() -> String {
    format!("nt_{}", random_hex::<8>())
}

/// Tokens are stored only as this digest, so the database cannot be used to impersonate anyone.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn random_hex<const N: usize>() -> String {
    hex::encode(rand::random::<[u8; N]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let access = access_token();
        assert!(access.starts_with("mca_") && access.len() == 68);
        assert!(access[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(refresh_token().starts_with("mcr_"));
        assert_eq!(user_id().len(), 18);
        assert!(interest_id().starts_with("t_") && interest_id().len() == 18);
        assert_ne!(access_token(), access);
        let nonce = carrier_nonce();
        assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(carrier_nonce(), nonce);
    }
}
