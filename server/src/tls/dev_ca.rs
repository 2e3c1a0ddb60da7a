//! The development CA: made on first start and kept beside the database (`<db>.tls/`), so a
//! device that installed it keeps trusting the server across restarts; it issues a fresh leaf
//! for the names asked for at every start, so changing `--tls-name` needs nothing else.

use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::{Loaded, TlsInfo, pin};
use crate::files;

/// The names a leaf covers when none are given.
const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
const CA_NAME: &str = "MedCircle development CA";
const DAY: Duration = Duration::from_secs(86_400);
/// Ten years: installed once on a test device.
const CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 86_400);
/// Under the 398 days platforms accept for a server certificate.
const LEAF_LIFETIME: Duration = Duration::from_secs(365 * 86_400);

/// Where the CA of the database at `db_path` lives.
pub fn dir_for(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".tls");
    name.into()
}

/// A leaf for `names` (host names or IP addresses), signed by the CA in `dir` (made first if
/// missing), with the CA certificate after it in the chain.
pub fn issue(dir: &Path, names: &[String]) -> io::Result<Loaded> {
    let names: Vec<String> = if names.is_empty() {
        DEFAULT_NAMES.map(String::from).to_vec()
    } else {
        names.to_vec()
    };
    let ca_key = ca_key(dir)?;
    let ca_cert_pem = dir.join("ca.pem");
    let ca_der = dir.join("ca.der");
    if !ca_cert_pem.exists() || !ca_der.exists() {
        let cert = ca_params().self_signed(&ca_key).map_err(failed)?;
        files::replace(&ca_cert_pem, cert.pem().as_bytes(), files::PUBLIC)?;
        files::replace(&ca_der, cert.der(), files::PUBLIC)?;
        tracing::warn!(dir = %dir.display(), "made a development CA: install ca.pem or ca.der on test devices");
    }
    let ca = CertificateDer::from(fs::read(&ca_der)?);
    // The issuer is the CA's name and key: the same parameters the CA was made from.
    let issuer = Issuer::new(ca_params(), &ca_key);
    let leaf_key = KeyPair::generate().map_err(failed)?;
    let leaf = leaf_params(&names)?
        .signed_by(&leaf_key, &issuer)
        .map_err(failed)?;
    tracing::info!(?names, "issued a development TLS certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((
        vec![leaf.der().clone(), ca],
        key,
        TlsInfo {
            ca_pem: Some(ca_cert_pem),
            ca_der: Some(ca_der),
            pin: pin(&ca_key.subject_public_key_info()),
        },
    ))
}

/// The CA's key, made (owner-only) the first time.
fn ca_key(dir: &Path) -> io::Result<KeyPair> {
    let path = dir.join("ca.key");
    match fs::read_to_string(&path) {
        Ok(pem) => KeyPair::from_pem(&pem).map_err(|error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {error}", path.display()),
            )
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir)?;
            let key = KeyPair::generate().map_err(failed)?;
            files::replace(&path, key.serialize_pem().as_bytes(), files::PRIVATE)?;
            // A certificate left from an earlier key would no longer match it.
            for stale in ["ca.pem", "ca.der"] {
                let _ = fs::remove_file(dir.join(stale));
            }
            Ok(key)
        }
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("{}: {error}", path.display()),
        )),
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(CA_NAME);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = SystemTime::now();
    params.not_before = (now - DAY).into();
    params.not_after = (now + CA_LIFETIME).into();
    params
}

fn leaf_params(names: &[String]) -> io::Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(&names[0]);
    params.subject_alt_names = names
        .iter()
        .map(|name| match name.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => is_host_name(name)
                .then(|| name.clone().try_into().ok())
                .flatten()
                .map(SanType::DnsName)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("--tls-name {name:?} is neither a host name nor an IP address"),
                    )
                }),
        })
        .collect::<io::Result<_>>()?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = SystemTime::now();
    params.not_before = (now - DAY).into();
    params.not_after = (now + LEAF_LIFETIME).into();
    Ok(params)
}

/// Dot-separated labels of letters, digits and inner hyphens (RFC 1123).
fn is_host_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "MedCircle QA");
    name.push(DnType::CommonName, common_name);
    name
}

fn failed(error: rcgen::Error) -> io::Error {
    io::Error::other(format!("development certificate: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_kept_and_each_start_issues_a_leaf_for_the_names_given() {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("server.db.tls");
        let (first_chain, _, first) = issue(&ca_dir, &[]).unwrap();
        let names = ["10.0.2.2".to_owned(), "qa.local".to_owned()];
        let (chain, _, again) = issue(&ca_dir, &names).unwrap();
        assert_eq!(again, first, "same CA, same files, same pin");
        assert_eq!(chain[1], first_chain[1], "the CA certificate is kept");
        assert_ne!(chain[0], first_chain[0], "a new leaf");
        let pem = fs::read_to_string(first.ca_pem.unwrap()).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert_eq!(fs::read(first.ca_der.unwrap()).unwrap(), chain[1].as_ref());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(ca_dir.join("ca.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let refused = issue(&ca_dir, &["not a name".to_owned()]).err().unwrap();
        assert!(refused.to_string().contains("not a name"), "{refused}");
    }
}
