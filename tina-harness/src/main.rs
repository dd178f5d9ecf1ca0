//! The `tina-harness` command: parse arguments, resolve configuration, run.

fn main() -> std::process::ExitCode {
    tina_harness::cli::main()
}
