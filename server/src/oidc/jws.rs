//! Compact JWS (RFC 7515) as ID tokens use it: `header.payload.signature`, each unpadded
//! base64url. Only ES256 and RS256 are understood; anything else, `none` included, is refused.

use ring::rand::SystemRandom;
use ring::signature::EcdsaKeyPair;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::base64url;

/// A signature algorithm this server verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    Rs256,
}

/// A token split and decoded, not yet verified.
pub struct Jws<'a> {
    pub alg: Alg,
    pub kid: Option<String>,
    /// `header.payload` as sent: the bytes the signature covers.
    pub signing_input: &'a str,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    /// Extensions the verifier must understand (RFC 7515 §4.1.11): this one understands none.
    crit: Option<Value>,
}

/// Why a token could not even be parsed; the message says which part.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

pub fn parse(token: &str) -> Result<Jws<'_>, Malformed> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed("not a compact JWS (three dot-separated parts)"));
    };
    let header: Header = base64url::decode(header)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(Malformed("the header is not base64url JSON"))?;
    if header.crit.is_some() {
        return Err(Malformed("the header has critical extensions"));
    }
    let alg = match header.alg.as_str() {
        "ES256" => Alg::Es256,
        "RS256" => Alg::Rs256,
        _ => return Err(Malformed("the signature algorithm is not ES256 or RS256")),
    };
    Ok(Jws {
        alg,
        kid: header.kid,
        signing_input: &token[..token.len() - signature.len() - 1],
        payload: base64url::decode(payload).ok_or(Malformed("the payload is not base64url"))?,
        signature: base64url::decode(signature)
            .ok_or(Malformed("the signature is not base64url"))?,
    })
}

/// Signs `claims` with an ES256 key whose key id is `kid`.
pub fn sign_es256(key: &EcdsaKeyPair, kid: &str, claims: &Value) -> String {
    let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
    let signing_input = format!(
        "{}.{}",
        base64url::encode(header.to_string().as_bytes()),
        base64url::encode(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .expect("ECDSA signing only fails if the system RNG does");
    format!("{signing_input}.{}", base64url::encode(signature.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(value: &Value) -> String {
        base64url::encode(value.to_string().as_bytes())
    }

    #[test]
    fn splits_a_token_and_keeps_the_signed_bytes() {
        let header = part(&json!({ "alg": "ES256", "kid": "k1" }));
        let payload = part(&json!({ "sub": "x" }));
        let token = format!("{header}.{payload}.AQID");
        let jws = parse(&token).unwrap();
        assert_eq!(jws.alg, Alg::Es256);
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(jws.signing_input, format!("{header}.{payload}"));
        assert_eq!(jws.payload, br#"{"sub":"x"}"#);
        assert_eq!(jws.signature, [1, 2, 3]);
    }

    #[test]
    fn refuses_other_algorithms_and_shapes() {
        let payload = part(&json!({ "sub": "x" }));
        for alg in ["none", "HS256", "ES384", "PS256", "es256"] {
            let token = format!("{}.{payload}.", part(&json!({ "alg": alg })));
            assert!(parse(&token).is_err(), "{alg}");
        }
        let crit = part(&json!({ "alg": "ES256", "crit": ["b64"], "b64": false }));
        assert!(parse(&format!("{crit}.{payload}.AQID")).is_err());
        let header = part(&json!({ "alg": "RS256" }));
        for bad in [
            String::new(),
            format!("{header}.{payload}"),
            format!("{header}.{payload}.AQID.AQID"),
            format!("{header}.{payload}.AQ=="),
            format!("x{header}.{payload}.AQID"),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
