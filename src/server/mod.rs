//! The teaching server: a listening socket, then one of the ways to serve its clients.
//!
//! - [`threads`]: the *veilleur* thread owns the listening socket and loops on `accept`; each
//!   connection is handed to a new *exécutant* thread, which owns the connected socket, serves
//!   it and closes it. Several clients are served at once.
//! - [`iterative`]: one thread accepts a client, serves it to the end, then accepts the next;
//!   meanwhile the others wait in the backlog (the first lab version).

pub mod iterative;
pub mod shutdown;
pub mod stats;
pub mod threads;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{Mode, ServeArgs, Service};
use crate::error::Failure;
use crate::explain::Lang;
use crate::sock::{self, Family, Socket, Type, addr::brief};
use crate::{signals, trace};

use shutdown::Shutdown;
use stats::{ConnRecord, Counts, Stats};

/// Runs `socklab serve` until Ctrl+C.
pub fn run(args: &ServeArgs, lang: Lang) -> Result<(), Failure> {
    let port = args.port.unwrap_or_else(|| args.service.default_port());
    let mode = args.mode;
    trace::set_thread_name(match mode {
        Mode::Threads => "veilleur",
        Mode::Iterative => "main",
    });
    let listener = open_listener(&args.host, port, args.backlog)?;
    let local = listener
        .getsockname()
        .map_err(|e| Failure::new("getsockname", e))?;
    print_banner(args.service, mode, local, lang);

    let listener = Arc::new(listener);
    let shutdown = Shutdown::new();
    shutdown.watch(&listener);
    {
        let shutdown = Arc::clone(&shutdown);
        signals::on_interrupt(move || shutdown.trigger());
    }
    let stats = Arc::new(Stats::default());
    let served = match mode {
        Mode::Iterative => iterative::run(&listener, &shutdown, &stats, args.service, lang),
        Mode::Threads => threads::run(&listener, &shutdown, &stats, args.service, lang),
    };
    // The listening socket is closed last, once no client can be waiting on it any more.
    shutdown.unwatch(&listener);
    if let Ok(listener) = Arc::try_unwrap(listener) {
        let _ = listener.close();
    }
    print!("{}", stats.summary(lang));
    served
}

/// `socket`, `setsockopt(SO_REUSEADDR)`, `bind`, `listen`: the four steps of every TCP server
/// in the labs. An IPv6 address gives an `AF_INET6` socket; for `::` (every interface) the
/// socket also accepts IPv4, as in the labs' `bind(("", port))` on `AF_INET6`.
pub fn open_listener(host: &str, port: u16, backlog: i32) -> Result<Socket, Failure> {
    let addr = listen_addr(host, port)?;
    let s = Socket::new(Family::of(&addr), Type::Stream).map_err(|e| Failure::new("socket", e))?;
    // Without it, a restart within a minute or two of stopping fails with EADDRINUSE while the
    // previous run's connections sit in TIME_WAIT.
    s.set_reuseaddr(true)
        .map_err(|e| Failure::new("setsockopt SO_REUSEADDR", e))?;
    if let SocketAddr::V6(v6) = addr
        && v6.ip().is_unspecified()
    {
        s.set_only_v6(false)
            .map_err(|e| Failure::new("setsockopt IPV6_V6ONLY", e))?;
    }
    s.bind(addr)
        .map_err(|e| Failure::new(format!("bind {}", brief(&addr)), e))?;
    s.listen(backlog)
        .map_err(|e| Failure::new(format!("listen {}", brief(&addr)), e))?;
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

fn print_banner(service: Service, mode: Mode, local: SocketAddr, lang: Lang) {
    let mode_name = match mode {
        Mode::Threads => "threads",
        Mode::Iterative => "iterative",
    };
    let name = service.name();
    let pid = std::process::id();
    let try_host = match local.ip() {
        ip if ip.is_unspecified() => "localhost".to_string(),
        std::net::IpAddr::V6(ip) => format!("{ip}"),
        ip => ip.to_string(),
    };
    match lang {
        Lang::Fr => {
            println!("serveur {name} (TCP, {mode_name}, pid {pid}) en écoute sur {local}");
            println!("Pour essayer : nc {try_host} {}", local.port());
        }
        Lang::En => {
            println!("{name} server (TCP, {mode_name}, pid {pid}) listening on {local}");
            println!("Try it: nc {try_host} {}", local.port());
        }
    }
    if local.ip().is_loopback() {
        println!(
            "{}",
            lang.pick(
                "Écoute sur la boucle locale seulement : --host :: l'ouvre aux autres machines \
                 (IPv6 et IPv4).",
                "Listening on loopback only: --host :: opens it to other machines (IPv6 and \
                 IPv4).",
            )
        );
    }
    println!("{}", lang.pick("Ctrl+C pour arrêter.", "Ctrl+C to stop."));
}

/// Serves one accepted connection with the service, then closes it, and records what it did.
fn serve_connection(
    conn: Arc<Socket>,
    peer: SocketAddr,
    service: Service,
    stats: &Stats,
    shutdown: &Shutdown,
) {
    let mut counts = Counts::default();
    let result = match service {
        Service::Echo => crate::services::echo::serve(&conn, &mut counts),
    };
    if let Err(e) = result {
        // A client that resets or vanishes ends its own conversation, not the server.
        trace::note(format!("{peer}: {e}"));
    }
    // Closed here, by the thread that served it.
    shutdown.unwatch(&conn);
    if let Ok(conn) = Arc::try_unwrap(conn) {
        let _ = conn.close();
    }
    stats.record(ConnRecord {
        thread: trace::thread_name(),
        peer,
        counts,
    });
}

/// What to do when `accept` fails: keep going, wait a little, or stop.
enum AcceptError {
    /// The server is stopping (its listening socket was shut down).
    Stop,
    /// A transient failure: try again (after the back-off, if any).
    Retry,
    Fatal(Failure),
}

/// Sorts an `accept` failure. Out of descriptors (`EMFILE`/`ENFILE`) is not fatal: clients
/// will leave and free some. The caller waits a little before trying again rather than
/// spinning on a call that fails at once.
fn accept_error(e: io::Error, shutdown: &Shutdown, lang: Lang) -> AcceptError {
    if shutdown.is_shutdown() {
        return AcceptError::Stop;
    }
    match e.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            eprintln!(
                "{}",
                lang.pick(
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

/// How long the veilleur waits before accepting again after running out of descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
