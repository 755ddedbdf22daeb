//! The relay server (RES 302, exercises 2.1 to 2.3): it waits for two clients, tells the first
//! it is the emitter (`1`) and the second it is the receiver (`2`), then forwards everything
//! the emitter sends to the receiver. When the emitter leaves, the receiver is closed and the
//! server waits for the next pair.
//!
//! `--mode iterative` forwards on the main thread, one pair at a time, as in the lab.
//! `--mode threads`: the veilleur pairs clients and hands each pair to an exécutant.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::threads::Executants;
use super::{BUF_SIZE, Ctx, accept_next, admit, close_and_record, leave};
use crate::error::Failure;
use crate::kinds::Mode;
use crate::server::stats::Counts;
use crate::sock::{How, Socket};
use crate::trace::{self, Note};

/// One side of a pair.
struct Member {
    sock: Arc<Socket>,
    peer: SocketAddr,
    counts: Counts,
}

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>, mode: Mode) -> Result<(), Failure> {
    let mut executants = Executants::new();
    loop {
        let Some(emitter) = take_member(listener, ctx, b"1")? else {
            break;
        };
        let Some(receiver) = take_member(listener, ctx, b"2")? else {
            finish(emitter, ctx);
            break;
        };
        trace::note(Note::RelayPair {
            emitter: emitter.peer,
            receiver: receiver.peer,
        });
        match mode {
            Mode::Threads => {
                let ctx = Arc::clone(ctx);
                let (sock, peer) = (Arc::clone(&receiver.sock), receiver.peer);
                executants.spawn(sock, peer, move |_, _| forward(emitter, receiver, &ctx));
            }
            _ => forward(emitter, receiver, ctx),
        }
    }
    executants.join();
    Ok(())
}

/// Accepts the next client and sends it its role, as the lab's server does "immediately after
/// accepting the connection".
fn take_member(listener: &Socket, ctx: &Ctx, role: &[u8]) -> Result<Option<Member>, Failure> {
    while let Some((conn, peer)) = accept_next(listener, ctx)? {
        if !admit(&conn, peer, ctx) {
            continue;
        }
        let sock = Arc::new(conn);
        ctx.shutdown.watch(&sock);
        let mut member = Member {
            sock,
            peer,
            counts: Counts::default(),
        };
        match member.sock.sendall(role) {
            Ok(()) => {
                member.counts.bytes_out += role.len() as u64;
                return Ok(Some(member));
            }
            // Gone before it got its role: forget it and wait for another.
            Err(_) => finish(member, ctx),
        }
    }
    Ok(None)
}

/// Forwards the emitter's bytes to the receiver until the emitter leaves, then closes both.
fn forward(mut emitter: Member, mut receiver: Member, ctx: &Ctx) {
    let mut buf = vec![0u8; ctx.recv_size];
    loop {
        let n = match emitter.sock.recv(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => break,
        };
        emitter.counts.bytes_in += n as u64;
        if receiver.sock.sendall(&buf[..n]).is_err() {
            // The receiver left: nobody to forward to any more, the pair is over.
            break;
        }
        receiver.counts.bytes_out += n as u64;
    }
    // The emitter left: the receiver's `recv` will return 0 once this close is done.
    end_gently(&mut receiver);
    finish(receiver, ctx);
    finish(emitter, ctx);
}

/// How long the relay waits for a receiver to close its side once it was told the stream
/// ended.
const DRAIN: Duration = Duration::from_secs(1);

/// Ends the receiver's connection without losing the end of the forwarded stream.
///
/// The relay never reads what a receiver sends. Closing a socket with unread bytes makes the
/// kernel reset the connection at once and throw away what it had not sent yet: the last
/// forwarded bytes, if the receiver was slow to read them. So: `shutdown(SHUT_WR)` (what is
/// queued still goes out, then FIN), then read and drop what the receiver sent until it closes
/// too (at most [`DRAIN`]), and only then `close`.
fn end_gently(receiver: &mut Member) {
    if receiver.sock.shutdown(How::Write).is_err() {
        return;
    }
    if receiver.sock.set_recv_timeout(Some(DRAIN)).is_err() {
        return;
    }
    // What is read here is dropped: the labs' size, whatever --recv-size says.
    let mut buf = [0u8; BUF_SIZE];
    while let Ok(n) = receiver.sock.recv(&mut buf) {
        if n == 0 {
            break;
        }
        receiver.counts.bytes_in += n as u64;
    }
}

fn finish(m: Member, ctx: &Ctx) {
    close_and_record(m.sock, m.peer, m.counts, ctx);
    leave(ctx);
}
