//! The help center: articles by topic with search (`articles`), feedback with photos that
//! becomes a ticket the team answers (`tickets`), and the photos themselves (`photos`).

pub mod articles;
pub mod photos;
pub mod tickets;

use rusqlite::Connection;

/// Deletes everything the user has in the help center; runs before the user row goes.
pub fn forget_user(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    for statement in [
        "DELETE FROM help_replies WHERE ticket_id IN (SELECT id FROM help_tickets WHERE user_id = ?1)",
        "DELETE FROM help_photos WHERE user_id = ?1",
        "DELETE FROM help_tickets WHERE user_id = ?1",
    ] {
        conn.execute(statement, [user_id])?;
    }
    Ok(())
}
