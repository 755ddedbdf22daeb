//! Thread per connection: the veilleur accepts, one exécutant per client.
//!
//! The veilleur (this function, on the main thread) owns the listening socket and does
//! nothing but `accept`. Each accepted socket is moved into a new exécutant thread, which
//! owns it from then on: it serves the client, closes the socket and ends. The veilleur keeps
//! the threads' handles so that, on Ctrl+C, it waits for every exécutant before the summary.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::{Ctx, accept_next, admit, leave, serve_connection};
use crate::error::Failure;
use crate::sock::Socket;
use crate::trace::{self, Note};

/// An exécutant needs little stack: its buffer is 1.5 KiB and everything else is on the heap.
/// Small stacks let a server hold a thousand clients in little memory.
pub const EXECUTANT_STACK: usize = 256 * 1024;

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    let mut executants = Executants::new();
    while let Some((conn, peer)) = accept_next(listener, ctx)? {
        if !admit(&conn, peer, ctx) {
            continue;
        }
        let conn = Arc::new(conn);
        ctx.shutdown.watch(&conn);
        let ctx = Arc::clone(ctx);
        executants.spawn(conn, peer, move |conn, peer| {
            serve_connection(conn, peer, &ctx);
            leave(&ctx);
        });
    }
    executants.join();
    Ok(())
}

/// The exécutant threads a veilleur started, numbered in accept order.
pub struct Executants {
    handles: Vec<JoinHandle<()>>,
    count: u32,
}

impl Default for Executants {
    fn default() -> Executants {
        Executants::new()
    }
}

impl Executants {
    pub fn new() -> Executants {
        Executants {
            handles: Vec::new(),
            count: 0,
        }
    }

    /// Hands `conn` over to a new exécutant running `serve`. The hand-over and the thread's end
    /// appear in the trace as notes (they are no system calls).
    pub fn spawn(
        &mut self,
        conn: Arc<Socket>,
        peer: SocketAddr,
        serve: impl FnOnce(Arc<Socket>, SocketAddr) + Send + 'static,
    ) {
        self.count += 1;
        let name = format!("exécutant-{}", self.count);
        trace::note(Note::HandOver {
            fd: conn.fd(),
            peer,
            executant: self.count,
        });
        let thread_name = name.clone();
        let spawned = std::thread::Builder::new()
            .name(name.clone())
            .stack_size(EXECUTANT_STACK)
            .spawn(move || {
                trace::set_thread(&thread_name, trace::Role::Executant);
                serve(conn, peer);
                trace::note(Note::ThreadEnd);
            });
        match spawned {
            Ok(handle) => self.handles.push(handle),
            // The closure, and the socket in it, is dropped: the client is closed.
            Err(e) => eprintln!("socklab: {name}: cannot start a thread: {e}"),
        }
        // Forget the exécutants that already ended, so the list stays short.
        self.handles.retain(|h| !h.is_finished());
    }

    /// Waits for every exécutant to end.
    pub fn join(self) {
        for handle in self.handles {
            let _ = handle.join();
        }
    }
}
