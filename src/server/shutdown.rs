//! Stopping a server cleanly on Ctrl+C.
//!
//! The veilleur is blocked in `accept`, the exécutants in `recv`: threads blocked in a system
//! call cannot look at a flag. So every socket a server blocks on is registered here, and
//! [`Shutdown::trigger`] wakes them through the kernel:
//!
//! - the listening socket gets `shutdown(SHUT_RDWR)`: the blocked `accept` returns `EINVAL`,
//!   and no new client is taken;
//! - each connection gets `shutdown(SHUT_RD)`: its blocked `recv` returns 0, as if the client
//!   had left, while an answer being sent still goes out whole. Each exécutant thus finishes
//!   the exchange in progress and leaves its loop by the usual path;
//! - after a grace period, whatever is still registered (an exécutant stuck sending to a client
//!   that does not read) gets `shutdown(SHUT_RDWR)`, which makes that `send` fail at once.
//!
//! All of these calls appear in the trace, made by the Ctrl+C thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use crate::sock::{How, Socket};

/// How long exécutants may take to finish their exchange after Ctrl+C.
pub const GRACE: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Entry {
    /// Weak, so a registered socket still closes as soon as its owner drops it.
    socket: Weak<Socket>,
    /// What the first Ctrl+C does to it.
    first: How,
}

#[derive(Debug, Default)]
pub struct Shutdown {
    stopping: AtomicBool,
    /// Set when the server has finished: a late grace period then has nothing to do.
    done: AtomicBool,
    sockets: Mutex<Vec<Entry>>,
}

impl Shutdown {
    pub fn new() -> Arc<Shutdown> {
        Arc::new(Shutdown::default())
    }

    /// True once the server was asked to stop.
    pub fn is_shutdown(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Registers a listening socket (or a UDP socket): stopped at once on Ctrl+C.
    pub fn watch_listener(&self, socket: &Arc<Socket>) {
        self.register(socket, How::Both);
    }

    /// Registers a connection: on Ctrl+C it may finish the exchange in progress.
    pub fn watch(&self, socket: &Arc<Socket>) {
        self.register(socket, How::Read);
    }

    fn register(&self, socket: &Arc<Socket>, first: How) {
        let mut list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        // A socket registered after the stop is shut down at once, so no thread can start
        // blocking on it after everyone else woke up.
        if self.is_shutdown() {
            let _ = socket.shutdown(first);
        }
        list.retain(|e| e.socket.strong_count() > 0);
        list.push(Entry {
            socket: Arc::downgrade(socket),
            first,
        });
    }

    /// Forgets a socket its owner is about to close. Once this returns, no other thread holds
    /// the socket (the lock is held while a shutdown uses it), so the owner's `close` is the
    /// one that closes it, in the owner's thread, as the trace should show.
    pub fn unwatch(&self, socket: &Arc<Socket>) {
        let mut list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|e| {
            e.socket.strong_count() > 0 && !std::ptr::eq(e.socket.as_ptr(), Arc::as_ptr(socket))
        });
    }

    /// Asks the server to stop: sets the flag, wakes every registered socket up, and after
    /// [`GRACE`] forces whatever is still open.
    pub fn trigger(self: &Arc<Self>) {
        self.shut_all(None);
        let me = Arc::clone(self);
        // Detached: if the server finishes first, the process exits and this thread with it.
        let _ = std::thread::Builder::new()
            .name("grace".into())
            .spawn(move || {
                std::thread::sleep(GRACE);
                me.shut_all(Some(How::Both));
            });
    }

    /// While the guard lives, no socket is being shut down by another thread: the Ctrl+C and
    /// grace threads wait for it. The fork mode forks under it, so that the child never
    /// inherits a socket's lock taken by one of those threads in the middle of a call (in the
    /// child nothing would ever release it).
    pub fn hold(&self) -> MutexGuard<'_, impl Sized> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Says the server has finished serving: nothing is shut down after this.
    pub fn finished(&self) {
        let _list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        self.done.store(true, Ordering::SeqCst);
    }

    fn shut_all(&self, how: Option<How>) {
        let list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        self.stopping.store(true, Ordering::SeqCst);
        if self.done.load(Ordering::SeqCst) {
            return;
        }
        for entry in list.iter() {
            if let Some(socket) = entry.socket.upgrade() {
                // ENOTCONN for a connection the peer already left: nothing to wake up.
                let _ = socket.shutdown(how.unwrap_or(entry.first));
            }
        }
    }
}
