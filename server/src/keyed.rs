//! Keyed hashes under the per-server secret: what the database stores in place of phone
//! numbers, device ids and SMS codes, so a copy of the file reveals none of them. The same
//! HMAC-SHA256 under the carrier key signs and verifies carrier one-tap tokens.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::phone::Phone;

type HmacSha256 = Hmac<Sha256>;

pub struct Keyed {
    secret: Vec<u8>,
}

impl Keyed {
    pub fn new(secret: Vec<u8>) -> Self {
        Keyed { secret }
    }

    /// Lookup key for a phone number.
    pub fn phone(&self, phone: &Phone) -> Vec<u8> {
        self.mac(&[b"phone:", phone.as_str().as_bytes()])
    }

    /// Lookup key for who sends a request: its IPv4 address, or the /64 of its IPv6 address
    /// (one subscriber's usual share), never the address in clear.
    pub fn requester(&self, ip: IpAddr) -> Vec<u8> {
        let network = match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let segments = v6.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        };
        self.mac(&[b"requester:", network.as_bytes()])
    }

    /// What the database keeps of a provider's id of an account (WeChat's openid or unionid)
    /// in `namespace`: a keyed hash, hex, so a copy of the file does not tell which account at
    /// the provider logs in where.
    pub fn provider_account(&self, namespace: &str, id: &str) -> String {
        hex::encode(self.mac(&[
            b"provider_account:",
            namespace.as_bytes(),
            b"\0",
            id.as_bytes(),
        ]))
    }

    /// Lookup key for a device id (used only for the per-device cooldown).
    pub fn device(&self, device_id: &str) -> Vec<u8> {
        self.mac(&[b"device:", device_id.as_bytes()])
    }

    /// The stored form of an SMS code: HMAC over phone + code.
    pub fn code(&self, phone: &Phone, code: &str) -> Vec<u8> {
        self.mac(&[phone.as_str().as_bytes(), code.as_bytes()])
    }

    /// Whether `code` is the one stored as `stored`, compared in constant time.
    pub fn code_matches(&self, phone: &Phone, code: &str, stored: &[u8]) -> bool {
        self.hmac(&[phone.as_str().as_bytes(), code.as_bytes()])
            .verify_slice(stored)
            .is_ok()
    }

    /// A signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.mac(&[message])
    }

    /// Whether `signature` is the one `sign` gives for `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.hmac(&[message]).verify_slice(signature).is_ok()
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.hmac(parts).finalize().into_bytes().to_vec()
    }

    fn hmac(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        for part in parts {
            mac.update(part);
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> Phone {
        Phone::parse("13800138000").unwrap()
    }

    #[test]
    fn code_matches_only_the_stored_code() {
        let keyed = Keyed::new(vec![7; 32]);
        let stored = keyed.code(&phone(), "123456");
        assert!(keyed.code_matches(&phone(), "123456", &stored));
        assert!(!keyed.code_matches(&phone(), "123457", &stored));
        assert!(!keyed.code_matches(&Phone::parse("13900139000").unwrap(), "123456", &stored));
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let keyed = Keyed::new(vec![7; 32]);
        let signature = keyed.sign(b"payload");
        assert_eq!(signature.len(), 32);
        assert!(keyed.verify(b"payload", &signature));
        assert!(!keyed.verify(b"payloae", &signature));
        assert!(!keyed.verify(b"payload", &signature[..31]));
        assert!(!Keyed::new(vec![8; 32]).verify(b"payload", &signature));
    }

    #[test]
    fn an_ipv6_requester_is_its_64_prefix_and_a_mapped_ipv4_its_address() {
        let keyed = Keyed::new(vec![1; 32]);
        let ip = |raw: &str| keyed.requester(raw.parse().unwrap());
        assert_eq!(ip("2001:db8:1:2::1"), ip("2001:db8:1:2:ffff::9"));
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
        assert_eq!(ip("::ffff:127.0.0.2"), ip("127.0.0.2"));
        assert_ne!(ip("127.0.0.1"), ip("127.0.0.2"));
    }

    #[test]
    fn keys_depend_on_the_secret() {
        let a = Keyed::new(vec![1; 32]);
        let b = Keyed::new(vec![2; 32]);
        assert_ne!(a.phone(&phone()), b.phone(&phone()));
        assert_ne!(a.device("dev-1"), a.phone(&phone()));
    }
}
