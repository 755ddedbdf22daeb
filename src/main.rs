//! `socklab`: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() {
    // The grader's sandbox re-executes socklab; that child must still have one thread when it
    // enters its namespaces, so it is dispatched before anything else starts.
    if let Some(code) = socklab::grade::sandbox::inner_main() {
        std::process::exit(code);
    }
    let cli = socklab::cli::Cli::parse();
    std::process::exit(socklab::app::run(cli));
}
