//! The UDP server: one socket, no connection, no accept. Each datagram is read with
//! `recvfrom`, which also says who sent it, and answered with `sendto` to that address.
//!
//! Datagram boundaries are kept: one `sendto` by a client is one `recvfrom` here. A datagram
//! longer than the buffer would be cut by the kernel without a word; the server asks for
//! `MSG_TRUNC`, which makes `recvfrom` return the datagram's real length, and reports it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{BUF_SIZE, Ctx};
use crate::kinds::Service;
use crate::error::Failure;
use crate::server::stats::{ConnRecord, Counts};
use crate::services;
use crate::sock::Socket;
use crate::trace::{self, Note};

pub fn run(sock: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    let mut peers: BTreeMap<SocketAddr, Counts> = BTreeMap::new();
    let result = match ctx.service {
        Service::Relay => relay(sock, ctx, &mut peers),
        _ => answer_loop(sock, ctx, &mut peers),
    };
    for (peer, counts) in peers {
        ctx.stats.record(ConnRecord {
            thread: trace::thread_name(),
            peer,
            counts,
        });
    }
    result
}

/// Receives one datagram. `Ok(None)` when the server is stopping (Ctrl+C shut the socket down,
/// which wakes `recvfrom` up with no datagram).
fn receive(
    sock: &Socket,
    buf: &mut [u8],
    ctx: &Ctx,
) -> Result<Option<(usize, SocketAddr)>, Failure> {
    match sock.recvfrom_full(buf) {
        Ok((len, peer)) => {
            if len > buf.len() {
                let note = Note::Truncated {
                    len,
                    cap: buf.len(),
                    peer,
                };
                eprintln!("socklab: {}", note.text(&trace::thread_name(), ctx.lang));
                trace::note(note);
            }
            Ok(Some((len.min(buf.len()), peer)))
        }
        Err(_) if ctx.shutdown.is_shutdown() => Ok(None),
        Err(e) => Err(Failure::new("recvfrom", e)),
    }
}

fn answer_loop(
    sock: &Socket,
    ctx: &Ctx,
    peers: &mut BTreeMap<SocketAddr, Counts>,
) -> Result<(), Failure> {
    let mut buf = [0u8; BUF_SIZE];
    while let Some((n, peer)) = receive(sock, &mut buf, ctx)? {
        let counts = peers.entry(peer).or_default();
        counts.bytes_in += n as u64;
        if let Some(answer) = services::answer_datagram(ctx.service, &buf[..n]) {
            // One unreachable client must not stop the server for the others.
            if let Ok(sent) = sock.sendto(&answer, peer) {
                counts.bytes_out += sent as u64;
            }
        }
        if ctx.shutdown.is_shutdown() {
            break;
        }
    }
    Ok(())
}

/// RES 302 exercise 2.2 over UDP: the first address that sends a datagram is the emitter
/// (answered `1`), the second one the receiver (answered `2`); from then on each datagram from
/// the emitter is forwarded to the receiver. Without connections there is no "leaving": a pair
/// lasts until the emitter sends `quit`.
fn relay(
    sock: &Socket,
    ctx: &Ctx,
    peers: &mut BTreeMap<SocketAddr, Counts>,
) -> Result<(), Failure> {
    let mut buf = [0u8; BUF_SIZE];
    let mut emitter: Option<SocketAddr> = None;
    let mut receiver: Option<SocketAddr> = None;
    while let Some((n, peer)) = receive(sock, &mut buf, ctx)? {
        peers.entry(peer).or_default().bytes_in += n as u64;
        let reply: Option<(&[u8], SocketAddr)> = match (emitter, receiver) {
            (None, _) => {
                emitter = Some(peer);
                Some((b"1", peer))
            }
            (Some(e), None) if e != peer => {
                receiver = Some(peer);
                Some((b"2", peer))
            }
            (Some(e), Some(r)) if e == peer => {
                if &buf[..n] == b"quit" || &buf[..n] == b"quit\n" {
                    emitter = None;
                    receiver = None;
                }
                Some((&buf[..n], r))
            }
            _ => None,
        };
        if let Some((data, to)) = reply
            && let Ok(sent) = sock.sendto(data, to)
        {
            peers.entry(to).or_default().bytes_out += sent as u64;
        }
    }
    Ok(())
}
