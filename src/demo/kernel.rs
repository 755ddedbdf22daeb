//! The demos of the kernel's side: what the calls leave behind them, with the TCP state the
//! kernel reports after each call (the kernel view is on for them).
//!
//! - `backlog`: an iterative server with `listen(1)` and four clients at once: the queue fills,
//!   the kernel ignores the next SYN, and that client's kernel sends it again a second later.
//! - `time-wait`: the client closes first, then the server does: TIME_WAIT moves to the side
//!   that closed first; a restart without `SO_REUSEADDR` fails with EADDRINUSE, with it works.
//! - `reset`: a close with unread bytes sends RST; a send after the peer's FIN succeeds, and
//!   the calls after the RST fail with ECONNRESET, then EPIPE.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::{DemoServer, run_clients};
use crate::cli::ServeArgs;
use crate::error::Failure;
use crate::kernel::diag;
use crate::kinds::{Mode, Proto, Service};
use crate::lang::Lang;
use crate::sock::{self, Family, PollFd, Socket, Type};
use crate::trace::{self, Role};

/// The backlog the `backlog` demo listens with, unless `--backlog` says otherwise.
pub const DEMO_BACKLOG: i32 = 1;

/// The number of clients of the `backlog` demo: one that keeps the server busy, three that
/// arrive meanwhile.
const CLIENTS: usize = 4;

/// How long the first client waits, at most, for the others to be queued or refused.
const SETTLE: Duration = Duration::from_secs(3);

pub fn backlog(backlog: i32, lang: Lang) -> Result<(), Failure> {
    let server = DemoServer::start_with(
        ServeArgs {
            backlog,
            ..DemoServer::args(Service::Echo, Proto::Tcp, Some(Mode::Iterative))
        },
        lang,
    )?;
    let addr = server.addr;
    // Client 1 holds the server; the others start once it does.
    let held = Arc::new(Barrier::new(CLIENTS));
    let connected = Arc::new(AtomicUsize::new(0));
    run_clients(CLIENTS, move |i| {
        if i == 1 {
            let s = connect(addr)?;
            s.sendall(b"client 1 holds the server\n")?;
            let mut buf = [0u8; 64];
            let _ = s.recv(&mut buf)?;
            held.wait();
            // The iterative server is busy with this client: the others' connections wait in
            // the kernel's queue, or, once it is full, their SYN is ignored. Let go once all
            // are queued, or the kernel has dropped one (it will be sent again).
            let deadline = Instant::now() + SETTLE;
            while Instant::now() < deadline {
                let queued = connected.load(Ordering::SeqCst);
                let dropped = diag::listener(addr.port())
                    .and_then(|l| l.drops)
                    .unwrap_or(0);
                if queued == CLIENTS - 1 || dropped > 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            return s.close().map_err(Into::into);
        }
        held.wait();
        let s = Socket::new(Family::of(&addr), Type::Stream)?;
        s.connect(addr)?;
        connected.fetch_add(1, Ordering::SeqCst);
        let msg = format!("client {i}\n");
        s.sendall(msg.as_bytes())?;
        let mut buf = [0u8; 64];
        let _ = s.recv(&mut buf)?;
        s.close().map_err(Into::into)
    })?;
    server.stop()
}

/// A server of the demo's own, on a thread named `main`: socket, SO_REUSEADDR, bind to a free
/// loopback port, listen; then `body`, given the listening socket and its address.
fn server(
    body: impl FnOnce(Socket, SocketAddr) -> sock::Result<()> + Send + 'static,
) -> Result<(std::thread::JoinHandle<sock::Result<()>>, SocketAddr), Failure> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let handle = std::thread::Builder::new()
        .name("server".into())
        .spawn(move || -> sock::Result<()> {
            trace::set_thread("main", Role::Main);
            let l = Socket::new(Family::Inet, Type::Stream)?;
            l.set_reuseaddr(true)?;
            l.bind("127.0.0.1:0".parse().expect("an address"))?;
            l.listen(5)?;
            let addr = l.getsockname()?;
            let _ = tx.send(addr);
            body(l, addr)
        })
        .map_err(|e| Failure::new("spawn server", e))?;
    let addr = rx
        .recv()
        .map_err(|_| Failure::new("server", io::Error::other("did not start")))?;
    Ok((handle, addr))
}

/// Waits for the demo's server to end.
fn join(handle: std::thread::JoinHandle<sock::Result<()>>) -> Result<(), Failure> {
    handle
        .join()
        .map_err(|_| Failure::new("server", io::Error::other("panicked")))?
        .map_err(Failure::from)
}

pub fn time_wait() -> Result<(), Failure> {
    let (handle, addr) = server(|l, addr| {
        // First connection: the client closes first; this side reads the end of stream.
        let (c, _) = l.accept()?;
        let mut buf = [0u8; 64];
        while c.recv(&mut buf)? > 0 {}
        c.close()?;
        // Second connection: this side closes first, after its line.
        let (c, _) = l.accept()?;
        c.sendall(b"one line, then I close\n")?;
        c.close()?;
        // Wait for the client's close, so the connection is in TIME_WAIT here.
        let (c, _) = l.accept()?;
        c.close()?;
        l.close()?;
        // The server starts again on the same port, with its last connection still in
        // TIME_WAIT: without SO_REUSEADDR, bind is refused.
        let again = Socket::new(Family::Inet, Type::Stream)?;
        let refused = again.bind(addr);
        drop(again);
        let again = Socket::new(Family::Inet, Type::Stream)?;
        again.set_reuseaddr(true)?;
        again.bind(addr)?;
        again.listen(5)?;
        again.close()?;
        match refused {
            Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => Ok(()),
            other => other,
        }
    })?;
    run_clients(1, move |_| {
        // The client closes first: TIME_WAIT on its side.
        let s = connect(addr)?;
        s.sendall(b"hello\n")?;
        s.close()?;
        // The server closes first: the client reads the end of stream and closes after it.
        let s = connect(addr)?;
        let mut buf = [0u8; 64];
        while s.recv(&mut buf)? > 0 {}
        s.close()?;
        // A last connection tells the server the client is done.
        let s = connect(addr)?;
        while s.recv(&mut buf)? > 0 {}
        s.close().map_err(Into::into)
    })?;
    join(handle)
}

pub fn reset() -> Result<(), Failure> {
    let (handle, addr) = server(|l, _| {
        // First connection: closed cleanly, nothing left unread: FIN.
        let (c, _) = l.accept()?;
        c.close()?;
        // Second connection: the client's bytes are never read; close sends RST.
        let (c, _) = l.accept()?;
        // Wait until the bytes are there (poll, read none), so they are unread.
        sock::poll(&mut [PollFd::readable(&c)], Some(Duration::from_secs(5)))?;
        c.close()?;
        l.close()
    })?;
    run_clients(1, move |_| {
        let mut buf = [0u8; 64];
        // The server closed (FIN): recv returns 0, yet a send still succeeds, since FIN only
        // closed the server's direction. The server's kernel answers those bytes with RST;
        // having had the FIN already, this side then fails its next send with EPIPE (a recv
        // still returns 0: the end of the stream came first).
        let s = connect(addr)?;
        let _ = s.recv(&mut buf)?;
        s.sendall(b"anyone there?\n")?;
        // The RST comes back within microseconds on the loopback, later on a busy machine:
        // the kernel's state of the socket says when it is there (CLOSE).
        sock::probe::wait_until_closed(&s, Duration::from_secs(1));
        let _ = s.recv(&mut buf)?;
        let broken = s.send(b"still sending\n");
        drop(s);
        expect_errno(broken.map(drop), libc::EPIPE)?;
        // The server closes without reading what was sent: RST at once instead of FIN. The
        // next call fails with ECONNRESET, a send after it with EPIPE.
        let s = connect(addr)?;
        s.sendall(b"never read\n")?;
        let reset = s.recv(&mut buf);
        let after = s.send(b"hello?\n");
        drop(s);
        expect_errno(reset.map(drop), libc::ECONNRESET)?;
        expect_errno(after.map(drop), libc::EPIPE)
    })?;
    join(handle)
}

/// The demo shows the error on purpose: anything else is a failure of the demo.
fn expect_errno(r: sock::Result<()>, errno: i32) -> io::Result<()> {
    match r {
        Err(e) if e.raw_os_error() == Some(errno) => Ok(()),
        Err(e) => Err(e.into()),
        Ok(()) => Err(io::Error::other(format!(
            "expected {}, the call succeeded",
            trace::errno_name(errno)
        ))),
    }
}

fn connect(addr: SocketAddr) -> io::Result<Socket> {
    let s = Socket::new(Family::of(&addr), Type::Stream)?;
    s.connect(addr)?;
    Ok(s)
}

pub fn what_you_saw(name: &str, lang: Lang) -> Option<String> {
    let dropped = sock::probe::dropped();
    let text = match (name, lang) {
        ("backlog", Lang::Fr) => format!(
            "Ce que vous avez vu : pendant que le serveur itératif servait le client 1, les \
             autres ont fait connect() ; le noyau a mené leur poignée de main et les a rangés \
             dans la file d'attente, jusqu'à backlog + 1. Quand elle était pleine, il a ignoré \
             leur SYN : {dropped} tentative(s) de connexion perdue(s), que le noyau du client \
             a renvoyée(s) 1 s plus tard. --backlog relève la limite."
        ),
        ("backlog", Lang::En) => format!(
            "What you saw: while the iterative server served client 1, the others called \
             connect(); the kernel conducted their handshakes and queued them, up to backlog + \
             1. Once the queue was full it ignored their SYN: {dropped} connection attempt(s) \
             dropped, which the client's kernel sent again 1 s later. --backlog raises the \
             limit."
        ),
        ("time-wait", Lang::Fr) => "Ce que vous avez vu : la première fois le client a fermé \
             le premier, et c'est sa connexion qui est passée en TIME_WAIT ; la seconde fois le \
             serveur a fermé le premier, et le TIME_WAIT est resté de son côté, sur son port. \
             Relancé aussitôt sans SO_REUSEADDR, le serveur a reçu EADDRINUSE ; avec, bind() a \
             réussi."
            .into(),
        ("time-wait", Lang::En) => "What you saw: the first time the client closed first, and \
             its connection went to TIME_WAIT; the second time the server closed first, and \
             TIME_WAIT stayed on its side, on its port. Started again at once without \
             SO_REUSEADDR, the server got EADDRINUSE; with it, bind() succeeded."
            .into(),
        ("reset", Lang::Fr) => "Ce que vous avez vu : après le FIN du serveur, recv() a renvoyé \
             0 mais un send() a encore réussi, car FIN ne ferme qu'un sens ; le noyau du serveur \
             a répondu par un RST, et le send() suivant a échoué avec EPIPE. Ensuite le serveur \
             a fermé sans lire les octets reçus : son noyau a envoyé RST au lieu de FIN, le \
             recv() du client a échoué avec ECONNRESET, puis un send() avec EPIPE."
            .into(),
        ("reset", Lang::En) => "What you saw: after the server's FIN, recv() returned 0 but a \
             send() still succeeded, since FIN closes one direction only; the server's kernel \
             answered with RST, and the next send() failed with EPIPE. Then the server closed \
             without reading the bytes it had received: its kernel sent RST instead of FIN, the \
             client's recv() failed with ECONNRESET, then a send() with EPIPE."
            .into(),
        _ => return None,
    };
    Some(text)
}
