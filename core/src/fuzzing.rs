//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not an API): what the
//! core reads from outside, from each area.

/// The id a scanned payload names, if it is one of our codes.
pub fn web_login_id(payload: &str) -> Option<String> {
    crate::auth::fuzzing::web_login_id(payload)
}

/// The authorization code of a provider's callback, if it answers our request.
pub fn oauth_code(raw: &str, redirect_uri: &str, state: &str) -> Option<String> {
    crate::auth::fuzzing::oauth_code(raw, redirect_uri, state)
}

/// Every answer type the core reads from a server or a provider, read from `bytes`.
pub fn server_answers(bytes: &[u8]) {
    crate::auth::fuzzing::answers(bytes);
    crate::certification::fuzz_answer(bytes);
    crate::feed::fuzz_answers(bytes);
    let _ = serde_json::from_slice::<crate::consent::PolicyDocument>(bytes);
    let _ = serde_json::from_slice::<crate::account::UserProfile>(bytes);
    let _ = crate::net::fuzz_error(bytes);
}
