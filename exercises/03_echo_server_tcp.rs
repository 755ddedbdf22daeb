//! Exercice 03 — Serveur echo TCP, un client à la fois
//! Exercise 03 — TCP echo server, one client at a time
//!
//! D'après / from: TP3 §3.2 et TP5b §1.2 « Serveur Echo en Python, version TCP »
//!
//! Un serveur echo : il renvoie exactement les octets que chaque client envoie, jusqu'à ce que
//! le client ferme ; puis il passe au client suivant. Socket AF_INET6 (IPv6 et IPv4), option
//! SO_REUSEADDR avant bind, écoute sur toutes les interfaces, port 7777 par défaut ou donné en
//! paramètre, backlog de 1.
//!
//! An echo server: it sends back exactly the bytes each client sends, until the client closes;
//! then it takes the next client. An AF_INET6 socket (IPv6 and IPv4), SO_REUSEADDR set before
//! bind, listening on every interface, port 7777 by default or given as argument, backlog 1.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 03` (indice : `socklab hint 03`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 03` (hint: `socklab hint 03`).
//!
//! Python (le TP / the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
//! s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//! s.bind(("", 7777))
//! s.listen(1)
//! while True:
//!     sc, addr = s.accept()
//!     while True:
//!         data = sc.recv(1500)
//!         if len(data) == 0: break
//!         sc.send(data)
//!     sc.close()
//! ```

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    // "passer en paramètre du programme le numéro de port", with the lab's port as default.
    let port = lab.port_arg(1, 7777);
    let listener = listen_on(port)?;
    println!(
        "{} {port}",
        lab.lang.pick(
            "serveur echo en écoute sur le port",
            "echo server listening on port"
        )
    );

    loop {
        // accept blocks until a client is connected, then returns a NEW socket for it. The
        // listening socket stays as it is, ready for the next client.
        // TODO: attendre le client suivant : accept renvoie une nouvelle socket, et son adresse
        //       wait for the next client: accept returns a new socket, and its address
        let (conn, peer): (Socket, SocketAddr) = todo!("listener.accept()?");
        println!(
            "{} {peer}",
            lab.lang.pick("client connecté :", "client connected:")
        );
        // A client that misbehaves (a reset connection) must not stop the server: report it
        // and take the next one.
        if let Err(e) = echo(&conn) {
            eprintln!("{peer}: {e}");
        }
        // Closing the connected socket ends this client's connection (the kernel sends FIN).
        let _ = conn.close();
    }
}

/// socket, setsockopt, bind, listen: the four steps of every TCP server.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    // AF_INET6 handles both IPv6 and IPv4: an IPv4 client shows up as ::ffff:127.0.0.1.
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    // Without SO_REUSEADDR, restarting the server right after stopping it fails with
    // "Address already in use" while the old connections sit in TIME_WAIT.
    // TODO: SO_REUSEADDR, avant bind / SO_REUSEADDR, before bind
    todo!("s.set_reuseaddr(true)?");
    // Said explicitly rather than left to the system's default: accept IPv4 too.
    s.set_only_v6(false)?;
    // "" in Python, :: here: every interface of the machine.
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    // TODO: lier la socket à addr / bind the socket to addr
    todo!("s.bind(addr)?");
    // A backlog of 1 is enough for one client at a time: the kernel still completes the
    // handshake of the next client and keeps it waiting in the queue.
    // TODO: écouter, avec une file d'attente de 1 / listen, with a backlog of 1
    todo!("s.listen(1)?");
    Ok(s)
}

/// Sends back everything the client sends, until it closes the connection.
fn echo(conn: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1500];
    loop {
        // recv returns what has arrived so far: maybe part of what the client sent, since
        // TCP is a stream. 0 bytes means the client closed the connection.
        // TODO: recevoir dans buf ce qui est arrivé / receive into buf what has arrived
        let n: usize = todo!("conn.recv(&mut buf)?");
        if n == 0 {
            return Ok(());
        }
        // send may take fewer bytes than given when the kernel's buffer is full (a large
        // message, a slow reader); sendall loops until every byte is taken.
        // TODO: renvoyer au client tout ce qui est arrivé / send back to the client all that came
        todo!("conn.sendall(&buf[..n])?");
    }
}
