//! Connecting and talking to a server, for every client: the timeout, and errors that name the
//! call and the peer and say "timeout" when that is what happened.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Failure, Trouble, Wait};
use crate::sock::{self, Family, Socket, Type, addr::brief};

/// A connected TCP socket and the server it is connected to.
#[derive(Debug)]
pub struct Conn {
    sock: Socket,
    peer: SocketAddr,
    timeout: Option<Duration>,
}

/// Resolves `host` and connects a TCP socket to the first address that answers, as Python's
/// `socket.create_connection` does: `localhost` may give `::1` then `127.0.0.1`, and a server
/// listening on IPv4 only refuses the first. No timeout: `connect` waits as long as the kernel
/// does (about two minutes of SYN retries).
pub fn connect_tcp(host: &str, port: u16) -> Result<Socket, Failure> {
    connect(host, port, None).map(|c| c.sock)
}

/// As [`connect_tcp`], with a timeout on the connection and on every later `recv` and `send`.
///
/// The timeout is two socket options, each one `setsockopt` in the trace: `SO_SNDTIMEO` before
/// `connect` (on Linux a blocking `connect` gives up when it runs out, with `EINPROGRESS`: the
/// handshake is still "in progress" but we stop waiting for it), then `SO_RCVTIMEO` once
/// connected (a `recv` then gives up with `EAGAIN`). socket2's `connect_timeout` would instead
/// switch the socket to non-blocking, connect, poll and switch back: four calls for the same.
pub fn connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<Conn, Failure> {
    let addrs = resolve(host, port)?;
    let mut last = None;
    for addr in addrs {
        let s =
            Socket::new(Family::of(&addr), Type::Stream).map_err(|e| Failure::new("socket", e))?;
        if timeout.is_some() {
            s.set_send_timeout(timeout)
                .map_err(|e| Failure::new("setsockopt SO_SNDTIMEO", e))?;
        }
        let what = format!("connect {}", brief(&addr));
        match s.connect(addr) {
            Ok(()) => {
                if timeout.is_some() {
                    s.set_recv_timeout(timeout)
                        .map_err(|e| Failure::new("setsockopt SO_RCVTIMEO", e))?;
                }
                return Ok(Conn {
                    sock: s,
                    peer: addr,
                    timeout,
                });
            }
            // The socket is dropped (closed) and the next address tried.
            Err(e) => last = Some(failure(what, e, Wait::Connection, timeout)),
        }
    }
    Err(last.unwrap_or_else(|| no_address(host)))
}

impl Conn {
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// One `recv`; 0 means the server closed the connection.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize, Failure> {
        self.sock.recv(buf).map_err(|e| {
            failure(
                format!("recv from {}", brief(&self.peer)),
                e,
                Wait::Data,
                self.timeout,
            )
        })
    }

    /// Python's `sendall`: `send` until every byte is taken.
    pub fn sendall(&self, data: &[u8]) -> Result<(), Failure> {
        self.sock.sendall(data).map_err(|e| {
            failure(
                format!("send to {}", brief(&self.peer)),
                e,
                Wait::Sending,
                self.timeout,
            )
        })
    }

    /// Receives until the server closes the connection, as the lab's loop does: `recv` returns
    /// `b""` at the end of the page, never before. Each piece goes to `piece` as it arrives.
    pub fn recv_until_closed(&self, mut piece: impl FnMut(&[u8])) -> Result<usize, Failure> {
        let mut buf = [0u8; 1024];
        let mut total = 0;
        loop {
            let n = self.recv(&mut buf)?;
            if n == 0 {
                // The server closed: everything it sent has arrived.
                return Ok(total);
            }
            piece(&buf[..n]);
            total += n;
        }
    }

    /// Sets or lifts the receive timeout (a relay's receiver waits as long as the sender types).
    pub fn set_recv_timeout(&mut self, t: Option<Duration>) -> Result<(), Failure> {
        self.sock
            .set_recv_timeout(t)
            .map_err(|e| Failure::new("setsockopt SO_RCVTIMEO", e))?;
        self.timeout = t;
        Ok(())
    }

    pub fn close(self) -> Result<(), Failure> {
        self.sock.close().map_err(|e| Failure::new("close", e))
    }
}

/// An unconnected UDP socket and the server's address, as the labs use them: `sendto` the
/// server, `recvfrom` its answer.
#[derive(Debug)]
pub struct Udp {
    sock: Socket,
    server: SocketAddr,
    timeout: Option<Duration>,
}

/// Resolves `host` and creates a UDP socket of the right family, with the receive timeout set.
///
/// The labs create `socket.socket(AF_INET, SOCK_DGRAM)`, and Python then keeps only the IPv4
/// addresses of the name: the first IPv4 address is taken here too (`localhost` may list `::1`
/// first, where a server on `127.0.0.1` would never answer), the first address otherwise.
/// Nothing tells a UDP client that the server is not there, so only an answer shows it is.
pub fn udp(host: &str, port: u16, timeout: Option<Duration>) -> Result<Udp, Failure> {
    let addrs = resolve(host, port)?;
    let server = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| no_address(host))?;
    let sock =
        Socket::new(Family::of(&server), Type::Dgram).map_err(|e| Failure::new("socket", e))?;
    if timeout.is_some() {
        sock.set_recv_timeout(timeout)
            .map_err(|e| Failure::new("setsockopt SO_RCVTIMEO", e))?;
    }
    Ok(Udp {
        sock,
        server,
        timeout,
    })
}

impl Udp {
    /// One datagram to the server.
    pub fn send(&self, data: &[u8]) -> Result<(), Failure> {
        self.sock
            .sendto(data, self.server)
            .map(drop)
            .map_err(|e| Failure::new(format!("sendto {}", brief(&self.server)), e))
    }

    /// The server's answer: one datagram, or "no answer" when the timeout runs out.
    pub fn answer(&self, buf: &mut [u8]) -> Result<usize, Failure> {
        let what = format!("recvfrom {}", brief(&self.server));
        match self.sock.recvfrom(buf) {
            Ok((n, _from)) => Ok(n),
            Err(e) if is_timeout(&e) => Err(Failure::trouble(
                what,
                Trouble::NoAnswer {
                    after: self.timeout.unwrap_or_default(),
                },
            )),
            Err(e) => Err(Failure::new(what, e)),
        }
    }

    pub fn close(self) -> Result<(), Failure> {
        self.sock.close().map_err(|e| Failure::new("close", e))
    }
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
    sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))
}

fn no_address(host: &str) -> Failure {
    Failure::new(
        format!("resolve {host}"),
        io::Error::new(io::ErrorKind::NotFound, "no address"),
    )
}

/// `EAGAIN` from a `recv`/`send` past `SO_RCVTIMEO`/`SO_SNDTIMEO`, `EINPROGRESS` from a
/// blocking `connect` past `SO_SNDTIMEO`: the kernel's ways of saying "time is up".
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINPROGRESS))
}

/// The failure of a call that was waiting: a timeout when the clock ran out, the errno
/// otherwise.
fn failure(
    what: String,
    e: impl Into<io::Error>,
    wait: Wait,
    timeout: Option<Duration>,
) -> Failure {
    let e: io::Error = e.into();
    match (timeout, e.raw_os_error()) {
        (Some(after), Some(errno)) if is_timeout(&e) => {
            Failure::trouble(what, Trouble::Timeout { wait, after, errno })
        }
        _ => Failure::new(what, e),
    }
}
