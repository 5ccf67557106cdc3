//! How a gRPC connection ends on the server's side: a graceful GOAWAY that lets
//! the calls still allowed finish, and the cause an HTTP/2 error names.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kaprobe::cause::{Cause, CauseKind};
use kaprobe::tls::Io;
use kawire::h2::{Injector, Tap, goaway_frame};

use super::health;
use crate::serve::options::ServeOptions;

/// A graceful GOAWAY carrying `why`, then serves the calls still allowed (those
/// in flight, and any the client started before it saw the GOAWAY) until the
/// connection closes, or `grace` (if given) runs out.
pub(super) async fn goodbye(
    conn: &mut h2::server::Connection<Tap<Box<dyn Io>>, Bytes>,
    injector: &Injector,
    opts: &Arc<ServeOptions>,
    why: &str,
    grace: Option<Duration>,
) -> Cause {
    injector.inject(goaway_frame(0x7fff_ffff, 0, why.as_bytes()), false);
    conn.graceful_shutdown();
    let serving = async {
        while let Some(Ok((request, respond))) = conn.accept().await {
            let opts = opts.clone();
            tokio::spawn(async move { health::unary(request, respond, &opts).await });
        }
    };
    match grace {
        Some(grace) => {
            let _ = tokio::time::timeout(grace, serving).await;
        }
        None => serving.await,
    }
    Cause::new(CauseKind::Goaway(0), format!("graceful close: {why}"))
}

pub(super) fn h2_server_cause(err: &h2::Error) -> Cause {
    match err.get_io() {
        Some(io) => kaprobe::tls::io_cause(io, kaprobe::tls::Side::Server)
            .unwrap_or_else(|| Cause::from_io(io)),
        None if err.is_library() && err.reason() == Some(h2::Reason::PROTOCOL_ERROR) => Cause::new(
            CauseKind::Protocol,
            "the client did not open with the HTTP/2 preface (an HTTP/1.1 or TLS client \
                 on a plaintext gRPC port? serve with --tls for grpcs://)",
        ),
        None => Cause::new(
            CauseKind::Protocol,
            kaprobe::proto::h2_words(err, kaprobe::tls::Side::Server),
        ),
    }
}
