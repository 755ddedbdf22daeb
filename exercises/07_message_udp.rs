//! Exercice 07 — Serveur et client de messages (UDP)
//! Exercise 07 — Message server and client (UDP)
//!
//! D'après / from: Atelier « Socket TCP/UDP », exercice 2
//!
//! L'étape 06 en UDP. `serveur [PORT]` : répond à chaque datagramme par un datagramme « Bonjour
//! client, j'ai bien reçu ton message : ... », à l'adresse de l'expéditeur. `client [HÔTE]
//! [PORT]` : envoie chaque message en un datagramme au serveur, affiche la réponse ; « quit » est
//! envoyé puis le client se termine.
//!
//! Step 06 over UDP. `serveur [PORT]`: answers each datagram with one datagram "Bonjour client,
//! j'ai bien reçu ton message : ...", to the sender's address. `client [HOST] [PORT]`: sends each
//! message as one datagram to the server, prints the answer; "quit" is sent, then the client
//! ends.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 07` (indice : `socklab hint 07`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 07` (hint: `socklab hint 07`).

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

use std::io::{BufRead, Write};
use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};
use socklab::trace::{self, Role};

const PORT: u16 = 5000;

fn main() -> ExitCode {
    let lab = lab::start("main");
    let outcome = match lab.arg(1) {
        Some("serveur" | "server") => server(&lab),
        Some("client") => client(&lab),
        _ => {
            eprintln!("usage: 07_message_udp serveur [PORT] | client [HOST] [PORT]");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

// ---------------------------------------------------------------- server

fn server(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(2, PORT);
    // As in step 05: one datagram socket for every client, no listen, no accept.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    println!("Serveur UDP en écoute de messages sur le port {port}...");

    let mut buf = vec![0u8; 65_535];
    loop {
        // TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        let (n, from): (usize, SocketAddr) = todo!("s.recvfrom(&mut buf)?");
        let text = String::from_utf8_lossy(&buf[..n]);
        let message = text.trim();
        println!("Reçu de {from} : {message}");
        // With no connection there is nothing to close: `quit` only means this client is gone.
        if message == "quit" {
            continue;
        }
        let response = format!("Bonjour client, j'ai bien reçu ton message : {message}");
        // TODO: la réponse, en un datagramme, à l'expéditeur
        //       the answer, as one datagram, to the sender
        let sent: sock::Result<usize> = todo!("s.sendto(response.as_bytes(), from)");
        if let Err(e) = sent {
            eprintln!("{e}");
        }
    }
}

// ---------------------------------------------------------------- client

fn client(lab: &Lab) -> Result<(), Failure> {
    // This run of the program is the client: its thread is named so in the trace.
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    // No connect: the server's address is given to every sendto. The socket's family must be
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
    // UDP may lose a datagram, and a server that is not running sends nothing back: without a
    // timeout, recvfrom would wait forever.
    s.set_recv_timeout(Some(Duration::from_secs(5)))?;

    let mut input = std::io::stdin().lock();
    let mut line = String::new();
    loop {
        print!(">>> ");
        let _ = std::io::stdout().flush();
        line.clear();
        let n = input
            .read_line(&mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        let message = if n == 0 { "quit" } else { line.trim() };
        // TODO: le message, en un datagramme, à l'adresse du serveur
        //       the message, as one datagram, to the server's address
        todo!("s.sendto(message.as_bytes(), server)?");
        if message == "quit" {
            break;
        }
        let mut buf = vec![0u8; 65_535];
        // TODO: la réponse du serveur (recvfrom abandonne au bout de 5 s)
        //       the server's answer (recvfrom gives up after 5 s)
        let (got, from): (usize, SocketAddr) = todo!("s.recvfrom(&mut buf)?");
        println!("Serveur ({from}): {}", String::from_utf8_lossy(&buf[..got]));
    }
    println!("Fin du client UDP");
    s.close()?;
    Ok(())
}
