//! A failed handshake in words, with the flag that fixes it: rustls's errors, the
//! webpki errors it passes through as `Other`, our own refusals, and TLS alerts by
//! their RFC names. rustls's and webpki's `Display` print `Debug` forms
//! (`Other(OtherError(CaUsedAsEndEntity))`), which no user should have to read.

use rustls::pki_types::UnixTime;
use rustls::{AlertDescription, CertificateError, PeerIncompatible};

use super::Side;
use super::verify::Refusal;

/// What went wrong, from `side`'s point of view (the client's or the server's).
pub(crate) fn describe(err: &rustls::Error, side: Side) -> String {
    let peer = side.peer();
    match err {
        rustls::Error::InvalidCertificate(cert) => certificate(cert, side),
        rustls::Error::AlertReceived(alert) => received(*alert, side),
        rustls::Error::NoCertificatesPresented => format!("{peer} sent no certificate"),
        rustls::Error::NoApplicationProtocol => {
            "no common application protocol (ALPN): the server speaks none of those we offered"
                .into()
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            match side {
                Side::Client => "the server did not answer in TLS: is it a plain-text \
                                 service? (try the scheme without TLS: tcp://, ws://, grpc://, http://)"
                    .into(),
                Side::Server => "the client did not speak TLS (a plain-text client?)".into(),
            }
        }
        rustls::Error::InappropriateHandshakeMessage { .. } => {
            format!("{peer} sent a handshake message out of order")
        }
        rustls::Error::PeerIncompatible(why) => incompatible(why, peer),
        rustls::Error::PeerMisbehaved(why) => {
            format!("{peer} broke the TLS protocol ({})", words_of(&format!("{why:?}")))
        }
        rustls::Error::DecryptError => format!("cannot decrypt {peer}'s records"),
        rustls::Error::PeerSentOversizedRecord => format!("{peer} sent an oversized TLS record"),
        rustls::Error::InvalidCertRevocationList(_) => {
            "a certificate revocation list is invalid".into()
        }
        rustls::Error::InconsistentKeys(_) => {
            "the certificate and the private key do not belong together".into()
        }
        rustls::Error::General(text) => text.clone(),
        other => words_of(&format!("{other:?}")),
    }
}

fn certificate(err: &CertificateError, side: Side) -> String {
    let whose = match side {
        Side::Client => "the server's certificate",
        Side::Server => "the client's certificate",
    };
    match err {
        CertificateError::UnknownIssuer => format!(
            "unknown CA: {whose} is not signed by a trusted authority \
             (pass its CA with --ca FILE, or --ca system for the OS store)"
        ),
        CertificateError::Expired => {
            format!("{whose} has expired or its validity period is invalid")
        }
        CertificateError::ExpiredContext { time, not_after } => format!(
            "{whose} expired: valid until {}, now {}",
            unix(*not_after),
            unix(*time)
        ),
        CertificateError::NotValidYet => format!("{whose} is not valid yet"),
        CertificateError::NotValidYetContext { time, not_before } => format!(
            "{whose} is not valid yet: valid from {}, now {} (is a clock wrong?)",
            unix(*not_before),
            unix(*time)
        ),
        CertificateError::NotValidForName => {
            "name mismatch: the certificate is not valid for this name (use --sni)".into()
        }
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "name mismatch: the certificate is for {}, not {} (use --sni NAME)",
            if presented.is_empty() {
                "no names".to_string()
            } else {
                presented
                    .iter()
                    .map(|p| plain_name(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            expected.to_str()
        ),
        CertificateError::BadSignature => format!("{whose} has a bad signature"),
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            format!("{whose} is signed with an algorithm we do not accept (SHA-1 or MD5?)")
        }
        CertificateError::BadEncoding => format!("{whose} is not a well-formed X.509 certificate"),
        CertificateError::Revoked => format!("{whose} has been revoked"),
        CertificateError::UnhandledCriticalExtension => {
            format!("{whose} has a critical extension we do not understand")
        }
        CertificateError::InvalidPurposeContext { .. } => match side {
            Side::Client => {
                format!("{whose} is not for servers (its extended key usage lacks serverAuth)")
            }
            Side::Server => {
                format!("{whose} is not for clients (its extended key usage lacks clientAuth)")
            }
        },
        CertificateError::ApplicationVerificationFailure => {
            format!("{whose} was refused by the verifier")
        }
        CertificateError::Other(other) => {
            let inner = other.0.as_ref();
            if let Some(refusal) = inner.downcast_ref::<Refusal>() {
                refusal.to_string()
            } else if let Some(pki) = inner.downcast_ref::<webpki::Error>() {
                webpki_words(pki, whose)
            } else {
                format!("{whose} was refused: {inner}")
            }
        }
        other => format!("{whose} was refused: {}", words_of(&format!("{other:?}"))),
    }
}

/// The webpki errors rustls does not map to a `CertificateError` of its own.
pub(crate) fn webpki_words(err: &webpki::Error, whose: &str) -> String {
    use webpki::Error as E;
    match err {
        E::CaUsedAsEndEntity => format!(
            "{whose} is a CA certificate (CA:TRUE), which is not trusted as a server's own: \
             pass it with --ca FILE"
        ),
        E::EndEntityUsedAsCa => format!(
            "{whose} chain uses a leaf certificate (CA:FALSE) as an issuer; the server \
             sends its chain in the wrong order or the wrong certificates"
        ),
        E::UnsupportedCertVersion => format!(
            "{whose} (or one in its chain) is an X.509 version 1 certificate, which is \
             not accepted; reissue it with extensions (openssl: -extfile or -addext)"
        ),
        E::PathLenConstraintViolated | E::MaximumPathDepthExceeded => {
            format!("{whose} chain is longer than its CAs allow")
        }
        E::NameConstraintViolation => {
            format!("{whose} names are outside what its CA may sign (name constraints)")
        }
        E::CertDistrusted => format!("{whose} key is distrusted"),
        E::MalformedDnsIdentifier => {
            "the name to verify is not a valid DNS name (see --sni)".into()
        }
        E::UnsupportedNameType => {
            format!("{whose} names are of a type we cannot check against the target (use --sni)")
        }
        E::MalformedExtensions | E::ExtensionValueInvalid | E::EmptyEkuExtension => {
            format!("{whose} has malformed extensions")
        }
        E::UnsupportedCriticalExtension => {
            format!("{whose} has a critical extension we do not understand")
        }
        E::SignatureAlgorithmMismatch => {
            format!("{whose} signature algorithm does not match its issuer's key")
        }
        other => format!("{whose} was refused: {}", words_of(&format!("{other:?}"))),
    }
}

fn received(alert: AlertDescription, side: Side) -> String {
    let (peer, ours) = match side {
        Side::Client => ("the server", "our client certificate"),
        Side::Server => ("the client", "our certificate"),
    };
    let name = alert_name(alert);
    match alert {
        AlertDescription::CertificateRequired => {
            "the server requires a client certificate (use --cert and --key)".into()
        }
        AlertDescription::UnknownCA | AlertDescription::BadCertificate => {
            format!("{peer} rejected {ours} (alert {name})")
        }
        AlertDescription::CertificateExpired => format!("{peer} says {ours} has expired"),
        AlertDescription::ProtocolVersion => {
            format!("{peer} speaks no TLS version we do (we speak 1.2 and 1.3; alert {name})")
        }
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => format!(
            "{peer} refused the handshake (alert {name}): no cipher suite, key exchange \
             group or signature scheme in common, or it wants a client certificate"
        ),
        AlertDescription::UnrecognisedName => {
            format!("{peer} does not serve the name we sent in SNI (alert {name}; use --sni NAME)")
        }
        AlertDescription::NoApplicationProtocol => {
            format!("{peer} speaks none of the application protocols we offered (ALPN)")
        }
        AlertDescription::AccessDenied => format!("{peer} denied access (alert {name})"),
        _ => format!("{peer} ended the handshake with alert {name}"),
    }
}

fn incompatible(why: &PeerIncompatible, peer: &str) -> String {
    use PeerIncompatible as P;
    match why {
        P::ServerDoesNotSupportTls12Or13 | P::Tls12NotOffered | P::Tls12NotOfferedOrEnabled => {
            format!("{peer} speaks no TLS version we do (we speak 1.2 and 1.3)")
        }
        P::NoCipherSuitesInCommon => format!("no cipher suite in common with {peer}"),
        P::NoKxGroupsInCommon => format!("no key exchange group in common with {peer}"),
        P::NoSignatureSchemesInCommon => format!("no signature scheme in common with {peer}"),
        other => format!(
            "{peer} is incompatible: {}",
            words_of(&format!("{other:?}"))
        ),
    }
}

/// An alert's name as RFC 8446 and OpenSSL's logs spell it (`handshake_failure`).
pub(crate) fn alert_name(alert: AlertDescription) -> String {
    let name = match u8::from(alert) {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        code => return format!("{code}"),
    };
    name.to_string()
}

/// Why a PEM file could not be read; pki-types prints the markers it missed as
/// byte lists.
pub(crate) fn pem(err: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as E;
    match err {
        E::MissingSectionEnd { .. } => "a PEM section has no END line (a truncated file?)".into(),
        E::IllegalSectionStart { .. } => "a BEGIN line is malformed".into(),
        E::Base64Decode(_) => "a PEM section is not valid base64".into(),
        E::Io(e) => e.to_string(),
        E::NoItemsFound => "no PEM items of that kind in it".into(),
        E::SectionTooLarge => "a PEM section is over 10 MB".into(),
        other => words_of(&format!("{other:?}")),
    }
}

/// `SomeCamelCase(Detail)` as `some camel case`: the last resort for a variant
/// without words of its own, never its `Debug` punctuation.
pub(crate) fn words_of(debug: &str) -> String {
    let head = debug.split(['(', '{', ' ']).next().unwrap_or(debug);
    let mut out = String::with_capacity(head.len() + 8);
    for (i, c) in head.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// rustls lists a certificate's names in their `Debug` form
/// (`DnsName("a.example")`, `IpAddress(V4(Ipv4Addr([127, 0, 0, 1])))`); people
/// want `a.example` and `127.0.0.1`.
pub(crate) fn plain_name(presented: &str) -> String {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        return dns.to_string();
    }
    if let Some(ip) = presented
        .strip_prefix("IpAddress(")
        .and_then(|r| r.strip_suffix(')'))
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
    {
        return ip.to_string();
    }
    if presented.starts_with("IpAddress(V4") {
        let digits: Vec<&str> = presented
            .split(|c: char| !c.is_ascii_digit())
            .filter(|d| !d.is_empty())
            .collect();
        // The "4"s of "V4" and "Ipv4Addr" come first; the octets are the last four.
        if let [.., a, b, c, d] = digits.as_slice() {
            return format!("{a}.{b}.{c}.{d}");
        }
    }
    presented.to_string()
}

pub(crate) fn unix(t: UnixTime) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.as_secs());
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_read_plainly() {
        assert_eq!(plain_name(r#"DnsName("other.example")"#), "other.example");
        assert_eq!(
            plain_name("IpAddress(V4(Ipv4Addr([127, 0, 0, 1])))"),
            "127.0.0.1"
        );
        assert_eq!(plain_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(plain_name("IpAddress(::1)"), "::1");
        assert_eq!(plain_name("Other"), "Other");
    }

    #[test]
    fn no_debug_punctuation_reaches_a_user() {
        let pki = rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
            std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity),
        )));
        let text = describe(&pki, Side::Client);
        assert!(
            text.contains("CA:TRUE") && text.contains("--ca FILE"),
            "{text}"
        );
        for err in [
            pki,
            rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
            rustls::Error::AlertReceived(AlertDescription::DecodeError),
            rustls::Error::PeerIncompatible(PeerIncompatible::NoKxGroupsInCommon),
            rustls::Error::PeerIncompatible(PeerIncompatible::NullCompressionRequired),
            rustls::Error::PeerMisbehaved(rustls::PeerMisbehaved::IllegalMiddleboxChangeCipherSpec),
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                std::sync::Arc::new(webpki::Error::UnsupportedCertVersion),
            ))),
            rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                std::sync::Arc::new(webpki::Error::MaximumSignatureChecksExceeded),
            ))),
        ] {
            let text = describe(&err, Side::Client);
            assert!(!camel_case(&text), "a Debug name in {text:?}");
            assert!(
                !text.contains(['{', '"', '[']),
                "Debug punctuation in {text:?}"
            );
        }
        assert_eq!(
            alert_name(AlertDescription::UnrecognisedName),
            "unrecognized_name"
        );
        assert_eq!(
            words_of("NullCompressionRequired"),
            "null compression required"
        );
    }

    /// A word like `CaUsedAsEndEntity` or `OtherError`: how Debug names variants.
    fn camel_case(text: &str) -> bool {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| {
                let mut chars = word.chars();
                chars.next().is_some_and(|c| c.is_ascii_uppercase())
                    && word.chars().any(|c| c.is_ascii_lowercase())
                    && word.chars().skip(1).any(|c| c.is_ascii_uppercase())
            })
    }

    #[test]
    fn alerts_say_who_sent_them() {
        let alert = rustls::Error::AlertReceived(AlertDescription::BadCertificate);
        assert_eq!(
            describe(&alert, Side::Client),
            "the server rejected our client certificate (alert bad_certificate)"
        );
        assert_eq!(
            describe(&alert, Side::Server),
            "the client rejected our certificate (alert bad_certificate)"
        );
        let version = describe(
            &rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
            Side::Client,
        );
        assert!(version.contains("1.2 and 1.3"), "{version}");
    }
}
