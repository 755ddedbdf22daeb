//! Exercice 02 — Client HTTP GET : la page entière, en distinguant les erreurs
//! Exercise 02 — HTTP GET client: the whole page, errors told apart
//!
//! D'après / from: TP3 §2.2 « Programmons notre client web ! » et §2.3 « Raffinements » (httpget.py)
//!
//! Récupérer la page d'accueil d'un site web (l'hôte en paramètre, le port en second paramètre,
//! 80 par défaut) : envoyer la requête GET / HTTP/1.1 avec les en-têtes Host et Connection: close,
//! puis afficher TOUTE la réponse. Une connexion refusée et un hôte inconnu donnent deux messages
//! différents, et un code de sortie non nul.
//!
//! Fetch a web site's home page (the host as argument, the port as second argument, 80 by
//! default): send the request GET / HTTP/1.1 with the Host and Connection: close headers, then
//! print the WHOLE answer. A refused connection and an unknown host give two different messages,
//! and a non-zero exit status.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 02` (indice : `socklab hint 02`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 02` (hint: `socklab hint 02`).
//!
//! Python (le TP / the lab):
//! ```text
//! request = "GET / HTTP/1.1\r\n" "Host: " + host + "\r\n" "Connection: close\r\n\r\n"
//! s.sendall(request.encode("utf-8"))
//! answer = s.recv(1024)    # pourquoi la page est-elle tronquée ? / why is the page cut?
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
        Ok(true) => ExitCode::SUCCESS,
        // The page arrived, but the server did not accept the request.
        Ok(false) => ExitCode::FAILURE,
        // Each kind of failure has its own message and exit code: "connection refused" (no web
        // server on that port) is not "unknown host" (the name does not exist).
        Err(failure) => lab.exit_with(&failure),
    }
}

/// Fetches the page and prints it; returns whether the server answered with a success (2xx).
fn run(lab: &Lab) -> Result<bool, Failure> {
    let Some(host) = lab.arg(1) else {
        eprintln!(
            "{}",
            lab.lang.pick(
                "usage : 02_http_get HÔTE [PORT]",
                "usage: 02_http_get HOST [PORT]"
            )
        );
        return Ok(false);
    };
    let port = lab.port_arg(2, 80);

    // An unknown name fails here, in getaddrinfo, before any socket exists (EAI_NONAME, or
    // EAI_AGAIN without DNS): the failure names the resolution, not the connection.
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    // A host that exists but runs no web server answers the SYN with a RST: ECONNREFUSED.
    let s = connect_first(&addrs)?;

    // HTTP/1.1 requires the Host header. `Connection: close` asks the server to close the
    // connection once the page is sent: that is how the client knows the page is complete.
    // The request ends with an empty line, hence the final "\r\n\r\n".
    // TODO: la ligne de requête, les en-têtes Host et Connection, puis la ligne vide
    //       the request line, the Host and Connection headers, then the empty line
    let request: String = todo!("format!(\"GET / HTTP/1.1\\r\\n…\\r\\n\\r\\n\")");
    // sendall: `send` may take only part of the data; sendall calls it until all is sent.
    // TODO: envoyer toute la requête / send the whole request
    todo!("s.sendall(request.as_bytes())?");

    // TCP is a stream: the page arrives in pieces of whatever size the network and the kernel
    // made. One recv(1024) would print the first kilobyte and lose the rest (the lab's
    // "truncated" page). We loop until recv returns 0: the server closed, the page is whole.
    let mut out = std::io::stdout().lock();
    let mut status_line = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        // TODO: recevoir dans buf la suite de la page / receive into buf the next piece of the page
        let n: usize = todo!("s.recv(&mut buf)?");
        if n == 0 {
            break;
        }
        if !status_line.contains(&b'\n') {
            status_line.extend_from_slice(&buf[..n]);
        }
        // The bytes are written as they are: a page is not always valid UTF-8.
        if out.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = out.flush();
    s.close()?;

    // "HTTP/1.1 200 OK": the second word is the status. 4xx means the request was wrong.
    let first = String::from_utf8_lossy(&status_line);
    let first = first.lines().next().unwrap_or("");
    let ok = first
        .split_whitespace()
        .nth(1)
        .is_some_and(|c| c.starts_with('2'));
    if !ok {
        eprintln!(
            "{} {first}",
            lab.lang
                .pick("le serveur a répondu :", "the server answered:")
        );
    }
    Ok(ok)
}

/// As in step 01: the first address that accepts the connection.
fn connect_first(addrs: &[std::net::SocketAddr]) -> Result<Socket, Failure> {
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
