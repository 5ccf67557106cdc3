use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match kaserve::run(kaserve::cli::Cli::parse()) {
        Ok(code) => code,
        Err(err) if kacli::signal::is_broken_pipe(err.as_ref()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kaserve: {err:#}");
            ExitCode::from(2)
        }
    }
}
