//! From kaserve's flags to a validated configuration: which responders listen
//! where, with what options and faults, or the registry protocol on stdio. Every
//! check a user can fail is here, each a one-line error.

use std::net::SocketAddr;
use std::sync::RwLock;

use crate::tls::ServerTls;
use anyhow::Context;

use crate::cli::{Cli, Responder};
use crate::serve::Protocol;
use crate::serve::clients::ClientPolicy;
use crate::serve::fault::Fault;
use crate::serve::grpc::policy::{GrpcPolicy, HealthTable};
use crate::serve::http::HttpPolicy;
use crate::serve::options::{ServeOptions, default_listen};

/// What kaserve runs.
#[derive(Debug)]
pub enum Config {
    /// The keepalive registry protocol on stdin and stdout.
    Stdio,
    /// Network responders.
    Serve(Box<ServeConfig>),
}

/// Network responders and how they behave.
#[derive(Debug)]
pub struct ServeConfig {
    /// Each responder with the address it binds.
    pub listeners: Vec<(Protocol, SocketAddr)>,
    pub options: ServeOptions,
    /// A generated self-signed certificate's file, to pass to `--ca`: created
    /// exclusively under a random name, removed when this value drops.
    pub generated_cert: Option<tempfile::TempPath>,
    /// Log JSON records rather than lines.
    pub ndjson: bool,
}

impl Config {
    /// Validates the flags; with `--tls` and no files it generates a self-signed
    /// pair and writes the certificate where clients can pass it to `--ca`.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Config> {
        if stdio(cli).map_err(anyhow::Error::msg)? {
            return Ok(Config::Stdio);
        }
        let listeners = listeners(cli).map_err(anyhow::Error::msg)?;
        let faults = all_faults(cli).map_err(anyhow::Error::msg)?;
        let (mut options, generated_cert) = options(cli)?;
        options.faults = faults;
        Ok(Config::Serve(Box::new(ServeConfig {
            listeners,
            options,
            generated_cert,
            ndjson: cli.ndjson,
        })))
    }
}

/// The network responders asked for, in order, once each.
fn responders(cli: &Cli) -> Vec<Protocol> {
    let mut protos: Vec<Protocol> = cli.protocols.iter().filter_map(|p| p.protocol()).collect();
    protos.dedup();
    protos
}

/// Whether TLS was asked for, by --tls or any of the files.
fn wants_tls(cli: &Cli) -> bool {
    cli.tls || cli.tls_cert.is_some() || cli.tls_client_ca.is_some()
}

/// Whether this is `kaserve stdio`; stdio does not mix with responders.
fn stdio(cli: &Cli) -> Result<bool, String> {
    match (
        cli.protocols.contains(&Responder::Stdio),
        cli.protocols.len(),
    ) {
        (true, 1) => Ok(true),
        (true, _) => Err("stdio runs alone: the registry protocol owns stdin and stdout".into()),
        (false, _) => Ok(false),
    }
}

/// Every fault with its protocol (or none for all); rejects faults that apply to
/// no responder being run.
fn all_faults(cli: &Cli) -> Result<Vec<(Option<Protocol>, Fault)>, String> {
    let running = responders(cli);
    let all: Vec<_> = cli.faults.iter().flatten().copied().collect();
    for (proto, fault) in &all {
        match proto {
            Some(p) if !running.contains(p) => {
                return Err(format!(
                    "--fault names {p}, which is not among the responders to run"
                ));
            }
            None if !running.iter().any(|p| fault.applies_to(*p)) => {
                let only: Vec<&str> = Protocol::ALL
                    .into_iter()
                    .filter(|p| fault.applies_to(*p))
                    .map(Protocol::as_str)
                    .collect();
                return Err(format!(
                    "fault {} applies to {} only, none of which is among the responders to run",
                    fault.name(),
                    only.join(", ")
                ));
            }
            _ => {}
        }
    }
    Ok(all)
}

/// Each responder with the address it binds; rejects ambiguous --listen values.
fn listeners(cli: &Cli) -> Result<Vec<(Protocol, SocketAddr)>, String> {
    let protos = responders(cli);
    let plain: Vec<_> = cli.listen.iter().filter(|l| l.proto.is_none()).collect();
    let mut out = Vec::new();
    for proto in &protos {
        let named: Vec<_> = cli
            .listen
            .iter()
            .filter(|l| l.proto == Some(*proto))
            .collect();
        let addr = match (named.as_slice(), plain.as_slice()) {
            ([one], _) => one.addr,
            ([], [one]) if protos.len() == 1 => one.addr,
            ([], []) => default_listen(*proto),
            ([], _) if protos.len() > 1 => {
                return Err("with several responders, write --listen PROTOCOL=ADDR".into());
            }
            _ => return Err(format!("more than one --listen for {proto}")),
        };
        out.push((*proto, addr));
    }
    if let Some(stray) = cli
        .listen
        .iter()
        .filter_map(|l| l.proto)
        .find(|p| !protos.contains(p))
    {
        return Err(format!(
            "--listen names {stray}, which is not among the responders to run"
        ));
    }
    Ok(out)
}

/// The responders' options; with --tls and no files, a generated self-signed pair
/// whose certificate is written to a file clients can pass to --ca.
fn options(cli: &Cli) -> anyhow::Result<(ServeOptions, Option<tempfile::TempPath>)> {
    let mut health = HealthTable::default();
    for (service, status) in &cli.statuses {
        health.set(service, *status);
    }
    let mut opts = ServeOptions {
        tls: None,
        grpc: GrpcPolicy {
            min_ping_interval: cli.ping_min_interval,
            permit_without_stream: cli.permit_without_stream,
            max_ping_strikes: cli.max_ping_strikes,
            max_idle: cli.max_connection_idle,
            max_age: cli.max_connection_age,
            age_grace: cli.max_connection_age_grace,
        },
        http: HttpPolicy {
            keepalive_timeout: cli.keepalive_timeout,
            announce: cli.keepalive_header,
            max_requests: cli.max_requests,
            statuses: cli.path_statuses.clone(),
        },
        health: RwLock::new(health),
        health_changed: Default::default(),
        flips: cli.flips.clone(),
        ping_interval: cli.ping_interval,
        ping_timeout: cli.ping_timeout,
        client_policy: cli.client_timeout.map(|timeout| ClientPolicy {
            timeout,
            ping_interval: cli.client_ping_interval.unwrap_or(timeout / 2),
        }),
        clients: Default::default(),
        faults: Vec::new(),
    };
    if !wants_tls(cli) {
        return Ok((opts, None));
    }
    let files = ServerTls {
        cert: cli.tls_cert.clone(),
        key: cli.tls_key.clone(),
        client_ca: cli.tls_client_ca.clone(),
    };
    let mut written = None;
    let generated = if files.cert.is_none() {
        let pair = crate::tls::self_signed()?;
        written = Some(cert_file(&pair.cert_pem)?);
        Some(pair)
    } else {
        None
    };
    opts.tls = Some(files.config(generated.as_ref(), &[b"h2", b"http/1.1"])?);
    Ok((opts, written))
}

/// Writes a generated certificate to a new file of a random name in the
/// temporary directory (never an existing file or a planted link), readable by
/// others since a certificate is public; the file goes when the path drops.
fn cert_file(pem: &str) -> anyhow::Result<tempfile::TempPath> {
    use std::io::Write;
    let dir = std::env::temp_dir();
    let mut file = tempfile::Builder::new()
        .prefix("kaserve-")
        .suffix("-cert.pem")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a certificate file in {}", dir.display()))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    Ok(file.into_temp_path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn listen(args: &[&str]) -> Result<Vec<(Protocol, SocketAddr)>, String> {
        let mut all = vec!["kaserve"];
        all.extend_from_slice(args);
        listeners(&Cli::try_parse_from(all).map_err(|e| e.to_string())?)
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(
            listen(&["tcp"]).unwrap(),
            vec![(Protocol::Tcp, "127.0.0.1:7070".parse().unwrap())]
        );
        assert_eq!(
            listen(&["tcp", "-l", "9000"]).unwrap()[0].1,
            "127.0.0.1:9000".parse().unwrap()
        );
        assert_eq!(
            listen(&["tcp", "-l", "tcp=[::1]:0"]).unwrap()[0].1,
            "[::1]:0".parse().unwrap()
        );
        assert!(listen(&["tcp", "-l", "1:2", "-l", "3:4"]).is_err());
        assert!(listen(&["tcp", "-l", "localhost:80"]).is_err());
        assert!(listen(&["udp"]).is_err());
        assert_eq!(
            listen(&["tcp", "ws", "-l", "tcp=0", "-l", "ws=0"])
                .unwrap()
                .len(),
            2
        );
        assert!(listen(&["tcp", "ws", "-l", "0"]).is_err());
        assert!(listen(&["tcp", "-l", "ws=0"]).is_err());
        assert!(listen(&["tcp", "-l", "stdio=0"]).is_err());
        assert_eq!(
            listen(&["grpc"]).unwrap()[0].1,
            "127.0.0.1:7072".parse().unwrap()
        );
        assert!(listen(&[]).is_err());
    }
}
