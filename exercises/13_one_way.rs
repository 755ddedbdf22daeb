//! Exercice 13 — Client et serveur à sens unique, en TCP puis en UDP
//! Exercise 13 — One-way client and server, TCP then UDP
//!
//! D'après / from: RES 302 TP2, exercice 1 « un client - un serveur », §1.1 « Socket TCP » et §1.2 « Socket UDP »
//!
//! Un programme, quatre rôles. `serveur [PORT]` (1212 par défaut) : accepte un client à la fois et
//! affiche « Reçu : <message> » pour ce qu'il reçoit, jusqu'à ce que le client ferme ; puis le
//! client suivant. `client [HÔTE] [PORT]` : envoie chaque ligne saisie, sans attendre de réponse ;
//! à la fin de l'entrée, ferme la connexion. `serveur-udp [PORT]` et `client-udp [HÔTE] [PORT]` :
//! les mêmes en UDP, une ligne par datagramme ; le serveur affiche l'adresse de l'expéditeur.
//!
//! One program, four roles. `serveur [PORT]` (1212 by default): accepts one client at a time and
//! prints "Reçu : <message>" for what it receives, until the client closes; then the next client.
//! `client [HOST] [PORT]`: sends each line typed, without waiting for an answer; at the end of
//! input, closes the connection. `serveur-udp [PORT]` and `client-udp [HOST] [PORT]`: the same over
//! UDP, one line per datagram; the server prints the sender's address.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 13` (indice : `socklab hint 13`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 13` (hint: `socklab hint 13`).
//!
//! Python (le TP / the lab):
//! ```text
//! s.bind(("", port)); s.listen(1)          s.connect((host, port))
//! sc, addr = s.accept()                    while True:
//! while True:                                  s.send(input().encode())
//!     data = sc.recv(1024)
//!     if not data: break
//!     print("Reçu :", data.decode())
//! ```

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

use std::io::BufRead;
use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};
use socklab::trace::{self, Role};

/// The lab's server runs on port 1212.
const PORT: u16 = 1212;

fn main() -> ExitCode {
    let lab = lab::start("main");
    let outcome = match lab.arg(1) {
        Some("serveur" | "server") => server(&lab),
        Some("client") => client(&lab),
        Some("serveur-udp" | "server-udp") => server_udp(&lab),
        Some("client-udp") => client_udp(&lab),
        _ => {
            eprintln!(
                "usage: 13_one_way serveur [PORT] | client [HOST] [PORT] | serveur-udp [PORT] \
                 | client-udp [HOST] [PORT]"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

// ---------------------------------------------------------------- TCP (§1.1)

fn server(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(2, PORT);
    let listener = listen_on(port)?;
    println!("Serveur TCP en attente de connexion sur le port {port}...");
    loop {
        // One client at a time, as in step 03: the next one waits in the backlog meanwhile.
        // TODO: attendre le client suivant : accept renvoie sa socket et son adresse
        //       wait for the next client: accept returns its socket and its address
        let (conn, peer): (Socket, SocketAddr) = todo!("listener.accept()?");
        println!("Client connecté : {peer}");
        if let Err(e) = print_received(&conn) {
            eprintln!("{peer}: {e}");
        }
        let _ = conn.close();
        println!("Client parti : {peer}");
    }
}

/// As in step 03: socket, SO_REUSEADDR, bind on every interface, listen.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    // TODO: lier la socket à addr / bind the socket to addr
    todo!("s.bind(addr)?");
    // TODO: écouter, avec une file d'attente de 1 / listen, with a backlog of 1
    todo!("s.listen(1)?");
    Ok(s)
}

/// Prints what the client sends until it closes. Nothing is sent back: the client reads
/// nothing, and bytes it never reads would stay in its receive buffer.
fn print_received(conn: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // TODO: recevoir dans buf ce que le client a envoyé / receive into buf what the client sent
        let n: usize = todo!("conn.recv(&mut buf)?");
        // 0 bytes: the client closed. Without this test the loop would go on printing empty
        // messages: once the stream has ended, every recv returns 0 at once.
        if n == 0 {
            return Ok(());
        }
        // TCP keeps no message boundaries: one recv may hold two lines, or half of one.
        println!("Reçu : {}", String::from_utf8_lossy(&buf[..n]).trim_end());
    }
}

fn client(lab: &Lab) -> Result<(), Failure> {
    // This run of the program is the client: its thread is named so in the trace.
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        // The end of the input (Ctrl+D): nothing more to send.
        if n == 0 {
            break;
        }
        // No recv after it: the server answers nothing, waiting for an answer would block.
        // TODO: envoyer la ligne, toute la ligne / send the line, all of it
        todo!("s.sendall(&line)?");
    }
    // close: the kernel sends FIN, and the server's recv returns 0.
    s.close()?;
    Ok(())
}

/// As in step 01: the first address that accepts the connection.
fn connect_first(addrs: &[SocketAddr]) -> Result<Socket, Failure> {
    let mut last = None;
    for &addr in addrs {
        let s = Socket::new(Family::of(&addr), Type::Stream)?;
        // TODO: se connecter à addr / connect to addr
        let connected: sock::Result<()> = todo!("s.connect(addr)");
        match connected {
            Ok(()) => return Ok(s),
            Err(e) => last = Some(Failure::from(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        Failure::new(
            "connect",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
        )
    }))
}

// ---------------------------------------------------------------- UDP (§1.2)

fn server_udp(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(2, PORT);
    // SOCK_DGRAM instead of SOCK_STREAM, and no listen, no accept: one socket for every client.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    // TODO: lier la socket UDP au port / bind the UDP socket to the port
    todo!("s.bind(addr)?");
    println!("Serveur UDP en attente de messages sur le port {port}...");
    // As in step 05: a datagram longer than the buffer is cut, and the rest is lost.
    let mut buf = vec![0u8; 65_535];
    loop {
        // Each datagram says who sent it: without a connection, that is how the server knows.
        // TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        let (n, from): (usize, SocketAddr) = todo!("s.recvfrom(&mut buf)?");
        println!(
            "Reçu de {from} : {}",
            String::from_utf8_lossy(&buf[..n]).trim_end()
        );
    }
}

fn client_udp(lab: &Lab) -> Result<(), Failure> {
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    // No connect: the server's address goes with every sendto, so the socket's family must be
    // the address's; "localhost" may resolve to ::1 or 127.0.0.1, we take the first.
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let server = *addrs.first().ok_or_else(|| {
        Failure::new(
            format!("resolve {host}"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
        )
    })?;
    let s = Socket::new(Family::of(&server), Type::Dgram)?;
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        if n == 0 {
            break;
        }
        // One line, one datagram: UDP keeps the boundaries TCP does not. Nothing tells whether
        // it arrived, and a server that is not running does not make sendto fail.
        // TODO: la ligne, en un datagramme, à l'adresse du serveur
        //       the line, as one datagram, to the server's address
        todo!("s.sendto(&line, server)?");
    }
    // No FIN to send: close only frees the descriptor.
    s.close()?;
    Ok(())
}
