//! Stopping a server cleanly on Ctrl+C.
//!
//! The veilleur is blocked in `accept`, the exécutants in `recv`: threads blocked in a system
//! call cannot look at a flag. So every socket a server blocks on is registered here, and
//! [`Shutdown::trigger`] calls `shutdown(SHUT_RDWR)` on each: the kernel wakes the blocked
//! `accept` up with `EINVAL` and the blocked `recv`s with 0 (end of stream), and every thread
//! leaves its loop by the same path as when a client leaves. Both calls appear in the trace.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::sock::{How, Socket};

#[derive(Debug, Default)]
pub struct Shutdown {
    stopping: AtomicBool,
    /// Weak, so a registered socket still closes as soon as its owner drops it.
    sockets: Mutex<Vec<Weak<Socket>>>,
}

impl Shutdown {
    pub fn new() -> Arc<Shutdown> {
        Arc::new(Shutdown::default())
    }

    /// True once the server was asked to stop.
    pub fn is_shutdown(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Registers a socket to shut down on stop. A socket registered after the stop is shut
    /// down at once, so no thread can start blocking on it after everyone else woke up.
    pub fn watch(&self, socket: &Arc<Socket>) {
        let mut list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if self.is_shutdown() {
            drop(list);
            let _ = socket.shutdown(How::Both);
            return;
        }
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(socket));
    }

    /// Forgets a socket its owner is about to close. Once this returns, no other thread holds
    /// the socket (the lock is held while [`trigger`](Self::trigger) uses it), so the owner's
    /// `close` is the one that closes it, in the owner's thread, as the trace should show.
    pub fn unwatch(&self, socket: &Arc<Socket>) {
        let mut list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(socket)));
    }

    /// Asks the server to stop: sets the flag and shuts every registered socket down.
    pub fn trigger(&self) {
        let mut list = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        self.stopping.store(true, Ordering::SeqCst);
        for weak in list.drain(..) {
            if let Some(socket) = weak.upgrade() {
                // ENOTCONN for a connection the peer already left: nothing to wake up.
                let _ = socket.shutdown(How::Both);
            }
        }
    }
}
