//! HTTPS for QA: emulators, simulators and phones on the bench reach the reference server at
//! an address that is not loopback, where the client allows TLS only. Either a development CA
//! kept beside the database issues a leaf for the names asked for (`dev_ca`), or the team's own
//! certificate and key files are served. Connections are then accepted by `listener`.

mod dev_ca;
mod listener;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

pub use listener::TlsListener;

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// A leaf for these host names and IP addresses (none: `localhost`, `127.0.0.1` and
    /// `::1`), issued at each start by the development CA kept beside the database (made on
    /// first start).
    DevCa { names: Vec<String> },
    /// A PEM certificate chain (leaf first) and its PEM private key.
    Files { cert: PathBuf, key: PathBuf },
}

/// What clients need to trust and pin the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// The development CA certificate, PEM and DER (for installing on a device); none when
    /// the certificate came from files.
    pub ca_pem: Option<PathBuf>,
    pub ca_der: Option<PathBuf>,
    /// The SPKI pin (base64 of the SHA-256 of the SubjectPublicKeyInfo, as `ClientConfig`'s
    /// `spki_pins` take it) of the development CA, or of the last certificate of the chain
    /// file (its top: a pin may name any key on the validated path).
    pub pin: String,
}

/// A server configuration ready to accept, and what to tell clients.
pub struct Tls {
    pub config: Arc<rustls::ServerConfig>,
    pub info: TlsInfo,
}

/// Loads (or, for the development CA, makes) the certificate for a server whose database is
/// `db_path`.
pub fn load(source: &TlsSource, db_path: &Path) -> io::Result<Tls> {
    let (chain, key, info) = match source {
        TlsSource::DevCa { names } => dev_ca::issue(&dev_ca::dir_for(db_path), names)?,
        TlsSource::Files { cert, key } => from_files(cert, key)?,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| io::Error::other(format!("tls certificate: {error}")))?;
    // axum serves HTTP/1.1; a client offering h2 too settles on it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        info,
    })
}

type Loaded = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    TlsInfo,
);

fn from_files(cert: &Path, key: &Path) -> io::Result<Loaded> {
    let context = |path: &Path, error: &dyn std::fmt::Display| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {error}", path.display()),
        )
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|error| context(cert, &error))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| context(cert, &error))?;
    let top = chain
        .last()
        .ok_or_else(|| context(cert, &"no certificate in the file"))?;
    let pin = pin_of_certificate(top).map_err(|error| context(cert, &error))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| context(key, &error))?;
    Ok((
        chain,
        key,
        TlsInfo {
            ca_pem: None,
            ca_der: None,
            pin,
        },
    ))
}

/// The SPKI pin of a DER certificate.
fn pin_of_certificate(cert: &CertificateDer<'_>) -> Result<String, webpki::Error> {
    let anchor = webpki::anchor_from_trusted_cert(cert)?;
    Ok(pin(webpki::spki_for_anchor(&anchor).as_ref()))
}

/// The SPKI pin of a DER SubjectPublicKeyInfo.
fn pin(spki: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_served_and_pinned_by_the_top_of_their_chain() {
        let dir = tempfile::tempdir().unwrap();
        let dev = load(
            &TlsSource::DevCa {
                names: vec!["qa.example".into()],
            },
            &dir.path().join("server.db"),
        )
        .unwrap();
        // The dev CA's own files, served as a team's files would be: the same pin.
        let ca_dir = dev_ca::dir_for(&dir.path().join("server.db"));
        let files = load(
            &TlsSource::Files {
                cert: dev.info.ca_pem.clone().unwrap(),
                key: ca_dir.join("ca.key"),
            },
            &dir.path().join("other.db"),
        )
        .unwrap();
        assert_eq!(files.info.pin, dev.info.pin);
        assert_eq!(files.info.ca_pem, None);

        let missing = load(
            &TlsSource::Files {
                cert: dir.path().join("none.pem"),
                key: ca_dir.join("ca.key"),
            },
            &dir.path().join("other.db"),
        );
        assert!(missing.err().unwrap().to_string().contains("none.pem"));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let error = load(
            &TlsSource::Files {
                cert: empty,
                key: ca_dir.join("ca.key"),
            },
            &dir.path().join("other.db"),
        )
        .err()
        .unwrap();
        assert!(error.to_string().contains("no certificate"), "{error}");
    }
}
