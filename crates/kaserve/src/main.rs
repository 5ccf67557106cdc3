use clap::Parser;

fn main() -> std::process::ExitCode {
    kacli::exit("kaserve", kaserve::run(kaserve::cli::Cli::parse()))
}
