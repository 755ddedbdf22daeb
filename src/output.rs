//! The program's own output on stdout (banners, summaries, what a client received).
//!
//! stdout may be a pipe that closed (`socklab serve echo | head -1`): Rust ignores SIGPIPE, so
//! a write then fails with EPIPE, and `println!` would panic. A socket tool that lost its
//! reader goes on with its sockets, so failures to write here are ignored.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set in a forked exécutant process (`serve --mode fork`), whose stdout is written without
/// Rust's `Stdout`, see [`raw_stdout`].
static RAW: AtomicBool = AtomicBool::new(false);

/// From now on this process writes its output with `write(2)` on fd 1 directly, neither
/// through Rust's stdout lock nor through its buffer. For a child process just forked from a
/// multithreaded one: if another thread of the parent held the lock at the moment of the
/// fork, it stays held in the child for ever and the first `println!` would hang; and what
/// sat in the buffer would be written twice, once by each process.
pub fn raw_stdout() {
    RAW.store(true, Ordering::Relaxed);
}

/// Writes `text` to stdout and flushes it, so it shows at once even through a pipe.
pub fn say(text: impl AsRef<str>) {
    if RAW.load(Ordering::Relaxed) {
        write_raw(text.as_ref().as_bytes());
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_ref().as_bytes());
    let _ = out.flush();
}

/// Writes `text` and a newline.
pub fn say_line(text: impl AsRef<str>) {
    say(format!("{}\n", text.as_ref()));
}

/// All of `bytes` to fd 1, in as few `write` calls as the kernel allows.
fn write_raw(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writes from a live buffer of `bytes.len()` bytes.
        let n = unsafe { libc::write(1, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[n as usize..];
    }
}
