//! Step 11 — echo server with one thread per connection: the veilleur and its exécutants
//! (TP5b §2.2, and the course's "serveur concurrent").
//!
//! Builds on step 03: the inner recv/send loop moves into a function, `handle`, which runs in
//! a new thread (an *exécutant*) for each connection; the main thread (the *veilleur*) goes
//! straight back to `accept`.
//!
//! Run: `cargo run --example sol11_echo_server_threads -- [PORT]` (default 7777), then several
//! `nc localhost 7777` at the same time.
//!
//! Python (the lab):
//! ```text
//! while True:
//!     sc, addr = s.accept()
//!     t = threading.Thread(None, handle, None, (sc,))
//!     t.start()
//! ```

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{Family, Socket, Type};
use socklab::trace::{self, Role};

fn main() -> ExitCode {
    let lab = lab::start("veilleur");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, 7777);
    let listener = listen_on(port)?;
    println!(
        "{} {port}",
        lab.lang.pick(
            "serveur echo (threads) en écoute sur le port",
            "echo server (threads) listening on port"
        )
    );

    let mut count = 0u64;
    loop {
        // The veilleur owns the listening socket and only accepts.
        let (conn, peer) = listener.accept()?;
        count += 1;
        let name = format!("exécutant-{count}");
        // The connected socket is MOVED into the thread: from now on the exécutant owns it,
        // and closes it when it is done. The veilleur keeps nothing of this connection.
        spawn(&name, Role::Executant, move || handle(conn, peer));
    }
}

/// A new thread that runs `f`, named `name` in the system and in the trace, with its role.
fn spawn(name: &str, role: Role, f: impl FnOnce() + Send + 'static) {
    let traced = name.to_string();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        // An echo needs little stack; many clients mean many threads.
        .stack_size(64 * 1024)
        .spawn(move || {
            trace::set_thread(&traced, role);
            f();
        });
    if let Err(e) = spawned {
        // No thread (out of memory or of threads): `f` was dropped, and with it what it owned,
        // the connected socket, hence closed. The veilleur goes on.
        eprintln!("thread {name}: {e}");
    }
}

/// The exécutant: step 03's echo loop, then close.
fn handle(conn: Socket, peer: SocketAddr) {
    let mut buf = [0u8; 1500];
    loop {
        match conn.recv(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if let Err(e) = conn.sendall(&buf[..n]) {
                    eprintln!("{peer}: {e}");
                    break;
                }
            }
            Err(e) => {
                eprintln!("{peer}: {e}");
                break;
            }
        }
    }
    let _ = conn.close();
}

/// As in step 03, with a longer queue: several clients may connect at once.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(5)?;
    Ok(s)
}
