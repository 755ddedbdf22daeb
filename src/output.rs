//! The program's own output on stdout (banners, summaries, what a client received).
//!
//! stdout may be a pipe that closed (`socklab serve echo | head -1`): Rust ignores SIGPIPE, so
//! a write then fails with EPIPE, and `println!` would panic. A socket tool that lost its
//! reader goes on with its sockets, so failures to write here are ignored.

use std::io::Write;

/// Writes `text` to stdout and flushes it, so it shows at once even through a pipe.
pub fn say(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_ref().as_bytes());
    let _ = out.flush();
}

/// Writes `text` and a newline.
pub fn say_line(text: impl AsRef<str>) {
    say(format!("{}\n", text.as_ref()));
}
