//! What the gRPC responder is told to enforce and answer: the keepalive policy
//! ([`GrpcPolicy`], grpc-go's and grpc-core's) and the health status of each
//! service ([`HealthTable`]).

use std::collections::BTreeMap;
use std::time::Duration;

use tonic_health::pb::health_check_response::ServingStatus;

/// The keepalive policy a server enforces on its clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcPolicy {
    /// Client PINGs closer together than this earn a strike (grpc-go `MinTime`).
    pub min_ping_interval: Duration,
    /// Whether PINGs without active streams are held to `min_ping_interval` rather
    /// than to two hours (grpc-go `PermitWithoutStream`).
    pub permit_without_stream: bool,
    /// Strikes allowed; one more ends the connection (grpc-go and grpc-core: 2).
    pub max_ping_strikes: u32,
    /// GOAWAY after this long without active streams.
    pub max_idle: Option<Duration>,
    /// GOAWAY after this long, whatever is happening.
    pub max_age: Option<Duration>,
    /// After the age GOAWAY, how long streams may finish before the connection closes.
    pub age_grace: Option<Duration>,
}

impl Default for GrpcPolicy {
    fn default() -> Self {
        GrpcPolicy {
            min_ping_interval: Duration::from_secs(5 * 60),
            permit_without_stream: false,
            max_ping_strikes: 2,
            max_idle: None,
            max_age: None,
            age_grace: None,
        }
    }
}

/// Health status per service name; `""` is the server as a whole.
#[derive(Clone, Debug)]
pub struct HealthTable(BTreeMap<String, ServingStatus>);

impl Default for HealthTable {
    fn default() -> Self {
        HealthTable(BTreeMap::from([(String::new(), ServingStatus::Serving)]))
    }
}

impl HealthTable {
    pub fn set(&mut self, service: &str, status: ServingStatus) {
        self.0.insert(service.to_string(), status);
    }

    pub fn get(&self, service: &str) -> Option<ServingStatus> {
        self.0.get(service).copied()
    }
}
