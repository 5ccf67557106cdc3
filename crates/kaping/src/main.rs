fn main() -> std::process::ExitCode {
    kaping::main()
}
