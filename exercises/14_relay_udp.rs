//! Exercice 14 — Serveur relais en UDP
//! Exercise 14 — Relay server over UDP
//!
//! D'après / from: RES 302 TP2, exercice 2.2 « Socket UDP » (le serveur multi-client de l'exercice 2.1 en UDP)
//!
//! Le relais de l'étape 08 en UDP, avec les rôles de l'étape 09. Sans connexion, le serveur (port
//! 1212 par défaut) apprend l'adresse de chaque client par son premier datagramme : le premier qui
//! écrit est l'émetteur, le serveur lui répond « 1 » ; le deuxième, d'une autre adresse, est le
//! récepteur, il reçoit « 2 ». Ensuite chaque datagramme de l'émetteur est transmis tel quel, en un
//! datagramme, au récepteur ; ceux des autres adresses ne sont pas transmis. « quit » de l'émetteur
//! est transmis puis termine la paire : les deux clients suivants forment la suivante.
//!
//! Step 08's relay over UDP, with step 09's roles. Without connections, the server (port 1212 by
//! default) learns each client's address from its first datagram: the first to write is the
//! emitter, and the server answers it "1"; the second, from another address, is the receiver, and
//! gets "2". Then each datagram of the emitter is passed on as it is, as one datagram, to the
//! receiver; those from other addresses are not. "quit" from the emitter is passed on, then ends
//! the pair: the next two clients make the next one.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 14` (indice : `socklab hint 14`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 14` (hint: `socklab hint 14`).
//!
//! Python (le TP / the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
//! s.bind(("", 1212))
//! _, emetteur = s.recvfrom(65535); s.sendto(b"1", emetteur)
//! _, recepteur = s.recvfrom(65535); s.sendto(b"2", recepteur)
//! while True:
//!     data, addr = s.recvfrom(65535)
//!     if addr == emetteur: s.sendto(data, recepteur)
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

const PORT: u16 = 1212;

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, PORT);
    // As in step 05: one datagram socket for every client, no listen, no accept.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    // TODO: lier la socket UDP au port / bind the UDP socket to the port
    todo!("s.bind(addr)?");
    println!("relais UDP en écoute sur le port {port}");
    // Room for the largest datagram: a smaller buffer would cut it, and the rest is lost.
    let mut buf = vec![0u8; 65_535];
    loop {
        let (emitter, receiver) = pair(&s, &mut buf)?;
        relay(&s, &mut buf, emitter, receiver)?;
        println!("fin de la paire {emitter} → {receiver}");
    }
}

/// The two clients, in the order they first wrote: their addresses are all the server knows.
fn pair(s: &Socket, buf: &mut [u8]) -> Result<(SocketAddr, SocketAddr), Failure> {
    // TODO: le premier datagramme : son adresse est celle de l'émetteur
    //       the first datagram: its address is the emitter's
    let (_, emitter): (usize, SocketAddr) = todo!("s.recvfrom(buf)?");
    // Its role, to the address recvfrom gave: the only way to reach a client without a
    // connection, and the client's only sign that the server has it.
    // TODO: répondre « 1 » à l'émetteur / answer "1" to the emitter
    todo!("s.sendto(b\"1\", emitter)?");
    println!("émetteur : {emitter}");
    let receiver = loop {
        let (_, from) = s.recvfrom(buf)?;
        // The emitter writing again is no second client. What it sends before the receiver
        // has come is lost: there is no one to pass it on to yet.
        if from != emitter {
            break from;
        }
    };
    // TODO: répondre « 2 » au récepteur / answer "2" to the receiver
    todo!("s.sendto(b\"2\", receiver)?");
    println!("récepteur : {receiver}");
    Ok((emitter, receiver))
}

/// Passes the emitter's datagrams on to the receiver until the emitter sends `quit`.
fn relay(
    s: &Socket,
    buf: &mut [u8],
    emitter: SocketAddr,
    receiver: SocketAddr,
) -> sock::Result<()> {
    loop {
        // TODO: le datagramme suivant, et qui l'a envoyé / the next datagram, and who sent it
        let (n, from): (usize, SocketAddr) = todo!("s.recvfrom(buf)?");
        // Anyone may send to a UDP port: only the emitter's datagrams are passed on.
        if from != emitter {
            continue;
        }
        // One datagram in, one datagram out: the boundaries are kept, the bytes unchanged.
        // TODO: le passer, en un datagramme, au récepteur
        //       pass it on, as one datagram, to the receiver
        let sent: sock::Result<usize> = todo!("s.sendto(&buf[..n], receiver)");
        if let Err(e) = sent {
            eprintln!("{e}");
        }
        // Without a connection there is no close to say "the emitter is done": `quit` says it,
        // and the receiver gets it too.
        if buf[..n].trim_ascii() == b"quit" {
            return Ok(());
        }
    }
}
