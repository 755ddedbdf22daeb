//! `socklab`: parse the command line, prepare the packet capture, run it, exit with its code.

use clap::Parser;

fn main() {
    let cli = socklab::cli::Cli::parse();
    // First, while the process has one thread: a demo's capture may need a namespace of its
    // own, which the kernel refuses to a threaded process.
    let packets = socklab::app::prepare_packets(&cli);
    std::process::exit(socklab::app::run(cli, packets));
}
