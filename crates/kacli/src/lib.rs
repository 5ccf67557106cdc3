//! kacli: the command-line layer every binary shares. The connection flags and the
//! one place they become probers, the value parsers with their one-line errors, the
//! one NDJSON writer, the runtime and the signals that stop a run.

mod args;
mod drive;
pub mod lines;
pub mod ndjson;
mod parse;
mod probers;
mod runtime;
pub mod signal;
pub mod table;
pub mod term;
pub mod tls;
pub mod words;

pub use args::{ProbeArgs, ThresholdArgs};
pub use drive::{Render, cancel_on_signals, drive};
pub use parse::{
    TargetParser, parse_duration, parse_percent, parse_positive_duration, parse_target,
};
pub use probers::{each_address, probers};
pub use runtime::{Pipe, block_on, exit, stop_on_signals};

/// The TLS paragraph of each client's `--help` and man page, a literal for
/// `concat!`.
#[macro_export]
macro_rules! tls_help {
    () => {
        "TLS: the roots compiled into the binary are trusted by default (no file is read,
not even SSL_CERT_FILE). --ca FILE trusts the certificates in FILE instead, and a
server certificate found in it byte for byte is trusted as itself, still checked for
its name and dates: a self-signed certificate, even one marked CA:TRUE as
`openssl req -x509` makes them. --ca system adds the OS store and keeps the built-in
roots; -k/--insecure skips verification (said on stderr).

Environment:
  SSLKEYLOGFILE  append each TLS session's secrets to this file, a line per secret,
                 in the NSS key log format Wireshark reads (Preferences > Protocols >
                 TLS > (Pre)-Master-Secret log filename); said once on stderr; a
                 regular file only (a FIFO or device is refused), a new one made
                 readable by its owner alone (0600)
  SSL_CERT_FILE, SSL_CERT_DIR
                 where --ca system reads the OS store (else /etc/ssl/certs)
  https_proxy, HTTPS_PROXY, http_proxy, grpc_proxy, all_proxy, ALL_PROXY
                 the HTTP proxy to tunnel through, as curl and gRPC read them:
                 https_proxy for https:// and wss://, http_proxy for http:// and
                 ws://, grpc_proxy then https_proxy for grpc(s)://, all_proxy for
                 any (tcp:// reads only all_proxy); --proxy overrides them
  no_proxy, NO_PROXY
                 hosts that go direct (names cover subdomains; addresses, CIDR
                 ranges, '*'); --noproxy replaces it

"
    };
}

/// kaserve's paragraph on the key log, a literal for `concat!`.
#[macro_export]
macro_rules! keylog_help {
    () => {
        "Environment:
  SSLKEYLOGFILE  append each TLS session's secrets to this file, a line per secret,
                 in the NSS key log format Wireshark reads; said once on stderr; a
                 regular file only, a new one made readable by its owner alone

"
    };
}
