//! The lowest app version the server still serves, announced with the notices. Versions are
//! dotted numbers (`1.4.0`); the app compares and refuses to work below it.

use rusqlite::{Connection, OptionalExtension};

const KEY: &str = "minimum_version";

/// Whether `raw` is a version: one to four dot-separated numbers.
pub fn is_valid(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('.').collect();
    (1..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=9).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

pub fn get(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM app_settings WHERE key = ?1",
        [KEY],
        |row| row.get(0),
    )
    .optional()
}

/// Sets the minimum; `None` lifts it.
pub fn set(conn: &Connection, version: Option<&str>) -> rusqlite::Result<()> {
    match version {
        Some(version) => conn.execute(
            "INSERT INTO app_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [KEY, version],
        )?,
        None => conn.execute("DELETE FROM app_settings WHERE key = ?1", [KEY])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dotted_numbers() {
        for good in ["1", "1.4", "1.4.0", "10.0.0.1"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "",
            "1.",
            ".1",
            "1..2",
            "v1.2",
            "1.2.3.4.5",
            "1.2-beta",
            "1234567890",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
