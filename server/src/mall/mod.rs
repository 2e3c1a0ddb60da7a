//! The wheat-grain mall: the points ledger and its earning rules (`points`), the goods
//! (`catalogue`), the address book (`addresses`) and redemptions with their delivery and the
//! disclosures of the address it makes (`redemptions`).

pub mod addresses;
pub mod catalogue;
pub mod points;
pub mod redemptions;

use rusqlite::Connection;

/// `prefix` and 16 random hex characters, the shape of the account ids.
fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 8]>()))
}

/// Deletes everything the user has in the mall: the address book, redemptions (with the
/// addresses they kept), the disclosure records and the points ledger. Runs before the user
/// row goes, which they all reference.
pub fn forget_user(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    for table in [
        "address_disclosures",
        "redemptions",
        "addresses",
        "points_ledger",
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE user_id = ?1"),
            [user_id],
        )?;
    }
    Ok(())
}
