//! `anshin`: the client for care managers.

fn main() -> std::process::ExitCode {
    anshin::cli::client::main()
}
