//! The `sqlcipher_provider` table SQLCipher calls for its crypto, filled with functions over
//! `crypto`. SQLCipher calls `medcircle_sqlcipher_provider_setup` once, when it first
//! initialises (the build names it in `SQLCIPHER_CRYPTO_CUSTOM`). Every function checks its
//! pointers and lengths and answers `SQLITE_ERROR` rather than read or write out of bounds;
//! SQLCipher logs the failure and fails the page, so a database is never read with bad crypto.

use std::ffi::{CStr, c_char, c_int, c_uchar, c_void};

use libsqlite3_sys::{SQLITE_ERROR, SQLITE_OK};

use crate::crypto::{self, BLOCK_LEN, Digest, Direction, KEY_LEN, Refused};

const NAME: &CStr = c"medcircle-rust";
const VERSION: &CStr = c"ring 0.17 + aes 0.9";
const CIPHER: &CStr = c"aes-256-cbc";

/// `SQLCIPHER_ENCRYPT`; decryption is `SQLCIPHER_DECRYPT`, 0.
const SQLCIPHER_ENCRYPT: c_int = 1;

/// SQLCipher 4's `struct sqlcipher_provider`, field for field.
#[repr(C)]
pub struct SqlcipherProvider {
    init: Option<unsafe extern "C" fn() -> c_int>,
    shutdown: Option<unsafe extern "C" fn()>,
    get_provider_name: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    add_random: Option<unsafe extern "C" fn(*mut c_void, *const c_void, c_int) -> c_int>,
    random: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int>,
    hmac: Option<
        unsafe extern "C" fn(
            *mut c_void,
            c_int,
            *const c_uchar,
            c_int,
            *const c_uchar,
            c_int,
            *const c_uchar,
            c_int,
            *mut c_uchar,
        ) -> c_int,
    >,
    kdf: Option<
        unsafe extern "C" fn(
            *mut c_void,
            c_int,
            *const c_uchar,
            c_int,
            *const c_uchar,
            c_int,
            c_int,
            c_int,
            *mut c_uchar,
        ) -> c_int,
    >,
    cipher: Option<
        unsafe extern "C" fn(
            *mut c_void,
            c_int,
            *const c_uchar,
            c_int,
            *const c_uchar,
            *const c_uchar,
            c_int,
            *mut c_uchar,
        ) -> c_int,
    >,
    get_cipher: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    get_key_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_iv_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_block_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_hmac_sz: Option<unsafe extern "C" fn(*mut c_void, c_int) -> c_int>,
    ctx_init: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    ctx_free: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    fips_status: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_provider_version: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    next: *mut SqlcipherProvider,
}

/// Fills SQLCipher's provider table with ours.
///
/// # Safety
/// `provider` is null or points to a writable `sqlcipher_provider`, as SQLCipher passes it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn medcircle_sqlcipher_provider_setup(
    provider: *mut SqlcipherProvider,
) -> c_int {
    if provider.is_null() {
        return SQLITE_ERROR;
    }
    let table = SqlcipherProvider {
        init: None,
        shutdown: None,
        get_provider_name: Some(provider_name),
        add_random: Some(add_random),
        random: Some(random),
        hmac: Some(hmac),
        kdf: Some(kdf),
        cipher: Some(cipher),
        get_cipher: Some(cipher_name),
        get_key_sz: Some(key_size),
        get_iv_sz: Some(block_size),
        get_block_sz: Some(block_size),
        get_hmac_sz: Some(hmac_size),
        ctx_init: Some(ctx_init),
        ctx_free: Some(ctx_free),
        fips_status: Some(fips_status),
        get_provider_version: Some(provider_version),
        next: std::ptr::null_mut(),
    };
    // SAFETY: SQLCipher hands over a valid, exclusively owned table to fill.
    unsafe { provider.write(table) };
    SQLITE_OK
}

fn status(result: Result<(), Refused>) -> c_int {
    match result {
        Ok(()) => SQLITE_OK,
        Err(Refused) => SQLITE_ERROR,
    }
}

/// `len` bytes at `ptr`; empty for a zero length, `None` for a negative one or a null pointer.
///
/// # Safety
/// A non-null `ptr` points to at least `len` readable bytes that live for `'a`.
unsafe fn bytes<'a>(ptr: *const c_uchar, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    // SAFETY: the caller guarantees `len` readable bytes at a non-null `ptr`.
    (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Like [`bytes`], writable.
///
/// # Safety
/// A non-null `ptr` points to at least `len` writable bytes that nothing else uses for `'a`.
unsafe fn bytes_mut<'a>(ptr: *mut c_uchar, len: c_int) -> Option<&'a mut [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&mut []);
    }
    // SAFETY: the caller guarantees `len` exclusively owned writable bytes at a non-null `ptr`.
    (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

unsafe extern "C" fn provider_name(_ctx: *mut c_void) -> *const c_char {
    NAME.as_ptr()
}

unsafe extern "C" fn provider_version(_ctx: *mut c_void) -> *const c_char {
    VERSION.as_ptr()
}

unsafe extern "C" fn cipher_name(_ctx: *mut c_void) -> *const c_char {
    CIPHER.as_ptr()
}

/// Entropy from SQLCipher (`PRAGMA cipher_add_random`) is not needed: the OS generator is
/// used directly. Accepted so that the pragma succeeds.
unsafe extern "C" fn add_random(_ctx: *mut c_void, _buffer: *const c_void, _len: c_int) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn random(_ctx: *mut c_void, buffer: *mut c_void, len: c_int) -> c_int {
    // SAFETY: SQLCipher passes a buffer of `len` bytes.
    match unsafe { bytes_mut(buffer.cast(), len) } {
        Some(out) => status(crypto::fill_random(out)),
        None => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)] // SQLCipher's signature
unsafe extern "C" fn hmac(
    _ctx: *mut c_void,
    algorithm: c_int,
    key: *const c_uchar,
    key_len: c_int,
    input: *const c_uchar,
    input_len: c_int,
    input2: *const c_uchar,
    input2_len: c_int,
    out: *mut c_uchar,
) -> c_int {
    let Some(digest) = Digest::from_sqlcipher(algorithm) else {
        return SQLITE_ERROR;
    };
    // SAFETY: SQLCipher passes buffers of the lengths it states, and an output buffer of the
    // digest's size (which it asked for with `get_hmac_sz`); the second input is optional.
    let (key, first, second, out) = unsafe {
        (
            bytes(key, key_len),
            bytes(input, input_len).filter(|_| !input.is_null()),
            if input2.is_null() {
                Some(&[][..])
            } else {
                bytes(input2, input2_len)
            },
            bytes_mut(out, digest.len() as c_int),
        )
    };
    match (key, first, second, out) {
        (Some(key), Some(first), Some(second), Some(out)) => {
            status(crypto::hmac(digest, key, &[first, second], out))
        }
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)] // SQLCipher's signature
unsafe extern "C" fn kdf(
    _ctx: *mut c_void,
    algorithm: c_int,
    pass: *const c_uchar,
    pass_len: c_int,
    salt: *const c_uchar,
    salt_len: c_int,
    iterations: c_int,
    key_len: c_int,
    key: *mut c_uchar,
) -> c_int {
    let (Some(digest), Ok(iterations)) =
        (Digest::from_sqlcipher(algorithm), u32::try_from(iterations))
    else {
        return SQLITE_ERROR;
    };
    // SAFETY: SQLCipher passes buffers of the lengths it states.
    let (pass, salt, key) = unsafe {
        (
            bytes(pass, pass_len),
            bytes(salt, salt_len),
            bytes_mut(key, key_len),
        )
    };
    match (pass, salt, key) {
        (Some(pass), Some(salt), Some(key)) => {
            status(crypto::pbkdf2(digest, iterations, salt, pass, key))
        }
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)] // SQLCipher's signature
unsafe extern "C" fn cipher(
    _ctx: *mut c_void,
    mode: c_int,
    key: *const c_uchar,
    key_len: c_int,
    iv: *const c_uchar,
    input: *const c_uchar,
    len: c_int,
    out: *mut c_uchar,
) -> c_int {
    let direction = if mode == SQLCIPHER_ENCRYPT {
        Direction::Encrypt
    } else {
        Direction::Decrypt
    };
    let Ok(size) = usize::try_from(len) else {
        return SQLITE_ERROR;
    };
    if input.is_null() || out.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes `len` bytes of input and of output (the same buffer or two
    // buffers; `copy` allows either), a key of `key_len` bytes and a block-sized IV that lies
    // outside the output.
    unsafe {
        std::ptr::copy(input, out, size);
        match (
            bytes(key, key_len),
            bytes(iv, BLOCK_LEN as c_int),
            bytes_mut(out, len),
        ) {
            (Some(key), Some(iv), Some(data)) => {
                status(crypto::aes_256_cbc(direction, key, iv, data))
            }
            _ => SQLITE_ERROR,
        }
    }
}

unsafe extern "C" fn key_size(_ctx: *mut c_void) -> c_int {
    KEY_LEN as c_int
}

unsafe extern "C" fn block_size(_ctx: *mut c_void) -> c_int {
    BLOCK_LEN as c_int
}

unsafe extern "C" fn hmac_size(_ctx: *mut c_void, algorithm: c_int) -> c_int {
    Digest::from_sqlcipher(algorithm).map_or(0, |digest| digest.len() as c_int)
}

/// The provider keeps no state: every call stands alone.
unsafe extern "C" fn ctx_init(ctx: *mut *mut c_void) -> c_int {
    if !ctx.is_null() {
        // SAFETY: SQLCipher passes the address of its context pointer.
        unsafe { ctx.write(std::ptr::null_mut()) };
    }
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(_ctx: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn fips_status(_ctx: *mut c_void) -> c_int {
    0
}
