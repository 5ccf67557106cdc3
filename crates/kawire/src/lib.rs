//! kawire: the formats the suite puts on the wire, at the bottom of the house. The
//! record schema every binary writes and kareport reads ([`record`], serde types
//! only), the HTTP/2 frame codec ([`h2`]) and gRPC's names ([`grpc`]). It depends
//! on nothing of the suite's own.

pub mod grpc;
pub mod h2;
pub mod record;
