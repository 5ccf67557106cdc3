//! What a finished TLS handshake agreed, in curl -v's manner: the version, the
//! cipher suite, ALPN, and the server's certificate (subject, issuer, expiry).

use rustls::ClientConnection;

/// When the first certificate of the server's chain expires, in seconds since
/// 1970 (blackbox's `probe_ssl_earliest_cert_expiry`).
pub fn earliest_expiry(conn: &ClientConnection) -> Option<u64> {
    conn.peer_certificates()?
        .iter()
        .filter_map(|c| x509_parser::parse_x509_certificate(c).ok())
        .filter_map(|(_, cert)| u64::try_from(cert.validity().not_after.timestamp()).ok())
        .min()
}

/// The handshake's outcome as lines (without the `* ` the trace adds);
/// `verified` says whether the certificate was checked (no `--insecure`).
pub fn describe(conn: &ClientConnection, verified: bool) -> Vec<String> {
    let version = conn
        .protocol_version()
        .map_or("?".to_string(), |v| format!("{v:?}").replace('_', "."));
    let suite = conn
        .negotiated_cipher_suite()
        .map_or("?".to_string(), |s| format!("{:?}", s.suite()));
    let alpn = conn.alpn_protocol().map_or("none".to_string(), |p| {
        String::from_utf8_lossy(p).into_owned()
    });
    let mut lines = vec![format!("TLS: {version}, {suite}, ALPN {alpn}")];
    let leaf = conn.peer_certificates().and_then(|c| c.first());
    if let Some((_, cert)) = leaf.and_then(|c| x509_parser::parse_x509_certificate(c).ok()) {
        let cut = |s: String| s.chars().take(120).collect::<String>();
        lines.push(format!(
            "server certificate: subject {}",
            cut(cert.subject().to_string())
        ));
        lines.push(format!(
            "server certificate: issuer {}",
            cut(cert.issuer().to_string())
        ));
        let until = cert.validity().not_after.timestamp();
        let until = u64::try_from(until).map_or("?".to_string(), |s| {
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(s),
            )
            .to_string()
        });
        let checked = if verified {
            "verified"
        } else {
            "NOT verified (--insecure)"
        };
        lines.push(format!("server certificate: expires {until}; {checked}"));
    }
    lines
}
