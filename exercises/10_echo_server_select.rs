//! Exercice 10 — Serveur echo multi-client avec poll (le select du TP)
//! Exercise 10 — Multi-client echo server with poll (the lab's select)
//!
//! D'après / from: TP5b §2.1 « Version select » ; cours « La primitive select.select »
//!
//! Le serveur echo de l'étape 03, pour plusieurs clients à la fois, dans un seul thread : poll
//! surveille la socket d'écoute et toutes les sockets clientes ; accept pour une nouvelle
//! connexion, recv puis sendall pour un client prêt, et un client qui ferme est retiré de la
//! liste. Port 7777 par défaut.
//!
//! Step 03's echo server, for several clients at once, in one thread: poll watches the listening
//! socket and every client socket; accept for a new connection, recv then sendall for a ready
//! client, and a client that closes is removed from the list. Port 7777 by default.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 10` (indice : `socklab hint 10`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 10` (hint: `socklab hint 10`).
//!
//! Python (le TP / the lab):
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

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression,
    clippy::useless_vec
)]

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
        // TODO: puis une PollFd par client / then one PollFd per client
        todo!("fds.extend(clients.iter().map(PollFd::readable))");
        // Blocks until at least one socket is ready: a client to accept, or bytes to read
        // (or the end of a connection, which also makes a socket "readable").
        // TODO: attendre qu'au moins une socket soit prête
        //       wait until at least one socket is ready
        todo!("sock::poll(&mut fds, None)?");

        // Clients first, from the end of the list, so that removing one does not shift the
        // indexes still to visit. fds[i + 1] is clients[i] (fds[0] is the listener).
        for i in (0..clients.len()).rev() {
            if !fds[i + 1].is_ready() {
                continue;
            }
            // poll said ready: this recv returns at once.
            // TODO: recevoir dans buf ce que ce client a envoyé
            //       receive into buf what this client sent
            let received: sock::Result<usize> = todo!("clients[i].recv(&mut buf)");
            let done = match received {
                // 0 bytes: the client closed. Close ours and forget it.
                Ok(0) => true,
                // sendall may still block if this client does not read its echo and its
                // buffers fill up; the lab's version has the same limit (a non-blocking
                // socket and a queue per client would lift it).
                // TODO: lui renvoyer ce qui est arrivé ; en cas d'erreur, il est retiré
                //       send back what came; on an error, it is removed
                Ok(n) => todo!("clients[i].sendall(&buf[..n]).is_err()"),
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
            // TODO: accepter le nouveau client / accept the new client
            let accepted: sock::Result<(Socket, SocketAddr)> = todo!("listener.accept()");
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
