//! Mainland China mobile numbers.

use std::fmt;

use crate::error::ApiError;

/// A validated mainland mobile number (`^1[3-9]\d{9}$`). Its `Display` and `Debug` show it
/// masked, so it cannot reach a log line in clear by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let bytes = raw.as_bytes();
        let valid = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
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
    fn never_formats_in_clear() {
        let phone = Phone::parse("13800138000").unwrap();
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(phone.to_string(), "138****8000");
        assert_eq!(format!("{phone:?}"), "Phone(138****8000)");
        assert_eq!(phone.last4(), "8000");
    }
}
