//! One client at a time: accept, serve to the end, close, accept the next.
//!
//! While a client is served, the next ones are already connected (the kernel completed their
//! handshake after `listen`) and wait in the backlog; what they send waits in the kernel's
//! buffers. The trace shows their `accept` only after the previous `close`.

use std::sync::Arc;

use super::{Ctx, accept_next, admit, leave, serve_connection};
use crate::error::Failure;
use crate::sock::Socket;

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    while let Some((conn, peer)) = accept_next(listener, ctx)? {
        if !admit(&conn, peer, ctx) {
            continue;
        }
        let conn = Arc::new(conn);
        ctx.shutdown.watch(&conn);
        serve_connection(conn, peer, ctx);
        leave(ctx);
    }
    Ok(())
}
