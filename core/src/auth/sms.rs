//! SMS-code login: request a code for a phone number, then trade the code for a session.

use serde::Serialize;

use super::phone::{normalize_mainland_phone, normalize_sms_code};
use super::session::TokenResponse;
use super::{AuthError, SmsCodeSent, UserProfile};
use crate::client::Inner;
use crate::net::Endpoint;

#[derive(Serialize)]
struct SendRequest<'a> {
    phone: &'a str,
    device_id: &'a str,
}

#[derive(Serialize)]
struct VerifyRequest<'a> {
    phone: &'a str,
    code: &'a str,
    device_id: &'a str,
}

fn phone(input: &str) -> Result<String, AuthError> {
    normalize_mainland_phone(input).map_err(|reason| AuthError::InvalidPhone { reason })
}

pub(super) async fn request_code(inner: &Inner, input: &str) -> Result<SmsCodeSent, AuthError> {
    let phone = phone(input)?;
    let device_id = inner.app.install_id()?;
    let body = SendRequest {
        phone: &phone,
        device_id: &device_id,
    };
    Ok(inner.net.call(Endpoint::SmsSend, Some(&body), None).await?)
}

pub(super) async fn verify_code(
    inner: &Inner,
    phone_input: &str,
    code_input: &str,
) -> Result<UserProfile, AuthError> {
    let phone = phone(phone_input)?;
    let code = normalize_sms_code(code_input).ok_or(AuthError::InvalidCode)?;
    let device_id = inner.app.install_id()?;
    let body = VerifyRequest {
        phone: &phone,
        code: &code,
        device_id: &device_id,
    };
    let response: TokenResponse = inner
        .net
        .call(Endpoint::SmsVerify, Some(&body), None)
        .await?;
    inner.session.establish(inner, response).await
}
