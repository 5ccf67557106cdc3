//! Verifying the server's certificate: webpki against the trusted roots, except that
//! a certificate given in `--ca` byte for byte is trusted as itself, as OpenSSL and
//! curl trust it (OpenSSL 3 marks every `openssl req -x509` certificate CA:TRUE, and
//! webpki refuses a CA certificate as a server's own), still checked for its name and
//! validity period. A refusal says what the certificate is, so its words can say
//! which flag fixes it. `--insecure` checks only handshake signatures.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// The handshake-signature half of a verifier: every verifier here checks
/// signatures with the crypto provider's algorithms (`self.$by`, its [`Signatures`]),
/// as webpki's verifier built on the same provider does.
macro_rules! signatures_by {
    ($by:tt) => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, self.$by.algs())
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, self.$by.algs())
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.$by.algs().supported_schemes()
        }
    };
}

/// webpki, with `pinned` certificates trusted as themselves.
#[derive(Debug)]
pub(crate) struct Verifier {
    pub(crate) webpki: Arc<WebPkiServerVerifier>,
    pub(crate) pinned: Vec<CertificateDer<'static>>,
    /// Whether `--ca FILE` was given (a refusal then says the file lacks it).
    pub(crate) ca_files: bool,
    /// Whether `--ca system` was given (a refusal then does not suggest it).
    pub(crate) system: bool,
    pub(crate) signatures: Signatures,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            return pinned(end_entity, server_name, now);
        }
        self.webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|err| self.explain(err, end_entity))
    }

    signatures_by!(signatures);
}

impl Verifier {
    /// webpki's refusal, told in terms of what the certificate is.
    fn explain(&self, err: rustls::Error, cert: &CertificateDer<'_>) -> rustls::Error {
        let Some(facts) = Facts::of(cert) else {
            return err;
        };
        let refusal = match &err {
            rustls::Error::InvalidCertificate(CertificateError::Other(other))
                if matches!(
                    other.0.downcast_ref::<webpki::Error>(),
                    Some(webpki::Error::CaUsedAsEndEntity)
                ) && facts.self_signed =>
            {
                Refusal::SelfSignedCa {
                    ca_files: self.ca_files,
                }
            }
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                if facts.self_signed {
                    Refusal::SelfSigned {
                        ca_files: self.ca_files,
                    }
                } else {
                    Refusal::UnknownIssuer {
                        issuer: facts.issuer,
                        system: self.system,
                    }
                }
            }
            _ => return err,
        };
        refused(refusal)
    }
}

/// A certificate refused for what it is, in words (see [`super::words`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Self-signed and CA:TRUE (what `openssl req -x509` makes), not in --ca.
    SelfSignedCa { ca_files: bool },
    /// Self-signed, CA:FALSE, not trusted.
    SelfSigned { ca_files: bool },
    /// Signed by a CA we do not trust; `issuer` is its name, as the peer wrote it.
    UnknownIssuer { issuer: String, system: bool },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pass = |ca_files: bool| {
            if ca_files {
                "it is not in the --ca file: pass this certificate with --ca FILE"
            } else {
                "pass it with --ca FILE"
            }
        };
        match self {
            Refusal::SelfSignedCa { ca_files } => write!(
                f,
                "the server's certificate is a self-signed CA certificate (CA:TRUE) that is \
                 not trusted: {}",
                pass(*ca_files)
            ),
            Refusal::SelfSigned { ca_files } => write!(
                f,
                "the server's certificate is self-signed and not trusted: {}",
                pass(*ca_files)
            ),
            Refusal::UnknownIssuer { issuer, system } => write!(
                f,
                "unknown CA: the server's certificate is issued by {issuer}, which is not \
                 trusted (pass that CA with --ca FILE{})",
                if *system {
                    ""
                } else {
                    ", or --ca system for the OS store"
                }
            ),
        }
    }
}

impl std::error::Error for Refusal {}

fn refused(refusal: Refusal) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(refusal))))
}

/// A pinned certificate: trusted as itself, if it names `server_name` and `now` is
/// inside its validity period.
fn pinned(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let end_entity = webpki::EndEntityCert::try_from(cert).map_err(pki_error)?;
    end_entity
        .verify_is_valid_for_subject_name(server_name)
        .map_err(pki_error)?;
    let facts = Facts::of(cert).ok_or(CertificateError::BadEncoding)?;
    if now.as_secs() < facts.not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: at(facts.not_before),
        }
        .into());
    }
    if now.as_secs() > facts.not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: at(facts.not_after),
        }
        .into());
    }
    Ok(ServerCertVerified::assertion())
}

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn pki_error(err: webpki::Error) -> rustls::Error {
    match err {
        webpki::Error::CertNotValidForName(context) => CertificateError::NotValidForNameContext {
            expected: context.expected,
            presented: context.presented,
        }
        .into(),
        other => CertificateError::Other(OtherError(Arc::new(other))).into(),
    }
}

/// What a refusal's words need to know of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Facts {
    pub self_signed: bool,
    /// The issuer's distinguished name (`CN=...`), cut to 120 characters.
    pub issuer: String,
    /// The validity period, in seconds since 1970 (earlier dates as 0).
    pub not_before: u64,
    pub not_after: u64,
}

impl Facts {
    pub(crate) fn of(cert: &CertificateDer<'_>) -> Option<Facts> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
        let validity = parsed.validity();
        let secs = |t: i64| u64::try_from(t).unwrap_or(0);
        Some(Facts {
            self_signed: parsed.issuer().as_raw() == parsed.subject().as_raw(),
            issuer: parsed.issuer().to_string().chars().take(120).collect(),
            not_before: secs(validity.not_before.timestamp()),
            not_after: secs(validity.not_after.timestamp()),
        })
    }
}

/// `--insecure`: accepts any certificate, still checking handshake signatures.
#[derive(Debug)]
pub(crate) struct NoVerification(pub(crate) Signatures);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    signatures_by!(0);
}

/// The provider's own signature checks, as a verifier's are called.
#[derive(Debug)]
pub(crate) struct Signatures(pub(crate) Arc<CryptoProvider>);

impl Signatures {
    fn algs(&self) -> &WebPkiSupportedAlgorithms {
        &self.0.signature_verification_algorithms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, date_time_ymd};

    /// A self-signed certificate for `localhost`, CA:TRUE when `ca`, valid in 2025.
    fn self_signed(
        ca: bool,
        cn: &str,
    ) -> (CertificateDer<'static>, rcgen::Issuer<'static, KeyPair>) {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        if ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        params.not_before = date_time_ymd(2025, 1, 1);
        params.not_after = date_time_ymd(2026, 1, 1);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.der().clone(), rcgen::Issuer::new(params, key))
    }

    fn verifier(roots: &[&CertificateDer<'static>], pinned: bool) -> Verifier {
        let mut store = rustls::RootCertStore::empty();
        for cert in roots {
            store.add((*cert).clone()).unwrap();
        }
        let webpki =
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), super::super::provider())
                .build()
                .unwrap();
        Verifier {
            webpki,
            pinned: if pinned {
                roots.iter().map(|c| (*c).clone()).collect()
            } else {
                Vec::new()
            },
            ca_files: true,
            system: false,
            signatures: Signatures(super::super::provider()),
        }
    }

    fn june_2025() -> UnixTime {
        at(1_749_000_000)
    }

    fn check(
        v: &Verifier,
        cert: &CertificateDer<'_>,
        name: &str,
        now: UnixTime,
    ) -> Result<(), String> {
        let name = ServerName::try_from(name.to_string()).unwrap();
        v.verify_server_cert(cert, &[], &name, &[], now)
            .map(|_| ())
            .map_err(|e| super::super::words::describe(&e, super::super::Side::Client))
    }

    #[test]
    fn a_pinned_ca_certificate_is_trusted_for_its_name_and_dates_only() {
        let (cert, _) = self_signed(true, "openssl-style");
        let facts = Facts::of(&cert).unwrap();
        assert!(facts.self_signed);
        assert_eq!(facts.issuer, "CN=openssl-style");
        // webpki alone refuses it, and the words say what to do.
        let refused = check(&verifier(&[&cert], false), &cert, "localhost", june_2025());
        assert_eq!(
            refused.unwrap_err(),
            "the server's certificate is a self-signed CA certificate (CA:TRUE) that is not \
             trusted: it is not in the --ca file: pass this certificate with --ca FILE"
        );
        let pinned = verifier(&[&cert], true);
        assert_eq!(check(&pinned, &cert, "localhost", june_2025()), Ok(()));
        let other = check(&pinned, &cert, "other.example", june_2025()).unwrap_err();
        assert!(
            other.starts_with("name mismatch: the certificate is for localhost, not other.example"),
            "{other}"
        );
        let late = check(&pinned, &cert, "localhost", at(1_800_000_000)).unwrap_err();
        assert!(
            late.contains("expired: valid until 2026-01-01T00:00:00Z"),
            "{late}"
        );
        let early = check(&pinned, &cert, "localhost", at(1_700_000_000)).unwrap_err();
        assert!(
            early.contains("not valid yet: valid from 2025-01-01T00:00:00Z"),
            "{early}"
        );
    }

    #[test]
    fn refusals_name_what_the_certificate_is() {
        let (leaf, _) = self_signed(false, "plain");
        let (ca, issuer) = self_signed(true, "Corp Issuing CA");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.not_before = date_time_ymd(2025, 1, 1);
        params.not_after = date_time_ymd(2026, 1, 1);
        let key = KeyPair::generate().unwrap();
        let signed = params.signed_by(&key, &issuer).unwrap().der().clone();
        let (stranger, _) = self_signed(true, "stranger");
        let v = verifier(&[&stranger], true);
        assert_eq!(
            check(&v, &leaf, "localhost", june_2025()).unwrap_err(),
            "the server's certificate is self-signed and not trusted: it is not in the --ca \
             file: pass this certificate with --ca FILE"
        );
        assert_eq!(
            check(&v, &signed, "localhost", june_2025()).unwrap_err(),
            "unknown CA: the server's certificate is issued by CN=Corp Issuing CA, which is \
             not trusted (pass that CA with --ca FILE, or --ca system for the OS store)"
        );
        // Its CA as a root: ordinary webpki verification.
        assert_eq!(
            check(&verifier(&[&ca], true), &signed, "localhost", june_2025()),
            Ok(())
        );
    }
}
