//! The UDP server: one socket, no connection, no accept. Each datagram is read with
//! `recvfrom`, which also says who sent it, and answered with `sendto` to that address.
//!
//! Datagram boundaries are kept: one `sendto` by a client is one `recvfrom` here, into a buffer
//! of [`UDP_BUF_SIZE`] bytes, larger than any UDP payload (65,507 bytes over IPv4, 65,527 over
//! IPv6): every datagram fits whole. Were one ever longer than the buffer, the kernel would cut
//! it without a word; the server asks for `MSG_TRUNC`, which makes `recvfrom` return the
//! datagram's real length, and reports the cut. An answer too long for one datagram (the
//! message service's, to a message near the limit) is cut to fit, and reported too.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{Ctx, UDP_BUF_SIZE};
use crate::error::Failure;
use crate::kinds::Service;
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
            // With MSG_TRUNC, `len` is the datagram's length even when the buffer was shorter.
            if len > buf.len() {
                report(
                    Note::Truncated {
                        len,
                        cap: buf.len(),
                        peer,
                    },
                    ctx,
                );
            }
            Ok(Some((len.min(buf.len()), peer)))
        }
        Err(_) if ctx.shutdown.is_shutdown() => Ok(None),
        Err(e) => Err(Failure::new("recvfrom", e)),
    }
}

/// A cut the server made: in the trace and on stderr.
/// Something the server did to a datagram, said on stderr and in the trace.
fn report(note: Note, ctx: &Ctx) {
    eprintln!("socklab: {}", note.text(&trace::thread_name(), ctx.lang));
    trace::note(note);
}

/// The most data one UDP datagram carries to `to`: 65,535 bytes of IP packet (IPv4) or of IP
/// payload (IPv6), less the headers: 65,507 over IPv4 (an IPv4-mapped address too), 65,527
/// over IPv6.
fn max_payload(to: &SocketAddr) -> usize {
    match to {
        SocketAddr::V6(a) if a.ip().to_ipv4_mapped().is_none() => 65_527,
        _ => 65_507,
    }
}

/// Sends one datagram to `to`, cut to what a datagram carries (and the cut reported) rather
/// than refused with EMSGSIZE. `None` when `sendto` failed: one unreachable client must not
/// stop the server for the others, and the failed call is in the trace with its errno.
fn send_datagram(sock: &Socket, data: &[u8], to: SocketAddr, ctx: &Ctx) -> Option<usize> {
    let max = max_payload(&to);
    if data.len() > max {
        report(
            Note::AnswerCut {
                len: data.len(),
                max,
                peer: to,
            },
            ctx,
        );
    }
    sock.sendto(&data[..data.len().min(max)], to).ok()
}

fn answer_loop(
    sock: &Socket,
    ctx: &Ctx,
    peers: &mut BTreeMap<SocketAddr, Counts>,
) -> Result<(), Failure> {
    let mut buf = vec![0u8; UDP_BUF_SIZE];
    while let Some((n, peer)) = receive(sock, &mut buf, ctx)? {
        let counts = peers.entry(peer).or_default();
        counts.bytes_in += n as u64;
        if let Some(answer) = services::answer_datagram(ctx.service, &buf[..n])
            && let Some(sent) = send_datagram(sock, &answer, peer, ctx)
        {
            counts.bytes_out += sent as u64;
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
    let mut buf = vec![0u8; UDP_BUF_SIZE];
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
            && let Some(sent) = send_datagram(sock, data, to, ctx)
        {
            peers.entry(to).or_default().bytes_out += sent as u64;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::server::shutdown::Shutdown;
    use crate::server::stats::Stats;
    use crate::sock::{Family, Type};
    use std::sync::atomic::AtomicUsize;

    fn ctx() -> Ctx {
        Ctx {
            service: Service::Echo,
            lang: Lang::En,
            shutdown: Shutdown::new(),
            stats: Stats::default(),
            max_clients: None,
            idle: None,
            active: AtomicUsize::new(0),
            site: None,
            recv_size: crate::server::BUF_SIZE,
        }
    }

    /// No datagram longer than the server's buffer can arrive: the MSG_TRUNC path is taken
    /// here with a buffer shorter than the datagram.
    #[test]
    fn a_datagram_longer_than_the_buffer_is_cut_to_it_not_overrun() {
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let server = Socket::new(Family::of(&addr), Type::Dgram).unwrap();
        server.bind(addr).unwrap();
        let to = server.getsockname().unwrap();
        let client = std::net::UdpSocket::bind(addr).unwrap();
        client.send_to(&[7u8; 100], to).unwrap();
        let mut buf = [0u8; 16];
        let (n, peer) = receive(&server, &mut buf, &ctx()).unwrap().unwrap();
        assert_eq!(n, 16);
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(buf, [7u8; 16]);
    }

    #[test]
    fn the_largest_payload_depends_on_the_family_of_the_peer() {
        let at = |s: &str| max_payload(&s.parse().unwrap());
        assert_eq!(at("127.0.0.1:9"), 65_507);
        assert_eq!(at("[::ffff:127.0.0.1]:9"), 65_507);
        assert_eq!(at("[::1]:9"), 65_527);
    }
}
