//! `jingyou-hub --listen ADDR --data DIR [--tokens FILE]`: the reference
//! receiver of the upload protocol (docs/protocol.md).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use jingyou::hub::{serve, HubConfig, Tokens};

#[derive(Parser)]
#[command(
    name = "jingyou-hub",
    version,
    about = "警邮 county hub: the reference receiver of the /v1 upload protocol"
)]
struct Args {
    /// Address to listen on (plain HTTP; terminate TLS in front), e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Directory of the hub's own store (created if missing).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// One `BRANCH TOKEN` per line; then every request but /v1/health needs a valid token.
    #[arg(long, value_name = "FILE")]
    tokens: Option<PathBuf>,
    /// Worker threads.
    #[arg(long, default_value_t = 4, value_name = "N")]
    workers: usize,
    /// No per-request log lines on stderr.
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = HubConfig::new(args.listen, args.data);
    config.workers = args.workers.clamp(1, 64);
    config.log = !args.quiet;
    config.handle_signals = true;
    match &args.tokens {
        Some(path) => match Tokens::load(path) {
            Ok(t) => config.tokens = Some(t),
            Err(e) => {
                eprintln!("jingyou-hub: {e}");
                return ExitCode::from(1);
            }
        },
        None => eprintln!(
            "jingyou-hub: warning: no --tokens file, so any branch is accepted without a token"
        ),
    }
    match serve(config) {
        Ok(handle) => {
            println!("jingyou-hub listening on http://{}", handle.local_addr());
            match handle.wait() {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("jingyou-hub: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("jingyou-hub: {e}");
            ExitCode::from(1)
        }
    }
}
