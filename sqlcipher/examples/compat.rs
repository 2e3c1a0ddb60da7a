//! Writes or checks the compatibility content in a database keyed with a raw key, for the
//! checks that open the same file with another SQLCipher build (`cargo xtask test`):
//!
//! ```text
//! compat write FILE KEY   creates FILE holding tests/support/content.sql
//! compat check FILE KEY   prints the verdict of tests/support/check.sql; fails unless it
//!                         is "content ok"
//! ```
//!
//! KEY is the raw key as 64 hex digits.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, file, key) = match args.as_slice() {
        [command, file, key] if key.len() == 64 => (command.as_str(), Path::new(file), key),
        _ => {
            eprintln!("usage: compat write|check FILE KEY (KEY: 64 hex digits)");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        "write" => support::write(file, key).map(|()| "written".to_string()),
        "check" => support::check(file, key),
        _ => {
            eprintln!("compat: unknown command {command:?}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(line) => {
            println!("{line}");
            if command == "check" && line != support::CONTENT_OK {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("compat: {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}
