//! What a client trusts: the compiled-in webpki roots by default (no file to read,
//! which keeps a one-probe cron check fast); `--ca FILE` instead of them, its
//! certificates also pinned as themselves; `--ca system` adds the OS store (pinned
//! too, as OpenSSL treats a certificate installed there).
//!
//! The OS store comes from rustls-native-certs rather than rustls-platform-verifier:
//! it yields certificates that join the other roots in one webpki verifier, so a
//! pinned certificate, our refusal words and the compiled-in roots all work the same
//! with it, and it honours SSL_CERT_FILE and SSL_CERT_DIR as OpenSSL and curl do. On
//! Linux the platform verifier reads the same files; what it adds elsewhere (macOS
//! and Windows policy, revocation) is not what this suite's users are missing.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use super::{read_certs, tls_setup};
use crate::error::Result;

/// One `--ca` value: a PEM file, or `system` for the OS store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaSource {
    File(PathBuf),
    System,
}

impl FromStr for CaSource {
    type Err = std::convert::Infallible;

    /// `system` is the OS store; anything else a file (`./system` for a file of
    /// that name).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "system" => CaSource::System,
            path => CaSource::File(PathBuf::from(path)),
        })
    }
}

/// The roots to verify against and the certificates trusted as themselves.
#[derive(Debug)]
pub(crate) struct Trust {
    pub roots: RootCertStore,
    pub pinned: Vec<CertificateDer<'static>>,
    pub ca_files: bool,
    pub system: bool,
}

/// Reads every source: files fail with their name; an OS store without a single
/// certificate fails too, since trusting nothing would refuse every server.
pub(crate) fn load(sources: &[CaSource]) -> Result<Trust> {
    let system = sources.contains(&CaSource::System);
    let files: Vec<&Path> = sources
        .iter()
        .filter_map(|s| match s {
            CaSource::File(path) => Some(path.as_path()),
            CaSource::System => None,
        })
        .collect();
    let mut trust = Trust {
        roots: RootCertStore::empty(),
        pinned: Vec::new(),
        ca_files: !files.is_empty(),
        system,
    };
    if files.is_empty() || system {
        trust
            .roots
            .extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if system {
        let native = rustls_native_certs::load_native_certs();
        // Pinned too: OpenSSL trusts a self-signed server certificate installed in
        // the store, and so does curl with it.
        trust.pinned.extend(native.certs.iter().cloned());
        let (added, _) = trust.roots.add_parsable_certificates(native.certs);
        if added == 0 {
            let why = native
                .errors
                .first()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            return Err(tls_setup(format!(
                "--ca system: no certificates in the OS store (SSL_CERT_FILE, SSL_CERT_DIR, \
                 /etc/ssl/certs){why}"
            )));
        }
    }
    for path in files {
        let mut anchors = 0;
        let mut last_refusal = None;
        for cert in read_certs(path)? {
            match trust.roots.add(cert.clone()) {
                Ok(()) => anchors += 1,
                Err(e) => last_refusal = Some(super::words::describe(&e, super::Side::Client)),
            }
            trust.pinned.push(cert);
        }
        if anchors == 0 && trust.roots.is_empty() {
            return Err(tls_setup(format!(
                "no usable CA certificate in {}: {}",
                path.display(),
                last_refusal.unwrap_or_default()
            )));
        }
    }
    Ok(trust)
}
