//! Compiles the SQLCipher amalgamation with our crypto provider (`src/provider.rs`) as its
//! default, into `libsqlcipher.a`: the library libsqlite3-sys's `sqlcipher` feature links.
//! The options are what the app and the reference server use, not SQLite's everything.

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
        // What the app and the reference server use: FTS5 (the trigram search indexes), JSON
        // and window functions (built in), foreign keys on by default as libsqlite3-sys's
        // bundled builds have them, and the thread safety rusqlite needs.
        .define("SQLITE_CORE", None)
        .define("SQLITE_DEFAULT_FOREIGN_KEYS", "1")
        .define("SQLITE_ENABLE_API_ARMOR", None)
        .define("SQLITE_ENABLE_FTS5", None)
        .define("SQLITE_THREADSAFE", "1")
        .define("SQLITE_USE_URI", None)
        .define("HAVE_USLEEP", "1")
        .define("HAVE_ISNAN", None)
        .define("HAVE_STDINT_H", "1")
        .define("HAVE_LOCALTIME_R", None)
        // Left out, for size and attack surface: extension loading, APIs nothing here calls
        // (deprecated, UTF-16, shared cache), and the modules libsqlite3-sys's bundled builds
        // add that nothing here uses (FTS3, R*Tree, dbstat, soundex, column metadata, STAT4).
        .define("SQLITE_OMIT_LOAD_EXTENSION", None)
        .define("SQLITE_OMIT_DEPRECATED", None)
        .define("SQLITE_OMIT_UTF16", None)
        .define("SQLITE_OMIT_SHARED_CACHE", None)
        // No global memory statistics: one mutex less on every allocation.
        .define("SQLITE_DEFAULT_MEMSTATUS", "0")
        .warnings(false);
    // This package builds at opt-level 3 in release for its AES code (see the workspace's
    // profile); SQLite stays optimised for size, as the rest of the release build.
    if env::var("OPT_LEVEL").is_ok_and(|level| level != "0") {
        build.opt_level_str("z");
    }
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
