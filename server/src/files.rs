//! Writing the files the server keeps beside or apart from its database (key files, the
//! development CA) in one step, with the permissions they need.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Owner-only: secrets (keys).
pub const PRIVATE: u32 = 0o600;
/// Anyone may read: certificates meant to be handed out.
pub const PUBLIC: u32 = 0o644;

/// Writes `bytes` to `path` with `mode` (on Unix), replacing the file in one step.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}
