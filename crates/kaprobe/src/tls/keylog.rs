//! `SSLKEYLOGFILE`, honoured as curl and browsers honour it: every client and server
//! config of the process appends its TLS session secrets, a line each, in the NSS
//! key log format Wireshark reads. One rustls `KeyLogFile` for the whole process, so
//! the file is opened once.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::{KeyLog, KeyLogFile};

/// The path `SSLKEYLOGFILE` names, when it is set and not empty.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("SSLKEYLOGFILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Whether the key log can be written: `None` when `SSLKEYLOGFILE` is not set, else
/// the path, or why it cannot be opened (rustls would only log that, unseen). For
/// the binaries to say once on stderr.
pub fn check() -> Option<Result<PathBuf, String>> {
    let path = path()?;
    Some(
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map(|_| path.clone())
            .map_err(|e| format!("{}: {}", path.display(), e)),
    )
}

/// The process's key log, when `SSLKEYLOGFILE` is set, for client and server configs.
pub fn shared() -> Option<Arc<dyn KeyLog>> {
    static LOG: OnceLock<Option<Arc<dyn KeyLog>>> = OnceLock::new();
    LOG.get_or_init(|| path().map(|_| Arc::new(KeyLogFile::new()) as Arc<dyn KeyLog>))
        .clone()
}
