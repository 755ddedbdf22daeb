//! Exercice 06 — Serveur et client de messages (TCP)
//! Exercise 06 — Message server and client (TCP)
//!
//! D'après / from: Atelier « Socket TCP/UDP », exercice 1
//!
//! Un programme, deux rôles. `serveur [PORT]` (5000 par défaut) : accepte un client, affiche
//! chaque message reçu et répond « Bonjour client, j'ai bien reçu ton message : <message> » ;
//! « quit » met fin à la conversation (le serveur ferme la connexion). `client [HÔTE] [PORT]` :
//! demande un message, l'envoie, affiche la réponse ; après « quit », ferme et se termine.
//!
//! One program, two roles. `serveur [PORT]` (5000 by default): accepts a client, prints each
//! message received and answers "Bonjour client, j'ai bien reçu ton message : <message>"; "quit"
//! ends the conversation (the server closes the connection). `client [HOST] [PORT]`: asks for a
//! message, sends it, prints the answer; after "quit", closes and ends.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 06` (indice : `socklab hint 06`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 06` (hint: `socklab hint 06`).

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

/// The lab's message server listens on port 5000.
const PORT: u16 = 5000;

fn main() -> ExitCode {
    let lab = lab::start("main");
    let outcome = match lab.arg(1) {
        Some("serveur" | "server") => server(&lab),
        Some("client") => client(&lab),
        _ => {
            eprintln!("usage: 06_message serveur [PORT] | client [HOST] [PORT]");
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
    println!("Serveur TCP en attente de connexion sur le port {port}...");
    loop {
        let (conn, peer) = listener.accept()?;
        println!("Client connecté : {peer}");
        if let Err(e) = converse(&conn) {
            eprintln!("{peer}: {e}");
        }
        let _ = conn.close();
        println!("Fin de la conversation");
    }
}

/// As in step 03: socket, SO_REUSEADDR, bind on every interface, listen.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(1)?;
    Ok(s)
}

/// One conversation: each message gets its answer, until `quit` or until the client closes.
fn converse(conn: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // TODO: recevoir dans buf le message du client / receive into buf the client's message
        let n: usize = todo!("conn.recv(&mut buf)?");
        // 0 bytes: the client left without saying quit.
        if n == 0 {
            return Ok(());
        }
        // The lab's `data.decode().strip()`: nc sends the "\n" typed, the lab's client does not.
        let text = String::from_utf8_lossy(&buf[..n]);
        let message = text.trim();
        println!("Reçu : {message}");
        if message == "quit" {
            // No answer: the caller closes the connection, the client's recv returns 0.
            return Ok(());
        }
        let response = format!("Bonjour client, j'ai bien reçu ton message : {message}");
        // TODO: envoyer la réponse au client / send the answer to the client
        todo!("conn.sendall(response.as_bytes())?");
    }
}

// ---------------------------------------------------------------- client

fn client(lab: &Lab) -> Result<(), Failure> {
    // This run of the program is the client: its thread is named so in the trace.
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;

    let mut input = std::io::stdin().lock();
    let mut line = String::new();
    loop {
        print!(">>> ");
        let _ = std::io::stdout().flush();
        line.clear();
        // The end of the input counts as quit: nothing more will be typed.
        let n = input
            .read_line(&mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        let message = if n == 0 { "quit" } else { line.trim() };
        // TODO: envoyer le message (sans son "\n") / send the message (without its "\n")
        todo!("s.sendall(message.as_bytes())?");
        if message == "quit" {
            println!("Fin de la conversation");
            break;
        }
        // The answer is short: one recv of 1024 bytes holds it.
        let mut buf = [0u8; 1024];
        // TODO: recevoir dans buf la réponse du serveur / receive into buf the server's answer
        let got: usize = todo!("s.recv(&mut buf)?");
        if got == 0 {
            println!("Déconnecté");
            break;
        }
        println!("Serveur: {}", String::from_utf8_lossy(&buf[..got]));
    }
    s.close()?;
    Ok(())
}

/// As in step 01: the first address that accepts the connection.
fn connect_first(addrs: &[SocketAddr]) -> Result<Socket, Failure> {
    let mut last = None;
    for &addr in addrs {
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
