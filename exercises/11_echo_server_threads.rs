//! Exercice 11 — Serveur echo, un thread par connexion : veilleur et exécutants
//! Exercise 11 — Echo server, one thread per connection: veilleur and exécutants
//!
//! D'après / from: TP5b §2.2 « Version thread » ; cours « Client-serveur en mode concurrent »
//!
//! Le serveur echo de l'étape 03 en mode concurrent : le thread principal (le veilleur) ne fait
//! qu'accepter ; chaque connexion est confiée à un nouveau thread (un exécutant) qui fait la
//! boucle recv/sendall puis ferme sa socket. Port 7777 par défaut. La fonction `spawn` du
//! fichier crée le thread et lui donne son nom et son rôle dans la trace.
//!
//! Step 03's echo server in concurrent mode: the main thread (the veilleur) only accepts; each
//! connection is handed to a new thread (an exécutant) that runs the recv/sendall loop and then
//! closes its socket. Port 7777 by default. The file's `spawn` function creates the thread and
//! gives it its name and its role in the trace.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 11` (indice : `socklab hint 11`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 11` (hint: `socklab hint 11`).
//!
//! Python (le TP / the lab):
//! ```text
//! while True:
//!     sc, addr = s.accept()
//!     t = threading.Thread(None, handle, None, (sc,))
//!     t.start()
//! ```

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression,
    dead_code
)]

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
        // TODO: un exécutant : un thread qui lance handle(conn, peer) ; move lui donne la socket
        //       an exécutant: a thread that runs handle(conn, peer); move gives it the socket
        todo!("spawn(&name, Role::Executant, move || handle(conn, peer))");
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
