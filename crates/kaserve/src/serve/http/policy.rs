//! The HTTP responder's keep-alive policy and answers, as the options hold them.

use std::time::Duration;

/// The responder's keep-alive policy and answers.
#[derive(Clone, Debug, Default)]
pub struct HttpPolicy {
    /// Close a kept-alive connection idle this long (nginx `keepalive_timeout`).
    pub keepalive_timeout: Option<Duration>,
    /// Announce the timeout (and the requests left) in a `Keep-Alive` header.
    pub announce: bool,
    /// Close after this many requests, saying `Connection: close` on the last one
    /// (nginx `keepalive_requests`).
    pub max_requests: Option<u64>,
    /// The status of each path; other paths answer 200.
    pub statuses: Vec<(String, u16)>,
}

impl HttpPolicy {
    pub(super) fn status(&self, path: &str) -> u16 {
        self.statuses
            .iter()
            .find(|(p, _)| p == path)
            .map_or(200, |(_, s)| *s)
    }
}
