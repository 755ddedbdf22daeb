//! Step 10 — echo server for several clients at once, with `poll` (TP5b §2.1, the lab's
//! `select.select` version).
//!
//! Builds on step 03: same listening socket, same echo. But step 03 blocked in `recv` on one
//! client while the others waited. Here one thread waits on every socket at once with `poll`,
//! and only calls `accept` or `recv` on a socket `poll` reported ready, so no call blocks.
//!
//! Run: `cargo run --example sol10_echo_server_select -- [PORT]` (default 7777), then several
//! `nc localhost 7777` at the same time.
//!
//! Python (the lab):
//! ```text
//! l = []
//! while True:
//!     readers, _, _ = select.select(l + [s], [], [])
//!     for sock in readers:
//!         if sock == s:
//!             sc, addr = s.accept(); l.append(sc)
//!         else:
//!             data = sock.recv(1500)
//!             if len(data) == 0: sock.close(); l.remove(sock)
//!             else: sock.sendall(data)
//! ```

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, PollFd, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, 7777);
    let listener = listen_on(port)?;
    println!(
        "{} {port}",
        lab.lang.pick(
            "serveur echo (poll) en écoute sur le port",
            "echo server (poll) listening on port"
        )
    );

    // The lab's list `l`: the connected clients' sockets.
    let mut clients: Vec<Socket> = Vec::new();
    let mut buf = [0u8; 1500];
    loop {
        // Watch the listening socket and every client. Rebuilt each time: the list changes.
        let mut fds = vec![PollFd::readable(&listener)];
        fds.extend(clients.iter().map(PollFd::readable));
        // Blocks until at least one socket is ready: a client to accept, or bytes to read
        // (or the end of a connection, which also makes a socket "readable").
        sock::poll(&mut fds, None)?;

        // Clients first, from the end of the list, so that removing one does not shift the
        // indexes still to visit. fds[i + 1] is clients[i] (fds[0] is the listener).
        for i in (0..clients.len()).rev() {
            if !fds[i + 1].is_ready() {
                continue;
            }
            // poll said ready: this recv returns at once.
            let received = clients[i].recv(&mut buf);
            let done = match received {
                // 0 bytes: the client closed. Close ours and forget it.
                Ok(0) => true,
                // sendall may still block if this client does not read its echo and its
                // buffers fill up; the lab's version has the same limit (a non-blocking
                // socket and a queue per client would lift it).
                Ok(n) => clients[i].sendall(&buf[..n]).is_err(),
                Err(e) => {
                    eprintln!("{e}");
                    true
                }
            };
            if done {
                let _ = clients.swap_remove(i).close();
            }
        }

        // The listening socket is readable when a connection waits in its queue: this accept
        // returns at once, and the new client joins the list.
        if fds[0].is_ready() {
            let accepted = listener.accept();
            match accepted {
                Ok((conn, peer)) => {
                    println!(
                        "{} {peer}",
                        lab.lang.pick("client connecté :", "client connected:")
                    );
                    clients.push(conn);
                }
                // Out of descriptors (EMFILE), for instance: the others are still served.
                Err(e) => eprintln!("{e}"),
            }
        }
    }
}

/// As in step 03, with a longer queue: several clients may connect at once.
fn listen_on(port: u16) -> Result<Socket, Failure> {
    let s = Socket::new(Family::Inet6, Type::Stream)?;
    s.set_reuseaddr(true)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    s.listen(5)?;
    Ok(s)
}
