//! TLS with rustls and one crypto provider (ring), chosen here once: client configs
//! (compiled-in webpki roots by default, never the system bundle; `--ca`, client
//! certificates, `--insecure`), the PEM reading server configs share (kaserve builds
//! those), and failures named the way a person debugging them wants.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::cause::{Cause, CauseKind};
use crate::error::{Error, Result};

/// The crypto provider every config in the suite uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A byte stream a session runs over: plain TCP or TLS on TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// How a client verifies and presents itself. Paths are read when the config is built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientTls {
    /// PEM file of certificate authorities to trust instead of the webpki roots.
    pub ca: Option<PathBuf>,
    /// PEM certificate chain and private key for mutual TLS.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Name to send in SNI and to verify the certificate against, instead of the host.
    pub sni: Option<String>,
    /// Skip certificate verification entirely.
    pub insecure: bool,
}

impl ClientTls {
    /// Builds a client config offering `alpn` (for example `http/1.1` or `h2`).
    pub fn config(&self, alpn: &[&[u8]]) -> Result<Arc<ClientConfig>> {
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_setup(format!("protocol versions: {e}")))?;
        let builder = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
        } else {
            builder.with_root_certificates(self.roots()?)
        };
        let mut config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(read_certs(cert)?, read_key(key)?)
                .map_err(|e| tls_setup(format!("client certificate {}: {e}", cert.display())))?,
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(tls_setup("--cert and --key go together".into())),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore> {
        let mut roots = RootCertStore::empty();
        match &self.ca {
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Some(path) => {
                for cert in read_certs(path)? {
                    roots.add(cert).map_err(|e| {
                        tls_setup(format!("CA certificate in {}: {e}", path.display()))
                    })?;
                }
            }
        }
        Ok(roots)
    }

    /// The name the server's certificate must carry: `--sni`, else the target host.
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>> {
        let name = self.sni.as_deref().unwrap_or(host);
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(ServerName::IpAddress(ip.into()));
        }
        ServerName::try_from(name.to_string())
            .map_err(|_| tls_setup(format!("'{name}' is not a valid TLS server name")))
    }
}

/// Runs the TLS handshake over `tcp`.
pub async fn connect<S>(
    tcp: S,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
) -> std::result::Result<tokio_rustls::client::TlsStream<S>, Cause>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| handshake_cause(&e))
}

/// Which end of the handshake we are, for naming who rejected whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Names a failed handshake: unknown CA, expired, name mismatch, an alert from the
/// peer, or the connection dropping mid-handshake.
pub fn handshake_cause(err: &std::io::Error) -> Cause {
    side_cause(err, Side::Client)
}

/// As [`handshake_cause`], from the server's side.
pub fn server_handshake_cause(err: &std::io::Error) -> Cause {
    side_cause(err, Side::Server)
}

fn side_cause(err: &std::io::Error, side: Side) -> Cause {
    match io_cause(err, side) {
        Some(cause) => cause,
        None => {
            let mut cause = Cause::from_io(err);
            cause.detail = format!("during the TLS handshake: {}", cause.detail);
            cause
        }
    }
}

/// The TLS failure inside an I/O error, if there is one. With TLS 1.3 a server
/// that rejects the client's certificate says so after the handshake, on the
/// first read, so callers past the handshake use this too.
pub fn io_cause(err: &std::io::Error, side: Side) -> Option<Cause> {
    let tls = err.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(Cause::new(CauseKind::Tls, describe(tls, side)))
}

fn describe(err: &rustls::Error, side: Side) -> String {
    use rustls::AlertDescription as A;
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                "unknown CA: the server's certificate is not signed by a trusted authority (use --ca)"
                    .into()
            }
            CertificateError::Expired => "certificate expired".into(),
            CertificateError::ExpiredContext { time, not_after } => format!(
                "certificate expired: valid until {}, now {}",
                unix(*not_after),
                unix(*time)
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate not valid yet".into()
            }
            CertificateError::NotValidForName => {
                "name mismatch: the certificate is not valid for this name (use --sni)".into()
            }
            CertificateError::NotValidForNameContext { expected, presented } => format!(
                "name mismatch: certificate is for {}, not {} (use --sni)",
                if presented.is_empty() {
                    "no names".to_string()
                } else {
                    presented.iter().map(|p| plain_name(p)).collect::<Vec<_>>().join(", ")
                },
                expected.to_str()
            ),
            CertificateError::BadSignature => "bad certificate signature".into(),
            CertificateError::Revoked => "certificate revoked".into(),
            other => format!("invalid certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(A::CertificateRequired) => {
            "the server requires a client certificate (use --cert and --key)".into()
        }
        rustls::Error::AlertReceived(A::UnknownCA | A::BadCertificate) => match side {
            Side::Client => "the server rejected our client certificate".into(),
            Side::Server => "the client rejected our certificate".into(),
        },
        rustls::Error::AlertReceived(alert) => match side {
            Side::Client => format!("the server sent alert {alert:?}"),
            Side::Server => format!("the client sent alert {alert:?}"),
        },
        rustls::Error::NoCertificatesPresented => "the client sent no certificate".into(),
        rustls::Error::NoApplicationProtocol => {
            "no common application protocol (ALPN)".into()
        }
        other => other.to_string(),
    }
}

/// rustls lists a certificate's names in their `Debug` form
/// (`DnsName("a.example")`, `IpAddress(V4(Ipv4Addr([127, 0, 0, 1])))`); people
/// want `a.example` and `127.0.0.1`.
fn plain_name(presented: &str) -> String {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        return dns.to_string();
    }
    if presented.starts_with("IpAddress(V4") {
        let digits: Vec<&str> = presented
            .split(|c: char| !c.is_ascii_digit())
            .filter(|d| !d.is_empty())
            .collect();
        // The "4"s of "V4" and "Ipv4Addr" come first; the octets are the last four.
        if let [.., a, b, c, d] = digits.as_slice() {
            return format!("{a}.{b}.{c}.{d}");
        }
    }
    presented.to_string()
}

fn unix(t: UnixTime) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.as_secs());
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The certificates in a PEM file; none is an error naming the file.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| {
            tls_setup(format!(
                "cannot read certificates from {}: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(tls_setup(format!(
            "no PEM certificates in {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// The private key in a PEM file.
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        tls_setup(format!(
            "cannot read a private key from {}: {e}",
            path.display()
        ))
    })
}

/// A TLS setup error (exit status 2).
pub fn tls_setup(msg: String) -> Error {
    Error::Tls(msg)
}

/// `--insecure`: accepts any certificate, still checking handshake signatures.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roots_are_compiled_in() {
        let config = ClientTls::default().config(&[b"http/1.1"]).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn setup_errors_name_the_file() {
        let missing = ClientTls {
            ca: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        };
        let err = missing.config(&[]).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
        let half = ClientTls {
            cert: Some("c.pem".into()),
            ..Default::default()
        };
        assert!(
            half.config(&[])
                .unwrap_err()
                .to_string()
                .contains("go together")
        );
    }

    #[test]
    fn server_names() {
        let tls = ClientTls::default();
        assert!(matches!(
            tls.server_name("127.0.0.1").unwrap(),
            ServerName::IpAddress(_)
        ));
        assert!(matches!(
            tls.server_name("example.com").unwrap(),
            ServerName::DnsName(_)
        ));
        let sni = ClientTls {
            sni: Some("api.internal".into()),
            ..Default::default()
        };
        assert_eq!(
            sni.server_name("10.0.0.1").unwrap().to_str(),
            "api.internal"
        );
    }

    #[test]
    fn presented_names_read_plainly() {
        assert_eq!(plain_name(r#"DnsName("other.example")"#), "other.example");
        assert_eq!(
            plain_name("IpAddress(V4(Ipv4Addr([127, 0, 0, 1])))"),
            "127.0.0.1"
        );
        assert_eq!(plain_name("Other"), "Other");
    }
}
