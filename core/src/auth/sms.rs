//! SMS-code login: request a code for a mainland number, verify it, and the answer is the
//! session.

use serde::Serialize;

use super::challenge::Solution;
use super::phone::{normalize_mainland_phone, normalize_sms_code};
use super::{AuthArea, AuthError, SmsCodeSent, UserProfile};
use crate::net::Endpoint;

#[derive(Serialize)]
struct SendRequest<'a> {
    phone: &'a str,
    device_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge: Option<Solution>,
}

#[derive(Serialize)]
struct VerifyRequest<'a> {
    phone: &'a str,
    code: &'a str,
    device_id: &'a str,
}

pub(super) fn phone(input: &str) -> Result<String, AuthError> {
    normalize_mainland_phone(input).map_err(|reason| AuthError::InvalidPhone { reason })
}

pub(super) fn code(input: &str) -> Result<String, AuthError> {
    normalize_sms_code(input).ok_or(AuthError::InvalidCode)
}

impl AuthArea {
    pub(super) async fn request_sms_code(&self, input: &str) -> Result<SmsCodeSent, AuthError> {
        let phone = phone(input)?;
        let device_id = self.install_id()?;
        let answer = self
            .with_challenge(|challenge| {
                let request = Endpoint::SmsSend.request().json(&SendRequest {
                    phone: &phone,
                    device_id: &device_id,
                    challenge,
                });
                async move { Ok(self.platform.net.send(&request, None).await?) }
            })
            .await?;
        Ok(answer.json()?)
    }

    pub(super) async fn verify_sms_code(
        &self,
        phone_input: &str,
        code_input: &str,
    ) -> Result<UserProfile, AuthError> {
        let phone = phone(phone_input)?;
        let code = code(code_input)?;
        let device_id = self.install_id()?;
        let request = Endpoint::SmsVerify.request().json(&VerifyRequest {
            phone: &phone,
            code: &code,
            device_id: &device_id,
        });
        self.log_in(request).await
    }
}
