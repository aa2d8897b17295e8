//! The `prove` command. See `prove --help` and the README.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
