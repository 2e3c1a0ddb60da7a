//! The last line of defence for log privacy: phone numbers, SMS codes, ID numbers and tokens
//! are replaced in every formatted line, whatever code wrote it.

use std::borrow::Cow;

/// Replaces, left to right, the first of these that starts at each place: `bearer` and its
/// value, an `mca_`/`mcr_` token, or a run of digits (with a leading `+` and a trailing `X`)
/// that [`classify`] recognises. A hand-written scan rather than a regex engine, which would
/// add a third of a megabyte to the library for three patterns.
pub fn redact(line: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let found = bearer(rest)
            .map(|len| (len, Cow::Borrowed("Bearer [token]")))
            .or_else(|| token(rest).map(|len| (len, Cow::Borrowed("[token]"))))
            .or_else(|| {
                let len = number(rest)?;
                classify(&rest[..len]).map(|label| (len, Cow::Borrowed(label)))
            });
        match found {
            Some((len, replacement)) => {
                out.push_str(&line[copied..at]);
                out.push_str(&replacement);
                at += len;
                copied = at;
            }
            None => {
                // A run of digits that is not personal is skipped whole, as one token.
                let skip =
                    number(rest).unwrap_or_else(|| rest.chars().next().map_or(1, char::len_utf8));
                at += skip;
            }
        }
    }
    if copied == 0 {
        return Cow::Borrowed(line);
    }
    out.push_str(&line[copied..]);
    Cow::Owned(out)
}

/// `bearer`, any case, whitespace, then a value up to whitespace, `,` or `;`.
fn bearer(text: &str) -> Option<usize> {
    let head = text.get(..6)?;
    if !head.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let after = &text[6..];
    let spaces: usize = after
        .chars()
        .take_while(|c| c.is_whitespace())
        .map(char::len_utf8)
        .sum();
    let value: usize = after[spaces..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',' && *c != ';')
        .map(char::len_utf8)
        .sum();
    (spaces > 0 && value > 0).then_some(6 + spaces + value)
}

/// `mca_` or `mcr_` and the token's characters.
fn token(text: &str) -> Option<usize> {
    if !(text.starts_with("mca_") || text.starts_with("mcr_")) {
        return None;
    }
    let body = text[4..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    (body > 0).then_some(4 + body)
}

/// An optional `+`, digits, an optional `X`.
fn number(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let sign = usize::from(bytes.first() == Some(&b'+'));
    let digits = bytes[sign..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let end = sign + digits;
    Some(end + usize::from(matches!(bytes.get(end), Some(b'X' | b'x'))))
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
    fn values_inside_text_and_unicode_around_them() {
        assert_eq!(redact("手机13800138000已验证"), "手机[phone]已验证");
        assert_eq!(
            redact("xmca_1 and BEARER\tq;r"),
            "x[token] and Bearer [token];r"
        );
        assert_eq!(redact("bearer alone"), "Bearer [token]");
        assert_eq!(redact("bearer "), "bearer ");
        assert_eq!(redact("+ 123456"), "+ [code]");
        assert_eq!(redact("v1234567"), "v1234567");
        assert_eq!(redact("a 1234567 b 12345X"), "a 1234567 b 12345X");
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
