//! WeChat Pay (API v3) for apps: the parameters the app's SDK (`PayReq`) takes, signed by the
//! merchant (`appid\ntimestamp\nnoncestr\nprepayid\n`, SHA256-RSA2048), and the notification
//! WeChat Pay posts: `Wechatpay-Signature` over `timestamp\nnonce\nbody\n` with the platform
//! key, the resource sealed with AES-256-GCM under the merchant's APIv3 key.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::distr::{Alphanumeric, SampleString};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signing::{SigningKey, VerifyingKey};
use super::{GatewayPayment, PayMethod, Refusal};

/// How far a notification's timestamp may be from the server's clock (WeChat Pay's advice).
const NOTIFICATION_SKEW_S: i64 = 300;
/// WeChat Pay's API host, where a merchant without a base URL is asked.
pub const WECHAT_PAY_API: &str = "https://api.mch.weixin.qq.com";
/// The app payment's prepay order.
pub const PREPAY_PATH: &str = "/v3/pay/transactions/app";

/// The merchant at WeChat Pay: its app, its key, the platform's key, the APIv3 key.
#[derive(Clone)]
pub struct WechatPayMerchant {
    pub app_id: String,
    pub mch_id: String,
    /// The serial number of the merchant's API certificate, named in every request it signs.
    pub serial_no: String,
    /// Without a trailing slash, e.g. `https://api.mch.weixin.qq.com`.
    pub api_base: String,
    pub key: Arc<SigningKey>,
    pub platform_key: VerifyingKey,
    pub api_v3_key: [u8; 32],
}

/// Never a key.
impl fmt::Debug for WechatPayMerchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayMerchant")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .finish_non_exhaustive()
    }
}

const FORM: &str = "expected APP_ID,MCH_ID,SERIAL_NO,file:MERCHANT_PRIVATE_KEY_PEM,file:PLATFORM_PUBLIC_KEY_PEM,file:APIV3_KEY|env:VAR[,API_BASE]";

/// `APP_ID,MCH_ID,SERIAL_NO,file:PATH,file:PATH,file:PATH|env:VAR[,API_BASE]`, the form of
/// `--wechat-pay`: the keys come from files, the 32-character APIv3 key from a file or the
/// environment; API_BASE defaults to `https://api.mch.weixin.qq.com`.
impl FromStr for WechatPayMerchant {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let parts: Vec<&str> = raw.split(',').collect();
        let (fields, api_base) = match parts[..] {
            [.., base] if parts.len() == 7 => (&parts[..6], base),
            _ => (&parts[..], WECHAT_PAY_API),
        };
        let [app_id, mch_id, serial_no, key, platform_key, api_v3_key] = fields[..] else {
            return Err(FORM.into());
        };
        let api_base = api_base.trim_end_matches('/').to_owned();
        if !url::Url::parse(&api_base).is_ok_and(|url| crate::outbound::allowed(&url)) {
            return Err("API_BASE must be https (or http to a loopback host)".into());
        }
        let api_v3_key = match (
            api_v3_key.strip_prefix("file:"),
            api_v3_key.strip_prefix("env:"),
        ) {
            (Some(path), _) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
            (_, Some(var)) => std::env::var(var).map_err(|_| format!("{var} is not set"))?,
            _ => return Err(FORM.into()),
        };
        let api_v3_key: [u8; 32] = api_v3_key
            .trim_end()
            .as_bytes()
            .try_into()
            .map_err(|_| "the APIv3 key must be 32 characters".to_owned())?;
        Ok(WechatPayMerchant {
            app_id: app_id.to_owned(),
            mch_id: mch_id.to_owned(),
            serial_no: serial_no.to_owned(),
            api_base,
            key: Arc::new(
                SigningKey::from_pem_file(super::key_file(key, FORM)?)
                    .map_err(|e| e.to_string())?,
            ),
            platform_key: VerifyingKey::from_file(super::key_file(platform_key, FORM)?)
                .map_err(|e| e.to_string())?,
            api_v3_key,
        })
    }
}

/// What the app's SDK takes (`PayReq`), as WeChat Pay names them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = WechatPayParams)]
pub struct AppParams {
    pub appid: String,
    pub partnerid: String,
    pub prepayid: String,
    /// Always `Sign=WXPay`.
    pub package: String,
    pub noncestr: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// Base64 SHA256-RSA2048 by the merchant over `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub sign: String,
}

impl AppParams {
    pub fn signing_string(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n",
            self.appid, self.timestamp, self.noncestr, self.prepayid
        )
    }
}

/// The headers a notification comes with.
pub struct NotificationHeaders<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
}

/// What WeChat Pay signs in a notification (and in any answer).
pub fn notification_signing_string(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

#[derive(Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub resource_type: String,
    pub resource: Resource,
    pub summary: String,
}

#[derive(Serialize, Deserialize)]
pub struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    pub associated_data: String,
    pub original_type: String,
    pub nonce: String,
}

/// The decrypted resource: the transaction.
#[derive(Serialize, Deserialize)]
pub struct Transaction {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_type: String,
    pub trade_state: String,
    pub success_time: String,
    pub payer: Payer,
    pub amount: Amount,
}

#[derive(Serialize, Deserialize)]
pub struct Payer {
    pub openid: String,
}

#[derive(Serialize, Deserialize)]
pub struct Amount {
    /// Fen.
    pub total: u64,
    pub currency: String,
}

pub fn nonce() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

fn aead(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32 bytes is an AES-256 key"))
}

/// Seals `plaintext` as WeChat Pay does (the dev gateway's side).
pub fn seal(key: &[u8; 32], nonce: &str, associated_data: &str, plaintext: &[u8]) -> String {
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).expect("a 12-byte nonce");
    let mut sealed = plaintext.to_vec();
    aead(key)
        .seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut sealed)
        .expect("sealing fits");
    STANDARD.encode(sealed)
}

fn open(key: &[u8; 32], resource: &Resource) -> Option<Vec<u8>> {
    if resource.algorithm != "AEAD_AES_256_GCM" || resource.nonce.len() != NONCE_LEN {
        return None;
    }
    let nonce = Nonce::try_assume_unique_for_key(resource.nonce.as_bytes()).ok()?;
    let mut sealed = STANDARD.decode(&resource.ciphertext).ok()?;
    let plain = aead(key)
        .open_in_place(
            nonce,
            Aad::from(resource.associated_data.as_bytes()),
            &mut sealed,
        )
        .ok()?;
    Some(plain.to_vec())
}

/// An openid as an account name a person recognises nothing in: its ends only.
fn masked(openid: &str) -> String {
    let chars: Vec<char> = openid.chars().collect();
    if chars.len() <= 8 {
        return "****".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// What a prepay order is for.
pub struct PrepayOrder<'a> {
    pub number: &'a str,
    pub amount_fen: u64,
    pub description: &'a str,
    pub notify_url: &'a str,
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct Prepaid {
    prepay_id: String,
}

/// `WECHATPAY2-SHA256-RSA2048 …`: the merchant's signature over
/// `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`, as every request to WeChat Pay's API carries it.
pub fn authorization(
    merchant: &WechatPayMerchant,
    method: &str,
    path: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    let message = format!("{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n");
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
        merchant.mch_id,
        merchant.key.sign(message.as_bytes()),
        merchant.serial_no
    )
}

impl WechatPayMerchant {
    /// WeChat Pay's prepay order for the app (`POST /v3/pay/transactions/app`), signed by the
    /// merchant; its answer is taken only with the platform key's signature. The prepay id.
    pub async fn prepay(
        &self,
        http: &reqwest::Client,
        order: &PrepayOrder<'_>,
        now: i64,
    ) -> Result<String, String> {
        let body = serde_json::json!({
            "appid": self.app_id,
            "mchid": self.mch_id,
            "description": order.description,
            "out_trade_no": order.number,
            "time_expire": super::times::rfc3339(order.expires_at),
            "notify_url": order.notify_url,
            "amount": { "total": order.amount_fen, "currency": "CNY" },
        })
        .to_string();
        let nonce = nonce();
        let response = http
            .post(format!("{}{PREPAY_PATH}", self.api_base))
            .header(
                "Authorization",
                authorization(self, "POST", PREPAY_PATH, &body, now, &nonce),
            )
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("WeChat Pay cannot be reached: {e}"))?;
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (timestamp, answer_nonce, signature) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
        );
        let answer = response
            .bytes()
            .await
            .map_err(|e| format!("WeChat Pay's answer was cut: {e}"))?;
        if !status.is_success() {
            return Err(format!("WeChat Pay answered {status}"));
        }
        let signed = notification_signing_string(&timestamp, &answer_nonce, &answer);
        if !self.platform_key.verify(&signed, &signature) {
            return Err("WeChat Pay's answer is not signed by the platform key".into());
        }
        serde_json::from_slice::<Prepaid>(&answer)
            .map(|prepaid| prepaid.prepay_id)
            .map_err(|e| format!("WeChat Pay's answer has no prepay_id: {e}"))
    }

    /// The signed parameters for the app's SDK, for a prepay id WeChat Pay gave.
    pub fn app_params(&self, prepay_id: &str, now: i64) -> AppParams {
        let mut params = AppParams {
            appid: self.app_id.clone(),
            partnerid: self.mch_id.clone(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".into(),
            noncestr: nonce(),
            timestamp: now.to_string(),
            sign: String::new(),
        };
        params.sign = self.key.sign(params.signing_string().as_bytes());
        params
    }

    /// A notification verified (signature, freshness) and opened; the caller checks it
    /// against the order.
    pub fn verify_notification(
        &self,
        headers: &NotificationHeaders<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<GatewayPayment, Refusal> {
        let message = notification_signing_string(headers.timestamp, headers.nonce, body);
        if !self.platform_key.verify(&message, headers.signature) {
            return Err(Refusal::BadSignature);
        }
        let sent: i64 = headers.timestamp.parse().map_err(|_| Refusal::Malformed)?;
        if (now - sent).abs() > NOTIFICATION_SKEW_S {
            return Err(Refusal::Stale);
        }
        let notification: Notification =
            serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
        let plain = open(&self.api_v3_key, &notification.resource).ok_or(Refusal::Undecryptable)?;
        let transaction: Transaction =
            serde_json::from_slice(&plain).map_err(|_| Refusal::Malformed)?;
        Ok(GatewayPayment {
            method: PayMethod::WechatPay,
            app_id: transaction.appid,
            merchant_id: transaction.mchid,
            order_number: transaction.out_trade_no,
            trade_no: transaction.transaction_id,
            amount_fen: transaction.amount.total,
            currency: transaction.amount.currency,
            payer: Some(masked(&transaction.payer.openid)),
            succeeded: notification.event_type == "TRANSACTION.SUCCESS"
                && transaction.trade_state == "SUCCESS",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_resources_open_only_with_their_key_and_data() {
        let key = [7u8; 32];
        let sealed = seal(&key, "abcdefghijkl", "transaction", b"{}");
        let resource = |ciphertext: &str, ad: &str| Resource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: ciphertext.into(),
            associated_data: ad.into(),
            original_type: "transaction".into(),
            nonce: "abcdefghijkl".into(),
        };
        assert_eq!(
            open(&key, &resource(&sealed, "transaction")).unwrap(),
            b"{}"
        );
        assert!(open(&[8u8; 32], &resource(&sealed, "transaction")).is_none());
        assert!(open(&key, &resource(&sealed, "other")).is_none());
    }

    #[test]
    fn the_merchant_comes_from_files_and_its_key_signs_what_the_platform_key_of_a_pair_checks() {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let dir = tempfile::tempdir().unwrap();
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let private = dir.path().join("apiclient_key.pem");
        let public = dir.path().join("pub_key.pem");
        let api_v3 = dir.path().join("apiv3.key");
        std::fs::write(
            &private,
            key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        std::fs::write(&public, public_pem).unwrap();
        std::fs::write(&api_v3, "0123456789abcdef0123456789abcdef\n").unwrap();
        let file = |path: &std::path::Path| format!("file:{}", path.display());
        let raw = format!(
            "wx0123,1900000109,5157F09EFDC096DE15EBE81A47057A72,{},{},{}",
            file(&private),
            file(&public),
            file(&api_v3)
        );
        let merchant: WechatPayMerchant = raw.parse().unwrap();
        assert_eq!(merchant.api_v3_key, *b"0123456789abcdef0123456789abcdef");
        assert_eq!(merchant.api_base, WECHAT_PAY_API);
        let elsewhere: WechatPayMerchant = format!("{raw},http://127.0.0.1:9/").parse().unwrap();
        assert_eq!(elsewhere.api_base, "http://127.0.0.1:9");
        assert!(
            format!("{raw},http://pay.example")
                .parse::<WechatPayMerchant>()
                .is_err()
        );
        assert!(!format!("{merchant:?}").contains("0123456789abcdef"));
        // The same pair on both sides: what the merchant signs, the "platform" key checks.
        let params = merchant.app_params("wx2026", 1_796_445_000);
        assert!(
            merchant
                .platform_key
                .verify(params.signing_string().as_bytes(), &params.sign)
        );
        let short = raw.replace(&file(&api_v3), "env:MEDCIRCLE_TEST_UNSET_APIV3_KEY");
        assert!(short.parse::<WechatPayMerchant>().is_err());
        assert!("wx0123,1900000109".parse::<WechatPayMerchant>().is_err());
    }

    #[test]
    fn openids_are_masked() {
        assert_eq!(masked("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), "oUpF****eS6o");
        assert_eq!(masked("short"), "****");
    }
}
