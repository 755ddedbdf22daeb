//! The clients' side of the terminal: lines typed on stdin, what the program prints on stdout,
//! and the few words it says to the user on stderr.

use std::io::{self, BufRead, IsTerminal, StdinLock, Write};

use crate::error::Failure;
use crate::lang::Lang;
use crate::trace;

/// Lines read from stdin, as bytes: what is typed is sent as typed, valid UTF-8 or not.
pub struct Lines {
    input: StdinLock<'static>,
    /// Whether a person types (a prompt is then worth printing).
    pub interactive: bool,
}

impl Lines {
    pub fn stdin() -> Lines {
        let stdin = io::stdin();
        Lines {
            interactive: stdin.is_terminal(),
            input: stdin.lock(),
        }
    }

    /// The next line with its `\n` (none on a last line without one); `None` at the end of
    /// the input (Ctrl+D, or the end of a file).
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        let mut line = Vec::new();
        let n = self
            .input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        Ok((n > 0).then_some(line))
    }
}

/// The line without its end (`\n` or `\r\n`).
pub fn chomp(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Writes to stdout and flushes, so what arrived shows at once. Returns false when stdout is
/// closed (`| head`): the client then ends quietly, like any Unix filter.
pub fn print(bytes: &[u8]) -> bool {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).is_ok()
}

/// A short message to the user on stderr, after the trace written so far, so the two do not
/// mix: `socklab: rôle 1 : ...`.
pub fn say(lang: Lang, fr: &str, en: &str) {
    trace::flush();
    eprintln!("socklab: {}", lang.pick(fr, en));
}
