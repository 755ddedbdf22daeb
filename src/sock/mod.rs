//! The traced socket API: one method, one system call, one trace event.
//!
//! The names follow Python's `socket` module, the one the labs use, so a program from the
//! course maps onto this API line by line:
//!
//! | Python (labs)                          | socklab                                    | syscall (strace) |
//! |----------------------------------------|--------------------------------------------|------------------|
//! | `socket.socket(AF_INET6, SOCK_STREAM)` | `Socket::new(Family::Inet6, Type::Stream)` | `socket`         |
//! | `s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)` | `s.set_reuseaddr(true)`               | `setsockopt`     |
//! | `s.bind(("", 7777))`                   | `s.bind(addr)`                             | `bind`           |
//! | `s.listen(1)`                          | `s.listen(1)`                              | `listen`         |
//! | `sc, addr = s.accept()`                | `let (sc, addr) = s.accept()?`             | `accept4`        |
//! | `s.connect((host, port))`              | `s.connect(addr)`                          | `connect`        |
//! | `s.recv(1500)`                         | `s.recv(&mut buf)`                         | `recvfrom`       |
//! | `s.send(data)` / `s.sendall(data)`     | `s.send(data)` / `s.sendall(data)`         | `sendto`         |
//! | `s.recvfrom(1500)` / `s.sendto(d, a)`  | `s.recvfrom(&mut buf)` / `s.sendto(d, a)`  | `recvfrom`/`sendto` |
//! | `s.shutdown(SHUT_WR)` / `s.close()`    | `s.shutdown(How::Write)` / `s.close()`     | `shutdown`/`close` |
//! | `s.getsockname()`                      | `s.getsockname()`                          | `getsockname`    |
//! | `select.select([s, sys.stdin], ...)`   | `sock::poll(&mut [..])`                    | `poll`           |
//! | `socket.getaddrinfo(host, port)`       | `sock::resolve(host, port)`                | (library)        |
//!
//! Every method here makes exactly one system call, through [`traced::perform`], and the event
//! it emits carries the name strace prints for that call on Linux: `accept` is `accept4` (the C
//! library adds `SOCK_CLOEXEC`), `recv` is `recvfrom`, `send` is `sendto`.

pub mod addr;
mod poll;
mod resolve;
pub(crate) mod traced;

use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::time::Duration;

pub use poll::{PollFd, poll};
pub use resolve::{ResolveError, resolve};

use addr::{STORAGE_LEN, brief, sockaddr_len, strace_sockaddr};
use traced::{Blocking, Outcome, captured, kept_bytes, perform, quoted};

/// The address family: which kind of addresses the socket speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `AF_INET`: IPv4, 32-bit addresses (`127.0.0.1`).
    Inet,
    /// `AF_INET6`: IPv6, 128-bit addresses (`::1`); with `IPV6_V6ONLY` off it also carries
    /// IPv4, which is why the labs create their servers with it.
    Inet6,
}

impl Family {
    /// The family an address belongs to.
    pub fn of(addr: &SocketAddr) -> Family {
        match addr {
            SocketAddr::V4(_) => Family::Inet,
            SocketAddr::V6(_) => Family::Inet6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Inet => "AF_INET",
            Family::Inet6 => "AF_INET6",
        }
    }
}

/// The socket type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// `SOCK_STREAM`: a reliable, ordered byte stream over a connection (TCP).
    Stream,
    /// `SOCK_DGRAM`: separate datagrams, no connection, no guarantee (UDP).
    Dgram,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Stream => "SOCK_STREAM",
            Type::Dgram => "SOCK_DGRAM",
        }
    }
}

/// Which direction `shutdown` closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// `SHUT_RD`: no more receiving.
    Read,
    /// `SHUT_WR`: no more sending; the peer's `recv` returns 0 once it read everything.
    Write,
    /// `SHUT_RDWR`: both.
    Both,
}

impl How {
    fn name(self) -> &'static str {
        match self {
            How::Read => "SHUT_RD",
            How::Write => "SHUT_WR",
            How::Both => "SHUT_RDWR",
        }
    }
}

/// A socket whose every call is traced.
///
/// It owns its file descriptor: [`Socket::close`] closes it explicitly, and dropping the
/// socket closes it too (traced the same way), so no descriptor leaks on an early return.
#[derive(Debug)]
pub struct Socket {
    inner: Option<socket2::Socket>,
    fd: RawFd,
    family: Family,
    ty: Type,
}

impl Socket {
    /// Creates a socket: Python's `socket.socket(family, type)`.
    ///
    /// The kernel allocates the socket and returns the lowest free file descriptor (3 in a
    /// fresh program: 0, 1 and 2 are stdin, stdout and stderr). The protocol is left to the
    /// kernel (0, shown by strace as `IPPROTO_IP`): TCP for a stream, UDP for datagrams. The C
    /// library adds `SOCK_CLOEXEC` so the descriptor is not inherited by programs started later.
    /// Nothing goes on the network. Fails with `EMFILE` when the process has no free descriptor.
    pub fn new(family: Family, ty: Type) -> io::Result<Socket> {
        let domain = match family {
            Family::Inet => socket2::Domain::IPV4,
            Family::Inet6 => socket2::Domain::IPV6,
        };
        let sty = match ty {
            Type::Stream => socket2::Type::STREAM,
            Type::Dgram => socket2::Type::DGRAM,
        };
        let inner = perform(
            "socket",
            None,
            Blocking::No {
                args: &|| {
                    (
                        format!("{}, {}|SOCK_CLOEXEC, IPPROTO_IP", family.name(), ty.name()),
                        format!("{}, {}", family.name(), ty.name()),
                    )
                },
            },
            || socket2::Socket::new(domain, sty, None),
            |r| Outcome {
                ret: r.map_or(-1, |s| s.as_raw_fd() as i64),
                ..Outcome::default()
            },
        )?;
        Ok(Socket {
            fd: inner.as_raw_fd(),
            inner: Some(inner),
            family,
            ty,
        })
    }

    fn sock(&self) -> &socket2::Socket {
        // `inner` is only taken by `close`, which consumes the socket.
        self.inner.as_ref().expect("socket used after close")
    }

    /// The file descriptor, the number the kernel and strace use for this socket.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    pub fn family(&self) -> Family {
        self.family
    }

    pub fn socket_type(&self) -> Type {
        self.ty
    }

    /// `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`: lets `bind` take a port that old connections
    /// of a previous run still hold in `TIME_WAIT`. A server sets it before `bind`, otherwise a
    /// restart fails with `EADDRINUSE` for a minute or two. It does not let two servers listen
    /// on the same port at once.
    pub fn set_reuseaddr(&self, on: bool) -> io::Result<()> {
        let v = on as i32;
        perform(
            "setsockopt",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!("{}, SOL_SOCKET, SO_REUSEADDR, [{v}], 4", self.fd),
                        format!("{}, SO_REUSEADDR, {v}", self.fd),
                    )
                },
            },
            || self.sock().set_reuse_address(on),
            |_| Outcome::default(),
        )
    }

    /// `setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, on)`: with `false`, an `AF_INET6` socket bound to
    /// `::` also receives IPv4 connections (seen as `::ffff:a.b.c.d`), which is what the labs
    /// mean by "AF_INET6 handles both v4 and v6".
    pub fn set_only_v6(&self, on: bool) -> io::Result<()> {
        let v = on as i32;
        perform(
            "setsockopt",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!("{}, SOL_IPV6, IPV6_V6ONLY, [{v}], 4", self.fd),
                        format!("{}, IPV6_V6ONLY, {v}", self.fd),
                    )
                },
            },
            || self.sock().set_only_v6(on),
            |_| Outcome::default(),
        )
    }

    /// `setsockopt(SOL_SOCKET, SO_RCVTIMEO, t)`: a blocking `recv` (or `accept`) now gives up
    /// after `t` with `EAGAIN` instead of waiting forever. `None` waits forever again.
    pub fn set_recv_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        let (sec, usec) = t.map_or((0, 0), |d| (d.as_secs(), d.subsec_micros()));
        perform(
            "setsockopt",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!(
                            "{}, SOL_SOCKET, SO_RCVTIMEO_OLD, {{tv_sec={sec}, tv_usec={usec}}}, 16",
                            self.fd
                        ),
                        format!("{}, SO_RCVTIMEO, {sec}.{usec:06}s", self.fd),
                    )
                },
            },
            || self.sock().set_read_timeout(t),
            |_| Outcome::default(),
        )
    }

    /// `setsockopt(SOL_SOCKET, SO_SNDTIMEO, t)`: a blocking `send` or `connect` gives up after
    /// `t` (`connect` then fails with `EINPROGRESS`, `send` with `EAGAIN`).
    pub fn set_send_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        let (sec, usec) = t.map_or((0, 0), |d| (d.as_secs(), d.subsec_micros()));
        perform(
            "setsockopt",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!(
                            "{}, SOL_SOCKET, SO_SNDTIMEO_OLD, {{tv_sec={sec}, tv_usec={usec}}}, 16",
                            self.fd
                        ),
                        format!("{}, SO_SNDTIMEO, {sec}.{usec:06}s", self.fd),
                    )
                },
            },
            || self.sock().set_write_timeout(t),
            |_| Outcome::default(),
        )
    }

    /// `setsockopt(SOL_SOCKET, SO_LINGER, {on, 0})`: the next `close` resets the connection
    /// (sends RST) instead of closing it gracefully (FIN). Used to show what `ECONNRESET` is.
    pub fn set_linger_zero(&self) -> io::Result<()> {
        perform(
            "setsockopt",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!(
                            "{}, SOL_SOCKET, SO_LINGER, {{l_onoff=1, l_linger=0}}, 8",
                            self.fd
                        ),
                        format!("{}, SO_LINGER, 0", self.fd),
                    )
                },
            },
            || self.sock().set_linger(Some(Duration::ZERO)),
            |_| Outcome::default(),
        )
    }

    /// `bind(addr)`: attaches the socket to a local address and port, the one clients will
    /// connect to. Python's `bind(("", 7777))` on an `AF_INET6` socket is `[::]:7777` here.
    ///
    /// Port 0 asks the kernel for any free port ([`getsockname`](Self::getsockname) tells which).
    /// Fails with `EADDRINUSE` if the port is taken, `EACCES` for a port below 1024 without
    /// root, `EADDRNOTAVAIL` for an address that is not this machine's.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        perform(
            "bind",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!(
                            "{}, {}, {}",
                            self.fd,
                            strace_sockaddr(&addr),
                            sockaddr_len(&addr)
                        ),
                        format!("{}, {}", self.fd, brief(&addr)),
                    )
                },
            },
            || self.sock().bind(&addr.into()),
            |_| Outcome::default(),
        )
    }

    /// `listen(backlog)`: makes this a listening socket. From now on the kernel itself answers
    /// connection requests (the TCP handshake) and queues the established connections, up to
    /// `backlog` of them, until the program takes them with `accept`. A client can therefore be
    /// connected, and even send data, before the server ever calls `accept`.
    pub fn listen(&self, backlog: i32) -> io::Result<()> {
        perform(
            "listen",
            Some(self.fd),
            Blocking::No {
                args: &|| {
                    (
                        format!("{}, {backlog}", self.fd),
                        format!("{}, backlog={backlog}", self.fd),
                    )
                },
            },
            || self.sock().listen(backlog),
            |_| Outcome::default(),
        )
    }

    /// `accept()`: takes the next established connection from the listening queue and returns
    /// a NEW socket for it, plus the client's address. Python: `sc, addr = s.accept()`.
    ///
    /// Blocks while the queue is empty. The listening socket is untouched and stays ready for
    /// the next client; the returned socket is the one to `recv` and `send` on. The C library
    /// calls `accept4` with `SOCK_CLOEXEC`, which is what strace shows. Fails with `EMFILE`
    /// when the process has no free descriptor, and with `EINVAL` once the listening socket
    /// was shut down (that is how a server's Ctrl+C wakes it up).
    pub fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        let fd = self.fd;
        let enter = move || (format!("{fd}, "), format!("{fd}"));
        let (inner, peer) = perform(
            "accept4",
            Some(fd),
            Blocking::Yes { args: &enter },
            || self.sock().accept(),
            |r| match r {
                Ok((s, a)) => {
                    let peer = a.as_socket();
                    Outcome {
                        args: format!(
                            "{fd}, {}, [{STORAGE_LEN} => {}], SOCK_CLOEXEC",
                            peer.as_ref().map_or("{...}".into(), strace_sockaddr),
                            a.len()
                        ),
                        ret: s.as_raw_fd() as i64,
                        addr: peer.as_ref().map(ToString::to_string),
                        ..Outcome::default()
                    }
                }
                Err(_) => Outcome {
                    args: format!("{fd}, {{...}}, [{STORAGE_LEN}], SOCK_CLOEXEC"),
                    brief: format!("{fd}"),
                    ..Outcome::default()
                },
            },
        )?;
        let peer = peer
            .as_socket()
            .ok_or_else(|| io::Error::other("accept returned a non-IP address"))?;
        let s = Socket {
            fd: inner.as_raw_fd(),
            inner: Some(inner),
            family: self.family,
            ty: self.ty,
        };
        Ok((s, peer))
    }

    /// `connect(addr)`: for TCP, starts the three-way handshake (SYN, SYN-ACK, ACK) and blocks
    /// until it completes; the kernel picks the local port. For UDP it only records the peer,
    /// nothing is sent. Python: `s.connect((host, port))`.
    ///
    /// Fails with `ECONNREFUSED` when nobody listens on that port (the peer answered with a
    /// RST), `ETIMEDOUT` when nothing answers at all, `ENETUNREACH` when there is no route.
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        let fd = self.fd;
        let args = format!("{fd}, {}, {}", strace_sockaddr(&addr), sockaddr_len(&addr));
        let short = format!("{fd}, {}", brief(&addr));
        let enter = || (args.clone(), short.clone());
        perform(
            "connect",
            Some(fd),
            Blocking::Yes { args: &enter },
            || self.sock().connect(&addr.into()),
            |_| Outcome {
                args: args.clone(),
                brief: short.clone(),
                addr: Some(addr.to_string()),
                ..Outcome::default()
            },
        )
    }

    /// `recv(buf)`: copies into `buf` what is waiting in the kernel's receive buffer and
    /// returns how many bytes that was. Python: `data = s.recv(1500)`.
    ///
    /// Blocks while the buffer is empty. It may return fewer bytes than `buf` holds, and one
    /// `send` on the other side may arrive as several `recv`s (TCP is a stream, not messages).
    /// **0 means the peer closed the connection**: the end of the stream, time to close ours.
    /// `ECONNRESET` means the peer reset it instead. The C library's `recv` is the `recvfrom`
    /// system call with no address, which is what strace shows.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.fd;
        let cap = buf.len();
        let enter = move || (format!("{fd}, "), format!("{fd}, {cap}"));
        let call = traced::begin("recvfrom", Some(fd), Blocking::Yes { args: &enter });
        // SAFETY: socket2 only writes initialized bytes into the buffer; viewing an initialized
        // `[u8]` as `[MaybeUninit<u8>]` is always valid.
        let r = self.sock().recv(unsafe { as_uninit(buf) });
        call.finish(&r, |r| {
            let n = *r.unwrap_or(&0);
            let got = &buf[..n];
            let q = quoted(got);
            Outcome {
                args: match r {
                    Ok(_) => format!("{fd}, {q}, {cap}, 0, NULL, NULL"),
                    Err(_) => format!("{fd}, \"\", {cap}, 0, NULL, NULL"),
                },
                preview: Some(q),
                brief: format!("{fd}, {cap}"),
                ret: n as i64,
                bytes: Some(n),
                data: kept_bytes(got),
                total: n,
                ..Outcome::default()
            }
        });
        r
    }

    /// `send(data)`: copies as much of `data` as fits into the kernel's send buffer and returns
    /// how many bytes it took. Python: `s.send(data)`.
    ///
    /// It may take fewer bytes than given when the buffer is nearly full: use
    /// [`sendall`](Self::sendall) to send everything. Fails with `EPIPE` (or `ECONNRESET`) when
    /// the peer has closed the connection. strace shows it as `sendto` with no address.
    pub fn send(&self, data: &[u8]) -> io::Result<usize> {
        let fd = self.fd;
        perform(
            "sendto",
            Some(fd),
            Blocking::Yes {
                args: &|| {
                    (
                        format!("{fd}, {}, {}, 0, NULL, 0", quoted(data), data.len()),
                        format!("{fd}, {}", data.len()),
                    )
                },
            },
            || self.sock().send(data),
            |r| Outcome {
                ret: r.map_or(-1, |n| *n as i64),
                bytes: Some(*r.unwrap_or(&0)),
                data: kept_bytes(data),
                total: data.len(),
                preview_in_args: true,
                ..Outcome::default()
            },
        )
    }

    /// Python's `sendall(data)`: calls [`send`](Self::send) until every byte is taken. Each
    /// `send` is a system call of its own and appears in the trace: there is no `sendall`
    /// system call.
    pub fn sendall(&self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let n = self.send(data)?;
            data = &data[n..];
        }
        Ok(())
    }

    /// `recvfrom(buf)`: receives one datagram and the address it came from. Python:
    /// `data, addr = s.recvfrom(1500)`.
    ///
    /// Blocks until a datagram arrives. Datagram boundaries are kept: one `sendto` is one
    /// `recvfrom`. A datagram longer than `buf` is cut and the rest is lost; use
    /// [`recvfrom_full`](Self::recvfrom_full) to find out.
    pub fn recvfrom(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.recvfrom_flags(buf, 0)
    }

    /// `recvfrom(buf, MSG_TRUNC)`: as [`recvfrom`](Self::recvfrom), but returns the datagram's
    /// real length even when it was longer than `buf` (only `buf.len()` bytes are kept). A
    /// return value larger than `buf.len()` means the datagram was truncated.
    pub fn recvfrom_full(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.recvfrom_flags(buf, libc::MSG_TRUNC)
    }

    fn recvfrom_flags(&self, buf: &mut [u8], flags: i32) -> io::Result<(usize, SocketAddr)> {
        let fd = self.fd;
        let cap = buf.len();
        let flag_name = if flags == libc::MSG_TRUNC {
            "MSG_TRUNC"
        } else {
            "0"
        };
        let enter = move || (format!("{fd}, "), format!("{fd}, {cap}"));
        let call = traced::begin("recvfrom", Some(fd), Blocking::Yes { args: &enter });
        // SAFETY: as in `recv`.
        let r = self
            .sock()
            .recv_from_with_flags(unsafe { as_uninit(buf) }, flags);
        call.finish(&r, |r| match r {
            Ok((n, a)) => {
                // With MSG_TRUNC, `n` is the datagram's length, which may exceed the buffer.
                let got = &buf[..(*n).min(cap)];
                let peer = a.as_socket();
                let cut = if *n > cap { ", MSG_TRUNC" } else { "" };
                Outcome {
                    args: format!(
                        "{fd}, {}, {cap}, {flag_name}, {}, [{STORAGE_LEN} => {}]",
                        quoted(got),
                        peer.as_ref().map_or("{...}".into(), strace_sockaddr),
                        a.len()
                    ),
                    brief: format!("{fd}, {cap}{cut}"),
                    ret: *n as i64,
                    bytes: Some(*n),
                    addr: peer.map(|p| p.to_string()),
                    data: captured(got),
                    total: *n,
                    ..Outcome::default()
                }
            }
            Err(_) => Outcome {
                args: format!("{fd}, \"\", {cap}, {flag_name}, {{...}}, [{STORAGE_LEN}]"),
                brief: format!("{fd}, {cap}"),
                ..Outcome::default()
            },
        });
        let (n, a) = r?;
        let peer = a
            .as_socket()
            .ok_or_else(|| io::Error::other("recvfrom returned a non-IP address"))?;
        Ok((n, peer))
    }

    /// `sendto(data, addr)`: sends one datagram to `addr`. Python: `s.sendto(data, addr)`.
    ///
    /// Returns at once: UDP has no connection, no acknowledgement, and nothing tells whether
    /// the datagram arrived. Fails with `EMSGSIZE` for a datagram too large for UDP.
    pub fn sendto(&self, data: &[u8], addr: SocketAddr) -> io::Result<usize> {
        let fd = self.fd;
        perform(
            "sendto",
            Some(fd),
            Blocking::Yes {
                args: &|| {
                    (
                        format!(
                            "{fd}, {}, {}, 0, {}, {}",
                            quoted(data),
                            data.len(),
                            strace_sockaddr(&addr),
                            sockaddr_len(&addr)
                        ),
                        format!("{fd}, {}", data.len()),
                    )
                },
            },
            || self.sock().send_to(data, &addr.into()),
            |r| Outcome {
                ret: r.map_or(-1, |n| *n as i64),
                bytes: Some(*r.unwrap_or(&0)),
                addr: Some(addr.to_string()),
                data: kept_bytes(data),
                total: data.len(),
                preview_in_args: true,
                ..Outcome::default()
            },
        )
    }

    /// `shutdown(how)`: closes one direction of the connection, or both, without freeing the
    /// descriptor. After `How::Write` the peer's `recv` returns 0 once it has read everything:
    /// "I have nothing more to say, but I still listen". On a listening socket, or a socket a
    /// thread is blocked on, `How::Both` wakes the blocked `accept` or `recv` up.
    pub fn shutdown(&self, how: How) -> io::Result<()> {
        let fd = self.fd;
        let h = match how {
            How::Read => std::net::Shutdown::Read,
            How::Write => std::net::Shutdown::Write,
            How::Both => std::net::Shutdown::Both,
        };
        // Shown as it starts, like a blocking call: it wakes other threads up, and their
        // calls returning must not appear before it in the trace.
        let announce = move || {
            (
                format!("{fd}, {}", how.name()),
                format!("{fd}, {}", how.name()),
            )
        };
        perform(
            "shutdown",
            Some(fd),
            Blocking::Yes { args: &announce },
            || self.sock().shutdown(h),
            |_| Outcome {
                args: format!("{fd}, {}", how.name()),
                brief: format!("{fd}, {}", how.name()),
                ..Outcome::default()
            },
        )
    }

    /// `close()`: frees the descriptor. For a TCP connection the kernel then sends FIN (the
    /// peer's `recv` returns 0) and keeps the connection a while in `TIME_WAIT`. Dropping a
    /// `Socket` does the same; this method only makes it visible in the code, as in the labs.
    pub fn close(mut self) -> io::Result<()> {
        self.close_inner()
    }

    fn close_inner(&mut self) -> io::Result<()> {
        let Some(inner) = self.inner.take() else {
            return Ok(());
        };
        let fd = inner.into_raw_fd();
        perform(
            "close",
            Some(fd),
            Blocking::Yes {
                args: &|| (format!("{fd}"), format!("{fd}")),
            },
            || {
                // SAFETY: `fd` was owned by `inner`, which gave it up; nothing else closes it.
                if unsafe { libc::close(fd) } == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            },
            |_| Outcome::default(),
        )
    }

    /// `getsockname()`: the socket's local address, as the kernel sees it. After `bind` to
    /// port 0 this is how a server learns which port it got; after `connect`, which local port
    /// the kernel picked for the client.
    pub fn getsockname(&self) -> io::Result<SocketAddr> {
        self.name_call("getsockname", || self.sock().local_addr())
    }

    /// `getpeername()`: the address of the connected peer.
    pub fn getpeername(&self) -> io::Result<SocketAddr> {
        self.name_call("getpeername", || self.sock().peer_addr())
    }

    fn name_call(
        &self,
        call: &'static str,
        op: impl FnOnce() -> io::Result<socket2::SockAddr>,
    ) -> io::Result<SocketAddr> {
        let fd = self.fd;
        let pre = move || (format!("{fd}, "), format!("{fd}"));
        let a = perform(
            call,
            Some(fd),
            Blocking::No { args: &pre },
            op,
            |r| match r {
                Ok(a) => {
                    let sa = a.as_socket();
                    Outcome {
                        args: format!(
                            "{fd}, {}, [{STORAGE_LEN} => {}]",
                            sa.as_ref().map_or("{...}".into(), strace_sockaddr),
                            a.len()
                        ),
                        brief: format!("{fd}"),
                        addr: sa.map(|s| s.to_string()),
                        ..Outcome::default()
                    }
                }
                Err(_) => Outcome {
                    args: format!("{fd}, {{...}}, [{STORAGE_LEN}]"),
                    brief: format!("{fd}"),
                    ..Outcome::default()
                },
            },
        )?;
        a.as_socket()
            .ok_or_else(|| io::Error::other(format!("{call} returned a non-IP address")))
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Closing can only fail for a bad descriptor, which ownership rules out.
        let _ = self.close_inner();
    }
}

/// Views an initialized byte buffer as the `MaybeUninit` buffer socket2 asks for.
///
/// # Safety
/// The caller must only let initialized bytes be written into it (socket2 does).
unsafe fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}
