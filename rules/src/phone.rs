//! Mainland China mobile numbers, as a person types them into a form (a contact number):
//! what is accepted, the 11 digits kept, and how one is shown.

/// Why a number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("enter a phone number")]
    Empty,
    #[error("a phone number has digits only")]
    NotDigits,
    #[error("a mainland mobile number has 11 digits")]
    WrongLength,
    #[error("a mainland mobile number starts with 13 to 19")]
    WrongPrefix,
}

/// The 11 digits of a mainland mobile number (`+86`/`0086` prefixes, spaces and dashes
/// accepted), or why it is not one.
pub fn mainland_mobile(input: &str) -> Result<String, PhoneError> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(PhoneError::NotDigits);
    }
    if digits.len() != 11 {
        return Err(PhoneError::WrongLength);
    }
    let bytes = digits.as_bytes();
    if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
        return Err(PhoneError::WrongPrefix);
    }
    Ok(digits.to_string())
}

/// Whether `phone` is a mainland mobile number as kept: its 11 digits alone.
pub fn is_mainland_mobile(phone: &str) -> bool {
    mainland_mobile(phone).is_ok_and(|digits| digits == phone)
}

/// `138****8000`; anything that is not a number shows as `***`.
pub fn masked(input: &str) -> String {
    match mainland_mobile(input) {
        Ok(phone) => format!("{}****{}", &phone[..3], &phone[7..]),
        Err(_) => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typed_forms_and_refuses_the_rest() {
        for ok in ["13800138000", "+86 138-0013-8000", "0086 13800138000"] {
            assert_eq!(mainland_mobile(ok).as_deref(), Ok("13800138000"), "{ok}");
        }
        assert_eq!(mainland_mobile(" "), Err(PhoneError::Empty));
        assert_eq!(mainland_mobile("1380013800a"), Err(PhoneError::NotDigits));
        assert_eq!(mainland_mobile("1380013800"), Err(PhoneError::WrongLength));
        assert_eq!(mainland_mobile("12800138000"), Err(PhoneError::WrongPrefix));
        assert_eq!(masked("13800138000"), "138****8000");
        assert_eq!(masked("x"), "***");
    }
}
