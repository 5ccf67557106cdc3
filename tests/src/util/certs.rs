//! Certificates made in the test: a CA, server certificates it signs (valid, for
//! another name, expired), a client certificate, and a self-signed stranger, all
//! written as PEM files into a temporary folder.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    date_time_ymd,
};

/// A (certificate, key) pair on disk.
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub struct Pki {
    dir: tempfile::TempDir,
    /// The CA certificate, to pass to --ca / --tls-client-ca.
    pub ca: PathBuf,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "kaprobe test CA");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, cert.pem()).unwrap();
        Pki {
            dir,
            ca,
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names`, signed by the CA.
    pub fn server(&self, file: &str, names: &[&str]) -> Pair {
        self.leaf(file, names, false, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A server certificate for 127.0.0.1 whose validity ended in 2020.
    pub fn expired_server(&self, file: &str) -> Pair {
        self.leaf(
            file,
            &["127.0.0.1", "localhost"],
            true,
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate signed by the CA.
    pub fn client(&self, file: &str) -> Pair {
        self.leaf(
            file,
            &["kaping-client"],
            false,
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    /// A self-signed certificate no CA vouches for.
    pub fn stranger(&self, file: &str) -> Pair {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        self.write(file, &cert.pem(), &key.serialize_pem())
    }

    fn leaf(
        &self,
        file: &str,
        names: &[&str],
        expired: bool,
        usage: ExtendedKeyUsagePurpose,
    ) -> Pair {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        if expired {
            params.not_before = date_time_ymd(2019, 1, 1);
            params.not_after = date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        self.write(file, &cert.pem(), &key.serialize_pem())
    }

    fn write(&self, file: &str, cert: &str, key: &str) -> Pair {
        let pair = Pair {
            cert: self.dir.path().join(format!("{file}.pem")),
            key: self.dir.path().join(format!("{file}-key.pem")),
        };
        std::fs::write(&pair.cert, cert).unwrap();
        std::fs::write(&pair.key, key).unwrap();
        pair
    }
}
