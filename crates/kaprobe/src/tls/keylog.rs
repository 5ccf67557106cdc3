//! `SSLKEYLOGFILE`, honoured as curl and browsers honour it: every client and server
//! config of the process appends its TLS session secrets, a line each, in the NSS
//! key log format Wireshark reads. One rustls `KeyLogFile` for the whole process, so
//! the file is opened once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::{KeyLog, KeyLogFile};

/// The path `SSLKEYLOGFILE` names, when it is set and not empty.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("SSLKEYLOGFILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Whether the key log can be written: `None` when `SSLKEYLOGFILE` is not set, else
/// the path, or why it cannot be used (rustls would only log that, unseen). For
/// the binaries to say once on stderr. Only a regular file is a key log: opening
/// a FIFO would wait for a reader for good, and a device is no place for secrets.
/// A new file is made readable by its owner alone (the secrets decrypt sessions).
pub fn check() -> Option<Result<PathBuf, String>> {
    let path = path()?;
    Some(usable(&path).map(|()| path.clone()))
}

fn usable(path: &Path) -> Result<(), String> {
    let said = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(said(&"not a regular file")),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(said(&e)),
    }
    let mut open = std::fs::OpenOptions::new();
    open.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    open.open(path).map(drop).map_err(|e| said(&e))
}

/// The process's key log, when `SSLKEYLOGFILE` names a usable file, for client and
/// server configs.
pub fn shared() -> Option<Arc<dyn KeyLog>> {
    static LOG: OnceLock<Option<Arc<dyn KeyLog>>> = OnceLock::new();
    LOG.get_or_init(|| {
        check()?.ok()?;
        Some(Arc::new(KeyLogFile::new()) as Arc<dyn KeyLog>)
    })
    .clone()
}
