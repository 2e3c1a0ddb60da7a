//! The `limit` query parameter of every list: one rule everywhere. Absent, 20; otherwise a
//! whole number from 1 to 50, and anything else (0, 51, -1, `ten`) is 422 `invalid_request`.

use crate::error::ApiError;

pub const DEFAULT: u32 = 20;
pub const MAX: u32 = 50;

/// The limit `raw` asks for.
pub fn parse(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT);
    };
    raw.parse::<u32>()
        .ok()
        .filter(|limit| (1..=MAX).contains(limit))
        .ok_or_else(|| {
            ApiError::InvalidRequest(format!("limit must be a whole number from 1 to {MAX}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_fifty_or_the_default_and_nothing_else() {
        assert_eq!(parse(None).unwrap(), DEFAULT);
        assert_eq!(parse(Some("1")).unwrap(), 1);
        assert_eq!(parse(Some("50")).unwrap(), 50);
        for bad in ["0", "51", "-1", "ten", "", "1.5", "99999999999"] {
            assert_eq!(
                parse(Some(bad)).unwrap_err().code(),
                "invalid_request",
                "{bad}"
            );
        }
    }
}
