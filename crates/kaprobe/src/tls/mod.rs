//! TLS with rustls and one crypto provider (ring), chosen here once: client configs
//! (what to trust in `trust`, how to verify in `verify`, `--insecure`, client
//! certificates, the key log), the PEM reading server configs share (kaserve builds
//! those), and failures named the way a person debugging them wants (`words`).

mod keylog;
mod outcome;
mod trust;
mod verify;
mod words;

pub use keylog::{check as keylog_check, path as keylog_path, shared as key_log};
pub use outcome::{describe, earliest_expiry};
pub use trust::CaSource;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
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
    /// What to trust: none for the compiled-in webpki roots; PEM files instead of
    /// them (their certificates also trusted as themselves); `system` adds the OS
    /// store to the roots.
    pub ca: Vec<CaSource>,
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
                .with_custom_certificate_verifier(Arc::new(verify::NoVerification(
                    verify::Signatures(provider),
                )))
        } else {
            let trust = trust::load(&self.ca)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(
                Arc::new(trust.roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| tls_setup(format!("certificate verifier: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verify::Verifier {
                    webpki,
                    pinned: trust.pinned,
                    ca_files: trust.ca_files,
                    system: trust.system,
                    signatures: verify::Signatures(provider),
                }))
        };
        let mut config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(read_certs(cert)?, read_key(key)?)
                .map_err(|e| {
                    tls_setup(format!(
                        "client certificate {}: {}",
                        cert.display(),
                        words::describe(&e, Side::Client)
                    ))
                })?,
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(tls_setup("--cert and --key go together".into())),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        if let Some(log) = keylog::shared() {
            config.key_log = log;
        }
        Ok(Arc::new(config))
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

impl Side {
    /// The other end, as a sentence names it: `the server` for a client.
    pub fn peer(self) -> &'static str {
        match self {
            Side::Client => "the server",
            Side::Server => "the client",
        }
    }
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
    let inner = err.get_ref()?;
    if err.kind() == std::io::ErrorKind::UnexpectedEof && inner.to_string().contains("close_notify")
    {
        let peer = side.peer();
        return Some(Cause::new(
            CauseKind::Eof,
            format!("{peer} closed the connection without a TLS close_notify"),
        ));
    }
    let tls = inner.downcast_ref::<rustls::Error>()?;
    Some(Cause::new(CauseKind::Tls, words::describe(tls, side)))
}

/// The largest PEM file read (`--ca`, `--cert`, `--key`): a trust bundle of
/// thousands of certificates fits many times over.
pub const MAX_PEM: u64 = 16 << 20;

/// A PEM file's bytes: a regular file of at most [`MAX_PEM`] (`/dev/zero` would
/// be read for good, a FIFO would wait for a writer).
fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>> {
    let refuse =
        |why: String| tls_setup(format!("cannot read {what} from {}: {why}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse("not a regular file".into()));
    }
    if meta.len() > MAX_PEM {
        return Err(refuse(format!("larger than {} MiB", MAX_PEM >> 20)));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|e| refuse(e.to_string()))?,
            MAX_PEM + 1,
        ),
        &mut bytes,
    )
    .map_err(|e| refuse(e.to_string()))?;
    if bytes.len() as u64 > MAX_PEM {
        return Err(refuse(format!("larger than {} MiB", MAX_PEM >> 20)));
    }
    Ok(bytes)
}

/// The certificates in a PEM file; none is an error naming the file.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read_pem(path, "certificates")?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            tls_setup(format!(
                "cannot read certificates from {}: {}",
                path.display(),
                words::pem(&e)
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
    let pem = read_pem(path, "a private key")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        tls_setup(format!(
            "cannot read a private key from {}: {}",
            path.display(),
            words::pem(&e)
        ))
    })
}

/// A rustls error in words, from `side`'s point of view, for messages the library
/// does not build itself (kaserve's setup).
pub fn error_words(err: &rustls::Error, side: Side) -> String {
    words::describe(err, side)
}

/// A TLS setup error (exit status 2).
pub fn tls_setup(msg: String) -> Error {
    Error::Tls(msg)
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
            ca: vec![CaSource::File("/nonexistent/ca.pem".into())],
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
}
