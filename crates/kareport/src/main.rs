use clap::Parser;

fn main() -> std::process::ExitCode {
    kacli::exit("kareport", kareport::run(kareport::cli::Cli::parse()))
}
