//! Integration tests: the built binaries against real sockets on loopback.

use kaprobe_tests::util;

mod addressing;
mod careless_input;
mod cli_errors;
mod deadlines;
mod exporter;
mod generated;
mod golden;
mod health_watch;
mod hostile;
mod kafind;
mod kafind_layers;
mod kafind_policy;
mod kaping_grpc;
mod kaping_http;
mod kaping_tcp;
mod kaping_ws;
mod kareport;
mod kareport_time;
mod kaserve_faults;
mod kaserve_peer;
mod kaserve_stdio;
mod kaserve_tcp;
mod kawatch;
mod kawatch_metrics;
mod proxy;
mod readme;
mod tls_openssl;
mod widths;
