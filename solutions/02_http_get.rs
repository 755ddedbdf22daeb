//! Step 02 — HTTP GET by hand (TP3 §2.2 and §2.3, `httpget.py`).
//!
//! Builds on step 01: same connection, but this time the client speaks first (the request),
//! and the answer is a whole web page, far longer than one `recv`.
//!
//! Run: `cargo run --example sol02_http_get -- HOST [PORT]` (default port 80).
//! Try it against a local server: `python3 -m http.server 8000` then `... -- localhost 8000`.
//!
//! What the lab asks for, and where it is below:
//! - the request: `GET / HTTP/1.1`, `Host`, `Connection: close`, and the blank line (§2.2);
//! - the whole page: `recv` in a loop until it returns 0 bytes (§2.3);
//! - errors told apart: a refused connection and an unknown host give different messages (§2.3);
//! - did the server understand? the status line says so (§2.2, last question).

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
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    // sendall: `send` may take only part of the data; sendall calls it until all is sent.
    s.sendall(request.as_bytes())?;

    // TCP is a stream: the page arrives in pieces of whatever size the network and the kernel
    // made. One recv(1024) would print the first kilobyte and lose the rest (the lab's
    // "truncated" page). We loop until recv returns 0: the server closed, the page is whole.
    let mut out = std::io::stdout().lock();
    let mut status_line = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.recv(&mut buf)?;
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
