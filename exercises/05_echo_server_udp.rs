//! Exercice 05 — Serveur echo UDP
//! Exercise 05 — UDP echo server
//!
//! D'après / from: TP3 §3.3 et TP5b §1.4 « Version UDP »
//!
//! La version UDP du serveur echo : une socket AF_INET6 de type SOCK_DGRAM liée au port (7777 par
//! défaut), puis en boucle recvfrom et sendto du même datagramme à l'adresse de l'expéditeur.
//! Chaque datagramme revient en un seul datagramme, entier.
//!
//! The UDP echo server: an AF_INET6 socket of type SOCK_DGRAM bound to the port (7777 by default),
//! then in a loop recvfrom and sendto of the same datagram to the sender's address. Each datagram
//! comes back as one datagram, whole.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 05` (indice : `socklab hint 05`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 05` (hint: `socklab hint 05`).
//!
//! Python (le TP / the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
//! s.bind(("", 7777))
//! while True:
//!     data, addr = s.recvfrom(65535)
//!     s.sendto(data, addr)
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
use socklab::sock::{Family, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, 7777);
    // SOCK_DGRAM: datagrams. As in step 03, AF_INET6 with IPV6_V6ONLY off serves IPv4 too.
    // TODO: une socket AF_INET6 de datagrammes / an AF_INET6 datagram socket
    let s: Socket = todo!("Socket::new(Family::Inet6, Type::Dgram)?");
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    // TODO: la lier à addr / bind it to addr
    todo!("s.bind(addr)?");
    println!(
        "{} {port}",
        lab.lang
            .pick("serveur echo UDP sur le port", "UDP echo server on port")
    );

    // The largest UDP datagram is 65,507 bytes of data: with a smaller buffer, recvfrom would
    // cut a long datagram and the rest would be lost (UDP keeps message boundaries, so there
    // is no "next recv" to get the rest from).
    let mut buf = vec![0u8; 65_535];
    loop {
        // recvfrom blocks until a datagram arrives and tells who sent it: with no connection,
        // that address is the only way to know where to answer.
        // TODO: un datagramme, et qui l'a envoyé / one datagram, and who sent it
        let (n, from): (usize, SocketAddr) = todo!("s.recvfrom(&mut buf)?");
        // One datagram back, to the sender. sendto does not wait for anything: UDP has no
        // acknowledgement. A failure concerns this datagram only, so the server goes on.
        // TODO: le même datagramme, renvoyé à son expéditeur
        //       the same datagram, back to its sender
        let sent: socklab::sock::Result<usize> = todo!("s.sendto(&buf[..n], from)");
        if let Err(e) = sent {
            eprintln!("{e}");
        }
    }
}
