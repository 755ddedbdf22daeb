//! One thread, every client: `poll` on the listening socket and on each connection, then serve
//! whichever is ready. The labs' `select.select` version.
//!
//! The loop only calls `accept` on the listening socket when poll said a connection is
//! waiting, and `recv` on a connection when poll said bytes (or the end of the stream) are
//! there: neither call can block, so no client can hold up the others while it is silent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{AcceptError, Ctx, accept_error, admit, close_and_record, conversation, leave};
use crate::error::Failure;
use crate::server::stats::Counts;
use crate::services::{Conversation, Flow, Out};
use crate::sock::{self, PollFd, Socket};
use crate::trace::{self, Note};

/// A connected client and where its conversation stands.
struct Client {
    sock: Arc<Socket>,
    peer: SocketAddr,
    conv: Box<dyn Conversation>,
    counts: Counts,
    last_heard: Instant,
}

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    let mut clients: Vec<Client> = Vec::new();
    let mut listening = true;
    let mut buf = vec![0u8; ctx.recv_size];
    while listening || !clients.is_empty() {
        // The list poll watches: the listening socket first (while it accepts), then each
        // client, as the labs build `[s] + l` before calling select.
        let mut fds: Vec<PollFd> = Vec::with_capacity(clients.len() + 1);
        if listening {
            fds.push(PollFd::readable(&**listener));
        }
        fds.extend(clients.iter().map(|c| PollFd::readable(&*c.sock)));
        let timeout = ctx.idle.map(|idle| next_idle_deadline(&clients, idle));
        if let Err(e) = sock::poll(&mut fds, timeout) {
            return Err(Failure::new("poll", e));
        }
        let mut ready = fds.iter().map(|p| p.is_ready());
        if listening && ready.next() == Some(true) {
            match listener.accept() {
                Ok((conn, peer)) => {
                    if let Some(c) = welcome(conn, peer, ctx) {
                        clients.push(c);
                    }
                }
                Err(e) => match accept_error(e, ctx) {
                    AcceptError::Stop => listening = false,
                    AcceptError::Retry => {}
                    AcceptError::Fatal(f) => return Err(f),
                },
            }
        }
        // Clients that are ready, then the ones silent for too long.
        let ready: Vec<bool> = ready.collect();
        let mut keep = Vec::with_capacity(clients.len());
        for (client, is_ready) in clients
            .drain(..)
            .zip(ready.into_iter().chain(std::iter::repeat(false)))
        {
            let client = if is_ready {
                serve_ready(client, &mut buf, ctx)
            } else {
                Some(client)
            };
            match client {
                Some(c) if ctx.idle.is_some_and(|idle| c.last_heard.elapsed() >= idle) => {
                    trace::note(Note::IdleClose { peer: Some(c.peer) });
                    finish(c, ctx);
                }
                Some(c) => keep.push(c),
                None => {}
            }
        }
        clients = keep;
    }
    Ok(())
}

/// A new connection: admitted (or refused), watched for Ctrl+C, greeted by the service.
fn welcome(conn: Socket, peer: SocketAddr, ctx: &Ctx) -> Option<Client> {
    if !admit(&conn, peer, ctx) {
        return None;
    }
    let sock = Arc::new(conn);
    ctx.shutdown.watch(&sock);
    let mut client = Client {
        sock,
        peer,
        conv: conversation(ctx)?,
        counts: Counts::default(),
        last_heard: Instant::now(),
    };
    let flow = client
        .conv
        .open(&mut Out::new(&client.sock, &mut client.counts));
    match flow {
        Ok(Flow::Continue) => Some(client),
        Ok(Flow::Close) => {
            finish(client, ctx);
            None
        }
        // The failed call is in the trace with its errno; the client is let go.
        Err(_) => {
            finish(client, ctx);
            None
        }
    }
}

/// One `recv` on a client poll reported ready; `None` once the client is gone.
fn serve_ready(mut c: Client, buf: &mut [u8], ctx: &Ctx) -> Option<Client> {
    let n = match c.sock.recv(buf) {
        Ok(n) => n,
        Err(_) => {
            finish(c, ctx);
            return None;
        }
    };
    if n == 0 {
        // The end of the stream: the client left. Close its socket and drop it from the list,
        // as the lab does with `l.remove(sc)`.
        finish(c, ctx);
        return None;
    }
    c.last_heard = Instant::now();
    c.counts.bytes_in += n as u64;
    match c
        .conv
        .data(&buf[..n], &mut Out::new(&c.sock, &mut c.counts))
    {
        // After Ctrl+C, each client is let go once its exchange in progress is answered (a
        // client that keeps talking would otherwise keep the server running).
        Ok(Flow::Continue) if ctx.shutdown.is_shutdown() => {
            finish(c, ctx);
            None
        }
        Ok(Flow::Continue) => Some(c),
        Ok(Flow::Close) => {
            finish(c, ctx);
            None
        }
        Err(_) => {
            finish(c, ctx);
            None
        }
    }
}

fn finish(c: Client, ctx: &Ctx) {
    close_and_record(c.sock, c.peer, c.counts, ctx);
    leave(ctx);
}

/// How long poll may wait before the next client reaches its idle timeout.
fn next_idle_deadline(clients: &[Client], idle: Duration) -> Duration {
    clients
        .iter()
        .map(|c| idle.saturating_sub(c.last_heard.elapsed()))
        .min()
        .unwrap_or(idle)
}
