//! `jingyou`: parses the command line and hands over to `jingyou::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jingyou::paths::private_umask();
    let cli = jingyou::cli::args::Cli::parse();
    if cli.command.is_some() {
        // A command whose output goes into `head` or a closed pager ends
        // quietly, as other command-line tools do, instead of panicking on
        // the failed write. (The screen itself never writes to a pipe.)
        jingyou::paths::default_sigpipe();
    }
    jingyou::cli::main(cli)
}
