//! The `vigil` binary: parse the command line, hand over to [`vigil::cli`].

fn main() -> std::process::ExitCode {
    vigil::cli::main()
}
