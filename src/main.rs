//! `jingyou`: parses the command line and hands over to `jingyou::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jingyou::cli::main(jingyou::cli::args::Cli::parse())
}
