//! Sets up what every command shares (language, Ctrl+C, trace), runs the command, and turns
//! its outcome into a message and an exit code.

use std::io::IsTerminal;

use crate::cli::{Cli, ColorChoice, Command};
use crate::error::exit;
use crate::explain::Lang;
use crate::{bench, clients, server, signals, trace};

/// Runs the command and returns the process's exit code.
pub fn run(cli: Cli) -> i32 {
    let lang = cli.global.lang.unwrap_or_else(Lang::from_env);
    if let Err(e) = signals::install() {
        eprintln!("socklab: cannot install the Ctrl+C handler: {e}");
        return exit::FAILURE;
    }
    let color = match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            cli.global.trace_file.is_none()
                && std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    // The renderer decides per output; the crate-wide switch only has to let colour through.
    colored::control::set_override(color);
    let config = trace::Config {
        format: cli.global.trace,
        file: cli.global.trace_file.clone(),
        lang,
        explain: cli.global.explain,
        color,
        hexdump: cli.global.hexdump,
    };
    if let Err(e) = trace::init(config) {
        eprintln!("socklab: {e}");
        return exit::FAILURE;
    }
    let outcome = match &cli.command {
        Command::Serve(args) => server::run(args, lang),
        Command::Connect(args) => clients::run(args, lang),
        Command::Bench(args) => bench::run(args, lang),
    };
    // Everything traced is written before the error message, so the message comes last.
    trace::finish();
    match outcome {
        Ok(()) => exit::OK,
        Err(failure) => {
            eprintln!("{}", failure.report(lang));
            failure.exit_code()
        }
    }
}
