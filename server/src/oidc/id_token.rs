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

impl Profile {
    /// Whether the provider said anything binding could copy.
    pub fn is_empty(&self) -> bool {
        self.nickname.is_none() && self.picture.is_none()
    }
}

const OUT_OF_RANGE: &str = "exp or iat is not a time in range";

/// `value` as whole Unix seconds, if it is one an `i64` holds exactly (a cast would saturate).
fn whole_seconds(value: f64) -> Option<i64> {
    // 2^63 is exactly representable; every f64 below it and at or above -2^63 converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (value.is_finite() && (-LIMIT..LIMIT).contains(&value)).then_some(value as i64)
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
    let exp = whole_seconds(claims.exp.ceil()).ok_or(ApiError::InvalidIdToken(OUT_OF_RANGE))?;
    let iat = whole_seconds(claims.iat.ceil()).ok_or(ApiError::InvalidIdToken(OUT_OF_RANGE))?;
    // Past `exp + leeway`, the replay guard forgets the token: that sum must not wrap.
    let replay_until = exp
        .checked_add(LEEWAY_S)
        .ok_or(ApiError::InvalidIdToken(OUT_OF_RANGE))?;
    if replay_until <= now {
        return Err(ApiError::IdTokenExpired);
    }
    if iat > now.saturating_add(LEEWAY_S) {
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
        replay_until,
        profile: Profile {
            nickname: claims.nickname.or(claims.name),
            picture: claims.picture,
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn check_at(exp: serde_json::Value, iat: serde_json::Value) -> Result<i64, &'static str> {
        let claims = json!({ "iss": "https://id", "sub": "s", "aud": "app", "exp": exp, "iat": iat, "nonce": "n" });
        check(
            claims.to_string().as_bytes(),
            "x",
            "https://id",
            "app",
            "n",
            NOW,
        )
        .map(|verified| verified.replay_until)
        .map_err(|error| error.code())
    }

    #[test]
    fn times_at_the_bounds_are_refused_not_wrapped() {
        assert_eq!(check_at(json!(NOW + 1), json!(NOW)), Ok(NOW + 1 + LEEWAY_S));
        assert_eq!(
            check_at(json!(NOW as f64 + 0.5), json!(NOW)),
            Ok(NOW + 1 + LEEWAY_S)
        );
        // The largest f64 below 2^63; `i64::MAX - LEEWAY_S` itself rounds up to 2^63 as a JSON number.
        let largest = 9_223_372_036_854_774_784_i64;
        assert_eq!(check_at(json!(largest), json!(NOW)), Ok(largest + LEEWAY_S));
        for exp in [
            json!(i64::MAX - LEEWAY_S + 1),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
        ] {
            assert_eq!(
                check_at(exp.clone(), json!(NOW)),
                Err("invalid_id_token"),
                "{exp}"
            );
        }
        assert_eq!(check_at(json!(-1e300), json!(NOW)), Err("invalid_id_token"));
        assert_eq!(
            check_at(json!(i64::MIN), json!(NOW)),
            Err("id_token_expired")
        );
        assert_eq!(
            check_at(json!(NOW + 1), json!(1e300)),
            Err("invalid_id_token")
        );
        assert_eq!(
            check_at(json!(NOW + 1), json!(i64::MIN)),
            Ok(NOW + 1 + LEEWAY_S)
        );
    }
}
