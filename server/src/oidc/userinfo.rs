//! A provider's userinfo answer (OpenID Connect Core 5.3.2): the profile claims, and the `sub`
//! that must be the ID token's.

use serde::Deserialize;

use super::id_token::Profile;
use crate::error::ApiError;

#[derive(Deserialize)]
pub struct Userinfo {
    sub: String,
    name: Option<String>,
    nickname: Option<String>,
    picture: Option<String>,
}

impl Userinfo {
    /// The profile, if this answer is about `subject`.
    pub fn profile_of(self, subject: &str) -> Result<Profile, ApiError> {
        if self.sub != subject {
            return Err(ApiError::InvalidIdToken(
                "the provider's userinfo is about another account",
            ));
        }
        Ok(Profile {
            nickname: self.nickname.or(self.name),
            picture: self.picture,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn userinfo(json: &str) -> Userinfo {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_profile_is_taken_only_for_the_id_token_s_subject() {
        let answer = r#"{"sub":"s1","name":"Dr. Zhang","picture":"https://p/z.png"}"#;
        let profile = userinfo(answer).profile_of("s1").unwrap();
        assert_eq!(profile.nickname.as_deref(), Some("Dr. Zhang"));
        assert_eq!(profile.picture.as_deref(), Some("https://p/z.png"));
        let error = userinfo(answer).profile_of("s2").err().unwrap();
        assert_eq!(error.code(), "invalid_id_token");
        assert!(
            userinfo(r#"{"sub":"s1"}"#)
                .profile_of("s1")
                .unwrap()
                .is_empty()
        );
    }
}
