//! Exercice 08 — Serveur relais, de l'émetteur au récepteur
//! Exercise 08 — Relay server, from emitter to receiver
//!
//! D'après / from: RES 302 TP2, exercice 2.1 « Un serveur multi-client, socket TCP »
//!
//! Un programme, trois rôles. `serveur [PORT]` (1212 par défaut) : accepte un premier client
//! (l'émetteur), puis un deuxième (le récepteur), et transmet au récepteur tout ce qu'envoie
//! l'émetteur ; quand l'émetteur part, ferme le récepteur. `emetteur [HÔTE] [PORT]` : envoie
//! chaque ligne saisie ; une ligne vide termine. `recepteur [HÔTE] [PORT]` : affiche ce qui
//! arrive jusqu'à la fermeture.
//!
//! One program, three roles. `serveur [PORT]` (1212 by default): accepts a first client (the
//! emitter), then a second (the receiver), and passes everything the emitter sends on to the
//! receiver; when the emitter leaves, closes the receiver. `emetteur [HOST] [PORT]`: sends each
//! line typed; an empty line ends. `recepteur [HOST] [PORT]`: prints what arrives until the
//! connection closes.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 08` (indice : `socklab hint 08`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 08` (hint: `socklab hint 08`).

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

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};
use socklab::trace::{self, Role};

const PORT: u16 = 1212;

fn main() -> ExitCode {
    let lab = lab::start("main");
    let outcome = match lab.arg(1) {
        Some("serveur" | "server") => server(&lab),
        Some("emetteur" | "émetteur" | "emitter") => emitter(&lab),
        Some("recepteur" | "récepteur" | "receiver") => receiver(&lab),
        _ => {
            eprintln!(
                "usage: 08_relay serveur [PORT] | emetteur [HOST] [PORT] | recepteur [HOST] [PORT]"
            );
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
    let listener = listen_on(port)?;
    println!("relais en écoute sur le port {port}");
    loop {
        // Step 03 accepted one client; the relay accepts two, in the order they connect.
        // TODO: le premier client qui se connecte est l'émetteur
        //       the first client to connect is the emitter
        let (emitter, a): (Socket, SocketAddr) = todo!("listener.accept()?");
        println!("émetteur connecté : {a}");
        // TODO: le deuxième est le récepteur / the second is the receiver
        let (receiver, b): (Socket, SocketAddr) = todo!("listener.accept()?");
        println!("récepteur connecté : {b}");
        if let Err(e) = relay(&emitter, &receiver) {
            eprintln!("relais {a} → {b} : {e}");
        }
        // The emitter is done: closing the receiver's connection tells it so (its recv
        // returns 0). Then the next pair.
        let _ = emitter.close();
        let _ = receiver.close();
    }
}

/// As in step 03, with a backlog of 2: the receiver may connect while the emitter is accepted.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(2)?;
    Ok(s)
}

/// Everything received from `from` is sent to `to`, in order, until `from` closes.
fn relay(from: &Socket, to: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1500];
    loop {
        // TODO: recevoir dans buf ce que l'émetteur envoie
        //       receive into buf what the emitter sends
        let n: usize = todo!("from.recv(&mut buf)?");
        if n == 0 {
            return Ok(());
        }
        // The bytes go on as they came: TCP keeps their order on both connections.
        // TODO: tout passer au récepteur / pass it all on to the receiver
        todo!("to.sendall(&buf[..n])?");
    }
}

// ---------------------------------------------------------------- clients

/// The emitter: each line typed is sent; an empty line or the end of the input ends it.
fn emitter(lab: &Lab) -> Result<(), Failure> {
    // The emitter and the receiver are clients of the relay: so named in the trace.
    trace::set_thread("émetteur", Role::Client);
    let s = connect(lab)?;
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        if n == 0 || line == b"\n" {
            break;
        }
        // TODO: envoyer la ligne / send the line
        todo!("s.sendall(&line)?");
    }
    s.close()?;
    Ok(())
}

/// The receiver: prints what arrives until the server closes the connection.
fn receiver(lab: &Lab) -> Result<(), Failure> {
    trace::set_thread("récepteur", Role::Client);
    let s = connect(lab)?;
    let mut buf = [0u8; 1500];
    loop {
        // TODO: recevoir dans buf ce que le serveur transmet
        //       receive into buf what the server passes on
        let n: usize = todo!("s.recv(&mut buf)?");
        if n == 0 {
            break;
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&buf[..n]).and_then(|_| out.flush());
    }
    s.close()?;
    Ok(())
}

/// As in step 01: resolve, then the first address that accepts the connection.
fn connect(lab: &Lab) -> Result<Socket, Failure> {
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let mut last = None;
    for addr in addrs {
        let s = Socket::new(Family::of(&addr), Type::Stream)?;
        let connected = s.connect(addr);
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
