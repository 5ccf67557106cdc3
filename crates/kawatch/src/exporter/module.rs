//! Modules, as blackbox_exporter names them: what `/probe?module=M` probes with.
//! Built in: one per protocol and mode the suite has (`tcp_echo`, `ws_ping`,
//! `grpc_health`, `http_request`, ...), each probing once.

use std::time::Duration;

use kaprobe::proto::Mode;
use kaprobe::protocol::Protocol;

/// A module's timeout when the scrape says none: blackbox's default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout a configured module may have.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// A way to probe.
#[derive(Clone, Debug)]
pub struct Module {
    pub name: String,
    pub protocol: Protocol,
    pub mode: Mode,
    /// The longest a probe may take; the scrape's own timeout may cut it shorter.
    pub timeout: Duration,
    /// A watch module: a connection held between scrapes (`watch_<module>`).
    pub watch: bool,
    /// A configured module's changes to the shared settings.
    pub overrides: Option<super::config::Overrides>,
}

/// A module for every protocol and mode, `{protocol}_{mode}`, and for each
/// mode that can hold a connection, `watch_{protocol}_{mode}`.
pub fn builtin() -> Vec<Module> {
    let one_shot: Vec<Module> = Protocol::ALL
        .iter()
        .flat_map(|p| {
            kaprobe::proto::modes(*p).iter().map(move |info| Module {
                name: format!("{p}_{}", info.mode),
                protocol: *p,
                mode: info.mode,
                timeout: DEFAULT_TIMEOUT,
                watch: false,
                overrides: None,
            })
        })
        .collect();
    let watching: Vec<Module> = one_shot
        .iter()
        .filter(|m| !m.mode.info().connection_per_probe)
        .map(|m| Module {
            name: format!("watch_{}", m.name),
            watch: true,
            ..m.clone()
        })
        .collect();
    one_shot.into_iter().chain(watching).collect()
}

impl Module {
    /// The settings this module probes with: the shared ones, changed as it says.
    pub fn settings(&self, base: &kaprobe::proto::ProbeConfig) -> kaprobe::proto::ProbeConfig {
        match &self.overrides {
            Some(o) => o.apply(base),
            None => base.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_and_mode_has_a_module() {
        let names: Vec<String> = builtin().into_iter().map(|m| m.name).collect();
        for name in [
            "tcp_echo",
            "tcp_connect",
            "ws_ping",
            "ws_text",
            "grpc_health",
            "grpc_h2ping",
            "grpc_watch",
            "http_request",
            "http_h2ping",
            "watch_ws_ping",
            "watch_grpc_health",
            "watch_tcp_echo",
        ] {
            assert!(names.iter().any(|n| n == name), "{name}: {names:?}");
        }
        assert!(
            !names.iter().any(|n| n == "watch_tcp_connect"),
            "connect holds nothing"
        );
    }
}
