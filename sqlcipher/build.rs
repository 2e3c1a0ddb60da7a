//! Compiles the SQLCipher amalgamation with our crypto provider (`src/provider.rs`) as its
//! default, into `libsqlcipher.a`: the library libsqlite3-sys's `sqlcipher` feature links.

use std::env;

/// The provider setup function SQLCipher calls when it first initialises.
const PROVIDER_SETUP: &str = "medcircle_sqlcipher_provider_setup";

fn main() {
    let dir = sqlcipher_src::source_dir();
    let mut build = cc::Build::new();
    build
        .file(dir.join(sqlcipher_src::SOURCE_FILE))
        .include(dir)
        // SQLCipher itself, its init hooks, and our provider in place of OpenSSL's.
        .define("SQLITE_HAS_CODEC", None)
        .define("SQLITE_EXTRA_INIT", "sqlcipher_extra_init")
        .define("SQLITE_EXTRA_SHUTDOWN", "sqlcipher_extra_shutdown")
        .define("SQLCIPHER_CRYPTO_CUSTOM", PROVIDER_SETUP)
        // What libsqlite3-sys's bundled builds set, so behaviour does not change with the source.
        .define("SQLITE_CORE", None)
        .define("SQLITE_DEFAULT_FOREIGN_KEYS", "1")
        .define("SQLITE_ENABLE_API_ARMOR", None)
        .define("SQLITE_ENABLE_COLUMN_METADATA", None)
        .define("SQLITE_ENABLE_DBSTAT_VTAB", None)
        .define("SQLITE_ENABLE_FTS3", None)
        .define("SQLITE_ENABLE_FTS3_PARENTHESIS", None)
        .define("SQLITE_ENABLE_FTS5", None)
        .define("SQLITE_ENABLE_JSON1", None)
        .define("SQLITE_ENABLE_LOAD_EXTENSION", "1")
        .define("SQLITE_ENABLE_RTREE", None)
        .define("SQLITE_ENABLE_STAT4", None)
        .define("SQLITE_SOUNDEX", None)
        .define("SQLITE_THREADSAFE", "1")
        .define("SQLITE_USE_URI", None)
        .define("HAVE_USLEEP", "1")
        .define("HAVE_ISNAN", None)
        .define("HAVE_STDINT_H", "1")
        .define("HAVE_LOCALTIME_R", None)
        .warnings(false);
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "android" {
        // Android has no writable default temp directory.
        build.define("SQLITE_TEMP_STORE", "3");
        // SQLCipher logs to logcat there.
        println!("cargo:rustc-link-lib=log");
    } else {
        build.define("SQLITE_TEMP_STORE", "2");
    }
    build.compile("sqlcipher");
}
