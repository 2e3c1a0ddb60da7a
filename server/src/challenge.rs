//! A proof-of-work challenge, asked before sending yet another code to a phone that already
//! had several today: cheap for the one person who wants a code, costly for whoever would send
//! thousands, and it never runs out, so the owner of a number can always get one.
//!
//! The challenge is a token the server signs (phone, expiry, difficulty, randomness); a
//! solution is a nonce such that SHA-256(`token` `:` `nonce`) starts with `difficulty` zero
//! bits. A token is good for one solution, within five minutes, for its phone only.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::lock;
use crate::base64url;
use crate::error::ApiError;
use crate::keyed::Keyed;
use crate::phone::Phone;

/// Leading zero bits a solution's digest needs: about 260,000 hashes on average.
pub const DIFFICULTY: u32 = 18;
/// In dev mode: a few thousand hashes, so tests and demos solve at once.
pub const DEV_DIFFICULTY: u32 = 12;
pub const TTL_S: i64 = 300;
/// Expiry (8 bytes), difficulty (1), randomness (16), then the truncated MAC.
const SIGNED_BYTES: usize = 8 + 1 + 16;
const MAC_BYTES: usize = 16;
const MAX_NONCE_CHARS: usize = 64;

/// What the client must solve, sent in a `challenge_required` error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Challenge {
    pub token: String,
    /// Leading zero bits the solution's SHA-256 digest needs.
    #[schema(minimum = 1, maximum = 64)]
    pub difficulty: u32,
    #[schema(minimum = 1)]
    pub expires_in_s: i64,
}

/// A client's answer, sent back with the request it guards.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = ChallengeSolution)]
pub struct Solution {
    /// The challenge's token, as received.
    #[schema(max_length = 128)]
    pub token: String,
    #[schema(max_length = 64)]
    pub nonce: String,
}

/// Tokens already solved, each kept until it would expire anyway.
#[derive(Default)]
pub struct Spent {
    tokens: Mutex<HashMap<String, i64>>,
}

/// A new challenge of `difficulty` bits for sends to `phone`.
pub fn issue(keyed: &Keyed, phone: &Phone, difficulty: u32, now: i64) -> Challenge {
    let expires_at = now.saturating_add(TTL_S);
    let mut body = expires_at.to_be_bytes().to_vec();
    body.push(u8::try_from(difficulty).expect("a difficulty under 256 bits"));
    body.extend_from_slice(&rand::random::<[u8; 16]>());
    let mac = keyed.sign(&signed(phone, &body));
    body.extend_from_slice(&mac[..MAC_BYTES]);
    Challenge {
        token: base64url::encode(&body),
        difficulty,
        expires_in_s: TTL_S,
    }
}

impl Spent {
    /// Forgets every solved token (a dev reset).
    pub fn clear(&self) {
        lock(&self.tokens).clear();
    }

    /// Accepts `solution` once, if it solves a live challenge this server issued for `phone`.
    pub fn redeem(
        &self,
        keyed: &Keyed,
        phone: &Phone,
        solution: &Solution,
        now: i64,
    ) -> Result<(), ApiError> {
        let refused = ApiError::InvalidChallenge;
        let body = base64url::decode(&solution.token).ok_or(refused)?;
        if body.len() != SIGNED_BYTES + MAC_BYTES || solution.nonce.len() > MAX_NONCE_CHARS {
            return Err(ApiError::InvalidChallenge);
        }
        let (signed_part, mac) = body.split_at(SIGNED_BYTES);
        let expected = keyed.sign(&signed(phone, signed_part));
        // Constant time is not needed for a truncated MAC the client cannot iterate on: each
        // token is checked against its own phone and dies after one use or five minutes.
        if expected[..MAC_BYTES] != *mac {
            return Err(ApiError::InvalidChallenge);
        }
        let expires_at = i64::from_be_bytes(signed_part[..8].try_into().expect("8 bytes"));
        let difficulty = u32::from(signed_part[8]);
        if now >= expires_at || leading_zero_bits(&solution.token, &solution.nonce) < difficulty {
            return Err(ApiError::InvalidChallenge);
        }
        let mut spent = lock(&self.tokens);
        spent.retain(|_, until| *until > now);
        if spent.insert(solution.token.clone(), expires_at).is_some() {
            return Err(ApiError::InvalidChallenge);
        }
        Ok(())
    }
}

fn signed(phone: &Phone, body: &[u8]) -> Vec<u8> {
    let mut message = b"challenge:".to_vec();
    message.extend_from_slice(phone.as_str().as_bytes());
    message.push(b':');
    message.extend_from_slice(body);
    message
}

/// How many zero bits SHA-256(`token:nonce`) starts with.
pub fn leading_zero_bits(token: &str, nonce: &str) -> u32 {
    let digest = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(b":")
        .chain_update(nonce.as_bytes())
        .finalize();
    let mut bits = 0;
    for byte in digest {
        bits += byte.leading_zeros();
        if byte != 0 {
            break;
        }
    }
    bits
}

#[cfg(test)]
pub fn solve(token: &str, difficulty: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|nonce| leading_zero_bits(token, nonce) >= difficulty)
        .expect("a solution exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn phone(raw: &str) -> Phone {
        Phone::parse(raw).unwrap()
    }

    #[test]
    fn a_solution_is_accepted_once_for_its_phone_while_the_challenge_lives() {
        let keyed = Keyed::new(vec![9; 32]);
        let spent = Spent::default();
        let victim = phone("13800138000");
        let challenge = issue(&keyed, &victim, DIFFICULTY, NOW);
        let solution = Solution {
            nonce: solve(&challenge.token, challenge.difficulty),
            token: challenge.token.clone(),
        };
        let other = phone("13900139000");
        assert!(
            spent.redeem(&keyed, &other, &solution, NOW).is_err(),
            "another phone"
        );
        let late = NOW + TTL_S;
        assert!(
            spent.redeem(&keyed, &victim, &solution, late).is_err(),
            "expired"
        );
        assert!(
            spent
                .redeem(&Keyed::new(vec![8; 32]), &victim, &solution, NOW)
                .is_err()
        );
        let unsolved = Solution {
            nonce: "x".into(),
            ..solution.clone()
        };
        if leading_zero_bits(&unsolved.token, "x") < challenge.difficulty {
            assert!(
                spent.redeem(&keyed, &victim, &unsolved, NOW).is_err(),
                "unsolved"
            );
        }
        assert!(spent.redeem(&keyed, &victim, &solution, NOW).is_ok());
        assert!(
            spent.redeem(&keyed, &victim, &solution, NOW).is_err(),
            "used twice"
        );
        let garbage = Solution {
            token: "%%".into(),
            nonce: "1".into(),
        };
        assert!(spent.redeem(&keyed, &victim, &garbage, NOW).is_err());
    }

    #[test]
    fn counts_leading_zero_bits_across_bytes() {
        let nonce = solve("t", 12);
        assert!(leading_zero_bits("t", &nonce) >= 12);
    }
}
