//! The demo's secrets live in a fresh, anonymous session keyring that dies with the process:
//! its data directory is temporary too, and it then runs in any Linux shell, container or CI
//! job, with or without a login session keyring.

/// Must run before any other thread starts: new threads inherit the caller's keyrings.
#[cfg(all(target_os = "linux", not(target_os = "android")))]
pub(crate) fn join_anonymous() -> Result<(), String> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers to our memory; a null
    // name asks the kernel for a new anonymous keyring.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if rc < 0 {
        Err(format!(
            "cannot create a session keyring: {}",
            std::io::Error::last_os_error()
        ))
    } else {
        Ok(())
    }
}

#[cfg(not(all(target_os = "linux", not(target_os = "android"))))]
pub(crate) fn join_anonymous() -> Result<(), String> {
    Ok(())
}
