//! Mainland China mobile numbers.

use std::fmt;

use crate::error::ApiError;

/// A validated mainland mobile number (`^1[3-9]\d{9}$`). Its `Display` and `Debug` show it
/// masked, so it cannot reach a log line in clear by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.len() == 11 && is_mobile(raw.as_bytes()) {
            Ok(Phone(raw.to_owned()))
        } else {
            Err(ApiError::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****8000`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], self.last4())
    }

    pub fn last4(&self) -> &str {
        &self.0[7..]
    }
}

/// Whether `text` contains something shaped like a mainland mobile number anywhere, even
/// inside a longer run of digits (as with a `+86` or `0086` prefix).
pub fn appears_in(text: &str) -> bool {
    text.as_bytes().windows(11).any(is_mobile)
}

/// `1[3-9]` then nine more digits, for exactly 11 bytes.
fn is_mobile(bytes: &[u8]) -> bool {
    bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]) && bytes.iter().all(u8::is_ascii_digit)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles_only() {
        for ok in ["13800138000", "19912345678", "15000000000"] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1380013800",
            "138001380000",
            "12800138000",
            "23800138000",
            "+8613800138000",
            "1380013800a",
            "１3800138000",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_mobiles_inside_text() {
        for yes in [
            "13800138000",
            "/doctor/19912345678/profile",
            "call +8613800138000",
            "x15000000000123",
        ] {
            assert!(appears_in(yes), "{yes}");
        }
        for no in [
            "",
            "/article/42",
            "1380013800",
            "12800138000",
            "138-0013-8000",
            "１3800138000",
            "article 2026-11-01",
        ] {
            assert!(!appears_in(no), "{no}");
        }
    }

    #[test]
    fn never_formats_in_clear() {
        let phone = Phone::parse("13800138000").unwrap();
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(phone.to_string(), "138****8000");
        assert_eq!(format!("{phone:?}"), "Phone(138****8000)");
        assert_eq!(phone.last4(), "8000");
    }
}
