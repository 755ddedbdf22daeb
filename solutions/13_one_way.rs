//! Step 13 — one-way client and server, TCP then UDP (RES 302 TP2, exercice 1, §1.1 and §1.2).
//!
//! The lab's first pair of programs: the client only sends, the server only prints what it
//! receives; nothing ever comes back. Then the same two programs over UDP, where the server
//! has no connection to accept and learns who wrote from each datagram. One file for the four,
//! so that the two versions can be read side by side: the lab's §1.2 is §1.1 with the sockets
//! changed.
//!
//! Run: `cargo run --example sol13_one_way -- serveur [PORT]` (default 1212),
//! then `... -- client [HOST] [PORT]` in another terminal and type lines (Ctrl+D ends);
//! `serveur-udp` and `client-udp` for the UDP pair.
//!
//! Python (the lab):
//! ```text
//! s.bind(("", port)); s.listen(1)          s.connect((host, port))
//! sc, addr = s.accept()                    while True:
//! while True:                                  s.send(input().encode())
//!     data = sc.recv(1024)
//!     if not data: break
//!     print("Reçu :", data.decode())
//! ```

use std::io::BufRead;
use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};
use socklab::trace::{self, Role};

/// The lab's server runs on port 1212.
const PORT: u16 = 1212;

fn main() -> ExitCode {
    let lab = lab::start("main");
    let outcome = match lab.arg(1) {
        Some("serveur" | "server") => server(&lab),
        Some("client") => client(&lab),
        Some("serveur-udp" | "server-udp") => server_udp(&lab),
        Some("client-udp") => client_udp(&lab),
        _ => {
            eprintln!(
                "usage: 13_one_way serveur [PORT] | client [HOST] [PORT] | serveur-udp [PORT] \
                 | client-udp [HOST] [PORT]"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

// ---------------------------------------------------------------- TCP (§1.1)

fn server(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(2, PORT);
    let listener = listen_on(port)?;
    println!("Serveur TCP en attente de connexion sur le port {port}...");
    loop {
        // One client at a time, as in step 03: the next one waits in the backlog meanwhile.
        let (conn, peer) = listener.accept()?;
        println!("Client connecté : {peer}");
        if let Err(e) = print_received(&conn) {
            eprintln!("{peer}: {e}");
        }
        let _ = conn.close();
        println!("Client parti : {peer}");
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

/// Prints what the client sends until it closes. Nothing is sent back: the client reads
/// nothing, and bytes it never reads would stay in its receive buffer.
fn print_received(conn: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.recv(&mut buf)?;
        // 0 bytes: the client closed. Without this test the loop would go on printing empty
        // messages: once the stream has ended, every recv returns 0 at once.
        if n == 0 {
            return Ok(());
        }
        // TCP keeps no message boundaries: one recv may hold two lines, or half of one.
        println!("Reçu : {}", String::from_utf8_lossy(&buf[..n]).trim_end());
    }
}

fn client(lab: &Lab) -> Result<(), Failure> {
    // This run of the program is the client: its thread is named so in the trace.
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        // The end of the input (Ctrl+D): nothing more to send.
        if n == 0 {
            break;
        }
        // No recv after it: the server answers nothing, waiting for an answer would block.
        s.sendall(&line)?;
    }
    // close: the kernel sends FIN, and the server's recv returns 0.
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

// ---------------------------------------------------------------- UDP (§1.2)

fn server_udp(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(2, PORT);
    // SOCK_DGRAM instead of SOCK_STREAM, and no listen, no accept: one socket for every client.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    println!("Serveur UDP en attente de messages sur le port {port}...");
    // As in step 05: a datagram longer than the buffer is cut, and the rest is lost.
    let mut buf = vec![0u8; 65_535];
    loop {
        // Each datagram says who sent it: without a connection, that is how the server knows.
        let (n, from) = s.recvfrom(&mut buf)?;
        println!(
            "Reçu de {from} : {}",
            String::from_utf8_lossy(&buf[..n]).trim_end()
        );
    }
}

fn client_udp(lab: &Lab) -> Result<(), Failure> {
    trace::set_thread("client", Role::Client);
    let host = lab.arg(2).unwrap_or("localhost");
    let port = lab.port_arg(3, PORT);
    // No connect: the server's address goes with every sendto, so the socket's family must be
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
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        if n == 0 {
            break;
        }
        // One line, one datagram: UDP keeps the boundaries TCP does not. Nothing tells whether
        // it arrived, and a server that is not running does not make sendto fail.
        s.sendto(&line, server)?;
    }
    // No FIN to send: close only frees the descriptor.
    s.close()?;
    Ok(())
}
