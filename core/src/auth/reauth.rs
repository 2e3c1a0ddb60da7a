//! Step-up: sensitive actions (confirming a web login, deleting the account) need a recent
//! authentication; the user proves it with a fresh SMS code to the account's own phone.

use serde::Serialize;

use super::phone::{normalize_mainland_phone, normalize_sms_code};
use super::{AuthError, SmsCodeSent};
use crate::client::Inner;
use crate::net::Endpoint;

#[derive(Serialize)]
struct Send<'a> {
    phone: &'a str,
}

#[derive(Serialize)]
struct Verify<'a> {
    phone: &'a str,
    code: &'a str,
}

fn phone(input: &str) -> Result<String, AuthError> {
    normalize_mainland_phone(input).map_err(|reason| AuthError::InvalidPhone { reason })
}

pub(super) async fn request_code(inner: &Inner, input: &str) -> Result<SmsCodeSent, AuthError> {
    let phone = phone(input)?;
    let body = Send { phone: &phone };
    inner
        .session
        .call(inner, Endpoint::ReauthSend, Some(&body))
        .await
}

pub(super) async fn verify(
    inner: &Inner,
    phone_input: &str,
    code_input: &str,
) -> Result<(), AuthError> {
    let phone = phone(phone_input)?;
    let code = normalize_sms_code(code_input).ok_or(AuthError::InvalidCode)?;
    let body = Verify {
        phone: &phone,
        code: &code,
    };
    inner
        .session
        .call_no_content(inner, Endpoint::ReauthVerify, Some(&body))
        .await
}
