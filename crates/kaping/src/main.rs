use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match kaping::run(kaping::cli::Cli::parse()) {
        Ok(code) => code,
        Err(err) if kacli::signal::is_broken_pipe(err.as_ref()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kaping: {err:#}");
            ExitCode::from(2)
        }
    }
}
