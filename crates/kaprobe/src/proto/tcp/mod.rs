//! TCP: line echo on one kept connection (`echo`, its session in `echo.rs`), or a
//! new connection per probe timed to its opening (`connect`, which needs no session:
//! the prober's own TCP connect is the probe).

mod echo;

pub use echo::{EchoSession, MAX_LINE};

use super::mode::Mode;
use super::session::{BoxFut, ModeInfo, OpenArgs, ProtocolInfo, Session, Transport};
use crate::cause::{Cause, CauseKind};

/// The modes of a TCP target, default first.
pub const MODES: &[ModeInfo] = &[
    ModeInfo {
        mode: Mode::Echo,
        help: "a line and its reply on one connection",
        describe: |cfg| cfg.send.describe(),
        reply_verb: "reply from",
        keepalive_word: "replies",
        noun: "a line",
        connection_per_probe: false,
    },
    ModeInfo {
        mode: Mode::Connect,
        help: "a new TCP connection per probe",
        describe: |_| "a new TCP connection per probe".to_string(),
        reply_verb: "connected to",
        keepalive_word: "replies",
        noun: "a new connection",
        connection_per_probe: true,
    },
];

pub static PROTOCOL: ProtocolInfo = ProtocolInfo {
    modes: MODES,
    keepalives: &[Mode::Echo],
    alpn: |_| &[],
    open,
};

/// Echo's session on the connected stream (TCP has no handshake of its own).
fn open(stream: Transport, args: OpenArgs<'_>) -> BoxFut<'_, Result<Box<dyn Session>, Cause>> {
    Box::pin(async move {
        match stream {
            Transport::Tcp(tcp) => {
                Ok(Box::new(EchoSession::new(tcp, args.fold)) as Box<dyn Session>)
            }
            Transport::Tls { .. } => Err(Cause::new(
                CauseKind::Protocol,
                "TCP echo runs over plain TCP only",
            )),
        }
    })
}
