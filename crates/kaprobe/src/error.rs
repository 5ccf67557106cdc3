//! The library's error type: setup failures a user can cause (a name that does not
//! resolve, a mode that does not fit the protocol, an address that cannot be bound).

use crate::target::Scheme;

/// Setup errors; per-probe failures are [`crate::cause::Cause`]s, not errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot resolve '{host}': {detail}")]
    Resolve { host: String, detail: String },
    #[error("mode '{mode}' does not apply to {scheme}:// targets (expected {expected})")]
    ModeMismatch {
        mode: String,
        scheme: Scheme,
        expected: String,
    },
    #[error("{0}:// targets are not supported yet")]
    Unsupported(Scheme),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{0}")]
    Proxy(String),
    #[error("invalid header '{0}' (expected 'Name: value')")]
    BadHeader(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
