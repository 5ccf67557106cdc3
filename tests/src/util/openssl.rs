//! Certificates made the way users make them, by the `openssl` command: OpenSSL 3
//! marks every `openssl req -x509` certificate CA:TRUE. Self-signed ones, a chain
//! through an intermediate CA, expired ones, with RSA or ECDSA keys; PEM files in a
//! temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::certs::Pair;

/// Whether the `openssl` command is here; in CI its absence fails.
pub fn have_openssl() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    found || super::missing("the openssl command", "apt-get install -y openssl")
}

/// The key a certificate is made with.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    Rsa,
    Ecdsa,
}

impl Key {
    fn newkey(self) -> &'static [&'static str] {
        match self {
            Key::Rsa => &["-newkey", "rsa:2048"],
            Key::Ecdsa => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        }
    }
}

/// The names of the test's certificates: `localhost` and 127.0.0.1, as the issue's
/// example command gives them.
pub const SAN: &str = "subjectAltName=DNS:localhost,IP:127.0.0.1";

/// A folder of certificates made by `openssl`.
pub struct Openssl {
    dir: tempfile::TempDir,
}

impl Default for Openssl {
    fn default() -> Self {
        Self::new()
    }
}

impl Openssl {
    pub fn new() -> Self {
        Openssl {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// `openssl req -x509 -newkey ... -nodes -subj /CN=localhost -addext SAN`: the
    /// usual self-signed certificate (CA:TRUE).
    pub fn self_signed(&self, name: &str, key: Key) -> Pair {
        let pair = self.pair(name);
        self.openssl(
            &[&["req", "-x509"], key.newkey(), &["-nodes", "-days", "30"]].concat(),
            &[("-keyout", &pair.key), ("-out", &pair.cert)],
            &["-subj", "/CN=localhost", "-addext", SAN],
        );
        pair
    }

    /// A root CA (`req -x509`), an intermediate it signs, and a server certificate
    /// the intermediate signs. Returns the root, and the server's pair whose
    /// certificate file holds the chain (server, then intermediate), as nginx wants.
    pub fn chain(&self, name: &str, key: Key) -> (PathBuf, Pair) {
        let root = self.pair(&format!("{name}-root"));
        self.openssl(
            &[&["req", "-x509"], key.newkey(), &["-nodes", "-days", "30"]].concat(),
            &[("-keyout", &root.key), ("-out", &root.cert)],
            &["-subj", "/CN=kaprobe test root"],
        );
        let int = self.signed(
            &format!("{name}-intermediate"),
            key,
            "/CN=kaprobe test intermediate",
            &root,
            "basicConstraints=critical,CA:TRUE,pathlen:0\n\
             keyUsage=critical,keyCertSign,cRLSign\n",
        );
        let leaf = self.signed(
            &format!("{name}-leaf"),
            key,
            "/CN=localhost",
            &int,
            &format!(
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
                 extendedKeyUsage=serverAuth\n{SAN}\n"
            ),
        );
        let chain = self.path(&format!("{name}-chain.pem"));
        let mut pem = std::fs::read_to_string(&leaf.cert).expect("leaf");
        pem.push_str(&std::fs::read_to_string(&int.cert).expect("intermediate"));
        std::fs::write(&chain, pem).expect("write chain");
        (
            root.cert,
            Pair {
                cert: chain,
                key: leaf.key,
            },
        )
    }

    /// A certificate valid only in 2019, made by `openssl ca`: signed by `issuer`, or
    /// self-signed (and CA:TRUE, like `req -x509` makes them) without one.
    pub fn expired(&self, name: &str, key: Key, issuer: Option<&Pair>) -> Pair {
        let pair = self.pair(name);
        let csr = self.path(&format!("{name}.csr"));
        self.openssl(
            &[&["req", "-new"], key.newkey(), &["-nodes"]].concat(),
            &[("-keyout", &pair.key), ("-out", &csr)],
            &["-subj", "/CN=localhost"],
        );
        let db = self.path(&format!("{name}-db"));
        std::fs::create_dir_all(&db).expect("ca db");
        std::fs::write(db.join("index.txt"), "").expect("index");
        std::fs::write(db.join("serial"), "01\n").expect("serial");
        let constraints = if issuer.is_some() {
            "CA:FALSE"
        } else {
            "CA:TRUE"
        };
        let conf = self.path(&format!("{name}-ca.cnf"));
        std::fs::write(
            &conf,
            format!(
                "[ca]\ndefault_ca = d\n[d]\ndatabase = {db}/index.txt\nnew_certs_dir = {db}\n\
                 serial = {db}/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n\
                 [p]\ncommonName = supplied\n[ext]\nbasicConstraints = {constraints}\n{SAN}\n",
                db = db.display()
            ),
        )
        .expect("ca config");
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-startdate",
            "20190101000000Z",
            "-enddate",
            "20200101000000Z",
            "-extensions",
            "ext",
        ];
        let files: Vec<(&str, &Path)> = match issuer {
            Some(ca) => vec![("-cert", &ca.cert), ("-keyfile", &ca.key)],
            None => {
                args.push("-selfsign");
                vec![("-keyfile", &pair.key)]
            }
        };
        let mut paths = files;
        paths.extend([
            ("-config", conf.as_path()),
            ("-in", &csr),
            ("-out", &pair.cert),
        ]);
        self.openssl(&args, &paths, &[]);
        pair
    }

    /// A certificate for `subject` signed by `issuer`, with `extensions`.
    fn signed(&self, name: &str, key: Key, subject: &str, issuer: &Pair, extensions: &str) -> Pair {
        let pair = self.pair(name);
        let csr = self.path(&format!("{name}.csr"));
        self.openssl(
            &[&["req", "-new"], key.newkey(), &["-nodes"]].concat(),
            &[("-keyout", &pair.key), ("-out", &csr)],
            &["-subj", subject],
        );
        let ext = self.path(&format!("{name}.ext"));
        std::fs::write(&ext, extensions).expect("extensions");
        self.openssl(
            &["x509", "-req", "-days", "30", "-set_serial", &serial(name)],
            &[
                ("-in", &csr),
                ("-CA", &issuer.cert),
                ("-CAkey", &issuer.key),
                ("-extfile", &ext),
                ("-out", &pair.cert),
            ],
            &[],
        );
        pair
    }

    fn pair(&self, name: &str) -> Pair {
        Pair {
            cert: self.path(&format!("{name}.pem")),
            key: self.path(&format!("{name}-key.pem")),
        }
    }

    /// Runs `openssl` with `args`, then `flag path` pairs, then `tail`; its failure
    /// fails the test with what openssl said.
    fn openssl(&self, args: &[&str], paths: &[(&str, &Path)], tail: &[&str]) {
        let mut cmd = Command::new("openssl");
        cmd.args(args);
        for (flag, path) in paths {
            cmd.arg(flag).arg(path);
        }
        cmd.args(tail).current_dir(self.dir.path());
        let out = cmd.output().expect("run openssl");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A serial number unique to a certificate's name (two certificates from one
/// issuer must not share one).
fn serial(name: &str) -> String {
    let sum: u64 = name
        .bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    format!("{}", sum % 1_000_000_007 + 1)
}
