//! `socklab`: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() {
    let cli = socklab::cli::Cli::parse();
    std::process::exit(socklab::app::run(cli));
}
