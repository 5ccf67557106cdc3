//! The README's examples work as written. Its Quickstart runs as one session and
//! each `sh` block of its Use section as one of its own, each in a network
//! namespace of its own (so the default ports are free, and nothing of the
//! machine's is touched): the block's `kaserve` lines start first, then every
//! command (in the Use section, every one aimed at 127.0.0.1) runs through `sh`, and must end with the status its
//! comment says (`exit N`, else 0; with `; echo $?`, the status it prints). The
//! output the Quickstart shows under a command is what the command prints, its
//! first and last lines compared with numbers and spacing aside.

use std::io::BufRead;
use std::path::Path;
use std::process::Command;

use crate::util::netns::{Daemon, Netns};

/// A fenced block of the README: its language and lines.
#[derive(Debug)]
struct Block {
    lang: String,
    lines: Vec<String>,
}

/// The fenced blocks between the heading `from` and the next `## ` heading.
fn blocks(readme: &str, from: &str) -> Vec<Block> {
    let start = readme
        .find(&format!("\n{from}\n"))
        .unwrap_or_else(|| panic!("the README has a {from} section"));
    let section = &readme[start + from.len() + 2..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for line in section.lines() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(lang), None) => {
                open = Some(Block {
                    lang: lang.to_string(),
                    lines: Vec::new(),
                })
            }
            (Some(_), Some(block)) => out.push(block),
            (None, Some(mut block)) => {
                block.lines.push(line.to_string());
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    out
}

/// A command line without its comment (two spaces or more, then `#`), and the
/// exit status the comment promises.
fn command(line: &str) -> (String, i32) {
    let (cmd, comment) = match line.find("  #") {
        Some(at) => (&line[..at], &line[at..]),
        None => (line, ""),
    };
    let status = comment
        .split("exit ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (cmd.trim().to_string(), status)
}

/// Numbers (with their units) as `#`, runs of spaces and rules as one: what
/// two runs of the same command print alike.
fn shape(line: &str) -> String {
    // Which columns fit depends on the widths of the figures.
    if line.starts_with("(not shown for the width:") {
        return "(not shown for the width: ...)".to_string();
    }
    let mut out = String::new();
    let mut chars = line.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || ".:".contains(*c))
            {
                chars.next();
            }
            for unit in ["µs", "ms", "s", "%"] {
                let rest: String = chars.clone().take(unit.chars().count()).collect();
                if rest == unit {
                    for _ in 0..unit.chars().count() {
                        chars.next();
                    }
                    break;
                }
            }
            out.push('#');
        } else if c == ' ' || c == '─' || c == '═' {
            if !out.ends_with(c) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A session: a namespace, its responders, and a directory to run in.
struct Session {
    ns: Netns,
    servers: Vec<Daemon>,
    dir: tempfile::TempDir,
    path: String,
}

impl Session {
    fn new(tag: &str) -> Option<Session> {
        let ns = Netns::new(tag)?;
        // The tools, built for the test, as the README's PATH has them.
        let bins = crate::util::bin("kaping");
        let bins = bins.parent().unwrap();
        for tool in ["kawatch", "kareport", "kaserve", "kafind"] {
            crate::util::bin(tool);
        }
        let path = format!(
            "{}:{}",
            bins.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Some(Session {
            ns,
            servers: Vec::new(),
            dir: tempfile::tempdir().unwrap(),
            path,
        })
    }

    fn cmd(&self, program: &str) -> Command {
        let mut cmd = self.ns.command(program);
        cmd.env("PATH", &self.path)
            .env("COLUMNS", "80")
            .current_dir(self.dir.path());
        cmd
    }

    /// Starts `kaserve ...` and waits until each responder listens.
    fn serve(&mut self, line: &str) {
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let responders = args
            .iter()
            .filter(|a| ["tcp", "ws", "grpc", "http"].contains(a))
            .count();
        let mut cmd = self.cmd("kaserve");
        cmd.args(&args);
        let (mut daemon, first) = Daemon::start(cmd);
        // "tcp listening on ...", or the record `"type":"listening"` with --ndjson.
        let listening = |l: &str| l.contains("listening on") || l.contains(r#""listening""#);
        assert!(listening(&first), "{line}: {first}");
        for _ in 1..responders {
            let mut more = String::new();
            daemon.stdout.read_line(&mut more).unwrap();
            assert!(listening(&more), "{line}: {more}");
        }
        self.servers.push(daemon);
    }

    /// Runs a command line through `sh`, at most a minute; its status and stdout.
    fn run(&self, line: &str) -> (i32, String, String) {
        let out = self
            .cmd("timeout")
            .args(["60", "sh", "-c", line])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the blocks in order; a `text` block is the output of the last
    /// command before it. A block's responders start when it has a command to
    /// run, or with `always` (the Quickstart's first block has only them).
    /// Returns how many commands ran.
    fn play(&mut self, blocks: &[Block], always: bool) -> usize {
        let mut ran = 0;
        let mut last: Option<(String, String)> = None;
        for block in blocks {
            if block.lang == "text" {
                let (line, stdout) = last.as_ref().expect("a command before the output");
                compare(line, &block.lines, stdout);
                continue;
            }
            if block.lang != "sh" {
                continue;
            }
            // The Quickstart's commands all run; elsewhere those aimed at loopback.
            let runs = |raw: &String| {
                let (line, _) = command(raw);
                !line.is_empty()
                    && !line.starts_with("kaserve ")
                    && (always || line.contains("127.0.0.1"))
            };
            // A block of responders alone shows their flags (on one port, often).
            if !always && !block.lines.iter().any(runs) {
                continue;
            }
            for raw in &block.lines {
                let (line, want) = command(raw);
                if line.starts_with("kaserve ") {
                    self.serve(&line);
                    continue;
                }
                if !runs(raw) {
                    continue;
                }
                let (code, stdout, stderr) = self.run(&line);
                let got = if line.contains("echo $?") {
                    stdout
                        .lines()
                        .last()
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(-1)
                } else {
                    code
                };
                assert_eq!(got, want, "{line}\n{stdout}\n{stderr}");
                assert!(!stderr.contains("panicked"), "{line}: {stderr}");
                ran += 1;
                last = Some((line, stdout));
            }
        }
        ran
    }
}

/// The first and last lines shown are the first and last printed, in shape.
fn compare(line: &str, shown: &[String], printed: &str) {
    let printed: Vec<&str> = printed.lines().filter(|l| !l.trim().is_empty()).collect();
    let shown: Vec<&String> = shown.iter().filter(|l| !l.trim().is_empty()).collect();
    assert!(!shown.is_empty() && !printed.is_empty(), "{line}: output");
    for (want, got) in [
        (shown[0].as_str(), printed[0]),
        (shown[shown.len() - 1].as_str(), printed[printed.len() - 1]),
    ] {
        assert_eq!(
            shape(want),
            shape(got),
            "{line}: the README shows\n{}\nbut it printed\n{}",
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            printed.join("\n")
        );
    }
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

#[test]
fn shapes_ignore_numbers_and_spacing() {
    assert_eq!(
        shape("idle timeout 3.00s (2.99s..3.00s): after  579µs, 85.40%"),
        shape("idle timeout 12.5s (12.4s..12.5s): after 1.02ms, 100.00%")
    );
    assert_ne!(shape("closed after 3s"), shape("silent after 3s"));
    assert_eq!(
        command("kaping -c 1 x ; echo $?   # exit 1: NOT_SERVING").1,
        1
    );
    assert_eq!(
        command("kaping -c 1 x   # a comment"),
        ("kaping -c 1 x".into(), 0)
    );
}

#[test]
fn the_quickstart_runs_as_written_and_prints_what_it_shows() {
    let blocks = blocks(&readme(), "## Quickstart");
    assert!(blocks.iter().filter(|b| b.lang == "text").count() >= 5);
    let Some(mut session) = Session::new("quick") else {
        return;
    };
    let ran = session.play(&blocks, true);
    assert!(ran >= 6, "{ran} commands");
}

#[test]
fn the_use_examples_run_against_the_responders_they_name() {
    let blocks = blocks(&readme(), "## Use");
    let sh: Vec<&Block> = blocks.iter().filter(|b| b.lang == "sh").collect();
    assert!(sh.len() >= 5, "{blocks:?}");
    // Each block in a namespace of its own, all at once.
    let ran: Vec<usize> = std::thread::scope(|s| {
        let runs: Vec<_> = sh
            .iter()
            .enumerate()
            .map(|(i, block)| {
                s.spawn(move || {
                    let Some(mut session) = Session::new(&format!("use{i}")) else {
                        return usize::MAX;
                    };
                    session.play(std::slice::from_ref(*block), false)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    if ran.contains(&usize::MAX) {
        return;
    }
    assert!(ran.iter().sum::<usize>() >= 15, "{ran:?}");
}
