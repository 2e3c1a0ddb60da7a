//! JSON Web Keys (RFC 7517) as providers publish them at their `jwks_uri`, and checking a
//! signature with one.

use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde::Deserialize;

use crate::base64url;
use crate::oidc::jws::Alg;

/// A key set; keys of types this server does not use are kept but never match.
#[derive(Debug, Clone, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

impl JwkSet {
    /// The key a token signed with `alg` names by `kid`; without a kid, the set's only key
    /// that could have signed it.
    pub fn select(&self, alg: Alg, kid: Option<&str>) -> Option<&Jwk> {
        let mut usable = self.keys.iter().filter(|key| key.usable_for(alg));
        match kid {
            Some(kid) => usable.find(|key| key.kid.as_deref() == Some(kid)),
            None => match (usable.next(), usable.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            },
        }
    }
}

impl Jwk {
    fn usable_for(&self, alg: Alg) -> bool {
        let (kty, name) = match alg {
            Alg::Es256 => ("EC", "ES256"),
            Alg::Rs256 => ("RSA", "RS256"),
        };
        self.kty == kty
            && self.alg.as_deref().is_none_or(|declared| declared == name)
            && self.usage.as_deref().is_none_or(|usage| usage == "sig")
    }

    /// Whether `signature` over `message` verifies under this key with `alg`.
    pub fn verifies(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        if !self.usable_for(alg) {
            return false;
        }
        match alg {
            Alg::Es256 => self.ec_point().is_some_and(|point| {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }),
            Alg::Rs256 => {
                let (Some(n), Some(e)) = (unsigned(self.n.as_deref()), unsigned(self.e.as_deref()))
                else {
                    return false;
                };
                RsaPublicKeyComponents { n, e }
                    .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                    .is_ok()
            }
        }
    }

    /// The uncompressed P-256 point `0x04 || X || Y`.
    fn ec_point(&self) -> Option<Vec<u8>> {
        if self.crv.as_deref() != Some("P-256") {
            return None;
        }
        let x = base64url::decode(self.x.as_deref()?)?;
        let y = base64url::decode(self.y.as_deref()?)?;
        (x.len() == 32 && y.len() == 32).then(|| [&[4][..], &x, &y].concat())
    }
}

/// A base64url big-endian RSA integer without its leading zero bytes, as ring wants it.
fn unsigned(encoded: Option<&str>) -> Option<Vec<u8>> {
    let bytes = base64url::decode(encoded?)?;
    let first = bytes.iter().position(|&b| b != 0)?;
    Some(bytes[first..].to_vec())
}
