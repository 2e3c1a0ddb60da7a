//! The proof of work the server may ask before sending yet another SMS code to a phone: found
//! off the async threads and sent back with the same request, once. The user sees only a
//! slightly slower send; a challenge harder than any the server sets honestly is refused.

use std::future::Future;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{AuthArea, AuthError};
use crate::account::Failure;
use crate::net::{Answer, ApiCode, Challenge, NetError};

/// About 16 million hashes on average: the most a phone does before it gives up (the server
/// asks 18 bits).
const MAX_DIFFICULTY: u32 = 24;

/// A solved challenge, as the request carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Solution {
    token: String,
    nonce: String,
}

impl AuthArea {
    /// Sends what `send` sends; when the server answers `challenge_required`, solves the
    /// challenge and sends once more with the solution.
    pub(super) async fn with_challenge<S, F>(&self, send: S) -> Result<Answer, AuthError>
    where
        S: Fn(Option<Solution>) -> F,
        F: Future<Output = Result<Answer, Failure>>,
    {
        let challenge = match send(None).await {
            Err(Failure::Net(NetError::Refused { error, .. }))
                if error.code == ApiCode::ChallengeRequired =>
            {
                error.challenge.ok_or(AuthError::ChallengeNotSolved)?
            }
            other => return Ok(other?),
        };
        let solving = self
            .platform
            .runtime
            .spawn_blocking(move || solve(&challenge));
        let solution = solving.await.map_err(|_| AuthError::ChallengeNotSolved)??;
        match send(Some(solution)).await {
            Err(Failure::Net(NetError::Refused { error, .. }))
                if matches!(
                    error.code,
                    ApiCode::ChallengeRequired | ApiCode::InvalidChallenge
                ) =>
            {
                Err(AuthError::ChallengeNotSolved)
            }
            other => Ok(other?),
        }
    }
}

/// The first nonce whose digest has the challenge's leading zero bits.
fn solve(challenge: &Challenge) -> Result<Solution, AuthError> {
    if challenge.difficulty > MAX_DIFFICULTY {
        return Err(AuthError::ChallengeNotSolved);
    }
    let prefix = Sha256::new_with_prefix(format!("{}:", challenge.token));
    let nonce = (0u64..)
        .find(|nonce| {
            let digest = prefix.clone().chain_update(nonce.to_string()).finalize();
            leading_zero_bits(&digest) >= challenge.difficulty
        })
        .expect("some nonce under 2^64 solves a challenge of at most 24 bits");
    Ok(Solution {
        token: challenge.token.clone(),
        nonce: nonce.to_string(),
    })
}

fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solution_has_the_leading_zero_bits_asked() {
        let challenge = Challenge {
            token: "dG9rZW4".into(),
            difficulty: 12,
        };
        let solution = solve(&challenge).unwrap();
        let digest = Sha256::digest(format!("{}:{}", solution.token, solution.nonce));
        assert!(leading_zero_bits(&digest) >= 12);
        assert_eq!(leading_zero_bits(&[0, 0x0f, 0xff]), 12);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
    }

    #[test]
    fn a_challenge_harder_than_any_honest_one_is_refused_at_once() {
        let hostile = Challenge {
            token: "dG9rZW4".into(),
            difficulty: 64,
        };
        assert_eq!(solve(&hostile), Err(AuthError::ChallengeNotSolved));
    }
}
