//! What every program of the curriculum (`exercises/`, `solutions/`) does first: start the
//! trace, name the thread, and read its own arguments.
//!
//! ```no_run
//! let lab = socklab::lab::start("client");
//! let port: u16 = lab.port_arg(1, 7777);
//! // ... socket calls, all traced ...
//! drop(lab); // every event is written out before the process ends
//! ```
//!
//! The trace is set up from options the program accepts anywhere on its command line
//! (`--trace pretty|strace|json|off`, `--trace-file PATH`, `--lang fr|en`,
//! `--explain first|always|never`), or from the environment (`SOCKLAB_TRACE`,
//! `SOCKLAB_TRACE_FILE`, `SOCKLAB_LANG`, `SOCKLAB_EXPLAIN`); those options are taken out of the
//! arguments the program sees. The grader runs programs with `SOCKLAB_TRACE=off`, so only
//! what the program itself prints is judged.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::error::Failure;
use crate::explain::ExplainMode;
use crate::lang::Lang;
use crate::{signals, trace};

/// A running lab program. Dropping it writes out every traced event.
#[derive(Debug)]
pub struct Lab {
    /// The language the program talks to its user in.
    pub lang: Lang,
    /// The program's own arguments, trace options removed; `args[0]` is the program name.
    pub args: Vec<String>,
}

impl Lab {
    /// The `i`-th argument (1 is the first after the program name), if given.
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    /// The `i`-th argument as a port number, or `default` when it is absent. A value that is
    /// no port ends the program with a message, as a usage error.
    pub fn port_arg(&self, i: usize, default: u16) -> u16 {
        match self.arg(i) {
            None => default,
            Some(p) => p.parse().unwrap_or_else(|_| {
                eprintln!(
                    "{}",
                    self.lang.pick(
                        &format!("numéro de port invalide : {p}"),
                        &format!("not a port number: {p}"),
                    )
                );
                trace::finish();
                std::process::exit(2)
            }),
        }
    }

    /// Ends the program on a failed call: writes the trace out, then prints the message (the
    /// call, the address, the errno by name, and what to try) and returns its exit code, one
    /// per kind of failure (refused, unknown host, ...; see `socklab --help`).
    pub fn exit_with(&self, failure: &Failure) -> ExitCode {
        trace::finish();
        eprintln!("{}", failure.report(self.lang));
        ExitCode::from(failure.exit_code().clamp(1, 255) as u8)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        trace::finish();
    }
}

/// Starts the trace for a lab program and names the calling thread (`client`, `main`,
/// `veilleur`). Ctrl+C writes the trace out before the program ends.
pub fn start(thread: &str) -> Lab {
    let raw: Vec<String> = std::env::args().collect();
    let (opts, args) = split_options(&raw);
    let lang = opts
        .lang
        .or_else(|| env_value("SOCKLAB_LANG"))
        .unwrap_or_else(Lang::from_env);
    let format = opts
        .format
        .or_else(|| env_value("SOCKLAB_TRACE"))
        .unwrap_or_default();
    let explain = opts
        .explain
        .or_else(|| env_value("SOCKLAB_EXPLAIN"))
        .unwrap_or_default();
    let file = opts
        .file
        .or_else(|| std::env::var_os("SOCKLAB_TRACE_FILE").map(PathBuf::from));
    let color = file.is_none()
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    colored::control::set_override(color);
    if let Err(e) = signals::install() {
        eprintln!("socklab: Ctrl+C: {e}");
    }
    let config = trace::Config {
        format,
        file,
        lang,
        explain,
        color,
        hexdump: false,
        keep: false,
        kernel_view: false,
        sockets_table: false,
        packets: false,
        one_source: false,
        helpers_hidden: false,
    };
    if let Err(e) = trace::init(config) {
        eprintln!("socklab: {e}");
    }
    // The names the curriculum's programs give their first thread, and what each one is for.
    let role = match thread {
        "client" => trace::Role::Client,
        "veilleur" => trace::Role::Veilleur,
        _ => trace::Role::Main,
    };
    trace::set_thread(thread, role);
    Lab { lang, args }
}

#[derive(Default)]
struct Options {
    format: Option<trace::Format>,
    file: Option<PathBuf>,
    lang: Option<Lang>,
    explain: Option<ExplainMode>,
}

/// Takes the trace options out of the command line (`--trace json` or `--trace=json`).
fn split_options(raw: &[String]) -> (Options, Vec<String>) {
    let mut opts = Options::default();
    let mut rest = Vec::new();
    let mut it = raw.iter();
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        if !matches!(name, "--trace" | "--trace-file" | "--lang" | "--explain") {
            rest.push(a.clone());
            continue;
        }
        let Some(value) = inline.or_else(|| it.next().cloned()) else {
            rest.push(a.clone());
            continue;
        };
        match name {
            "--trace" => opts.format = parse_value(&value),
            "--trace-file" => opts.file = Some(PathBuf::from(value)),
            "--lang" => opts.lang = parse_value(&value),
            _ => opts.explain = parse_value(&value),
        }
    }
    (opts, rest)
}

fn parse_value<T: ValueEnum>(v: &str) -> Option<T> {
    T::from_str(v, true).ok()
}

fn env_value<T: ValueEnum>(var: &str) -> Option<T> {
    std::env::var(var).ok().and_then(|v| parse_value(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn trace_options_are_taken_out_of_the_arguments() {
        let (opts, rest) = split_options(&strings(&[
            "prog",
            "--trace",
            "json",
            "localhost",
            "--lang=fr",
            "7777",
        ]));
        assert_eq!(opts.format, Some(trace::Format::Json));
        assert_eq!(opts.lang, Some(Lang::Fr));
        assert_eq!(rest, strings(&["prog", "localhost", "7777"]));
    }
}
