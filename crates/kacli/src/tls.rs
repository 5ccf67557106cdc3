//! What every tool says once on stderr about a TLS setting from the environment:
//! `SSLKEYLOGFILE`, which writes session secrets to a file.

/// Says where TLS session secrets go when `SSLKEYLOGFILE` is set, or that they
/// cannot go there.
pub fn keylog_note(tool: &str) {
    match kaprobe::tls::keylog_check() {
        None => {}
        Some(Ok(path)) => eprintln!(
            "{tool}: SSLKEYLOGFILE: writing TLS session secrets to {} (for Wireshark); \
             anyone who reads it can decrypt these sessions",
            path.display()
        ),
        Some(Err(why)) => {
            eprintln!("{tool}: warning: SSLKEYLOGFILE cannot be written ({why}); no key log")
        }
    }
}
