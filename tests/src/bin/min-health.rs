//! The smallest useful gRPC health check, with tonic's own channel: what kabench
//! compares `kaping -c 1 -q grpc://` with. Exits 0 when SERVING, 1 otherwise.
//!
//! `min-health http://127.0.0.1:7072`

use std::process::ExitCode;
use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .expect("usage: min-health http://HOST:PORT");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let Ok(endpoint) = tonic::transport::Endpoint::from_shared(addr) else {
            return ExitCode::from(2);
        };
        let Ok(channel) = endpoint.timeout(Duration::from_secs(2)).connect().await else {
            return ExitCode::from(1);
        };
        let mut client = HealthClient::new(channel);
        match client.check(HealthCheckRequest::default()).await {
            Ok(reply) if reply.get_ref().status == 1 => ExitCode::SUCCESS,
            _ => ExitCode::from(1),
        }
    })
}
