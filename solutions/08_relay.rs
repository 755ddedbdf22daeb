//! Step 08 — relay server, from an emitter to a receiver (RES 302 TP2, exercice 2.1).
//!
//! The server waits for a first client (the emitter), then a second (the receiver), and sends
//! the second everything the first sends. The two clients are two roles of this same program:
//! the emitter is step 04's client without the echo, the receiver only receives and prints.
//!
//! Run: `cargo run --example sol08_relay -- serveur [PORT]` (default 1212),
//! then `... -- emetteur [HOST] [PORT]` in a second terminal and `... -- recepteur [HOST] [PORT]`
//! in a third (in that order: the first to connect is the emitter).

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
        let (emitter, a) = listener.accept()?;
        println!("émetteur connecté : {a}");
        let (receiver, b) = listener.accept()?;
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
        let n = from.recv(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // The bytes go on as they came: TCP keeps their order on both connections.
        to.sendall(&buf[..n])?;
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
        s.sendall(&line)?;
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
        let n = s.recv(&mut buf)?;
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
