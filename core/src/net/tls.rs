//! TLS for every connection: rustls with the Mozilla root set (the same on every platform, no
//! JNI initialisation on Android) plus any anchors a QA build adds, and optional SPKI pinning
//! on top of normal validation, for the API's server only.

use std::sync::Arc;

use base64::Engine;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::config::ClientError;

/// The roots every connection trusts: Mozilla's, and the extra anchors (PEM) given.
pub(crate) fn roots(extra_anchors: &[String]) -> Result<RootCertStore, ClientError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_anchors {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| invalid(format!("extra trust anchor: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| invalid(format!("extra trust anchor: {e}")))?;
            found += 1;
        }
        if found == 0 {
            return Err(invalid(
                "extra trust anchor: no certificate in the PEM".into(),
            ));
        }
    }
    Ok(roots)
}

/// TLS for connections to `roots`-trusted servers, pinned to `spki_pins` when any are given.
pub(crate) fn client_config(
    roots: RootCertStore,
    spki_pins: &[String],
) -> Result<rustls::ClientConfig, ClientError> {
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
    let roots = Arc::new(roots);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
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
        roots,
        provider,
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

/// Normal validation first; then a validated path from the leaf to a trusted root must carry a
/// pinned public key: the leaf's, an intermediate's on that path, or the root's (pinning a
/// key, not a certificate, survives renewals). A certificate the server merely appends to
/// its chain, off the path that validates, counts for nothing.
#[derive(Debug)]
struct PinnedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    pins: Vec<[u8; 32]>,
}

impl PinnedVerifier {
    fn pinned(&self, spki: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(spki).into();
        self.pins.contains(&digest)
    }

    /// Whether some path the chain validates along carries a pinned key.
    fn pinned_path(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        let leaf = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|e| rustls::Error::General(format!("certificate: {e}")))?;
        let carries_pin = |path: &webpki::VerifiedPath<'_>| {
            let mut on_path = std::iter::once(path.end_entity().subject_public_key_info())
                .chain(
                    path.intermediate_certificates()
                        .map(|cert| cert.subject_public_key_info()),
                )
                .chain(std::iter::once(webpki::spki_for_anchor(path.anchor())));
            if on_path.any(|spki| self.pinned(spki.as_ref())) {
                Ok(())
            } else {
                // Path building goes on with the next candidate path, if any.
                Err(webpki::Error::UnknownIssuer)
            }
        };
        leaf.verify_for_usage(
            self.provider.signature_verification_algorithms.all,
            &self.roots.roots,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            Some(&carries_pin),
        )
        .map(drop)
        .map_err(|_| {
            rustls::Error::General(
                "no certificate on the validated path matches a pinned key".into(),
            )
        })
    }
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
        self.pinned_path(end_entity, intermediates, now)?;
        Ok(verified)
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
pub(crate) mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, PublicKeyData};

    pub(crate) const HOST: &str = "api.medcircle.test";

    /// A certificate made here, with its key and its SPKI pin.
    pub(crate) struct Made {
        pub(crate) der: CertificateDer<'static>,
        pub(crate) key: KeyPair,
        pub(crate) pin: String,
        params: CertificateParams,
    }

    impl Made {
        fn issuer(&self) -> Issuer<'_, &KeyPair> {
            Issuer::new(self.params.clone(), &self.key)
        }

        fn from(params: CertificateParams, key: KeyPair, der: CertificateDer<'static>) -> Made {
            let pin = base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(key.subject_public_key_info()));
            Made {
                der,
                key,
                pin,
                params,
            }
        }

        pub(crate) fn root() -> Made {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let der = params.self_signed(&key).unwrap().der().clone();
            Made::from(params, key, der)
        }

        pub(crate) fn intermediate(&self) -> Made {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let der = params
                .signed_by(&key, &self.issuer())
                .unwrap()
                .der()
                .clone();
            Made::from(params, key, der)
        }

        pub(crate) fn leaf(&self, names: &[&str]) -> Made {
            let key = KeyPair::generate().unwrap();
            let params =
                CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                    .unwrap();
            let der = params
                .signed_by(&key, &self.issuer())
                .unwrap()
                .der()
                .clone();
            Made::from(params, key, der)
        }
    }

    /// The real server's chain (root → intermediate → leaf) and a rogue CA, also trusted,
    /// with a leaf of its own for the same host.
    struct World {
        root: Made,
        intermediate: Made,
        leaf: Made,
        rogue_root: Made,
        rogue_leaf: Made,
    }

    fn world() -> World {
        let root = Made::root();
        let intermediate = root.intermediate();
        let leaf = intermediate.leaf(&[HOST]);
        let rogue_root = Made::root();
        let rogue_leaf = rogue_root.leaf(&[HOST]);
        World {
            root,
            intermediate,
            leaf,
            rogue_root,
            rogue_leaf,
        }
    }

    fn verify(
        world: &World,
        pins: &[&str],
        leaf: &Made,
        chain: &[&Made],
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut roots = RootCertStore::empty();
        roots.add(world.root.der.clone()).unwrap();
        roots.add(world.rogue_root.der.clone()).unwrap();
        let pins: Vec<String> = pins.iter().map(|p| p.to_string()).collect();
        let verifier = verifier(roots, &pins, Arc::new(ring::default_provider())).unwrap();
        let intermediates: Vec<_> = chain.iter().map(|c| c.der.clone()).collect();
        verifier.verify_server_cert(
            &leaf.der,
            &intermediates,
            &ServerName::try_from(HOST).unwrap(),
            &[],
            UnixTime::now(),
        )
    }

    #[test]
    fn the_real_chain_passes_pinned_at_any_key_on_its_path_or_a_backup() {
        let w = world();
        let path = [&w.intermediate];
        assert!(verify(&w, &[], &w.leaf, &path).is_ok());
        for pin in [&w.leaf.pin, &w.intermediate.pin, &w.root.pin] {
            assert!(verify(&w, &[pin], &w.leaf, &path).is_ok(), "{pin}");
        }
        let backup_first = [w.rogue_leaf.pin.as_str(), w.leaf.pin.as_str()];
        assert!(verify(&w, &backup_first, &w.leaf, &path).is_ok());
    }

    #[test]
    fn a_rogue_leaf_is_refused_even_with_the_real_certificates_appended() {
        let w = world();
        let pins = [w.leaf.pin.as_str(), w.root.pin.as_str()];
        assert!(
            verify(&w, &[], &w.rogue_leaf, &[]).is_ok(),
            "without pins the rogue CA is trusted, as any system CA is"
        );
        for appended in [
            vec![],
            vec![&w.leaf],
            vec![&w.leaf, &w.intermediate],
            vec![&w.intermediate],
        ] {
            let err = verify(&w, &pins, &w.rogue_leaf, &appended).unwrap_err();
            assert!(err.to_string().contains("pinned"), "{err}");
        }
    }

    #[test]
    fn a_chain_without_a_pinned_key_is_refused() {
        let w = world();
        let other = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let err = verify(&w, &[&other], &w.leaf, &[&w.intermediate]).unwrap_err();
        assert!(err.to_string().contains("pinned"), "{err}");
    }

    #[test]
    fn malformed_pins_and_anchors_are_a_config_error() {
        for pin in ["not base64!", "AAAA"] {
            assert!(matches!(
                client_config(RootCertStore::empty(), &[pin.to_string()]),
                Err(ClientError::InvalidConfig { .. })
            ));
        }
        for pem in [
            "",
            "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        ] {
            assert!(matches!(
                roots(&[pem.to_string()]),
                Err(ClientError::InvalidConfig { .. })
            ));
        }
        let anchor = Made::root();
        let text = pem_of(&anchor.der);
        assert_eq!(
            roots(&[text]).unwrap().len(),
            webpki_roots::TLS_SERVER_ROOTS.len() + 1
        );
    }

    pub(crate) fn pem_of(der: &CertificateDer<'_>) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}
