//! Thread per connection: the veilleur accepts, one exécutant per client.
//!
//! The veilleur (this function, on the main thread) owns the listening socket and does
//! nothing but `accept`. Each accepted socket is moved into a new exécutant thread, which
//! owns it from then on: it serves the client, closes the socket and ends. The veilleur keeps
//! the threads' handles so that, on Ctrl+C, it waits for every exécutant before the summary.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::{AcceptError, accept_error, serve_connection};
use crate::cli::Service;
use crate::error::Failure;
use crate::explain::Lang;
use crate::server::shutdown::Shutdown;
use crate::server::stats::Stats;
use crate::sock::Socket;
use crate::trace;

/// An exécutant needs little stack: its buffer is 1.5 KiB and everything else is on the heap.
/// Small stacks let a server hold a thousand clients in little memory.
const EXECUTANT_STACK: usize = 256 * 1024;

pub fn run(
    listener: &Arc<Socket>,
    shutdown: &Arc<Shutdown>,
    stats: &Arc<Stats>,
    service: Service,
    lang: Lang,
) -> Result<(), Failure> {
    let mut executants: Vec<JoinHandle<()>> = Vec::new();
    let mut count = 0u64;
    let result = loop {
        match listener.accept() {
            Ok((conn, peer)) => {
                count += 1;
                let name = format!("exécutant-{count}");
                trace::note(format!(
                    "veilleur → {name}: fd {} ({peer}) handed over",
                    conn.fd()
                ));
                let conn = Arc::new(conn);
                shutdown.watch(&conn);
                let stats = Arc::clone(stats);
                let shutdown = Arc::clone(shutdown);
                let thread_name = name.clone();
                let spawned = std::thread::Builder::new()
                    .name(name.clone())
                    .stack_size(EXECUTANT_STACK)
                    .spawn(move || {
                        trace::set_thread_name(&thread_name);
                        serve_connection(conn, peer, service, &stats, &shutdown);
                        trace::note(format!("{thread_name} ends"));
                    });
                match spawned {
                    Ok(handle) => executants.push(handle),
                    // The closure (and the socket in it) is dropped: the client is closed.
                    Err(e) => eprintln!("socklab: {name}: cannot start a thread: {e}"),
                }
                // Forget the exécutants that already ended, so the list stays short.
                executants.retain(|h| !h.is_finished());
            }
            Err(e) => match accept_error(e, shutdown, lang) {
                AcceptError::Stop => break Ok(()),
                AcceptError::Retry => continue,
                AcceptError::Fatal(f) => break Err(f),
            },
        }
    };
    for handle in executants {
        let _ = handle.join();
    }
    result
}
