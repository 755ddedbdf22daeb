//! Exercice 09 — Relais avec les rôles 1 et 2
//! Exercise 09 — Relay with roles 1 and 2
//!
//! D'après / from: RES 302 TP2, exercice 2.3 « Optimisation et semblant de protocole de signalisation »
//!
//! L'étape 08 avec un « semblant de protocole de signalisation ». `serveur [PORT]` : envoie « 1 »
//! au premier client dès qu'il l'accepte, « 2 » au deuxième, puis transmet du premier au
//! deuxième. `client [HÔTE] [PORT]` : un seul programme client, qui lit son rôle puis envoie les
//! lignes saisies (rôle 1) ou affiche ce qu'il reçoit (rôle 2).
//!
//! Step 08 with a "semblance of a signalling protocol". `serveur [PORT]`: sends "1" to the first
//! client as soon as it accepts it, "2" to the second, then passes messages from the first to the
//! second. `client [HOST] [PORT]`: one client program, which reads its role, then sends the lines
//! typed (role 1) or prints what it receives (role 2).
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 09` (indice : `socklab hint 09`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 09` (hint: `socklab hint 09`).

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
        Some("client") => client(&lab),
        _ => {
            eprintln!("usage: 09_relay_roles serveur [PORT] | client [HOST] [PORT]");
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
        let (first, a) = listener.accept()?;
        // The role is sent right after accept, before the second client even exists: the
        // first client learns at once that it is the one who sends.
        // TODO: dire au premier client son rôle, « 1 », avant d'accepter le deuxième
        //       tell the first client its role, "1", before accepting the second
        let told: sock::Result<()> = todo!("first.sendall(b\"1\")");
        if let Err(e) = told {
            eprintln!("{a}: {e}");
            continue;
        }
        println!("client 1 (émetteur) : {a}");
        let (second, b) = listener.accept()?;
        // TODO: et au deuxième le sien, « 2 » / and the second its own, "2"
        let told: sock::Result<()> = todo!("second.sendall(b\"2\")");
        if let Err(e) = told {
            eprintln!("{b}: {e}");
            continue;
        }
        println!("client 2 (récepteur) : {b}");
        if let Err(e) = relay(&first, &second) {
            eprintln!("relais {a} → {b} : {e}");
        }
        let _ = first.close();
        let _ = second.close();
    }
}

/// As in step 08.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(2)?;
    Ok(s)
}

/// As in step 08: from the first client to the second, in order, until the first closes.
fn relay(from: &Socket, to: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1500];
    loop {
        let n = from.recv(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.sendall(&buf[..n])?;
    }
}

// ---------------------------------------------------------------- client

fn client(lab: &Lab) -> Result<(), Failure> {
    // This run of the program is a client: its thread is named so in the trace.
    trace::set_thread("client", Role::Client);
    let s = connect(lab)?;
    // The role is the first byte the server sends. recv(1) takes exactly that byte and leaves
    // whatever follows (the relayed messages) for the next recv.
    let mut role = [0u8; 1];
    // TODO: recevoir exactement un octet : le rôle / receive exactly one byte: the role
    let n: usize = todo!("s.recv(&mut role)?");
    match (n, role[0]) {
        (1, b'1') => {
            println!("rôle 1 : j'envoie");
            send_lines(&s)?;
        }
        (1, b'2') => {
            println!("rôle 2 : je reçois");
            print_received(&s)?;
        }
        _ => eprintln!("rôle inattendu : {:?}", &role[..n]),
    }
    s.close()?;
    Ok(())
}

/// Role 1, step 08's emitter: each line typed is sent; an empty line or the end of input ends.
fn send_lines(s: &Socket) -> Result<(), Failure> {
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        if n == 0 || line == b"\n" {
            return Ok(());
        }
        s.sendall(&line)?;
    }
}

/// Role 2, step 08's receiver: prints what arrives until the server closes.
fn print_received(s: &Socket) -> Result<(), Failure> {
    let mut buf = [0u8; 1500];
    loop {
        let n = s.recv(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&buf[..n]).and_then(|_| out.flush());
    }
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
