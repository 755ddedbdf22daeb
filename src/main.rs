//! `socklab`: parse the command line, run it, exit with its code.

fn main() {
    // Parsed in the user's language: clap alone would answer --help and usage errors in English.
    let cli = socklab::cli_lang::parse_or_exit();
    std::process::exit(socklab::app::run(cli));
}
