//! Network namespaces made by a test and removed when it ends: a place where a
//! resolver, a router or an address can be faked without touching the machine's
//! own network. They need root and iproute2; without them a test says SKIPPED
//! (in CI, where `.ci/run` runs as root, their absence fails the test).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use super::skipped;

/// A namespace with its loopback up; deleted, with its `/etc/netns` files, on drop.
pub struct Netns {
    name: String,
}

impl Netns {
    /// A fresh namespace named after `tag` and this process, or `None` (with a
    /// visible note) where namespaces cannot be made.
    pub fn new(tag: &str) -> Option<Netns> {
        let name = format!("kp-{tag}-{}", std::process::id());
        let made = Command::new("ip")
            .args(["netns", "add", &name])
            .stderr(Stdio::piped())
            .output();
        match made {
            Ok(out) if out.status.success() => {}
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    Err(e) => format!("ip: {e}"),
                };
                assert!(
                    !super::peers_required(),
                    "network namespaces are required here (run as root with iproute2): {why}"
                );
                skipped(&format!("cannot make a network namespace: {why}"));
                return None;
            }
        }
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        Some(ns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `program` run inside the namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// Runs `ip ARGS` inside the namespace; panics if it fails.
    pub fn ip(&self, args: &[&str]) {
        let out = self.command("ip").args(args).output().expect("run ip");
        assert!(
            out.status.success(),
            "ip {} in {}: {}",
            args.join(" "),
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes `/etc/resolv.conf` read `contents` for programs run in the namespace
    /// (`ip netns exec` binds `/etc/netns/NAME/resolv.conf` over it).
    pub fn resolv_conf(&self, contents: &str) {
        let dir = self.etc();
        std::fs::create_dir_all(&dir).expect("make /etc/netns/NAME");
        std::fs::write(dir.join("resolv.conf"), contents).expect("write resolv.conf");
    }

    fn etc(&self) -> PathBuf {
        PathBuf::from("/etc/netns").join(&self.name)
    }
}

/// A background process killed when dropped, so a failing test leaves none behind
/// (one still holding the test's stderr would keep `cargo test` waiting).
pub struct Daemon {
    child: Child,
    /// The rest of its stdout, after the first line.
    pub stdout: BufReader<ChildStdout>,
}

impl Daemon {
    /// Starts `cmd` with its stdout piped and returns it with its first line (a
    /// server's "ready", or its listening record).
    pub fn start(mut cmd: Command) -> (Daemon, String) {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut daemon = Daemon { child, stdout };
        let mut first = String::new();
        let _ = daemon.stdout.read_line(&mut first);
        if first.is_empty() {
            let status = daemon.child.wait();
            panic!("{cmd:?} printed nothing: {status:?}");
        }
        (daemon, first.trim_end().to_string())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(self.etc());
    }
}

/// A client, a router and a server, each a namespace, joined by veth pairs: the
/// router forwards with conntrack, drops packets of flows it no longer knows
/// (`ct state invalid drop`, loose pickup off) and forgets established flows idle
/// for `idle_secs`, as a NAT or stateful firewall does. Test addresses
/// 10.77.1.0/24 (client side) and 10.77.2.0/24 (server side) live only in these
/// namespaces.
pub struct Middlebox {
    pub client: Netns,
    pub router: Netns,
    pub server: Netns,
}

/// The server's address behind the router.
pub const SERVER_IP: &str = "10.77.2.2";

impl Middlebox {
    pub fn new(idle_secs: u32) -> Option<Middlebox> {
        if !have_tool("nft") {
            return None;
        }
        let client = Netns::new("mc")?;
        let router = Netns::new("mr")?;
        let server = Netns::new("ms")?;
        let pid = std::process::id() % 100_000;
        let (c0, r0, r1, s0) = (
            format!("kc{pid}"),
            format!("kr{pid}a"),
            format!("kr{pid}b"),
            format!("ks{pid}"),
        );
        let host = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("run ip");
            assert!(
                out.status.success(),
                "ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        host(&[
            "link",
            "add",
            &c0,
            "netns",
            client.name(),
            "type",
            "veth",
            "peer",
            "name",
            &r0,
            "netns",
            router.name(),
        ]);
        host(&[
            "link",
            "add",
            &s0,
            "netns",
            server.name(),
            "type",
            "veth",
            "peer",
            "name",
            &r1,
            "netns",
            router.name(),
        ]);
        client.ip(&["addr", "add", "10.77.1.2/24", "dev", &c0]);
        client.ip(&["link", "set", &c0, "up"]);
        client.ip(&["route", "add", "default", "via", "10.77.1.1"]);
        router.ip(&["addr", "add", "10.77.1.1/24", "dev", &r0]);
        router.ip(&["link", "set", &r0, "up"]);
        router.ip(&["addr", "add", "10.77.2.1/24", "dev", &r1]);
        router.ip(&["link", "set", &r1, "up"]);
        server.ip(&["addr", "add", "10.77.2.2/24", "dev", &s0]);
        server.ip(&["link", "set", &s0, "up"]);
        server.ip(&["route", "add", "default", "via", "10.77.2.1"]);
        let rules = "table inet kaprobe {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    ct state invalid drop\n  }\n}\n";
        let mut nft = router
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("run nft");
        use std::io::Write;
        nft.stdin
            .take()
            .unwrap()
            .write_all(rules.as_bytes())
            .unwrap();
        assert!(nft.wait().unwrap().success(), "nft rules");
        for setting in [
            "net.ipv4.ip_forward=1".to_string(),
            format!("net.netfilter.nf_conntrack_tcp_timeout_established={idle_secs}"),
            "net.netfilter.nf_conntrack_tcp_loose=0".to_string(),
        ] {
            let out = router
                .command("sysctl")
                .args(["-q", "-w", &setting])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "sysctl {setting}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(Middlebox {
            client,
            router,
            server,
        })
    }
}

impl Middlebox {
    /// The server vanishes: the router drops every packet it would forward, as
    /// when a host loses power or a route disappears (no FIN, no RST).
    pub fn cut(&self) {
        let out = self
            .router
            .command("nft")
            .args(["add", "rule", "inet", "kaprobe", "forward", "drop"])
            .output()
            .expect("run nft");
        assert!(
            out.status.success(),
            "nft drop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Whether a program the namespaces need is installed; in CI its absence fails.
fn have_tool(name: &str) -> bool {
    let found = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        .iter()
        .any(|d| std::path::Path::new(d).join(name).exists());
    if !found {
        assert!(
            !super::peers_required(),
            "{name} is required: apt-get install -y nftables"
        );
        skipped(&format!(
            "{name} not installed (apt-get install -y nftables)"
        ));
    }
    found
}
