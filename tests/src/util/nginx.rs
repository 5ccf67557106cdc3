//! nginx (Debian's nginx-light) as a WebSocket reverse proxy in front of a test
//! server, or as an HTTP server of its own: a real third-party peer with its own
//! idle timeouts. `.ci/run`
//! installs it; elsewhere a test without it says SKIPPED.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::peer::{Reaped, wait_listening};

/// Whether `nginx` is on the PATH (or in /usr/sbin); in CI its absence fails.
pub fn have_nginx() -> bool {
    nginx_bin().is_some() || super::missing("nginx", "apt-get install -y nginx-light")
}

fn nginx_bin() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// nginx proxying WebSocket upgrades on a free loopback port to `upstream`, with
/// `proxy_read_timeout` as given; stopped when dropped.
pub struct Nginx {
    pub addr: SocketAddr,
    _child: Reaped,
    _dir: tempfile::TempDir,
}

impl Nginx {
    pub fn ws_proxy(upstream: SocketAddr, read_timeout: &str) -> Self {
        Self::start(&|port, _| {
            format!(
                "map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
                 server {{\n\
                   listen 127.0.0.1:{port};\n\
                   location / {{\n\
                     proxy_pass http://{upstream};\n\
                     proxy_http_version 1.1;\n\
                     proxy_set_header Upgrade $http_upgrade;\n\
                     proxy_set_header Connection $connection_upgrade;\n\
                     proxy_read_timeout {read_timeout};\n\
                   }}\n\
                 }}\n"
            )
        })
    }

    /// nginx answering every request itself (`/` 200 "ok", `/down` 503) with
    /// `keepalive_timeout` as given (a second value is its Keep-Alive header) and
    /// `keepalive_requests`; with `tls` (certificate, key) it serves https with
    /// HTTP/2 by ALPN.
    pub fn http(keepalive: &str, requests: u32, tls: Option<(&str, &str)>) -> Self {
        Self::start(&|port, _| {
            let listen = match tls {
                Some((cert, key)) => format!(
                    "listen 127.0.0.1:{port} ssl http2;\n ssl_certificate {cert};\n ssl_certificate_key {key};"
                ),
                None => format!("listen 127.0.0.1:{port};"),
            };
            format!(
                "server {{\n\
                   {listen}\n\
                   keepalive_timeout {keepalive};\n\
                   keepalive_requests {requests};\n\
                   location / {{ return 200 \"ok\\n\"; }}\n\
                   location /down {{ return 503 \"down\\n\"; }}\n\
                 }}\n"
            )
        })
    }

    /// nginx terminating HTTP/2 (h2c) and passing gRPC to `upstream` (`grpc_pass`):
    /// it answers the client's PINGs itself.
    pub fn grpc_proxy(upstream: SocketAddr) -> Self {
        Self::start(&|port, _| {
            format!(
                "server {{\n\
                   listen 127.0.0.1:{port} http2;\n\
                   location / {{ grpc_pass grpc://{upstream}; }}\n\
                 }}\n"
            )
        })
    }

    /// nginx terminating TLS (`protocols` as `ssl_protocols`, HTTP/2 and HTTP/1.1 by
    /// ALPN) with the certificate files of `pair`: `/ws` proxies WebSocket upgrades
    /// to `ws`, gRPC health calls go to `grpc` (`grpc_pass`), and anything else is
    /// answered 200 "ok".
    pub fn tls(
        pair: &super::certs::Pair,
        protocols: &str,
        ws: SocketAddr,
        grpc: SocketAddr,
    ) -> Self {
        let (cert, key) = (pair.cert.display(), pair.key.display());
        Self::start(&|port, _| {
            format!(
                "map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
                 server {{\n\
                   listen 127.0.0.1:{port} ssl http2;\n\
                   ssl_certificate {cert};\n\
                   ssl_certificate_key {key};\n\
                   ssl_protocols {protocols};\n\
                   location /ws {{\n\
                     proxy_pass http://{ws};\n\
                     proxy_http_version 1.1;\n\
                     proxy_set_header Upgrade $http_upgrade;\n\
                     proxy_set_header Connection $connection_upgrade;\n\
                   }}\n\
                   location /grpc.health.v1.Health/ {{ grpc_pass grpc://{grpc}; }}\n\
                   location / {{ return 200 \"ok\\n\"; }}\n\
                 }}\n"
            )
        })
    }

    /// nginx serving https on one port with a server per (name, pair): the first is
    /// the default; the others are chosen by SNI. Each answers 200 with its name.
    pub fn sni(servers: &[(&str, &super::certs::Pair)]) -> Self {
        Self::start(&|port, _| {
            servers
                .iter()
                .enumerate()
                .map(|(i, (name, pair))| {
                    format!(
                        "server {{\n\
                           listen 127.0.0.1:{port} ssl{};\n\
                           server_name {name};\n\
                           ssl_certificate {};\n\
                           ssl_certificate_key {};\n\
                           location / {{ return 200 \"{name}\\n\"; }}\n\
                         }}\n",
                        if i == 0 { " default_server" } else { "" },
                        pair.cert.display(),
                        pair.key.display()
                    )
                })
                .collect()
        })
    }

    /// nginx with `server(port, dir)` as its http block's servers, on a free port.
    fn start(server: &dyn Fn(u16, &str) -> String) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // A free port, given to nginx (the window before it binds is small).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let d = dir.path().display().to_string();
        let conf = format!(
            "worker_processes 1;\n\
             master_process off;\n\
             daemon off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {d}/body;\n\
               proxy_temp_path {d}/proxy;\n\
               {}\n\
             }}\n",
            server(port, &d)
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).expect("write nginx.conf");
        let child = Command::new(nginx_bin().expect("checked by have_nginx"))
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_listening(addr, "nginx");
        Nginx {
            addr,
            _child: Reaped(child),
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }
}
