//! Step 03 — TCP echo server, one client at a time (TP3 §3.2, TP5b §1.2).
//!
//! Sends back exactly the bytes each client sends, until the client closes; then takes the
//! next client. The others wait meanwhile in the kernel's queue of established connections.
//!
//! Run: `cargo run --example sol03_echo_server_tcp -- [PORT]` (default 7777),
//! then `nc localhost 7777` in another terminal.
//!
//! Python (the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
//! s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//! s.bind(("", 7777))
//! s.listen(1)
//! while True:
//!     sc, addr = s.accept()
//!     while True:
//!         data = sc.recv(1500)
//!         if len(data) == 0: break
//!         sc.send(data)
//!     sc.close()
//! ```

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    // "passer en paramètre du programme le numéro de port", with the lab's port as default.
    let port = lab.port_arg(1, 7777);
    let listener = listen_on(port)?;
    println!(
        "{} {port}",
        lab.lang.pick(
            "serveur echo en écoute sur le port",
            "echo server listening on port"
        )
    );

    loop {
        // accept blocks until a client is connected, then returns a NEW socket for it. The
        // listening socket stays as it is, ready for the next client.
        let (conn, peer) = listener.accept()?;
        println!(
            "{} {peer}",
            lab.lang.pick("client connecté :", "client connected:")
        );
        // A client that misbehaves (a reset connection) must not stop the server: report it
        // and take the next one.
        if let Err(e) = echo(&conn) {
            eprintln!("{peer}: {e}");
        }
        // Closing the connected socket ends this client's connection (the kernel sends FIN).
        let _ = conn.close();
    }
}

/// socket, setsockopt, bind, listen: the four steps of every TCP server.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    // AF_INET6 handles both IPv6 and IPv4: an IPv4 client shows up as ::ffff:127.0.0.1.
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    // Without SO_REUSEADDR, restarting the server right after stopping it fails with
    // "Address already in use" while the old connections sit in TIME_WAIT.
    s.set_reuseaddr(true)?;
    // Said explicitly rather than left to the system's default: accept IPv4 too.
    s.set_only_v6(false)?;
    // "" in Python, :: here: every interface of the machine.
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    // A backlog of 1 is enough for one client at a time: the kernel still completes the
    // handshake of the next client and keeps it waiting in the queue.
    s.listen(1)?;
    Ok(s)
}

/// Sends back everything the client sends, until it closes the connection.
fn echo(conn: &Socket) -> sock::Result<()> {
    let mut buf = [0u8; 1500];
    loop {
        // recv returns what has arrived so far: maybe part of what the client sent, since
        // TCP is a stream. 0 bytes means the client closed the connection.
        let n = conn.recv(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // send may take fewer bytes than given when the kernel's buffer is full (a large
        // message, a slow reader); sendall loops until every byte is taken.
        conn.sendall(&buf[..n])?;
    }
}
