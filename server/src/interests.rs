//! Interest tags, the input to personalisation: seeded for each new account, removable by the
//! user one by one or all at once.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::tokens;

const LABELS: [&str; 5] = [
    "Cardiology",
    "Oncology",
    "Medical education",
    "Neurology",
    "Pediatrics",
];
const SEEDED: usize = 3;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = InterestTag)]
pub struct Tag {
    #[schema(pattern = "^t_[0-9a-f]{16}$")]
    pub id: String,
    #[schema(examples("Cardiology"))]
    pub label: String,
}

/// Three consecutive labels (wrapping) from a position the user id decides, so that a given
/// id always gets the same tags.
fn seed_labels(user_id: &str) -> impl Iterator<Item = &'static str> {
    let start = user_id.bytes().map(usize::from).sum::<usize>() % LABELS.len();
    LABELS.iter().copied().cycle().skip(start).take(SEEDED)
}

/// Gives a new account its starting tags.
pub fn seed(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    let mut insert =
        conn.prepare("INSERT INTO interests (id, user_id, label) VALUES (?1, ?2, ?3)")?;
    for label in seed_labels(user_id) {
        insert.execute(params![tokens::interest_id(), user_id, label])?;
    }
    Ok(())
}

pub fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Tag>> {
    let mut statement =
        conn.prepare("SELECT id, label FROM interests WHERE user_id = ?1 ORDER BY rowid")?;
    statement
        .query_map([user_id], |row| {
            Ok(Tag {
                id: row.get(0)?,
                label: row.get(1)?,
            })
        })?
        .collect()
}

/// Deletes one of the user's tags; false if the user has no tag with this id.
pub fn delete(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<bool> {
    let deleted = conn.execute(
        "DELETE FROM interests WHERE id = ?1 AND user_id = ?2",
        params![id, user_id],
    )?;
    Ok(deleted == 1)
}

/// Deletes all the user's tags; returns how many there were.
pub fn delete_all(conn: &Connection, user_id: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM interests WHERE user_id = ?1", [user_id])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_three_distinct_labels_decided_by_the_id() {
        for id in ["u_0000000000000000", "u_1", "u_2", "u_3", "u_4"] {
            let labels: Vec<_> = seed_labels(id).collect();
            assert_eq!(labels.len(), 3, "{id}");
            assert!(labels[0] != labels[1] && labels[1] != labels[2] && labels[0] != labels[2]);
            assert_eq!(labels, seed_labels(id).collect::<Vec<_>>());
        }
        // '1'..'5' are consecutive bytes, so these ids start at five different labels.
        let firsts: std::collections::BTreeSet<_> = ["u_1", "u_2", "u_3", "u_4", "u_5"]
            .iter()
            .map(|id| seed_labels(id).next().unwrap())
            .collect();
        assert_eq!(firsts.len(), 5);
    }
}
