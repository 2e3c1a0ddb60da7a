//! The 18-character mainland resident ID number (GB 11643): checked locally, check digit
//! included, and shown only masked.

/// An ID number that passed every local check. Its `Debug` never shows the number.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", mask(&self.0))
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Accepts surrounding spaces and a lowercase `x`; says what is wrong otherwise.
    pub(crate) fn parse(input: &str) -> Result<IdNumber, String> {
        let id = input.trim().to_ascii_uppercase();
        let bytes = id.as_bytes();
        if bytes.len() != 18 {
            return Err("an ID number has 18 characters".into());
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err("the first 17 characters of an ID number are digits".into());
        }
        if !birth_date_is_real(&id[6..14]) {
            return Err("the birth date in the ID number does not exist".into());
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        if bytes[17] != CHECK_CHARS[(sum % 11) as usize] {
            return Err("the ID number's check digit does not match: check for a typo".into());
        }
        Ok(IdNumber(id))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// The only form an ID number is shown in: the first 4 and last 4 characters.
pub(crate) fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

fn birth_date_is_real(yyyymmdd: &str) -> bool {
    let number = |range: std::ops::Range<usize>| yyyymmdd[range].parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(4..6), number(6..8)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&year) && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_pass_including_an_x_check_character() {
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            IdNumber::parse(" 11010519491231002x ").unwrap().as_str(),
            "11010519491231002X"
        );
        assert!(IdNumber::parse("110101199003071234").is_err());
        assert!(IdNumber::parse("110101199003070011").is_ok());
    }

    #[test]
    fn a_wrong_check_digit_is_caught() {
        assert!(IdNumber::parse("110105194912310021").is_err());
    }

    #[test]
    fn lengths_characters_and_dates_are_checked() {
        for bad in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100A2",
            "110105194902300025",
            "110105190002290017",
            "110105194913310021",
        ] {
            assert!(IdNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_number_is_masked_and_debug_never_shows_it() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
    }
}
