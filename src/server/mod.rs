//! The teaching server: a listening socket, then one of the ways to serve its clients.
//!
//! - [`threads`]: the *veilleur* thread owns the listening socket and loops on `accept`; each
//!   connection is handed to a new *exécutant* thread, which owns the connected socket, serves
//!   it and closes it. Several clients are served at once.
//! - [`fork`]: the same with processes, as in the course's slides: the veilleur process
//!   accepts and `fork`s one exécutant process per connection.
//! - [`iterative`]: one thread accepts a client, serves it to the end, then accepts the next;
//!   meanwhile the others wait in the backlog (the first lab version).
//! - [`select`]: one thread waits on every socket at once with `poll` and serves whichever is
//!   ready (the labs' `select.select` version).
//! - [`udp`]: no connection, no accept: one `recvfrom`/`sendto` loop.
//! - [`relay`] and [`chat`] link several clients together and have loops of their own.

pub mod chat;
pub mod fork;
pub mod iterative;
pub mod relay;
pub mod select;
pub mod shutdown;
pub mod stats;
pub mod threads;
pub mod udp;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::error::{Failure, Trouble};
use crate::kinds::{Mode, Proto, Service};
use crate::lang::Lang;
use crate::services::http::{self, Site};
use crate::services::{self, Conversation, Flow, Out};
use crate::sock::{self, Family, Socket, Type};
use crate::trace::Note;
use crate::{output, signals, trace};

use shutdown::Shutdown;
use stats::{ConnRecord, Counts, Stats};

/// What every part of a running server shares.
pub struct Ctx {
    pub service: Service,
    pub lang: Lang,
    pub shutdown: Arc<Shutdown>,
    pub stats: Stats,
    /// `--max-clients`: at most this many clients served at once.
    pub max_clients: Option<usize>,
    /// `--idle-timeout`: a connection silent this long is closed.
    pub idle: Option<Duration>,
    /// Clients being served right now.
    pub active: AtomicUsize,
    /// What the http service serves (the built-in page, or `--root`); `None` for the others.
    pub site: Option<Arc<Site>>,
    /// `--recv-size`: the buffer each TCP `recv` is given ([`BUF_SIZE`] by default).
    pub recv_size: usize,
}

/// Runs `socklab serve` until Ctrl+C.
pub fn run(args: &ServeArgs, lang: Lang) -> Result<(), Failure> {
    let bound = bind(args, lang)?;
    // Ready for Ctrl+C before saying where it listens: whoever reads the banner may stop the
    // server at once.
    let shutdown = bound.shutdown();
    signals::on_interrupt(move || shutdown.trigger());
    bound.print_banner();
    let ctx = Arc::clone(&bound.ctx);
    let udp = bound.proto == Proto::Udp;
    let result = bound.serve();
    output::say(ctx.stats.summary(lang, udp));
    output::say(stats::calls_line(trace::counters::total(), lang));
    if trace::kernel_view() {
        output::say(stats::dropped_line(sock::probe::dropped(), lang));
    }
    result
}

/// A server whose socket is bound (and listening, for TCP), ready to serve.
pub struct Bound {
    ctx: Arc<Ctx>,
    socket: Arc<Socket>,
    proto: Proto,
    mode: Mode,
    local: SocketAddr,
}

/// Opens the server's socket as `args` say, in the calling thread (named `veilleur` for the
/// threads mode, `main` otherwise, as the trace will show it).
pub fn bind(args: &ServeArgs, lang: Lang) -> Result<Bound, Failure> {
    let mode = check_combination(args)?;
    let port = args.port.unwrap_or_else(|| args.service.default_port());
    let idle = match args.idle_timeout {
        Some(s) if s > 0.0 && s.is_finite() => Some(Duration::from_secs_f64(s)),
        Some(_) => return Err(usage("--idle-timeout takes a positive number of seconds")),
        None => None,
    };
    let site = site(args)?;
    let ctx = Arc::new(Ctx {
        service: args.service,
        lang,
        shutdown: Shutdown::new(),
        stats: Stats::default(),
        max_clients: args.max_clients,
        idle,
        active: AtomicUsize::new(0),
        site,
        recv_size: args.recv_size as usize,
    });
    match (args.proto, mode) {
        (Proto::Tcp, Mode::Threads | Mode::Fork) => {
            trace::set_thread("veilleur", trace::Role::Veilleur)
        }
        _ => trace::set_thread("main", trace::Role::Main),
    }
    let socket = match args.proto {
        Proto::Tcp => open_listener(&args.host, port, args.backlog),
        Proto::Udp => listen_addr(&args.host, port).and_then(|a| open_bound(a, Type::Dgram)),
    }
    .map_err(|f| privileged_port(f, port, args.service))?;
    let local = socket
        .getsockname()
        .map_err(|e| Failure::new("getsockname", e))?;
    let socket = Arc::new(socket);
    ctx.shutdown.watch_listener(&socket);
    Ok(Bound {
        ctx,
        socket,
        proto: args.proto,
        mode,
        local,
    })
}

impl Bound {
    /// The address the server listens on (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// What stops the server (Ctrl+C calls its `trigger`).
    pub fn shutdown(&self) -> Arc<Shutdown> {
        Arc::clone(&self.ctx.shutdown)
    }

    pub fn print_banner(&self) {
        let (proto, mode) = match self.proto {
            Proto::Tcp => ("TCP", Some(self.mode)),
            Proto::Udp => ("UDP", None),
        };
        print_banner(self.ctx.service, proto, mode, self.local, self.ctx.lang);
    }

    /// Serves until stopped, then closes the server's socket.
    pub fn serve(self) -> Result<(), Failure> {
        let ctx = &self.ctx;
        let socket = &self.socket;
        let served = match (self.proto, ctx.service, self.mode) {
            (Proto::Udp, _, _) => udp::run(socket, ctx),
            (Proto::Tcp, Service::Relay, mode) => relay::run(socket, ctx, mode),
            (Proto::Tcp, Service::Chat, _) => chat::run(socket, ctx),
            (Proto::Tcp, _, Mode::Iterative) => iterative::run(socket, ctx),
            (Proto::Tcp, _, Mode::Threads) => threads::run(socket, ctx),
            (Proto::Tcp, _, Mode::Select) => select::run(socket, ctx),
            (Proto::Tcp, _, Mode::Fork) => fork::run(socket, ctx),
        };
        // The server's socket is closed last, once no client can be waiting on it any more.
        ctx.shutdown.unwatch(socket);
        ctx.shutdown.finished();
        if let Ok(socket) = Arc::try_unwrap(self.socket) {
            let _ = socket.close();
        }
        served
    }
}

/// The mode for this service and protocol, or a clear refusal for a combination that does not
/// exist.
fn check_combination(args: &ServeArgs) -> Result<Mode, Failure> {
    let service = args.service.name();
    if args.proto == Proto::Udp && args.recv_size as usize != BUF_SIZE {
        return Err(usage_both(
            "--recv-size est pour TCP : un serveur UDP lit chaque datagramme en entier, dans \
             65 535 octets (un datagramme lu en partie perd sa fin)",
            "--recv-size is for TCP: a UDP server reads each datagram whole, in 65,535 bytes \
             (a datagram read in part loses its end)",
        ));
    }
    match (args.proto, args.service, args.mode) {
        (Proto::Udp, Service::Chat, _) => {
            Err(usage("chat has no UDP version: it needs connections"))
        }
        (Proto::Udp, _, Some(_)) => Err(usage(
            "--mode is for TCP: a UDP server has no connections, one socket serves everyone",
        )),
        (Proto::Tcp, Service::Relay | Service::Chat, Some(Mode::Fork)) => Err(usage_both(
            &format!(
                "{service} ne tourne pas en --mode fork : ses clients se parlent entre eux, et des \
                 processus séparés ne partagent pas leurs sockets (relay : --mode iterative ou \
                 threads ; chat : --mode threads)"
            ),
            &format!(
                "{service} does not run in --mode fork: its clients talk to each other, and \
                 separate processes do not share their sockets (relay: --mode iterative or \
                 threads; chat: --mode threads)"
            ),
        )),
        (Proto::Tcp, Service::Chat, Some(m)) if m != Mode::Threads => Err(usage(
            "chat runs in --mode threads (an exécutant per client, a broadcaster thread)",
        )),
        (Proto::Tcp, Service::Relay, Some(Mode::Select)) => Err(usage(&format!(
            "{service} runs in --mode iterative (one pair at a time) or threads (a pair per exécutant)"
        ))),
        (Proto::Udp, Service::Http, _) => Err(usage_both(
            "http fonctionne sur TCP : une requête et sa réponse passent par une connexion",
            "http runs over TCP: a request and its answer on one connection",
        )),
        (_, s, _) if s != Service::Http && args.root.is_some() => Err(usage_both(
            "--root ne sert qu'au service http",
            "--root is for the http service",
        )),
        (_, _, mode) => Ok(mode.unwrap_or(Mode::Threads)),
    }
}

fn usage(msg: &str) -> Failure {
    Failure::usage(msg)
}

/// A usage error (exit code 2) worded in both languages.
fn usage_both(fr: &str, en: &str) -> Failure {
    Failure::trouble(
        "serve",
        Trouble::Usage {
            fr: fr.into(),
            en: en.into(),
        },
    )
}

/// The http service's site: `--root DIR` when given (it must be a directory), else the
/// built-in page.
fn site(args: &ServeArgs) -> Result<Option<Arc<Site>>, Failure> {
    if args.service != Service::Http {
        return Ok(None);
    }
    let site = match &args.root {
        None => Site::Builtin,
        Some(dir) => Site::root(dir).map_err(|e| {
            let shown = dir.display();
            let (fr, en) = match (e.kind(), e.raw_os_error()) {
                (io::ErrorKind::NotFound, _) => ("n'existe pas".into(), "does not exist".into()),
                (_, Some(libc::ENOTDIR)) => (
                    "n'est pas un répertoire".into(),
                    "is not a directory".into(),
                ),
                _ => (e.to_string(), e.to_string()),
            };
            Failure::trouble(
                "serve http",
                Trouble::Usage {
                    fr: format!("--root {shown} : {fr} ; --root attend le répertoire à servir"),
                    en: format!("--root {shown}: {en}; --root takes the directory to serve"),
                },
            )
        })?,
    };
    Ok(Some(Arc::new(site)))
}

/// `EACCES` on a port below 1024: what the port needs, and the service's own port to use
/// instead. Other failures are left as they are.
fn privileged_port(f: Failure, port: u16, service: Service) -> Failure {
    if f.errno().as_deref() != Some("EACCES") || port == 0 || port >= 1024 {
        return f;
    }
    let name = service.name();
    let free = service.default_port();
    f.with_advice(
        format!(
            "EACCES : les ports inférieurs à 1024 sont privilégiés ; se lier au port {port} \
             demande d'être root ou d'avoir la capacité CAP_NET_BIND_SERVICE (par exemple \
             `sudo setcap cap_net_bind_service=+ep $(command -v socklab)`). Sans privilège, \
             prenez un port supérieur ou égal à 1024 : `socklab serve {name}` écoute sur {free} par \
             défaut (`--port {free}`)."
        ),
        format!(
            "EACCES: ports below 1024 are privileged; binding port {port} needs root or the \
             CAP_NET_BIND_SERVICE capability (for instance \
             `sudo setcap cap_net_bind_service=+ep $(command -v socklab)`). Without privileges, \
             use port 1024 or above: `socklab serve {name}` listens on {free} by default \
             (`--port {free}`)."
        ),
    )
}

/// A new conversation for one connection: the service's, with the http service's site.
fn conversation(ctx: &Ctx) -> Option<Box<dyn Conversation>> {
    match (ctx.service, &ctx.site) {
        (Service::Http, Some(site)) => Some(Box::new(http::Http::new(Arc::clone(site)))),
        (service, _) => services::conversation(service),
    }
}

/// `socket`, `setsockopt(SO_REUSEADDR)`, `bind`, `listen`: the four steps of every TCP server
/// in the labs. An IPv6 address gives an `AF_INET6` socket; for `::` (every interface) the
/// socket also accepts IPv4, as in the labs' `bind(("", port))` on `AF_INET6`.
pub fn open_listener(host: &str, port: u16, backlog: i32) -> Result<Socket, Failure> {
    let addr = listen_addr(host, port)?;
    let s = open_bound(addr, Type::Stream)?;
    s.listen(backlog)?;
    Ok(s)
}

/// A socket of the right family, dual-stack for `::`, bound to `addr`; for TCP with
/// `SO_REUSEADDR` set.
fn open_bound(addr: SocketAddr, ty: Type) -> Result<Socket, Failure> {
    let s = Socket::new(Family::of(&addr), ty)?;
    if ty == Type::Stream {
        // Without it, a restart within a minute of stopping fails with EADDRINUSE while the
        // previous run's connections sit in TIME_WAIT. Not for UDP: there nothing lingers,
        // and the option would let a second server share the port and take its datagrams.
        s.set_reuseaddr(true)?;
    }
    if let SocketAddr::V6(v6) = addr
        && v6.ip().is_unspecified()
    {
        s.set_only_v6(false)?;
    }
    s.bind(addr)?;
    Ok(s)
}

/// The address to bind: an IP literal as is, `""` as `::` (the labs' "every interface"), a
/// name through the resolver (its first address).
fn listen_addr(host: &str, port: u16) -> Result<SocketAddr, Failure> {
    let host = if host.is_empty() { "::" } else { host };
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    addrs.into_iter().next().ok_or_else(|| {
        Failure::new(
            format!("resolve {host}"),
            io::Error::new(io::ErrorKind::NotFound, "no address"),
        )
    })
}

fn print_banner(service: Service, proto: &str, mode: Option<Mode>, local: SocketAddr, lang: Lang) {
    let how = match mode {
        Some(m) => format!("{proto}, {}", m.label(lang)),
        None => proto.to_string(),
    };
    let name = service.name();
    let pid = std::process::id();
    let try_host = if local.ip().is_unspecified() {
        "localhost".to_string()
    } else {
        local.ip().to_string()
    };
    let nc = if proto == "UDP" { "nc -u" } else { "nc" };
    match lang {
        Lang::Fr => {
            output::say_line(format!(
                "serveur {name} ({how}, pid {pid}) en écoute sur {local}"
            ));
            output::say_line(format!("Pour essayer : {nc} {try_host} {}", local.port()));
        }
        Lang::En => {
            output::say_line(format!(
                "{name} server ({how}, pid {pid}) listening on {local}"
            ));
            output::say_line(format!("Try it: {nc} {try_host} {}", local.port()));
        }
    }
    if service == Service::Http {
        // An IPv6 address goes in brackets in a URL.
        let authority = if local.ip().is_unspecified() {
            format!("localhost:{}", local.port())
        } else {
            local.to_string()
        };
        output::say_line(match lang {
            Lang::Fr => format!(
                "Ou bien : socklab connect http-get http://{authority}/ (avec nc, tapez \
                 GET / HTTP/1.1, Host: {try_host}, puis une ligne vide)"
            ),
            Lang::En => format!(
                "Or: socklab connect http-get http://{authority}/ (in nc, type \
                 GET / HTTP/1.1, Host: {try_host}, then an empty line)"
            ),
        });
    }
    if local.ip().is_loopback() {
        output::say_line(lang.pick(
            "En écoute sur la boucle locale seulement : avec --host ::, les autres machines \
                 peuvent s'y connecter (IPv6 et IPv4).",
            "Listening on loopback only: --host :: opens it to other machines (IPv6 and \
                 IPv4).",
        ));
    }
    output::say_line(lang.pick("Ctrl+C pour arrêter.", "Ctrl+C to stop."));
}

/// Takes a client in, or turns it away when `--max-clients` are already being served. An
/// accepted client counts as active until [`leave`] is called for it.
fn admit(conn: &Socket, peer: SocketAddr, ctx: &Ctx) -> bool {
    let active = ctx.active.fetch_add(1, Ordering::SeqCst);
    match ctx.max_clients {
        Some(max) if active >= max => {
            ctx.active.fetch_sub(1, Ordering::SeqCst);
            let line = match ctx.lang {
                Lang::Fr => {
                    format!("serveur plein : {max} clients déjà connectés, réessayez plus tard\n")
                }
                Lang::En => {
                    format!("server full: {max} clients already connected, try again later\n")
                }
            };
            trace::note(Note::Refused { peer, max });
            let _ = conn.sendall(line.as_bytes());
            false
        }
        _ => true,
    }
}

/// A served client has left.
fn leave(ctx: &Ctx) {
    ctx.active.fetch_sub(1, Ordering::SeqCst);
}

/// Serves one accepted connection with the service's conversation, closes it, and records
/// what it did. Used by the threads and iterative modes.
fn serve_connection(conn: Arc<Socket>, peer: SocketAddr, ctx: &Ctx) {
    let mut counts = Counts::default();
    if let Some(conv) = conversation(ctx) {
        // A client that resets or vanishes ends its own conversation, not the server: the
        // failed call is in the trace with its errno.
        let _ = converse(&conn, conv, &mut counts, ctx);
    }
    close_and_record(conn, peer, counts, ctx);
}

/// Closes a connection in the thread that served it, and records what it did.
fn close_and_record(conn: Arc<Socket>, peer: SocketAddr, counts: Counts, ctx: &Ctx) {
    // Once unwatched, no other thread holds the socket: this close is the one that closes it.
    ctx.shutdown.unwatch(&conn);
    if let Ok(conn) = Arc::try_unwrap(conn) {
        let _ = conn.close();
    }
    record(ctx, peer, counts);
}

fn record(ctx: &Ctx, peer: SocketAddr, counts: Counts) {
    ctx.stats.record(ConnRecord {
        thread: trace::thread_name(),
        peer,
        counts,
    });
}

/// Buffer for one TCP `recv` unless `--recv-size` says otherwise: the lab's 1500 bytes, one
/// Ethernet frame's worth. A stream has no boundaries to keep: what does not fit is read by
/// the next `recv`. Allocated on the heap, once per connection, since its size is chosen.
pub const BUF_SIZE: usize = 1500;

/// Buffer for one UDP `recvfrom`: 65,535 bytes, the most a UDP length field can say, so that
/// every datagram that can arrive fits whole (at most 65,507 bytes of data over IPv4, 65,527
/// over IPv6). A datagram is read in one call or its end is lost: it cannot be the labs' 1500.
/// Allocated on the heap, not on a thread's stack.
pub const UDP_BUF_SIZE: usize = 65_535;

/// The `recv` loop of one blocking connection: what the labs write inside `while True`.
fn converse(
    conn: &Socket,
    mut conv: Box<dyn Conversation>,
    counts: &mut Counts,
    ctx: &Ctx,
) -> io::Result<()> {
    let idle = ctx.idle;
    if idle.is_some() {
        // A silent client makes `recv` fail with EAGAIN after this long, instead of holding
        // an exécutant forever.
        conn.set_recv_timeout(idle)?;
    }
    if conv.open(&mut Out::new(conn, counts))? == Flow::Close {
        return Ok(());
    }
    let mut buf = vec![0u8; ctx.recv_size];
    loop {
        let n = match conn.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if idle.is_some() && e.kind() == io::ErrorKind::WouldBlock => {
                trace::note(Note::IdleClose { peer: None });
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            // 0 bytes: the client closed its side (or the server is stopping and shut the
            // socket down). The conversation is over.
            return Ok(());
        }
        counts.bytes_in += n as u64;
        if conv.data(&buf[..n], &mut Out::new(conn, counts))? == Flow::Close {
            return Ok(());
        }
        // After Ctrl+C the exchange in progress is done: stop here. Waiting for `recv` to
        // return 0 is not enough: on Linux, `shutdown(SHUT_RD)` still lets bytes that arrive
        // later be read, so a client that keeps talking would keep its exécutant busy until
        // the grace period cut it off in the middle of an answer.
        if ctx.shutdown.is_shutdown() {
            return Ok(());
        }
    }
}

/// What to do when `accept` fails: keep going, or stop.
enum AcceptError {
    /// The server is stopping (its listening socket was shut down).
    Stop,
    /// A transient failure: try again (after the back-off, if any).
    Retry,
    Fatal(Failure),
}

/// Sorts an `accept` failure. Out of descriptors (`EMFILE`/`ENFILE`) is not fatal: clients
/// will leave and free some. Waits a little before the next try rather than spinning on a call
/// that fails at once.
fn accept_error(e: sock::Error, ctx: &Ctx) -> AcceptError {
    if ctx.shutdown.is_shutdown() {
        return AcceptError::Stop;
    }
    match e.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            eprintln!(
                "{}",
                ctx.lang.pick(
                    "socklab: accept: plus de descripteur libre, nouvel essai dans 100 ms",
                    "socklab: accept: out of descriptors, trying again in 100 ms",
                )
            );
            std::thread::sleep(ACCEPT_BACKOFF);
            AcceptError::Retry
        }
        Some(libc::ECONNABORTED | libc::EINTR | libc::EPROTO) => AcceptError::Retry,
        _ => AcceptError::Fatal(Failure::new("accept", e)),
    }
}

/// `accept` until it gives a client, a stop, or a fatal error.
fn accept_next(listener: &Socket, ctx: &Ctx) -> Result<Option<(Socket, SocketAddr)>, Failure> {
    loop {
        match listener.accept() {
            Ok(c) => return Ok(Some(c)),
            Err(e) => match accept_error(e, ctx) {
                AcceptError::Stop => return Ok(None),
                AcceptError::Retry => continue,
                AcceptError::Fatal(f) => return Err(f),
            },
        }
    }
}

/// How long the server waits before accepting again after running out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
