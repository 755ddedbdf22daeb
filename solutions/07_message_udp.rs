//! Step 07 — the message server and client over UDP (atelier « Socket TCP/UDP », exercice 2).
//!
//! Step 06 without connections, as step 05 is step 03 without them: the server answers each
//! datagram to the address it came from; the client sends each message as one datagram to the
//! server's address and waits for the answer; `quit` ends the client.
//!
//! Run: `cargo run --example sol07_message_udp -- serveur [PORT]` (default 5000)
//! and  `cargo run --example sol07_message_udp -- client [HOST] [PORT]`.

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
        let (n, from) = s.recvfrom(&mut buf)?;
        let text = String::from_utf8_lossy(&buf[..n]);
        let message = text.trim();
        println!("Reçu de {from} : {message}");
        // With no connection there is nothing to close: `quit` only means this client is gone.
        if message == "quit" {
            continue;
        }
        let response = format!("Bonjour client, j'ai bien reçu ton message : {message}");
        let sent = s.sendto(response.as_bytes(), from);
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
        s.sendto(message.as_bytes(), server)?;
        if message == "quit" {
            break;
        }
        let mut buf = vec![0u8; 65_535];
        let (got, from) = s.recvfrom(&mut buf)?;
        println!("Serveur ({from}): {}", String::from_utf8_lossy(&buf[..got]));
    }
    println!("Fin du client UDP");
    s.close()?;
    Ok(())
}
