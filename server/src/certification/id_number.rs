//! Mainland China resident identity card numbers (GB 11643-1999): 17 digits, the 8 from the
//! 7th being the birth date, then an ISO 7064 MOD 11-2 check character (a digit or X).

use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A well-formed ID number, check character uppercased. Its `Debug` shows the masked form
/// only, so it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str) -> Option<IdNumber> {
        let bytes = raw.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        let check = bytes[17].to_ascii_uppercase();
        if check != CHECK_CHARS[(sum % 11) as usize] || !real_date(&raw[6..14]) {
            return None;
        }
        Some(IdNumber(format!("{}{}", &raw[..17], char::from(check))))
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

/// The first 4 and last 4 characters with 10 `*` between, as the app shows it too.
pub fn mask(id_number: &str) -> String {
    let chars: Vec<char> = id_number.chars().collect();
    let keep = chars.len().min(4);
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}**********{tail}")
}

/// Whether `yyyymmdd` is a date that exists, from 1900 on.
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
    (1900..=2099).contains(&year) && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `body` (17 digits) completed with its check character.
    fn with_check(body: &str) -> String {
        let sum: u32 = body
            .bytes()
            .zip(WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        format!("{body}{}", char::from(CHECK_CHARS[(sum % 11) as usize]))
    }

    #[test]
    fn accepts_valid_numbers_including_an_x_check() {
        // The standard's own example, whose check character is X.
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X",
            "a lowercase x is read as X"
        );
        let leap_day = with_check("11010120000229123");
        assert!(IdNumber::parse(&leap_day).is_some(), "{leap_day}");
    }

    #[test]
    fn refuses_a_wrong_check_character() {
        for wrong in [
            "110105194912310021",
            "110105194912310029",
            "11010519491231002Y",
        ] {
            assert!(IdNumber::parse(wrong).is_none(), "{wrong}");
        }
    }

    #[test]
    fn refuses_dates_that_do_not_exist() {
        for body in [
            "11010119901301123", // month 13
            "11010119900230123", // 30 February
            "11010119000229123", // 1900 was not a leap year
            "11010119900400123", // day 0
            "11010118991231123", // before 1900
        ] {
            let number = with_check(body);
            assert!(IdNumber::parse(&number).is_none(), "{number}");
        }
    }

    #[test]
    fn refuses_wrong_lengths_and_characters() {
        let valid = "11010519491231002X";
        for bad in [
            &valid[..17],
            &format!("{valid}0"),
            "",
            "1101051949123100 X",
            "X10105194912310021",
            "１１０１０５１９４９１２３１００２X",
        ] {
            assert!(IdNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn masks_all_but_the_first_and_last_four() {
        assert_eq!(mask("110101199003071234"), "1101**********1234");
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
    }
}
