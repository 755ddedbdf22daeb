//! Exercice 01 — Client daytime
//! Exercise 01 — Daytime client
//!
//! D'après / from: TP3 §1.2 « Programmation d'un client Daytime avec les Socket » (daytime.py)
//!
//! Se connecter à un serveur daytime (RFC 867), recevoir la date qu'il envoie et l'afficher.
//! L'hôte et le port sont les paramètres du programme (par défaut localhost 1313).
//!
//! Connect to a daytime server (RFC 867), receive the date it sends and print it.
//! The host and the port are the program's arguments (default: localhost 1313).
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 01` (indice : `socklab hint 01`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 01` (hint: `socklab hint 01`).
//!
//! Python (le TP / the lab):
//! ```text
//! s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//! s.connect((host, port))
//! data = s.recv(1024)
//! print(data)
//! s.close()
//! ```

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

use std::io::Write;
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("client");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let host = lab.arg(1).unwrap_or("localhost");
    let port = lab.port_arg(2, 1313);

    // `connect((host, port))` in Python resolves the name first: getaddrinfo turns "localhost"
    // into addresses (::1, then 127.0.0.1). We try them in order, as Python does.
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;

    // One recv is enough here: a daytime answer is one short line, far below 1024 bytes.
    // (Step 02 shows why a longer answer needs a loop.)
    let mut buf = [0u8; 1024];
    // TODO: recevoir dans buf ce que le serveur a envoyé ; recv renvoie le nombre d'octets reçus
    //       receive into buf what the server sent; recv returns how many bytes came
    let n: usize = todo!("s.recv(&mut buf)?");
    // The bytes are printed as they came; the date line already ends with a newline.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&buf[..n]).and_then(|_| out.flush());

    // close: the kernel sends FIN; the server has usually closed its side already.
    s.close()?;
    Ok(())
}

/// A socket of the address's family (AF_INET or AF_INET6), connected to the first address that
/// accepts. A refused address is closed (dropped) and the next one tried.
fn connect_first(addrs: &[std::net::SocketAddr]) -> Result<Socket, Failure> {
    let mut last = None;
    for &addr in addrs {
        // TODO: une socket TCP de la famille de l'adresse (AF_INET ou AF_INET6)
        //       a TCP socket of the address's family (AF_INET or AF_INET6)
        let s: Socket = todo!("Socket::new(Family::of(&addr), Type::Stream)?");
        // TODO: se connecter à addr / connect to addr
        let connected: sock::Result<()> = todo!("s.connect(addr)");
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
