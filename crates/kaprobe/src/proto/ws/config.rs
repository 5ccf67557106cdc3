//! WebSocket's settings; nothing here reaches for the rest of the suite, so the
//! probe settings can hold them.

/// WebSocket settings.
#[derive(Clone, Debug, Default)]
pub struct WsConfig {
    /// The subprotocol to ask for (`Sec-WebSocket-Protocol`).
    pub subprotocol: Option<String>,
}
