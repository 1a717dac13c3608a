//! `jingyou`: command-line parsing and wiring only (DESIGN.md §2).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use jingyou::cli::{self, Globals};

/// 警邮 jingyou — traffic-police business at the post-office counter.
#[derive(Parser, Debug)]
#[command(name = "jingyou", version, about, long_about = None)]
struct Cli {
    /// Data directory (default: $JINGYOU_DATA, $XDG_DATA_HOME/jingyou, ~/.local/share/jingyou)
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Config file (default: $XDG_CONFIG_HOME/jingyou/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Interface language: zh or en
    #[arg(long, global = true, value_name = "zh|en")]
    lang: Option<String>,
    /// Act on the training store (<data-dir>/training/); nothing is sent to a real hub
    #[arg(long, global = true)]
    training: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Every service in the catalogue, offered or refused at this branch
    Catalog {
        /// Machine-readable JSON (an array of services)
        #[arg(long)]
        json: bool,
        /// Print the customer guide (办事指南) of one service
        #[arg(long, value_name = "CODE")]
        guide: Option<String>,
    },
    /// Validate one identifier: id, plate, vin, phone, licence-file, decision, uscc
    Check {
        /// id | plate | vin | phone | licence-file | decision | uscc
        kind: String,
        /// The value to check (quote it if it has spaces)
        value: String,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Make N finished demo applications over the last D days (training, demos, benchmarks)
    Seed {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let globals = match Globals::new(cli.data_dir, cli.config, cli.lang.as_deref(), cli.training) {
        Ok(g) => g,
        Err(code) => return code,
    };
    match cli.command {
        None => cli::tui(&globals),
        Some(Command::Catalog { json, guide }) => cli::catalog(&globals, json, guide.as_deref()),
        Some(Command::Check { kind, value, json }) => cli::check(&globals, &kind, &value, json),
        Some(Command::Seed { count, days }) => cli::seed(&globals, count, days),
    }
}
