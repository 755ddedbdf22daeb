//! Step 06 — message server and client over TCP (atelier « Socket TCP/UDP », exercice 1).
//!
//! The server builds on step 03 (same listening socket, one client at a time); instead of an
//! echo it prints each message and answers "Bonjour client, j'ai bien reçu ton message : ...".
//! The client builds on step 04: it asks for a message, sends it, prints the answer; `quit`
//! ends the conversation on both sides.
//!
//! Run: `cargo run --example sol06_message -- serveur [PORT]` (default 5000)
//! and  `cargo run --example sol06_message -- client [HOST] [PORT]`.

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
        let n = conn.recv(&mut buf)?;
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
        conn.sendall(response.as_bytes())?;
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
        s.sendall(message.as_bytes())?;
        if message == "quit" {
            println!("Fin de la conversation");
            break;
        }
        // The answer is short: one recv of 1024 bytes holds it.
        let mut buf = [0u8; 1024];
        let got = s.recv(&mut buf)?;
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
