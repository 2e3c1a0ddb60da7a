//! Server dictionaries the account is completed from: units (hospitals and other institutions)
//! and their departments. A migration seeds them; the API only reads them.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

/// The longest unit search text, in characters.
pub const QUERY_MAX_CHARS: usize = 64;

/// A unit or department as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DictionaryEntry)]
pub struct Entry {
    #[schema(pattern = "^(un|dp)_[0-9]+$", examples("un_1"))]
    pub id: String,
    /// The Chinese name, then the English one.
    #[schema(examples("北京协和医院 Peking Union Medical College Hospital"))]
    pub name: String,
}

impl Entry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Entry {
            id: row.get(0)?,
            name: row.get(1)?,
        })
    }

    /// The entry in columns `at` (id) and `at + 1` (name) of a LEFT JOIN: none if the id is NULL.
    pub fn optional_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<Self>> {
        let Some(id) = row.get::<_, Option<String>>(at)? else {
            return Ok(None);
        };
        Ok(Some(Entry {
            id,
            name: row.get(at + 1)?,
        }))
    }
}

/// Up to `limit` units whose name contains `text` (ASCII letters case-insensitively, as
/// SQLite's LIKE compares), by name; every unit matches an empty `text`. `text` is bound,
/// and its `%`, `_` and `\` match themselves.
pub fn search_units(conn: &Connection, text: &str, limit: u32) -> rusqlite::Result<Vec<Entry>> {
    let pattern = format!("%{}%", escape_like(text));
    let mut statement = conn.prepare(
        r"SELECT id, name FROM units WHERE name LIKE ?1 ESCAPE '\'
          ORDER BY name, id LIMIT ?2",
    )?;
    statement
        .query_map(params![pattern, limit], Entry::from_row)?
        .collect()
}

/// `text` with LIKE's wildcards (and the escape character itself) escaped by `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub fn unit_exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM units WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )
}

/// The unit's departments, in dictionary order.
pub fn departments(conn: &Connection, unit_id: &str) -> rusqlite::Result<Vec<Entry>> {
    let mut statement =
        conn.prepare("SELECT id, name FROM departments WHERE unit_id = ?1 ORDER BY rowid")?;
    statement.query_map([unit_id], Entry::from_row)?.collect()
}

/// The id of the unit a department belongs to; none for an unknown department.
pub fn unit_of_department(conn: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT unit_id FROM departments WHERE id = ?1",
        [id],
        |row| row.get(0),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(escape_like("协和"), "协和");
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
