//! Carrier one-tap login: the carrier's SDK on the phone obtains a token for the SIM's own
//! number, and the backend has the carrier verify it, learning the number and the carrier.
//!
//! The carrier is simulated. A token is `<payload>.<signature>`, both unpadded base64url: the
//! payload is the JSON `{"phone","carrier","exp","nonce"}` and the signature HMAC-SHA256 over
//! the payload bytes under the carrier key, a secret of the carrier's own, distinct from the
//! server secret. The server only verifies; in dev mode `POST /dev/carrier/token` plays the
//! carrier and signs.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::keyed::Keyed;
use crate::phone::Phone;
use crate::{base64url, ident, tokens};

pub const CARRIERS: [&str; 4] = [
    "China Mobile",
    "China Unicom",
    "China Telecom",
    "China Broadnet",
];

/// How long a token stays valid after the carrier issues it.
pub const TOKEN_TTL_S: i64 = 120;

/// The payload of a token, in this field order.
#[derive(Serialize, Deserialize)]
struct Claims {
    phone: String,
    carrier: String,
    exp: i64,
    nonce: String,
}

/// What an authentic token vouches for.
pub struct Verified {
    pub phone: Phone,
    pub carrier: String,
    exp: i64,
    nonce: String,
}

/// The carrier's verification service: holds the carrier key.
pub struct Carrier {
    key: Keyed,
}

impl Carrier {
    pub fn new(key: Vec<u8>) -> Self {
        Carrier {
            key: Keyed::new(key),
        }
    }

    /// Signs a token for `phone` on `carrier`, valid `TOKEN_TTL_S` from `now`: what the
    /// carrier's SDK would hand the app.
    pub fn issue(&self, phone: &Phone, carrier: &str, now: i64) -> String {
        let claims = Claims {
            phone: phone.as_str().to_owned(),
            carrier: carrier.to_owned(),
            exp: now + TOKEN_TTL_S,
            nonce: tokens::carrier_nonce(),
        };
        let payload = serde_json::to_vec(&claims).expect("claims serialize to JSON");
        format!(
            "{}.{}",
            base64url::encode(&payload),
            base64url::encode(&self.key.sign(&payload))
        )
    }

    /// Accepts a token once: authentic (else `invalid_carrier_token`), not expired (else
    /// `carrier_token_expired`), and its nonce never redeemed before (else
    /// `carrier_token_used`), which it records in `conn` until the token expires.
    pub fn redeem(&self, conn: &Connection, token: &str, now: i64) -> Result<Verified, ApiError> {
        let verified = self.verify(token).ok_or(ApiError::InvalidCarrierToken)?;
        if now > verified.exp {
            return Err(ApiError::CarrierTokenExpired);
        }
        // Expiry is checked first, so the nonces of expired tokens are no longer needed.
        conn.execute("DELETE FROM carrier_nonces WHERE expires_at < ?1", [now])?;
        let fresh = conn.execute(
            "INSERT INTO carrier_nonces (nonce, expires_at) VALUES (?1, ?2)
             ON CONFLICT (nonce) DO NOTHING",
            params![verified.nonce, verified.exp],
        )?;
        if fresh == 0 {
            return Err(ApiError::CarrierTokenUsed);
        }
        Ok(verified)
    }

    /// The claims of a token signed with the carrier key and well formed, whatever its expiry.
    fn verify(&self, token: &str) -> Option<Verified> {
        let (payload, signature) = token.split_once('.')?;
        let payload = base64url::decode(payload)?;
        let signature = base64url::decode(signature)?;
        if !self.key.verify(&payload, &signature) {
            return None;
        }
        let claims: Claims = serde_json::from_slice(&payload).ok()?;
        let phone = Phone::parse(&claims.phone).ok()?;
        let well_formed =
            CARRIERS.contains(&claims.carrier.as_str()) && ident::is_valid(&claims.nonce, 16..=64);
        well_formed.then_some(Verified {
            phone,
            carrier: claims.carrier,
            exp: claims.exp,
            nonce: claims.nonce,
        })
    }
}

pub fn check_name(carrier: &str) -> Result<(), ApiError> {
    if CARRIERS.contains(&carrier) {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "carrier must be one of {}",
            CARRIERS.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> Phone {
        Phone::parse("13800138000").unwrap()
    }

    fn signed(carrier: &Carrier, payload: &str) -> String {
        format!(
            "{}.{}",
            base64url::encode(payload.as_bytes()),
            base64url::encode(&carrier.key.sign(payload.as_bytes()))
        )
    }

    #[test]
    fn issued_tokens_carry_the_claims_and_verify_only_under_their_key() {
        let carrier = Carrier::new(vec![3; 32]);
        let token = carrier.issue(&phone(), "China Unicom", 1_000);
        let claims = carrier.verify(&token).unwrap();
        assert_eq!(claims.phone.as_str(), "13800138000");
        assert_eq!(claims.carrier, "China Unicom");
        assert_eq!(claims.exp, 1_120);
        assert_eq!(claims.nonce.len(), 32);
        assert!(Carrier::new(vec![4; 32]).verify(&token).is_none());

        let (payload, _) = token.split_once('.').unwrap();
        let payload = String::from_utf8(base64url::decode(payload).unwrap()).unwrap();
        assert!(
            payload.starts_with(
                r#"{"phone":"13800138000","carrier":"China Unicom","exp":1120,"nonce":""#
            ),
            "{payload}"
        );
    }

    #[test]
    fn refuses_altered_or_malformed_tokens() {
        let carrier = Carrier::new(vec![3; 32]);
        let token = carrier.issue(&phone(), "China Mobile", 1_000);
        let (payload, signature) = token.split_once('.').unwrap();
        let mut refused = vec![
            String::new(),
            ".".into(),
            payload.into(),
            format!("{payload}."),
            format!(".{signature}"),
            format!("{token}.{signature}"),
            format!("{payload}={signature}"),
            format!("{payload}.{}", base64url::encode(&[0; 32])),
        ];
        for at in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            refused.push(String::from_utf8(bytes).unwrap());
        }
        for bad in &refused {
            assert!(carrier.verify(bad).is_none(), "{bad}");
        }
        // Signed, but not what a carrier issues.
        for payload in [
            "not json",
            r#"{"phone":"13800138000","carrier":"China Mobile","exp":1}"#,
            r#"{"phone":"23800138000","carrier":"China Mobile","exp":1,"nonce":"0123456789abcdef"}"#,
            r#"{"phone":"13800138000","carrier":"Other","exp":1,"nonce":"0123456789abcdef"}"#,
            r#"{"phone":"13800138000","carrier":"China Mobile","exp":1,"nonce":"short"}"#,
        ] {
            assert!(
                carrier.verify(&signed(&carrier, payload)).is_none(),
                "{payload}"
            );
        }
        let fine = r#"{"phone":"13800138000","carrier":"China Mobile","exp":1,"nonce":"0123456789abcdef"}"#;
        assert!(carrier.verify(&signed(&carrier, fine)).is_some());
    }

    #[test]
    fn redeems_each_token_once_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        let carrier = Carrier::new(vec![3; 32]);
        let token = carrier.issue(&phone(), "China Telecom", 1_000);
        assert!(matches!(
            carrier.redeem(&conn, &token, 1_121),
            Err(ApiError::CarrierTokenExpired)
        ));
        let redeemed = carrier.redeem(&conn, &token, 1_120).unwrap();
        assert_eq!(redeemed.phone, phone());
        assert_eq!(redeemed.carrier, "China Telecom");
        assert!(matches!(
            carrier.redeem(&conn, &token, 1_120),
            Err(ApiError::CarrierTokenUsed)
        ));
        // Its nonce goes once it has expired; the token stays refused, as expired.
        let other = carrier.issue(&phone(), "China Telecom", 2_000);
        carrier.redeem(&conn, &other, 2_000).unwrap();
        let nonces: i64 = conn
            .query_row("SELECT COUNT(*) FROM carrier_nonces", [], |row| row.get(0))
            .unwrap();
        assert_eq!(nonces, 1);
        assert!(matches!(
            carrier.redeem(&conn, &token, 2_000),
            Err(ApiError::CarrierTokenExpired)
        ));
        assert!(matches!(
            carrier.redeem(&conn, "garbage", 0),
            Err(ApiError::InvalidCarrierToken)
        ));
    }

    #[test]
    fn names_only_the_four_carriers() {
        for name in CARRIERS {
            assert!(check_name(name).is_ok(), "{name}");
        }
        for name in ["", "china mobile", "China Mobile ", "Vodafone"] {
            assert!(check_name(name).is_err(), "{name}");
        }
    }
}
