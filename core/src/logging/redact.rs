//! The last line of defence for log privacy: phone numbers, SMS codes, ID numbers and tokens
//! are replaced in every formatted line, whatever code wrote it.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          (?P<bearer>(?i:bearer)\s+[^\s,;]+)
        | (?P<token>mc[ar]_[0-9A-Za-z_-]+)
        | (?P<number>\+?[0-9]+[Xx]?)",
    )
    .expect("redaction pattern compiles")
});

pub fn redact(line: &str) -> Cow<'_, str> {
    SENSITIVE.replace_all(line, |caps: &Captures<'_>| {
        if caps.name("bearer").is_some() {
            return "Bearer [token]".to_string();
        }
        if caps.name("token").is_some() {
            return "[token]".to_string();
        }
        let run = &caps[0];
        classify(run).map_or_else(|| run.to_string(), str::to_string)
    })
}

fn classify(run: &str) -> Option<&'static str> {
    let digits = run.trim_start_matches('+');
    let national = digits
        .strip_prefix("0086")
        .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
        .unwrap_or(digits);
    let is_mobile = |d: &str| {
        d.len() == 11
            && d.starts_with('1')
            && matches!(d.as_bytes()[1], b'3'..=b'9')
            && d.bytes().all(|b| b.is_ascii_digit())
    };
    if is_mobile(national) {
        return Some("[phone]");
    }
    let ends_with_x = digits.ends_with(['X', 'x']);
    match digits.len() {
        18 => Some("[id-number]"),
        6 if !ends_with_x => Some("[code]"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_values_are_replaced() {
        let cases = [
            ("sending to 13800138000", "sending to [phone]"),
            ("phone=+8613800138000 ok", "phone=[phone] ok"),
            ("phone=\"008613912345678\"", "phone=\"[phone]\""),
            ("code 012345 accepted", "code [code] accepted"),
            ("id 11010519491231002X here", "id [id-number] here"),
            ("id=110105194912310021", "id=[id-number]"),
            ("token mca_0123abcdef refreshed", "token [token] refreshed"),
            (
                "Authorization: Bearer abc.def-ghi",
                "Authorization: Bearer [token]",
            ),
            (
                "{\"refresh_token\":\"mcr_ff00\"}",
                "{\"refresh_token\":\"[token]\"}",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn ordinary_numbers_survive() {
        for line in [
            "listening on 127.0.0.1:43567",
            "status 503 after 2 attempts",
            "took 1500 ms",
            "masked 138****8000",
            "schema version 12",
        ] {
            assert_eq!(redact(line), line);
        }
    }
}
