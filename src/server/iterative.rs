//! One client at a time: accept, serve to the end, close, accept the next.
//!
//! While a client is served, the next ones are already connected (the kernel completed their
//! handshake after `listen`) and wait in the backlog; their `send`s wait in the kernel's
//! buffers. The trace shows their `accept` only after the previous `close`.

use std::sync::Arc;

use super::{AcceptError, accept_error, serve_connection};
use crate::cli::Service;
use crate::error::Failure;
use crate::explain::Lang;
use crate::server::shutdown::Shutdown;
use crate::server::stats::Stats;
use crate::sock::Socket;

pub fn run(
    listener: &Arc<Socket>,
    shutdown: &Shutdown,
    stats: &Stats,
    service: Service,
    lang: Lang,
) -> Result<(), Failure> {
    loop {
        match listener.accept() {
            Ok((conn, peer)) => {
                let conn = Arc::new(conn);
                shutdown.watch(&conn);
                serve_connection(conn, peer, service, stats, shutdown);
            }
            Err(e) => match accept_error(e, shutdown, lang) {
                AcceptError::Stop => return Ok(()),
                AcceptError::Retry => continue,
                AcceptError::Fatal(f) => return Err(f),
            },
        }
    }
}
