//! A fixed set of connections to the one database file. In WAL mode readers run in parallel
//! with each other and with the one writer SQLite admits at a time, so a request waits only
//! for a free connection or, when it writes, for the writer before it (both asynchronously):
//! never for every other request.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::app::lock;

pub struct Pool {
    idle: Mutex<Vec<Connection>>,
    free: Semaphore,
    /// One writer at a time, as SQLite allows: writers wait for it here, asynchronously,
    /// rather than sleeping in SQLite's busy handler on a runtime thread.
    writer: Semaphore,
}

impl Pool {
    pub fn new(connections: Vec<Connection>) -> Pool {
        Pool {
            free: Semaphore::new(connections.len()),
            idle: Mutex::new(connections),
            writer: Semaphore::new(1),
        }
    }

    /// A connection, once one is free.
    pub async fn get(&self) -> Pooled<'_> {
        self.connection(None).await
    }

    /// A connection for a request that writes, once no other such request runs and a
    /// connection is free.
    pub async fn write(&self) -> Pooled<'_> {
        let writing = self
            .writer
            .acquire()
            .await
            .expect("the writer semaphore is never closed");
        self.connection(Some(writing)).await
    }

    async fn connection<'a>(&'a self, writing: Option<SemaphorePermit<'a>>) -> Pooled<'a> {
        let permit = self
            .free
            .acquire()
            .await
            .expect("the pool's semaphore is never closed");
        let conn = lock(&self.idle)
            .pop()
            .expect("a permit always has an idle connection");
        Pooled {
            pool: self,
            conn: Some(conn),
            _permit: permit,
            _writing: writing,
            _not_send: PhantomData,
        }
    }
}

/// A connection out of the pool, back in it when dropped.
pub struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
    _permit: SemaphorePermit<'a>,
    /// Held by a request that writes.
    _writing: Option<SemaphorePermit<'a>>,
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
            lock(&self.pool.idle).push(conn);
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

    fn pool_of(size: usize) -> Pool {
        Pool::new(
            (0..size)
                .map(|_| Connection::open_in_memory().unwrap())
                .collect(),
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
        assert_eq!(lock(&pool.idle).len(), 2);
    }

    #[tokio::test]
    async fn writers_take_turns_while_readers_go_on() {
        let pool = pool_of(3);
        let writing = pool.write().await;
        let waiting = tokio::time::timeout(Duration::from_millis(20), pool.write()).await;
        assert!(waiting.is_err(), "a second writer while one writes");
        let reading = pool.get().await;
        drop((writing, reading));
        drop(pool.write().await);
    }
}
