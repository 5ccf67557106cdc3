//! The shared test harness ([`util`]: binaries, kaserve, a fault proxy, reference
//! peers, certificates) used by the integration tests and the bench alike, and the
//! generator of the checked-in completions and man pages:
//! `cargo run -p kaprobe-tests --bin gen-docs` writes them; the `generated` test
//! fails when they are stale.

// Harness handles (servers, processes, proxies) are held, never printed.
#![allow(missing_debug_implementations, clippy::new_without_default)]

pub mod man;
pub mod util;

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

/// The command definition of every binary.
pub fn commands() -> [clap::Command; 5] {
    [
        kaping::cli::Cli::command(),
        kafind::cli::Cli::command(),
        kawatch::cli::Cli::command(),
        kareport::cli::Cli::command(),
        kaserve::cli::Cli::command(),
    ]
}

/// Every generated file: its path relative to the repository root and its bytes.
pub fn generated_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for cmd in commands() {
        let name = cmd.get_name().to_string();
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd.clone(), name.clone(), &mut buf);
            let file = match shell {
                Shell::Bash => format!("{name}.bash"),
                Shell::Zsh => format!("_{name}"),
                Shell::Fish => format!("{name}.fish"),
                Shell::Elvish => format!("{name}.elv"),
                Shell::PowerShell => format!("_{name}.ps1"),
                _ => unreachable!("shell not in the list"),
            };
            files.push((Path::new("completions").join(file), buf));
        }
        files.push((
            Path::new("man").join(format!("{name}.1")),
            man::render(&cmd),
        ));
        // A page per verb (kafind idle-timeout), as git does.
        let mut built = cmd.clone();
        built.build();
        for sub in built.get_subcommands().filter(|s| s.get_name() != "help") {
            let page = format!("{name}-{}", sub.get_name());
            let page_cmd = sub.clone().name(page.clone());
            files.push((
                Path::new("man").join(format!("{page}.1")),
                man::render(&page_cmd),
            ));
        }
    }
    files
}

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
