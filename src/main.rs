//! The `vigil` binary. It only hands over: [`vigil::cli::main`] parses the
//! command line and runs the command, so tests drive exactly what ships.

fn main() -> std::process::ExitCode {
    vigil::cli::main()
}
