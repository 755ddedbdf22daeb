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
mod error;
mod poll;
pub mod probe;
mod resolve;
pub(crate) mod traced;

use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32};
use std::time::Duration;

pub use crate::trace::How;
pub use error::{Error, Result};
pub use poll::{PollFd, poll};
pub use resolve::{ResolveError, resolve};

use crate::trace::{
    self, Call, Event, Kind, Opt, OptName, Phase, Side, SockInfo, SockRole, SockType,
};
use addr::{STORAGE_LEN, brief, sockaddr_len, strace_sockaddr};
use traced::{Outcome, Spec, captured, kept_bytes, perform, quoted};

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

impl From<Family> for trace::Family {
    fn from(f: Family) -> trace::Family {
        match f {
            Family::Inet => trace::Family::Inet,
            Family::Inet6 => trace::Family::Inet6,
        }
    }
}

impl From<Type> for SockType {
    fn from(t: Type) -> SockType {
        match t {
            Type::Stream => SockType::Stream,
            Type::Dgram => SockType::Dgram,
        }
    }
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Stream => "SOCK_STREAM",
            Type::Dgram => "SOCK_DGRAM",
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
    /// What the calls made of the socket so far, for the trace (see [`SockInfo`]).
    state: Mutex<SockInfo>,
    /// A listening socket's drops last reported (the kernel view's queue-full notes).
    drops_seen: AtomicU32,
    /// The TCP state last reported, as the kernel numbers it (0: none yet).
    last_state: AtomicU8,
}

impl Socket {
    fn wrap(inner: socket2::Socket, family: Family, ty: Type, info: SockInfo) -> Socket {
        Socket {
            fd: inner.as_raw_fd(),
            inner: Some(inner),
            family,
            ty,
            state: Mutex::new(info),
            drops_seen: AtomicU32::new(0),
            last_state: AtomicU8::new(0),
        }
    }

    /// What the trace knows of this socket: family, type, role, addresses, who closed first.
    pub fn info(&self) -> SockInfo {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut SockInfo)) {
        change(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// The error of a call on this socket.
    fn fail(call: Call, addr: Option<SocketAddr>) -> impl FnOnce(io::Error) -> Error {
        move |e| Error::new(call, addr, e)
    }

    /// Creates a socket: Python's `socket.socket(family, type)`.
    ///
    /// The kernel allocates the socket and returns the lowest free file descriptor (3 in a
    /// fresh program: 0, 1 and 2 are stdin, stdout and stderr). The protocol is left to the
    /// kernel (0, shown by strace as `IPPROTO_IP`): TCP for a stream, UDP for datagrams. The C
    /// library adds `SOCK_CLOEXEC` so the descriptor is not inherited by programs started later.
    /// Nothing goes on the network. Fails with `EMFILE` when the process has no free descriptor.
    pub fn new(family: Family, ty: Type) -> Result<Socket> {
        let domain = match family {
            Family::Inet => socket2::Domain::IPV4,
            Family::Inet6 => socket2::Domain::IPV6,
        };
        let sty = match ty {
            Type::Stream => socket2::Type::STREAM,
            Type::Dgram => socket2::Type::DGRAM,
        };
        let info = SockInfo::new(family.into(), ty.into());
        let args = || {
            (
                format!("{}, {}|SOCK_CLOEXEC, IPPROTO_IP", family.name(), ty.name()),
                format!("{}, {}", family.name(), ty.name()),
            )
        };
        let spec = Spec {
            call: Call::Socket,
            fd: None,
            blocks: false,
            owner: None,
            info: Some(info),
            option: None,
            how: None,
            size: None,
            addr: None,
            args: &args,
        };
        let inner = perform(
            spec,
            || socket2::Socket::new(domain, sty, None),
            |r| Outcome {
                ret: r.map_or(-1, |s| s.as_raw_fd() as i64),
                ..Outcome::default()
            },
        )
        .map_err(Self::fail(Call::Socket, None))?;
        Ok(Socket::wrap(inner, family, ty, info))
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

    /// One `setsockopt`: every option goes through here, so each one below is its meaning and
    /// its strace form only.
    fn set_option(
        &self,
        name: OptName,
        value: i64,
        strace: &dyn Fn() -> String,
        op: impl FnOnce(&socket2::Socket) -> io::Result<()>,
    ) -> Result<()> {
        let args = || {
            let full = strace();
            let short = format!(
                "{}, {}, {}",
                self.fd,
                name.name(),
                short_value(&name, value)
            );
            (full, short)
        };
        let mut spec = Spec::on(self, Call::Setsockopt, &args);
        spec.option = Some(Opt {
            name: name.clone(),
            value: Some(value),
        });
        perform(spec, || op(self.sock()), |_| Outcome::default())
            .map_err(|e| Error::new(Call::Setsockopt, None, e).with_option(name))
    }

    /// `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`: lets `bind` take the port while connections
    /// of an earlier run linger on it (TIME_WAIT, FIN_WAIT2). A TCP server sets it before
    /// `bind`; on Linux the earlier run must have set it too. It does not let two servers
    /// listen on the same port at once. (On UDP it lets two sockets share a port: a UDP server
    /// does not set it.)
    pub fn set_reuseaddr(&self, on: bool) -> Result<()> {
        let v = on as i32;
        self.set_option(
            OptName::ReuseAddr,
            v.into(),
            &|| format!("{}, SOL_SOCKET, SO_REUSEADDR, [{v}], 4", self.fd),
            |s| s.set_reuse_address(on),
        )
    }

    /// `setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, on)`: with `false`, an `AF_INET6` socket bound to
    /// `::` also receives IPv4 connections (seen as `::ffff:a.b.c.d`), which is what the labs
    /// mean by "AF_INET6 handles both v4 and v6".
    pub fn set_only_v6(&self, on: bool) -> Result<()> {
        let v = on as i32;
        self.set_option(
            OptName::V6Only,
            v.into(),
            &|| format!("{}, SOL_IPV6, IPV6_V6ONLY, [{v}], 4", self.fd),
            |s| s.set_only_v6(on),
        )
    }

    /// `setsockopt(SOL_SOCKET, SO_RCVTIMEO, t)`: a blocking `recv` (or `accept`) now gives up
    /// after `t` with `EAGAIN` instead of waiting forever. `None` waits forever again.
    pub fn set_recv_timeout(&self, t: Option<Duration>) -> Result<()> {
        self.set_timeout(OptName::RcvTimeo, "SO_RCVTIMEO_OLD", t, |s| {
            s.set_read_timeout(t)
        })
    }

    /// `setsockopt(SOL_SOCKET, SO_SNDTIMEO, t)`: a blocking `send` or `connect` gives up after
    /// `t` (`connect` then fails with `EINPROGRESS`, `send` with `EAGAIN`).
    pub fn set_send_timeout(&self, t: Option<Duration>) -> Result<()> {
        self.set_timeout(OptName::SndTimeo, "SO_SNDTIMEO_OLD", t, |s| {
            s.set_write_timeout(t)
        })
    }

    /// A timeout option: strace shows the `struct timeval` under the C library's `_OLD` name.
    fn set_timeout(
        &self,
        name: OptName,
        strace_name: &str,
        t: Option<Duration>,
        op: impl FnOnce(&socket2::Socket) -> io::Result<()>,
    ) -> Result<()> {
        let (sec, usec) = t.map_or((0, 0), |d| (d.as_secs(), d.subsec_micros()));
        self.set_option(
            name,
            micros(t),
            &|| {
                format!(
                    "{}, SOL_SOCKET, {strace_name}, {{tv_sec={sec}, tv_usec={usec}}}, 16",
                    self.fd
                )
            },
            op,
        )
    }

    /// `setsockopt(SOL_SOCKET, SO_LINGER, {on, 0})`: the next `close` resets the connection
    /// (sends RST) instead of closing it gracefully (FIN). Used to show what `ECONNRESET` is.
    pub fn set_linger_zero(&self) -> Result<()> {
        self.set_option(
            OptName::Linger,
            0,
            &|| {
                format!(
                    "{}, SOL_SOCKET, SO_LINGER, {{l_onoff=1, l_linger=0}}, 8",
                    self.fd
                )
            },
            |s| s.set_linger(Some(Duration::ZERO)),
        )
    }

    /// `bind(addr)`: attaches the socket to a local address and port, the one clients will
    /// connect to. Python's `bind(("", 7777))` on an `AF_INET6` socket is `[::]:7777` here.
    ///
    /// Port 0 asks the kernel for any free port ([`getsockname`](Self::getsockname) tells which).
    /// Fails with `EADDRINUSE` if the port is taken, `EACCES` for a port below 1024 without
    /// root, `EADDRNOTAVAIL` for an address that is not this machine's.
    pub fn bind(&self, addr: SocketAddr) -> Result<()> {
        let args = || {
            (
                format!(
                    "{}, {}, {}",
                    self.fd,
                    strace_sockaddr(&addr),
                    sockaddr_len(&addr)
                ),
                format!("{}, {}", self.fd, brief(&addr)),
            )
        };
        perform(
            Spec::on(self, Call::Bind, &args).to(addr),
            || {
                let r = self.sock().bind(&addr.into());
                if r.is_ok() {
                    self.update(|s| s.local = Some(addr));
                }
                r
            },
            |_| Outcome {
                addr: Some(addr),
                ..Outcome::default()
            },
        )
        .map_err(|e| {
            let in_use = e.raw_os_error() == Some(libc::EADDRINUSE);
            let err = Error::new(Call::Bind, Some(addr), e);
            if in_use {
                // Looked up now, while what holds the port still holds it.
                let udp = self.ty == Type::Dgram;
                err.with_port_use(crate::kernel::ports::port_use(udp, addr.port()))
            } else {
                err
            }
        })
    }

    /// `listen(backlog)`: makes this a listening socket. From now on the kernel itself answers
    /// connection requests (the TCP handshake) and queues the established connections, up to
    /// `backlog` of them (capped by `net.core.somaxconn`), until the program takes them with
    /// `accept`. A client can therefore be connected, and even send data, before the server
    /// ever calls `accept`.
    pub fn listen(&self, backlog: i32) -> Result<()> {
        let args = || {
            (
                format!("{}, {backlog}", self.fd),
                format!("{}, backlog={backlog}", self.fd),
            )
        };
        perform(
            Spec::on(self, Call::Listen, &args),
            || {
                let r = self.sock().listen(backlog);
                if r.is_ok() {
                    self.update(|s| s.role = SockRole::Listening);
                }
                r
            },
            |_| Outcome::default(),
        )
        .map_err(Self::fail(Call::Listen, None))
    }

    /// `accept()`: takes the next established connection from the listening queue and returns
    /// a NEW socket for it, plus the client's address. Python: `sc, addr = s.accept()`.
    ///
    /// Blocks while the queue is empty. The listening socket is untouched and stays ready for
    /// the next client; the returned socket is the one to `recv` and `send` on. The C library
    /// calls `accept4` with `SOCK_CLOEXEC`, which is what strace shows. Fails with `EMFILE`
    /// when the process has no free descriptor, and with `EINVAL` once the listening socket
    /// was shut down (that is how a server's Ctrl+C wakes it up).
    pub fn accept(&self) -> Result<(Socket, SocketAddr)> {
        let fd = self.fd;
        let enter = move || (format!("{fd}, "), format!("{fd}"));
        let (inner, peer) = perform(
            Spec::on(self, Call::Accept4, &enter).blocking(),
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
                        addr: peer,
                        ..Outcome::default()
                    }
                }
                Err(_) => Outcome {
                    args: format!("{fd}, {{...}}, [{STORAGE_LEN}], SOCK_CLOEXEC"),
                    brief: format!("{fd}"),
                    ..Outcome::default()
                },
            },
        )
        .map_err(Self::fail(Call::Accept4, None))?;
        let peer = peer.as_socket().ok_or_else(|| {
            Error::new(
                Call::Accept4,
                None,
                io::Error::other("accept returned a non-IP address"),
            )
        })?;
        let mut info = self.info();
        info.role = SockRole::Connected;
        info.peer = Some(peer);
        Ok((Socket::wrap(inner, self.family, self.ty, info), peer))
    }

    /// `connect(addr)`: for TCP, starts the three-way handshake (SYN, SYN-ACK, ACK) and blocks
    /// until it completes; the kernel picks the local port. For UDP it only records the peer,
    /// nothing is sent. Python: `s.connect((host, port))`.
    ///
    /// Fails with `ECONNREFUSED` when nobody listens on that port (the peer answered with a
    /// RST), `ETIMEDOUT` when nothing answers at all, `ENETUNREACH` when there is no route.
    pub fn connect(&self, addr: SocketAddr) -> Result<()> {
        let fd = self.fd;
        let args = format!("{fd}, {}, {}", strace_sockaddr(&addr), sockaddr_len(&addr));
        let short = format!("{fd}, {}", brief(&addr));
        let enter = || (args.clone(), short.clone());
        perform(
            Spec::on(self, Call::Connect, &enter).blocking().to(addr),
            || {
                let r = self.sock().connect(&addr.into());
                if r.is_ok() {
                    self.update(|s| {
                        s.peer = Some(addr);
                        if s.ty == SockType::Stream {
                            s.role = SockRole::Connected;
                        }
                    });
                }
                r
            },
            |_| Outcome {
                args: args.clone(),
                brief: short.clone(),
                addr: Some(addr),
                ..Outcome::default()
            },
        )
        .map_err(Self::fail(Call::Connect, Some(addr)))
    }

    /// `recv(buf)`: copies into `buf` what is waiting in the kernel's receive buffer and
    /// returns how many bytes that was. Python: `data = s.recv(1500)`.
    ///
    /// Blocks while the buffer is empty. It may return fewer bytes than `buf` holds, and one
    /// `send` on the other side may arrive as several `recv`s (TCP is a stream, not messages).
    /// **0 means the peer closed the connection**: the end of the stream, time to close ours.
    /// `ECONNRESET` means the peer reset it instead. The C library's `recv` is the `recvfrom`
    /// system call with no address, which is what strace shows.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        let fd = self.fd;
        let cap = buf.len();
        let enter = move || (format!("{fd}, "), format!("{fd}, {cap}"));
        let mut spec = Spec::on(self, Call::Recvfrom, &enter).blocking();
        spec.size = Some(cap);
        let call = traced::begin(spec);
        // SAFETY: socket2 only writes initialized bytes into the buffer; viewing an initialized
        // `[u8]` as `[MaybeUninit<u8>]` is always valid.
        let r = self.sock().recv(unsafe { as_uninit(buf) });
        if let Ok(0) = r {
            // The end of the stream: the peer sent FIN first, unless this side shut its own
            // reading down. (For UDP, 0 is an empty datagram, nothing more.)
            self.update(|s| {
                if s.ty == SockType::Stream && !s.shut_read {
                    s.closed_first.get_or_insert(Side::Peer);
                }
            });
        }
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
                // The brief form is the one known before the call (`fd, size`).
                ret: n as i64,
                bytes: Some(n),
                data: kept_bytes(got),
                total: n,
                ..Outcome::default()
            }
        });
        r.map_err(Self::fail(Call::Recvfrom, None))
    }

    /// `send(data)`: copies as much of `data` as fits into the kernel's send buffer and returns
    /// how many bytes it took. Python: `s.send(data)`.
    ///
    /// It may take fewer bytes than given when the buffer is nearly full: use
    /// [`sendall`](Self::sendall) to send everything. After the peer closed, the first `send`
    /// still succeeds (FIN only closes the peer's sending side); the peer's kernel answers those
    /// bytes with RST, and a later `send` fails with `EPIPE` (or `ECONNRESET`). strace shows it
    /// as `sendto` with no address.
    pub fn send(&self, data: &[u8]) -> Result<usize> {
        let fd = self.fd;
        let args = || {
            (
                format!("{fd}, {}, {}, 0, NULL, 0", quoted(data), data.len()),
                format!("{fd}, {}", data.len()),
            )
        };
        perform(
            Spec::on(self, Call::Sendto, &args).blocking(),
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
        .map_err(Self::fail(Call::Sendto, None))
    }

    /// Python's `sendall(data)`: calls [`send`](Self::send) until every byte is taken. Each
    /// `send` is a system call of its own and appears in the trace: there is no `sendall`
    /// system call.
    pub fn sendall(&self, mut data: &[u8]) -> Result<()> {
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
    /// `recvfrom`, and 0 bytes is an empty datagram, not an end. A datagram longer than `buf`
    /// is cut and the rest is lost; use [`recvfrom_full`](Self::recvfrom_full) to find out.
    pub fn recvfrom(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        self.recvfrom_flags(buf, 0)
    }

    /// `recvfrom(buf, MSG_TRUNC)`: as [`recvfrom`](Self::recvfrom), but returns the datagram's
    /// real length even when it was longer than `buf` (only `buf.len()` bytes are kept). A
    /// return value larger than `buf.len()` means the datagram was truncated.
    pub fn recvfrom_full(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        self.recvfrom_flags(buf, libc::MSG_TRUNC)
    }

    fn recvfrom_flags(&self, buf: &mut [u8], flags: i32) -> Result<(usize, SocketAddr)> {
        let fd = self.fd;
        let cap = buf.len();
        let flag_name = if flags == libc::MSG_TRUNC {
            "MSG_TRUNC"
        } else {
            "0"
        };
        let enter = move || (format!("{fd}, "), format!("{fd}, {cap}"));
        let mut spec = Spec::on(self, Call::Recvfrom, &enter).blocking();
        spec.size = Some(cap);
        let call = traced::begin(spec);
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
                    addr: peer,
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
        let (n, a) = r.map_err(Self::fail(Call::Recvfrom, None))?;
        let peer = a.as_socket().ok_or_else(|| {
            Error::new(
                Call::Recvfrom,
                None,
                io::Error::other("recvfrom returned a non-IP address"),
            )
        })?;
        Ok((n, peer))
    }

    /// `sendto(data, addr)`: sends one datagram to `addr`. Python: `s.sendto(data, addr)`.
    ///
    /// Returns at once: UDP has no connection, no acknowledgement, and nothing tells whether
    /// the datagram arrived. Fails with `EMSGSIZE` for a datagram too large for UDP.
    pub fn sendto(&self, data: &[u8], addr: SocketAddr) -> Result<usize> {
        let fd = self.fd;
        let args = || {
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
        };
        perform(
            Spec::on(self, Call::Sendto, &args).blocking().to(addr),
            || self.sock().send_to(data, &addr.into()),
            |r| Outcome {
                ret: r.map_or(-1, |n| *n as i64),
                bytes: Some(*r.unwrap_or(&0)),
                addr: Some(addr),
                data: kept_bytes(data),
                total: data.len(),
                preview_in_args: true,
                ..Outcome::default()
            },
        )
        .map_err(Self::fail(Call::Sendto, Some(addr)))
    }

    /// `shutdown(how)`: closes one direction of the connection, or both, without freeing the
    /// descriptor. After `How::Write` the kernel sends FIN, and the peer's `recv` returns 0
    /// once it has read everything: "I have nothing more to say, but I still listen". On a
    /// listening socket, or a socket a thread is blocked on, `How::Both` wakes the blocked
    /// `accept` or `recv` up.
    pub fn shutdown(&self, how: How) -> Result<()> {
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
        let mut spec = Spec::on(self, Call::Shutdown, &announce).blocking();
        spec.how = Some(how);
        perform(
            spec,
            || {
                // Recorded before the call: a thread blocked in `recv` wakes up with 0 as soon
                // as the kernel acts, and must not take that 0 for the peer's FIN.
                let was = self.info().shut_read;
                if how != How::Write {
                    self.update(|s| s.shut_read = true);
                }
                let r = self.sock().shutdown(h);
                match &r {
                    Ok(()) => self.update(|s| {
                        if how != How::Read && s.role == SockRole::Connected {
                            s.closed_first.get_or_insert(Side::Local);
                        }
                    }),
                    // On a socket with no connection (UDP) Linux answers ENOTCONN but marks it
                    // shut down all the same, and wakes its blocked calls up.
                    Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {}
                    Err(_) => self.update(|s| s.shut_read = was),
                }
                r
            },
            |_| Outcome {
                args: format!("{fd}, {}", how.name()),
                brief: format!("{fd}, {}", how.name()),
                ..Outcome::default()
            },
        )
        .map_err(Self::fail(Call::Shutdown, None))
    }

    /// `close()`: frees the descriptor. What goes on the wire depends on the socket: for a TCP
    /// connection the kernel sends FIN (the peer's `recv` then returns 0), or RST if bytes
    /// the peer sent were never read; the side that closed first keeps the connection in
    /// TIME_WAIT for 60 s. A UDP socket, or a TCP socket never connected, sends nothing.
    /// Dropping a `Socket` does the same; this method only makes it visible in the code, as in
    /// the labs.
    pub fn close(mut self) -> Result<()> {
        self.close_inner()
    }

    fn close_inner(&mut self) -> Result<()> {
        let Some(inner) = self.inner.take() else {
            return Ok(());
        };
        let fd = inner.into_raw_fd();
        if trace::probes_unread() && self.info().role == SockRole::Connected {
            self.probe_unread(fd);
        }
        let args = || (format!("{fd}"), format!("{fd}"));
        let mut spec = Spec::on(self, Call::Close, &args).blocking();
        spec.fd = Some(fd);
        perform(
            spec,
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
        .map_err(Self::fail(Call::Close, None))
    }

    /// Records that `fork` duplicated this descriptor: another process holds one to the same
    /// socket. The kernel counts the descriptors open on a socket, in every process, and only
    /// the `close` of the last one ends it (FIN for a connection, the port freed for a
    /// listening socket); the explanation under this process's `close` says so.
    pub fn set_shared(&self) {
        self.update(|s| s.shared = true);
    }

    /// `close()` in a child process, right after `fork`, of a descriptor it inherited: frees
    /// the child's descriptor only; the parent's keeps the socket open (see
    /// [`Socket::set_shared`]). The `Socket` belongs to code of the parent's that the child
    /// does not run any more, so it cannot be taken and consumed here: the child must neither
    /// use it nor drop it afterwards. It leaves with `_exit`, which runs no destructor.
    pub fn close_inherited(&self) -> Result<()> {
        self.set_shared();
        let fd = self.fd;
        let args = || (format!("{fd}"), format!("{fd}"));
        perform(
            Spec::on(self, Call::Close, &args).blocking(),
            || {
                // SAFETY: a plain close of this process's copy of `fd`; the object that owns
                // it is never used or dropped in this process again (see above).
                if unsafe { libc::close(fd) } == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            },
            |_| Outcome::default(),
        )
        .map_err(Self::fail(Call::Close, None))
    }

    /// `ioctl(fd, FIONREAD)` before a `close`, asked by socklab itself (a probe, traced as
    /// such): how many received bytes the program never read. More than 0 makes the kernel
    /// answer the `close` with RST rather than FIN, and the explanation says so.
    fn probe_unread(&self, fd: RawFd) {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into `n`.
        let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
        let mut ev = Event::new(Kind::Probe, Phase::Call, Call::Ioctl);
        ev.fd = Some(fd);
        if r == 0 {
            self.update(|s| s.unread = Some(n.max(0) as u32));
            ev.args = format!("{fd}, FIONREAD, [{n}]");
            ev.ret = Some(0);
        } else {
            ev.args = format!("{fd}, FIONREAD, 0x0");
            ev.ret = Some(-1);
            ev.errno = Some(traced::errno_of(&io::Error::last_os_error()));
        }
        ev.brief = format!("{fd}, FIONREAD");
        ev.socket = Some(self.info());
        trace::emit(ev);
    }

    /// `getsockname()`: the socket's local address, as the kernel sees it. After `bind` to
    /// port 0 this is how a server learns which port it got; after `connect`, which local port
    /// the kernel picked for the client.
    pub fn getsockname(&self) -> Result<SocketAddr> {
        self.name_call(Call::Getsockname, || {
            let a = self.sock().local_addr();
            if let Some(local) = a.as_ref().ok().and_then(|a| a.as_socket()) {
                // Known from now on, in this call's own event too (after bind to port 0, the
                // port the kernel picked).
                self.update(|s| s.local = Some(local));
            }
            a
        })
    }

    /// `getpeername()`: the address of the connected peer.
    pub fn getpeername(&self) -> Result<SocketAddr> {
        self.name_call(Call::Getpeername, || self.sock().peer_addr())
    }

    fn name_call(
        &self,
        call: Call,
        op: impl FnOnce() -> io::Result<socket2::SockAddr>,
    ) -> Result<SocketAddr> {
        let fd = self.fd;
        let pre = move || (format!("{fd}, "), format!("{fd}"));
        let a = perform(Spec::on(self, call.clone(), &pre), op, |r| match r {
            Ok(a) => {
                let sa = a.as_socket();
                Outcome {
                    args: format!(
                        "{fd}, {}, [{STORAGE_LEN} => {}]",
                        sa.as_ref().map_or("{...}".into(), strace_sockaddr),
                        a.len()
                    ),
                    brief: format!("{fd}"),
                    addr: sa,
                    ..Outcome::default()
                }
            }
            Err(_) => Outcome {
                args: format!("{fd}, {{...}}, [{STORAGE_LEN}]"),
                brief: format!("{fd}"),
                ..Outcome::default()
            },
        })
        .map_err(Self::fail(call.clone(), None))?;
        a.as_socket().ok_or_else(|| {
            Error::new(
                call.clone(),
                None,
                io::Error::other(format!("{call} returned a non-IP address")),
            )
        })
    }
}

/// A timeout as the trace records it: microseconds, 0 for "wait forever".
fn micros(t: Option<Duration>) -> i64 {
    t.map_or(0, |d| d.as_micros().min(i64::MAX as u128) as i64)
}

/// An option's value the short way: `1`, `2.500000s`.
fn short_value(name: &OptName, value: i64) -> String {
    match name {
        OptName::RcvTimeo | OptName::SndTimeo => {
            format!("{}.{:06}s", value / 1_000_000, value % 1_000_000)
        }
        _ => value.to_string(),
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
