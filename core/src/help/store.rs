//! The help center's tables: the articles read (app database: help reads offline and logged
//! out), and in the account's database the feedback waiting to go out with its photos and the
//! tickets as last fetched.

use crate::store::{Migration, Schema};

pub(super) const APP_SCHEMA: Schema = Schema {
    area: "help",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE help_articles (
                  id TEXT PRIMARY KEY,
                  topic TEXT NOT NULL,
                  language TEXT NOT NULL,
                  title TEXT NOT NULL,
                  body TEXT,
                  updated_at INTEGER NOT NULL
              );",
    }],
    in_single_list: false,
};

pub(super) const ACCOUNT_SCHEMA: Schema = Schema {
    area: "help",
    migrations: &[Migration {
        version: 1,
        sql: "CREATE TABLE help_outbox (
                  seq INTEGER PRIMARY KEY,
                  key TEXT NOT NULL UNIQUE,
                  text TEXT NOT NULL,
                  contact TEXT,
                  app_version TEXT,
                  os_version TEXT,
                  created_at INTEGER NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  failed TEXT
              );
              CREATE TABLE help_outbox_photos (
                  key TEXT NOT NULL,
                  position INTEGER NOT NULL,
                  content_type TEXT NOT NULL,
                  bytes BLOB NOT NULL,
                  photo_id TEXT,
                  PRIMARY KEY (key, position)
              );
              CREATE TABLE help_tickets (
                  id TEXT PRIMARY KEY,
                  ticket TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  seq INTEGER NOT NULL
              );",
    }],
    in_single_list: false,
};
