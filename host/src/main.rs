//! The `wconfd` binary: confd's command line over the wconfd library.

use std::process::ExitCode;

fn main() -> ExitCode {
    wconfd::cli::main_with_args(std::env::args().skip(1).collect())
}
