//! `anshin-server`: the central service and its admin commands.

fn main() -> std::process::ExitCode {
    anshin::cli::server::main()
}
