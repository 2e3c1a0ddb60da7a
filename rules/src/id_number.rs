//! The 18-character mainland resident ID number (GB 11643-1999): 17 digits, the 8 from the
//! 7th being the birth date, then an ISO 7064 MOD 11-2 check character (a digit or X).
//! Shown only masked: the first 4 and last 4 characters.

use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
/// Birth years an ID number can carry.
const YEARS: std::ops::RangeInclusive<u32> = 1900..=2099;

/// Why a text is not an ID number; the message says what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters")]
    Length,
    #[error("the first 17 characters of an ID number are digits")]
    NotDigits,
    #[error("the birth date in the ID number does not exist")]
    BirthDate,
    #[error("the ID number's check digit does not match: check for a typo")]
    CheckDigit,
}

/// An ID number that passed every check, check character uppercased. Its `Debug` shows the
/// masked form only, so it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    /// Accepts surrounding spaces and a lowercase `x`.
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let id = input.trim().to_ascii_uppercase();
        let bytes = id.as_bytes();
        if bytes.len() != 18 {
            return Err(IdNumberError::Length);
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::NotDigits);
        }
        if !real_date(&id[6..14]) {
            return Err(IdNumberError::BirthDate);
        }
        if bytes[17] != check_char(&bytes[..17]) {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(IdNumber(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// The check character of 17 digits.
fn check_char(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// The only form an ID number is shown in: the first 4 and last 4 characters, the rest
/// starred (all of it, for anything shorter than 8).
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// Whether `yyyymmdd` is a date that exists, in the years an ID number carries.
fn real_date(yyyymmdd: &str) -> bool {
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
    YEARS.contains(&year) && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `body` (17 digits) completed with its check character.
    fn with_check(body: &str) -> String {
        format!("{body}{}", char::from(check_char(body.as_bytes())))
    }

    #[test]
    fn valid_numbers_pass_including_an_x_check_character() {
        // The standard's own example, whose check character is X.
        let parsed = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(parsed.as_str(), "11010519491231002X");
        let spaced = IdNumber::parse(" 11010519491231002x ").unwrap();
        assert_eq!(spaced, parsed, "spaces trimmed, a lowercase x read as X");
        let leap_day = with_check("11010120000229123");
        assert!(IdNumber::parse(&leap_day).is_ok(), "{leap_day}");
        assert!(IdNumber::parse("110101199003070011").is_ok());
    }

    #[test]
    fn each_mistake_is_named() {
        let valid = "11010519491231002X";
        assert_eq!(IdNumber::parse(&valid[..17]), Err(IdNumberError::Length));
        assert_eq!(
            IdNumber::parse(&format!("{valid}0")),
            Err(IdNumberError::Length)
        );
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Length));
        assert_eq!(
            IdNumber::parse("1101051949123100A2"),
            Err(IdNumberError::NotDigits)
        );
        assert_eq!(
            IdNumber::parse("X10105194912310021"),
            Err(IdNumberError::NotDigits)
        );
        // Full-width digits are not ASCII digits (and not 18 bytes).
        assert!(IdNumber::parse("１１０１０５１９４９１２３１００２X").is_err());
        for wrong in [
            "110105194912310021",
            "110105194912310029",
            "11010519491231002Y",
        ] {
            assert_eq!(
                IdNumber::parse(wrong),
                Err(IdNumberError::CheckDigit),
                "{wrong}"
            );
        }
    }

    #[test]
    fn birth_dates_must_exist() {
        for body in [
            "11010119901301123", // month 13
            "11010119900230123", // 30 February
            "11010119000229123", // 1900 was not a leap year
            "11010119900400123", // day 0
            "11010118991231123", // before 1900
            "11010121000101123", // after 2099
        ] {
            let number = with_check(body);
            assert_eq!(
                IdNumber::parse(&number),
                Err(IdNumberError::BirthDate),
                "{number}"
            );
        }
    }

    #[test]
    fn the_number_is_masked_and_debug_never_shows_it() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
        assert_eq!(
            mask("1101**********002X"),
            "1101**********002X",
            "idempotent"
        );
        assert_eq!(mask("1234567"), "*******");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn parsing_never_panics_and_what_passes_parses_again(input in ".{0,40}") {
            if let Ok(id) = IdNumber::parse(&input) {
                prop_assert_eq!(id.as_str().len(), 18);
                prop_assert_eq!(IdNumber::parse(id.as_str()), Ok(id.clone()));
                prop_assert_eq!(id.masked().chars().count(), 18);
            }
            prop_assert_eq!(mask(&input).chars().count(), input.chars().count());
        }

        #[test]
        fn every_number_with_its_check_character_and_a_real_date_passes(
            region in 110000u32..660000,
            days in 0u32..(199 * 365),
            order in 0u32..1000,
        ) {
            // A real date: 1 January 1900 plus `days`, through a calendar walk.
            let (mut year, mut day_of_year) = (1900u32, days);
            loop {
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                let length = if leap { 366 } else { 365 };
                if day_of_year < length {
                    break;
                }
                day_of_year -= length;
                year += 1;
            }
            prop_assume!(year <= 2099);
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let months = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let (mut month, mut day) = (1u32, day_of_year);
            for length in months {
                if day < length {
                    break;
                }
                day -= length;
                month += 1;
            }
            let body = format!("{region:06}{year:04}{month:02}{:02}{order:03}", day + 1);
            let number = format!("{body}{}", char::from(check_char(body.as_bytes())));
            prop_assert!(IdNumber::parse(&number).is_ok(), "{}", number);
        }
    }
}
