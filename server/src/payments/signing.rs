//! RSA with SHA-256 (PKCS#1 v1.5), the signature both gateways use ("RSA2" at Alipay,
//! `SHA256-RSA2048` at WeChat Pay): keys read from PEM files or made for the dev gateways,
//! signing and verifying with ring.

use std::fmt;
use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};

/// A private key that signs (a merchant's, or a dev gateway's).
pub struct SigningKey(RsaKeyPair);

/// Never the key.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// A public key that verifies (a gateway's, or a merchant's at the dev gateway): PKCS#1 DER.
#[derive(Clone, Debug)]
pub struct VerifyingKey(Vec<u8>);

impl SigningKey {
    /// A fresh 2048-bit key: the dev gateways' and the dev merchant's, never kept.
    pub fn generate() -> SigningKey {
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .expect("2048-bit RSA key generation does not fail");
        let der = key.to_pkcs8_der().expect("a generated key encodes");
        SigningKey(RsaKeyPair::from_pkcs8(der.as_bytes()).expect("ring takes a 2048-bit key"))
    }

    /// A PKCS#8 PEM file (`-----BEGIN PRIVATE KEY-----`), as the gateways' tools make them.
    pub fn from_pem_file(path: &Path) -> io::Result<SigningKey> {
        let pem = std::fs::read_to_string(path)?;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
            io::Error::other(format!("{}: not a PKCS#8 RSA key: {e}", path.display()))
        })?;
        let der = key.to_pkcs8_der().map_err(io::Error::other)?;
        RsaKeyPair::from_pkcs8(der.as_bytes())
            .map(SigningKey)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))
    }

    /// Base64 of the signature of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("signing with a valid key does not fail");
        STANDARD.encode(signature)
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.public().as_ref().to_vec())
    }
}

impl VerifyingKey {
    /// A public key file: PEM (`-----BEGIN PUBLIC KEY-----`), or the bare base64 of its DER as
    /// Alipay's console shows the gateway's key.
    pub fn from_file(path: &Path) -> io::Result<VerifyingKey> {
        let text = std::fs::read_to_string(path)?;
        let text = text.trim();
        let refused = |why: String| {
            io::Error::other(format!("{}: not an RSA public key: {why}", path.display()))
        };
        let key = if text.starts_with("-----") {
            rsa::RsaPublicKey::from_public_key_pem(text).map_err(|e| refused(e.to_string()))?
        } else {
            // One line of base64, longer than a PEM line may be: decoded as it is.
            let der = STANDARD
                .decode(text.split_whitespace().collect::<String>())
                .map_err(|e| refused(e.to_string()))?;
            rsa::RsaPublicKey::from_public_key_der(&der).map_err(|e| refused(e.to_string()))?
        };
        let der = key.to_pkcs1_der().map_err(io::Error::other)?;
        Ok(VerifyingKey(der.as_bytes().to_vec()))
    }

    /// Base64 of the key's X.509 SubjectPublicKeyInfo DER, as Alipay's console shows keys (a
    /// PEM's body).
    pub fn spki_base64(&self) -> String {
        let key = rsa::RsaPublicKey::from_pkcs1_der(&self.0).expect("ring's public key is PKCS#1");
        STANDARD.encode(key.to_public_key_der().expect("encodes").as_bytes())
    }

    /// Whether `signature` (base64) is this key's over `message`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(message, &signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let key = SigningKey::generate();
        let other = SigningKey::generate();
        let signature = key.sign(b"a=1&b=2");
        assert!(key.verifying_key().verify(b"a=1&b=2", &signature));
        assert!(!key.verifying_key().verify(b"a=1&b=3", &signature));
        assert!(!other.verifying_key().verify(b"a=1&b=2", &signature));
        assert!(!key.verifying_key().verify(b"a=1&b=2", "not base64"));
    }
}
