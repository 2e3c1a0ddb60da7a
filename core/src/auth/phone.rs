//! Local validation of what the user types, so obvious mistakes never cost a request.

/// Normalises a mainland China mobile number to its 11 digits (`+86`/`0086` prefixes, spaces
/// and dashes are accepted), or says what is wrong with it.
pub(crate) fn normalize_mainland_phone(input: &str) -> Result<String, String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    if digits.is_empty() {
        return Err("enter a phone number".into());
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("a phone number has digits only".into());
    }
    if digits.len() != 11 {
        return Err("a mainland mobile number has 11 digits".into());
    }
    let bytes = digits.as_bytes();
    if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
        return Err("a mainland mobile number starts with 13 to 19".into());
    }
    Ok(digits.to_string())
}

/// An SMS code is exactly six digits.
/// The form a number is shown in: 138****8000.
pub(crate) fn mask(input: &str) -> String {
    match normalize_mainland_phone(input) {
        Ok(phone) => format!("{}****{}", &phone[..3], &phone[phone.len() - 4..]),
        Err(_) => "***".into(),
    }
}

pub(crate) fn normalize_sms_code(input: &str) -> Option<String> {
    let code = input.trim();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_numbers_in_common_spellings() {
        for input in [
            "13800138000",
            "+86 138 0013 8000",
            "0086-138-0013-8000",
            " 19912345678 ",
        ] {
            let n = normalize_mainland_phone(input).unwrap();
            assert_eq!(n.len(), 11, "{input}");
            assert!(n.starts_with('1'));
        }
        assert_eq!(
            normalize_mainland_phone("+8613800138000").unwrap(),
            "13800138000"
        );
    }

    #[test]
    fn refuses_everything_else_with_a_reason() {
        let cases = [
            ("", "enter"),
            ("1380013800", "11 digits"),
            ("138001380001", "11 digits"),
            ("12800138000", "13 to 19"),
            ("23800138000", "13 to 19"),
            ("1380013800a", "digits only"),
            ("+1 415 555 0100", "digits only"),
            ("4155550100", "11 digits"),
            ("١٣٨٠٠١٣٨٠٠٠", "digits only"),
        ];
        for (input, reason) in cases {
            let err = normalize_mainland_phone(input).unwrap_err();
            assert!(err.contains(reason), "{input:?} gave {err:?}");
        }
    }

    #[test]
    fn numbers_are_shown_masked() {
        assert_eq!(mask("+86 138 0013 8000"), "138****8000");
        assert_eq!(mask("garbage"), "***");
    }

    #[test]
    fn sms_codes_are_six_ascii_digits() {
        assert_eq!(normalize_sms_code(" 012345 ").as_deref(), Some("012345"));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(normalize_sms_code(bad), None, "{bad:?}");
        }
    }
}
