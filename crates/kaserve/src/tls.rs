//! Server TLS for the responders: a config from PEM files or a generated
//! self-signed pair, optionally requiring client certificates, on the suite's one
//! crypto provider.

use std::path::PathBuf;
use std::sync::Arc;

use kaprobe::error::Result;
use kaprobe::tls::{Side, error_words, key_log, provider, read_certs, read_key, tls_setup};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{RootCertStore, ServerConfig};

/// Server certificate and key, and optionally the CA that client certificates must
/// chain to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerTls {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
}

/// A generated self-signed pair, in PEM.
#[derive(Clone, Debug)]
pub struct GeneratedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A self-signed certificate for `localhost`, `127.0.0.1` and `::1`.
pub fn self_signed() -> Result<GeneratedCert> {
    let names = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| tls_setup(format!("generating a certificate: {e}")))?;
    Ok(GeneratedCert {
        cert_pem: certified.cert.pem(),
        key_pem: certified.signing_key.serialize_pem(),
    })
}

impl ServerTls {
    /// Builds a server config offering `alpn`. Without files, `generated` supplies
    /// the pair.
    pub fn config(
        &self,
        generated: Option<&GeneratedCert>,
        alpn: &[&[u8]],
    ) -> Result<Arc<ServerConfig>> {
        let (certs, key) = match (&self.cert, &self.key, generated) {
            (Some(cert), Some(key), _) => (read_certs(cert)?, read_key(key)?),
            (None, None, Some(g)) => (
                vec![parse_pem_cert(&g.cert_pem)?],
                PrivateKeyDer::from_pem_slice(g.key_pem.as_bytes())
                    .map_err(|e| tls_setup(format!("generated key: {e}")))?,
            ),
            _ => return Err(tls_setup("--tls-cert and --tls-key go together".into())),
        };
        let provider = provider();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_setup(format!("protocol versions: {e}")))?;
        let builder = match &self.client_ca {
            None => builder.with_no_client_auth(),
            Some(path) => {
                let mut roots = RootCertStore::empty();
                for cert in read_certs(path)? {
                    roots.add(cert).map_err(|e| {
                        tls_setup(format!(
                            "client CA {}: {}",
                            path.display(),
                            error_words(&e, Side::Server)
                        ))
                    })?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .map_err(|e| tls_setup(format!("client CA {}: {e}", path.display())))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(certs, key)
            .map_err(|e| tls_setup(own_pair_words(&e)))?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        if let Some(log) = key_log() {
            config.key_log = log;
        }
        Ok(Arc::new(config))
    }
}

/// Why our own certificate and key do not make a server config.
fn own_pair_words(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InconsistentKeys(_) => {
            "--tls-key is not the private key of the certificate in --tls-cert".into()
        }
        rustls::Error::InvalidCertificate(_) => {
            "--tls-cert: the first certificate is not a valid X.509 certificate".into()
        }
        rustls::Error::General(text) => {
            format!("--tls-key: {text} (use an RSA, ECDSA P-256/P-384 or Ed25519 key)")
        }
        other => format!("--tls-cert/--tls-key: {}", error_words(other, Side::Server)),
    }
}

fn parse_pem_cert(pem: &str) -> Result<CertificateDer<'static>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| tls_setup(format!("generated certificate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_builds_a_server_config() {
        let g = self_signed().unwrap();
        assert!(g.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        ServerTls::default().config(Some(&g), &[b"h2"]).unwrap();
    }
}
