//! Step-up re-authentication: a fresh SMS code to the signed-in account's own phone, after
//! which the server allows sensitive actions for a few minutes.

use serde::Serialize;

use super::challenge::Solution;
use super::sms::{code, phone};
use super::{AuthArea, AuthError, SmsCodeSent};
use crate::net::Endpoint;

#[derive(Serialize)]
struct Send<'a> {
    phone: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge: Option<Solution>,
}

#[derive(Serialize)]
struct Verify<'a> {
    phone: &'a str,
    code: &'a str,
}

impl AuthArea {
    pub(super) async fn request_reauth_code(&self, input: &str) -> Result<SmsCodeSent, AuthError> {
        let phone = phone(input)?;
        let answer = self
            .with_challenge(|challenge| {
                let request = Endpoint::ReauthSend.request().json(&Send {
                    phone: &phone,
                    challenge,
                });
                async move { self.account.send(&request).await }
            })
            .await?;
        Ok(answer.json()?)
    }

    pub(super) async fn reauthenticate(
        &self,
        phone_input: &str,
        code_input: &str,
    ) -> Result<(), AuthError> {
        let phone = phone(phone_input)?;
        let code = code(code_input)?;
        let request = Endpoint::ReauthVerify.request().json(&Verify {
            phone: &phone,
            code: &code,
        });
        self.account.send(&request).await?;
        Ok(())
    }
}
