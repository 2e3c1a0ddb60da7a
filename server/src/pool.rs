//! A fixed set of connections to the one database file. In WAL mode readers run in parallel
//! with each other and with the one writer SQLite admits at a time, so a request waits only
//! for a free reading connection or, when it writes, for the writer before it (both
//! asynchronously): never for every other request.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::app::lock;

/// Connections for requests that only read, and the one for requests that write: SQLite
/// admits one writer at a time, so writers wait for theirs here, asynchronously, rather than
/// sleeping in SQLite's busy handler on a runtime thread.
pub struct Pool {
    readers: Slots,
    writer: Slots,
}

/// Connections and a permit for each one that is idle.
struct Slots {
    idle: Mutex<Vec<Connection>>,
    free: Semaphore,
}

impl Pool {
    pub fn new(readers: Vec<Connection>, writer: Connection) -> Pool {
        Pool {
            readers: Slots::new(readers),
            writer: Slots::new(vec![writer]),
        }
    }

    /// A connection to read with, once one is free.
    pub async fn get(&self) -> Pooled<'_> {
        self.readers.take().await
    }

    /// The connection to write with, once the request before has done with it.
    pub async fn write(&self) -> Pooled<'_> {
        self.writer.take().await
    }
}

impl Slots {
    fn new(connections: Vec<Connection>) -> Slots {
        Slots {
            free: Semaphore::new(connections.len()),
            idle: Mutex::new(connections),
        }
    }

    async fn take(&self) -> Pooled<'_> {
        let permit = self
            .free
            .acquire()
            .await
            .expect("the pool's semaphores are never closed");
        let conn = lock(&self.idle)
            .pop()
            .expect("a permit always has an idle connection");
        Pooled {
            slots: self,
            conn: Some(conn),
            _permit: permit,
            _not_send: PhantomData,
        }
    }
}

/// A connection out of the pool, back in it when dropped.
pub struct Pooled<'a> {
    slots: &'a Slots,
    conn: Option<Connection>,
    _permit: SemaphorePermit<'a>,
    /// Not `Send`: a handler holding a connection across an `.await` does not compile (axum
    /// needs `Send` futures), so no request keeps one while it waits on anything else.
    _not_send: PhantomData<*const ()>,
}

impl Deref for Pooled<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        // Back before the permit is released (fields drop after this), so a permit always
        // finds a connection.
        if let Some(conn) = self.conn.take() {
            lock(&self.slots.idle).push(conn);
        }
    }
}

/// A transaction that takes the write lock at once: one that read first and then wrote could
/// find the database changed by another writer meanwhile and fail instead of waiting.
pub fn immediate(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn pool_of(readers: usize) -> Pool {
        Pool::new(
            (0..readers)
                .map(|_| Connection::open_in_memory().unwrap())
                .collect(),
            Connection::open_in_memory().unwrap(),
        )
    }

    #[tokio::test]
    async fn connections_are_used_side_by_side_and_a_request_waits_only_when_all_are_out() {
        let pool = pool_of(2);
        let first = pool.get().await;
        let second = pool.get().await;
        let both: i64 = first
            .query_row("SELECT 1", [], |row| row.get(0))
            .and_then(|one: i64| second.query_row("SELECT ?1 + 1", [one], |row| row.get(0)))
            .unwrap();
        assert_eq!(both, 2);
        let waiting = tokio::time::timeout(Duration::from_millis(20), pool.get()).await;
        assert!(waiting.is_err(), "a third connection while two are out");
        drop(first);
        let third = pool.get().await;
        drop((second, third));
        assert_eq!(lock(&pool.readers.idle).len(), 2);
    }

    #[tokio::test]
    async fn writers_take_turns_while_readers_go_on() {
        let pool = pool_of(1);
        let writing = pool.write().await;
        let waiting = tokio::time::timeout(Duration::from_millis(20), pool.write()).await;
        assert!(waiting.is_err(), "a second writer while one writes");
        let reading = pool.get().await;
        drop((writing, reading));
        drop(pool.write().await);
    }
}
