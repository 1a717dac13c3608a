//! `jingyou`: parses the command line and hands over to `jingyou::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jingyou::paths::private_umask();
    let cli = jingyou::cli::args::Cli::parse();
    if cli
        .command
        .as_ref()
        .is_some_and(|c| c.ends_quietly_on_a_closed_pipe())
    {
        // Its output going into `head` or a closed pager ends it quietly,
        // as other command-line tools do, instead of a panic on the write.
        jingyou::paths::default_sigpipe();
    }
    jingyou::cli::main(cli)
}
