//! The `tina-session` command.

fn main() -> std::process::ExitCode {
    eprintln!("tina-session: commands are not built yet");
    std::process::ExitCode::from(2)
}
