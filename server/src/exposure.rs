//! Where dev mode may listen. Its hooks hand out SMS codes, move the clock and empty the
//! database, so by default they stay on loopback; binding a QA network (an emulator's host, a
//! phone on the bench) needs saying so, and is then warned about.

use std::io;
use std::net::SocketAddr;

/// Refuses dev mode on an address that is not loopback unless `dev_remote`; warns if allowed.
pub fn check(addr: SocketAddr, dev: bool, dev_remote: bool) -> io::Result<()> {
    if !dev || addr.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    if !dev_remote {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "--dev on {addr}, which is not a loopback address, would let anyone who reaches \
                 it read SMS codes, move the clock and empty the database: bind 127.0.0.1, or \
                 add --dev-remote on a test network you trust"
            ),
        ));
    }
    tracing::warn!(
        %addr,
        "dev mode on a non-loopback address (--dev-remote): anyone who reaches it can read SMS \
         codes, move the clock and empty the database"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_mode_stays_on_loopback_unless_told() {
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        for loopback in [
            "127.0.0.1:0",
            "127.0.0.2:8080",
            "[::1]:0",
            "[::ffff:127.0.0.1]:0",
        ] {
            assert!(check(addr(loopback), true, false).is_ok(), "{loopback}");
        }
        for remote in [
            "0.0.0.0:8080",
            "10.0.2.2:8080",
            "[::]:0",
            "192.168.1.20:443",
        ] {
            let error = check(addr(remote), true, false).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::PermissionDenied, "{remote}");
            assert!(error.to_string().contains("--dev-remote"), "{error}");
            assert!(check(addr(remote), true, true).is_ok(), "{remote}");
            assert!(check(addr(remote), false, false).is_ok(), "{remote}");
        }
    }
}
