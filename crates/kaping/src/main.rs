use clap::Parser;

fn main() -> std::process::ExitCode {
    kacli::exit("kaping", kaping::run(kaping::cli::Cli::parse()))
}
