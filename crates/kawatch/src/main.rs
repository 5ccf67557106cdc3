use clap::Parser;

fn main() -> std::process::ExitCode {
    kacli::exit("kawatch", kawatch::run(kawatch::cli::Cli::parse()))
}
