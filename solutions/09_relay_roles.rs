//! Step 09 — the relay with roles `1` and `2` (RES 302 TP2, exercice 2.3, "semblant de
//! protocole de signalisation").
//!
//! Builds on step 08. The client is now one program: the server tells each client its role as
//! soon as it accepts it, `1` to the first (who sends) and `2` to the second (who receives).
//! Two instances of the same client then behave as step 08's emitter and receiver.
//!
//! Run: `cargo run --example sol09_relay_roles -- serveur [PORT]` (default 1212),
//! then `... -- client [HOST] [PORT]` twice, in two terminals.

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
        let told = first.sendall(b"1");
        if let Err(e) = told {
            eprintln!("{a}: {e}");
            continue;
        }
        println!("client 1 (émetteur) : {a}");
        let (second, b) = listener.accept()?;
        let told = second.sendall(b"2");
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
    let n = s.recv(&mut role)?;
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
