//! Step 01 — daytime client (TP3 §1.2, `daytime.py`).
//!
//! Connects to a daytime server (RFC 867), receives the date it sends, prints it. The server
//! speaks first and closes the connection after one line: the client only connects and reads.
//!
//! Run: `cargo run --example sol01_daytime_client -- [HOST] [PORT]` (default: localhost 1313).
//! Try it against `socklab serve daytime`, or `nc -l 1313 <<< "$(date)"`.
//!
//! Python (the lab):
//! ```text
//! s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//! s.connect((host, port))
//! data = s.recv(1024)
//! print(data)
//! s.close()
//! ```

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
    let n = s.recv(&mut buf)?;
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
