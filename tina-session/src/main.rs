//! The `tina-session` command: parse arguments, resolve configuration, run one command.

fn main() -> std::process::ExitCode {
    tina_session::cli::main()
}
