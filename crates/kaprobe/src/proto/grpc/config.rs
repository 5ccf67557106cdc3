//! gRPC's settings and what a call's answer says of who answered; nothing here
//! reaches for the rest of the suite, so the probe settings can hold them.

/// gRPC settings.
#[derive(Clone, Debug, Default)]
pub struct GrpcConfig {
    /// Health: the service to ask about (`""` is the whole server).
    pub service: String,
}

/// The response headers that name what answered: a proxy says itself here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHeaders {
    pub server: Option<String>,
    pub via: Option<String>,
}

impl ServerHeaders {
    pub(super) fn from_metadata(m: &tonic::metadata::MetadataMap) -> Self {
        let get = |name: &str| {
            m.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(200).collect::<String>())
        };
        ServerHeaders {
            server: get("server"),
            via: get("via"),
        }
    }
}
