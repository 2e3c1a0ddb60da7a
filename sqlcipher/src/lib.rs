//! SQLCipher as the app ships it: the SQLCipher 4 amalgamation compiled from source with a
//! crypto provider written in Rust (`provider`, over `crypto`), so the library needs no
//! OpenSSL and no system crypto at all, and its databases stay SQLCipher 4 databases (AES-256-CBC
//! pages, HMAC-SHA512, PBKDF2-HMAC-SHA512: the same bytes the OpenSSL provider writes).
//!
//! rusqlite reaches it through libsqlite3-sys's `sqlcipher` feature, which links a library
//! named `sqlcipher` instead of compiling one; this crate's build script produces that library.
//! A crate that uses rusqlite must also name this crate in its code, `use medcircle_sqlcipher as
//! _;`, so that the provider is linked with SQLCipher: a dependency that no code names is left
//! out of the link, and SQLCipher would then miss its provider.

mod crypto;
mod provider;
