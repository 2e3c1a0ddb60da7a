//! The claims of an ID token whose signature already verified (OpenID Connect Core §3.1.3.7):
//! who issued it, for whom, when, and the nonce that ties it to the login that asked for it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Clock difference tolerated between this server and a provider.
pub const LEEWAY_S: i64 = 60;

#[derive(Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    azp: Option<String>,
    /// NumericDate: JSON numbers, possibly with a fraction.
    exp: f64,
    iat: f64,
    nonce: Option<String>,
    jti: Option<String>,
    name: Option<String>,
    nickname: Option<String>,
    picture: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What an accepted ID token says about its holder.
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    /// What makes the token single use: its `jti`, else a digest of its signed part.
    pub token_id: String,
    /// Until when a replay must be refused: past it, the token is refused as expired anyway.
    pub replay_until: i64,
    pub profile: Profile,
}

/// Profile claims, used only when the user asks to bind them.
pub struct Profile {
    pub nickname: Option<String>,
    pub picture: Option<String>,
}

/// Checks the claims in `payload` for a token from `issuer` to `client_id`, sent with `nonce`.
pub fn check(
    payload: &[u8],
    signing_input: &str,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: i64,
) -> Result<Verified, ApiError> {
    let claims: Claims = serde_json::from_slice(payload)
        .map_err(|_| ApiError::InvalidIdToken("the claims are missing or malformed"))?;
    if claims.iss != issuer {
        return Err(ApiError::InvalidIdToken("iss is not the provider's issuer"));
    }
    if claims.sub.is_empty() || claims.sub.len() > 255 {
        return Err(ApiError::InvalidIdToken("sub is empty or too long"));
    }
    let audience_ok = match &claims.aud {
        Audience::One(aud) => aud == client_id,
        Audience::Many(auds) => {
            auds.iter().any(|aud| aud == client_id)
                && (auds.len() == 1 || claims.azp.as_deref() == Some(client_id))
        }
    };
    if !audience_ok {
        return Err(ApiError::InvalidIdToken("aud does not name this app"));
    }
    if claims.azp.as_deref().is_some_and(|azp| azp != client_id) {
        return Err(ApiError::InvalidIdToken("azp is not this app"));
    }
    let now = now as f64;
    if claims.exp <= now - LEEWAY_S as f64 {
        return Err(ApiError::IdTokenExpired);
    }
    if claims.iat > now + LEEWAY_S as f64 {
        return Err(ApiError::InvalidIdToken("iat is in the future"));
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(ApiError::NonceMismatch);
    }
    let token_id = claims.jti.unwrap_or_else(|| {
        // The signed part, not the whole token: an ECDSA signature has more than one valid form.
        format!("sha256:{}", hex::encode(Sha256::digest(signing_input)))
    });
    Ok(Verified {
        issuer: claims.iss,
        subject: claims.sub,
        token_id,
        replay_until: claims.exp.ceil() as i64 + LEEWAY_S,
        profile: Profile {
            nickname: claims.nickname.or(claims.name),
            picture: claims.picture,
        },
    })
}
