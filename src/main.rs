//! `jingyou`: parses the command line and hands over to `jingyou::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jingyou::paths::private_umask();
    jingyou::cli::main(jingyou::cli::args::Cli::parse())
}
