//! The HTTP/2 frame codec. h2 hides GOAWAY debug data and cannot send a GOAWAY with
//! its own, yet `too_many_pings` lives there, so the suite reads and writes those
//! frames itself: the frames ([`frame`]), an incremental parser ([`parser`]) and a
//! tap that watches a stream both ways and can inject a frame ([`tap`]).

pub mod frame;
pub mod parser;
pub mod ping;
pub mod tap;

pub use frame::*;
pub use parser::Parser;
pub use ping::{PingClass, PingKind};
pub use tap::{Injector, Observer, Tap};
