//! `socklab`: parse the command line, prepare the packet capture, run it, exit with its code.

fn main() {
    // The grader's sandbox re-executes socklab; that child must still have one thread when it
    // enters its namespaces, so it is dispatched before anything else starts.
    if let Some(code) = socklab::grade::sandbox::inner_main() {
        std::process::exit(code);
    }
    // Parsed in the user's language: clap alone would answer --help and usage errors in English.
    let cli = socklab::cli_lang::parse_or_exit();
    // First, while the process has one thread: a demo's capture may need a namespace of its
    // own, which the kernel refuses to a threaded process.
    let packets = socklab::app::prepare_packets(&cli);
    std::process::exit(socklab::app::run(cli, packets));
}
