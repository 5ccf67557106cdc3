//! Words for people: what will be tested, a line per test as it ends, then the
//! verdict in one sentence, a table of intervals and the client settings.

use std::io::{self, Write};

use kaprobe::discover::policy::{
    Condition, PolicyEvent, PolicyReport, TestOutcome, TestResult, verdict::STACKS,
};
use kaprobe::units::short;
use kawire::h2::error_name;

use super::config::Config;
use super::sentence::summary;
use kacli::Render;

pub struct Human<'a> {
    config: &'a Config,
    out: Box<dyn Write + 'a>,
}

impl<'a> Human<'a> {
    pub fn new(config: &'a Config, out: Box<dyn Write + 'a>) -> Self {
        Human { config, out }
    }

    fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }
}

impl Render<PolicyEvent, PolicyReport> for Human<'_> {
    fn start(&mut self) -> io::Result<()> {
        let (min, max) = (self.config.policy.min, self.config.policy.max);
        let line = format!(
            "kafind ping-policy {}: intervals {}..{}, one connection each",
            self.config.target,
            short(min),
            short(max)
        );
        self.line(&line)
    }

    fn event(&mut self, event: &PolicyEvent) -> io::Result<()> {
        match event {
            PolicyEvent::Evidence(e) => {
                let mut parts = Vec::new();
                if let Some(rtt) = e.call_rtt {
                    parts.push(format!("{} {}", e.call, short(rtt)));
                }
                if let Some(s) = &e.server {
                    parts.push(format!("server: {}", kacli::term::shown(s)));
                }
                if let Some(v) = &e.via {
                    parts.push(format!("via: {}", kacli::term::shown(v)));
                }
                if parts.is_empty() {
                    return Ok(());
                }
                self.line(&format!("  {}", parts.join(", ")))
            }
            PolicyEvent::Planned { tests, bound } => self.line(&format!(
                "  {tests} tests in parallel, at most about {}",
                short(*bound)
            )),
            PolicyEvent::Test(t) => {
                let line = format!(
                    "  {:>6} {:<15} {}",
                    short(t.interval),
                    cond(t.condition),
                    outcome(t)
                );
                self.line(&line)
            }
        }
    }

    fn finish(&mut self, report: &PolicyReport) -> io::Result<()> {
        let summary = summary(self.config, report);
        writeln!(self.out, "\n{}: {summary}", self.config.target)?;
        let mut table = crate::common::table(["interval", "without stream", "with stream"]);
        let mut intervals: Vec<_> = report.tests.iter().map(|t| t.interval).collect();
        intervals.dedup();
        for interval in intervals {
            let cell = |c: Condition| {
                report
                    .tests
                    .iter()
                    .find(|t| t.interval == interval && t.condition == c)
                    .map_or("-".to_string(), short_outcome)
            };
            table.add_row([
                short(interval),
                cell(Condition::WithoutStream),
                cell(Condition::WithStream),
            ]);
        }
        writeln!(self.out, "{table}")?;
        if let Some(r) = report.verdict.recommended {
            writeln!(self.out, "client keepalive inside this policy:")?;
            for stack in STACKS {
                writeln!(self.out, "  {stack:<10} {}", r.code(stack))?;
            }
        }
        writeln!(
            self.out,
            "{} connections, {}",
            report.connections,
            short(report.elapsed)
        )?;
        self.out.flush()
    }
}

fn cond(c: Condition) -> &'static str {
    match c {
        Condition::WithoutStream => "without stream",
        Condition::WithStream => "with stream",
    }
}

fn outcome(t: &TestResult) -> String {
    match &t.outcome {
        TestOutcome::Allowed => format!("allowed ({} pings answered)", t.pings),
        TestOutcome::Punished { code, debug } => format!(
            "punished on ping {}: GOAWAY {} \"{}\"",
            t.pings,
            error_name(*code),
            kacli::term::shown(debug)
        ),
        TestOutcome::Failed(c) => format!("failed: {}", kacli::term::shown(&c.to_string())),
    }
}

fn short_outcome(t: &TestResult) -> String {
    match &t.outcome {
        TestOutcome::Allowed => "allowed".into(),
        TestOutcome::Punished { .. } => format!("punished (ping {})", t.pings),
        TestOutcome::Failed(c) => format!("failed: {}", c.kind),
    }
}
