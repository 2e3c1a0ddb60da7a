//! TLS for every connection: rustls with the Mozilla root set (the same on every platform, no
//! JNI initialisation on Android), and optional SPKI pinning on top of normal validation.

use std::sync::Arc;

use base64::Engine;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::config::ClientError;

pub(crate) fn client_config(spki_pins: &[String]) -> Result<rustls::ClientConfig, ClientError> {
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    build(roots, spki_pins)
}

fn build(roots: RootCertStore, spki_pins: &[String]) -> Result<rustls::ClientConfig, ClientError> {
    let provider = Arc::new(ring::default_provider());
    let verifier = verifier(roots, spki_pins, provider.clone())?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("tls: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn verifier(
    roots: RootCertStore,
    spki_pins: &[String],
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, ClientError> {
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| invalid(format!("tls roots: {e}")))?;
    if spki_pins.is_empty() {
        return Ok(webpki);
    }
    let pins = spki_pins
        .iter()
        .map(|pin| decode_pin(pin))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(PinnedVerifier {
        inner: webpki,
        pins,
    }))
}

fn decode_pin(pin: &str) -> Result<[u8; 32], ClientError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(pin.trim())
        .map_err(|_| invalid(format!("spki pin is not base64: {pin}")))?;
    bytes
        .try_into()
        .map_err(|_| invalid(format!("spki pin is not a SHA-256 digest: {pin}")))
}

fn invalid(reason: String) -> ClientError {
    ClientError::InvalidConfig { reason }
}

/// Normal chain validation first; then at least one certificate of the presented chain must
/// carry a pinned public key (pinning a key, not a certificate, survives renewals).
#[derive(Debug)]
struct PinnedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pins: Vec<[u8; 32]>,
}

fn spki_sha256(cert: &CertificateDer<'_>) -> Option<[u8; 32]> {
    let parsed = webpki::EndEntityCert::try_from(cert).ok()?;
    Some(Sha256::digest(parsed.subject_public_key_info().as_ref()).into())
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(spki_sha256)
            .any(|digest| self.pins.contains(&digest));
        if pinned {
            Ok(verified)
        } else {
            Err(rustls::Error::General(
                "no certificate in the chain matches a pinned key".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Chain {
        root: CertificateDer<'static>,
        leaf: CertificateDer<'static>,
        leaf_pin: String,
        root_pin: String,
    }

    fn chain() -> Chain {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, PublicKeyData};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, &ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["api.medcircle.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let pin =
            |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(der));
        Chain {
            leaf_pin: pin(&leaf_key.subject_public_key_info()),
            root_pin: pin(&ca_key.subject_public_key_info()),
            root: ca.der().clone(),
            leaf: leaf.der().clone(),
        }
    }

    fn verify(chain: &Chain, pins: &[String]) -> Result<ServerCertVerified, rustls::Error> {
        let mut roots = RootCertStore::empty();
        roots.add(chain.root.clone()).unwrap();
        let verifier = verifier(roots, pins, Arc::new(ring::default_provider())).unwrap();
        verifier.verify_server_cert(
            &chain.leaf,
            &[],
            &ServerName::try_from("api.medcircle.test").unwrap(),
            &[],
            UnixTime::now(),
        )
    }

    #[test]
    fn a_matching_leaf_or_backup_pin_passes() {
        let chain = chain();
        assert!(verify(&chain, &[]).is_ok());
        assert!(verify(&chain, std::slice::from_ref(&chain.leaf_pin)).is_ok());
        let backup_first = vec![chain.root_pin.clone(), chain.leaf_pin.clone()];
        assert!(verify(&chain, &backup_first).is_ok());
    }

    #[test]
    fn a_chain_without_a_pinned_key_is_refused() {
        let chain = chain();
        let other = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let err = verify(&chain, &[other]).unwrap_err();
        assert!(err.to_string().contains("pinned"), "{err}");
    }

    #[test]
    fn malformed_pins_are_a_config_error() {
        for pin in ["not base64!", "AAAA"] {
            assert!(matches!(
                client_config(&[pin.to_string()]),
                Err(ClientError::InvalidConfig { .. })
            ));
        }
    }
}
