use clap::Parser;

fn main() -> std::process::ExitCode {
    kacli::exit("kafind", kafind::run(kafind::cli::Cli::parse()))
}
