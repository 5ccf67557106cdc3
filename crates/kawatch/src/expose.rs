//! The two exposition formats, chosen by the scraper's `Accept` header as
//! Prometheus asks: OpenMetrics when it is asked for, the classic text format
//! (0.0.4) otherwise. prometheus-client writes OpenMetrics only; the classic
//! form is derived from it (a counter's HELP and TYPE name its `_total`
//! samples, no `# UNIT`, no `# EOF`), which is what `promtool check metrics`
//! and older scrapers read.

use prometheus_client::registry::Registry;

/// A format and its content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Classic,
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Classic,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Classic => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// `registry` in `format`.
pub fn encode(registry: &Registry, format: Format) -> String {
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, registry)
        .expect("writing to a String cannot fail");
    match format {
        Format::OpenMetrics => out,
        Format::Classic => classic(&out),
    }
}

/// OpenMetrics text as the classic format.
fn classic(openmetrics: &str) -> String {
    let lines: Vec<&str> = openmetrics.lines().collect();
    // Families whose samples carry `_total`: counters.
    let counters: std::collections::HashSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in lines {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let name = if counters.contains(name) {
                    format!("{name}_total")
                } else {
                    name.to_string()
                };
                out.push_str(&format!("{prefix}{name} {tail}\n"));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::gauge::Gauge;

    fn registry() -> Registry {
        let mut r = Registry::default();
        let c = Counter::<u64>::default();
        c.inc();
        r.register("demo_keepalives", "Keepalives sent", c);
        r.register("demo_up", "Up", Gauge::<i64>::default());
        r
    }

    #[test]
    fn classic_names_counters_by_their_samples_and_has_no_eof() {
        let text = encode(&registry(), Format::Classic);
        assert!(
            text.contains("# HELP demo_keepalives_total Keepalives sent."),
            "{text}"
        );
        assert!(
            text.contains("# TYPE demo_keepalives_total counter"),
            "{text}"
        );
        assert!(text.contains("demo_keepalives_total 1"), "{text}");
        assert!(text.contains("# TYPE demo_up gauge"), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
        let om = encode(&registry(), Format::OpenMetrics);
        assert!(om.contains("# TYPE demo_keepalives counter") && om.ends_with("# EOF\n"));
    }

    #[test]
    fn accept_chooses() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Classic);
        assert_eq!(Format::negotiate(None), Format::Classic);
    }
}
