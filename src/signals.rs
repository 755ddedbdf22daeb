//! Ctrl+C, without ever interrupting a traced call.
//!
//! The ctrlc crate runs its handler on a thread of its own. [`install`] starts that thread
//! first, then blocks SIGINT, SIGTERM and SIGHUP in the calling (main) thread; every thread
//! started afterwards inherits the blocked mask. The kernel therefore delivers the signal to
//! the ctrlc thread only, and no `accept` or `recv` in the program is ever interrupted by it
//! (strace would show such a call as `= ? ERESTARTSYS` and run it again, which would make the
//! trace and strace disagree). The handler then stops the program the polite way: a server
//! shuts its sockets down, which wakes its blocked calls.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::trace;

type Handler = Box<dyn Fn() + Send>;

static HANDLER: Mutex<Option<Handler>> = Mutex::new(None);
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Exit status after a second Ctrl+C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: i32 = 130;

/// Installs the Ctrl+C handler and blocks the signals in the calling thread. Call it first in
/// `main`, before any other thread starts.
pub fn install() -> std::io::Result<()> {
    // The signal mask survives `execve`: a socklab started by a program that had these
    // signals blocked (another socklab, such as `socklab bench` starting its server) would
    // start with them blocked, the ctrlc thread too, and Ctrl+C would never arrive. Unblock
    // them first, so the ctrlc thread created next can receive them.
    mask_signals(libc::SIG_UNBLOCK);
    ctrlc::set_handler(|| {
        // A step prompt may have the terminal in one-key mode: give it back first.
        crate::step::restore_terminal();
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 {
            let guard = HANDLER.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(h) = guard.as_ref() {
                h();
                return;
            }
            drop(guard);
            // No command asked for a clean stop: write the trace out and leave.
            trace::finish();
            std::process::exit(INTERRUPTED);
        }
        // A second Ctrl+C: the user wants out now.
        std::process::exit(INTERRUPTED);
    })
    .map_err(std::io::Error::other)?;
    mask_signals(libc::SIG_BLOCK);
    Ok(())
}

/// Blocks or unblocks (`how`) SIGINT, SIGTERM and SIGHUP in the calling thread.
fn mask_signals(how: libc::c_int) {
    // SAFETY: plain signal-set manipulation on a zeroed set, then pthread_sigmask on the
    // calling thread only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGHUP);
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// What the first Ctrl+C does (a server: stop accepting and shut its sockets down).
pub fn on_interrupt(f: impl Fn() + Send + 'static) {
    *HANDLER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
}
