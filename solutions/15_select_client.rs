//! Step 15 — a client that waits on the keyboard and on its socket at once, with `poll` (the
//! course's `select.select` example, « Communication par sockets »).
//!
//! The clients so far did one thing at a time: step 04 read a line, sent it, waited for the
//! echo. Blocked in a read of stdin, a client cannot see what the server sends meanwhile;
//! blocked in recv, it cannot send what is typed. Here one `poll` waits on both, standard input
//! (descriptor 0) and the socket, and the client serves whichever is ready, in either order:
//! what is typed goes to the server, what arrives is printed. It ends at the end of the input
//! (Ctrl+D) or when the server closes. Step 12's chat server is a server to try it on.
//!
//! Run: `cargo run -- serve chat` (port 6000), then
//! `cargo run --example sol15_select_client -- [HOST] [PORT]` in two terminals.
//!
//! Python (the course):
//! ```text
//! liste_lectures = [clisock, sys.stdin]
//! while True:
//!     readers, _, _ = select.select(liste_lectures, [], [])
//!     for input in readers:
//!         if input == clisock:
//!             msg = clisock.recv(1000)      # ne bloque pas !
//!             if not msg: sys.exit(0)
//!             print(msg.decode(), end="")
//!         if input == sys.stdin:
//!             msg = sys.stdin.readline()    # ne bloque pas
//!             if not msg: sys.exit(0)
//!             clisock.sendall(msg.encode())
//! ```

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, PollFd, Socket, Type};

/// Step 12's chat server listens on port 6000.
const PORT: u16 = 6000;

fn main() -> ExitCode {
    let lab = lab::start("client");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let host = lab.arg(1).unwrap_or("localhost");
    let port = lab.port_arg(2, PORT);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;

    let mut from_server = [0u8; 1500];
    // Larger than stdin's own buffer (8 KiB): each read then goes straight to descriptor 0 and
    // takes what is there, and nothing typed is left in a buffer of this program, where poll,
    // which only sees the descriptor, would not find it.
    let mut typed = vec![0u8; 16 * 1024];
    loop {
        // The course's `liste_lectures = [clisock, sys.stdin]`; revents is filled in each time.
        let mut fds = [PollFd::stdin(), PollFd::readable(&s)];
        // Blocks until one of them is ready: a line typed, bytes from the server, or either's
        // end (which also makes a descriptor "readable").
        sock::poll(&mut fds, None)?;

        if fds[1].is_ready() {
            // poll said ready: this recv returns at once.
            let n = s.recv(&mut from_server)?;
            // 0 bytes: the server closed. Nothing more will come, and what is typed would go
            // nowhere: the client ends.
            if n == 0 {
                eprintln!(
                    "{}",
                    lab.lang.pick(
                        "le serveur a fermé la connexion",
                        "the server closed the connection"
                    )
                );
                break;
            }
            // Printed as it came, line end included, and flushed: stdout is not always a
            // terminal, and a message must show when it arrives, not at exit.
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&from_server[..n]).and_then(|_| out.flush());
        }

        if fds[0].is_ready() {
            // poll said ready: this read returns at once, with what was typed.
            let n = std::io::stdin()
                .read(&mut typed)
                .map_err(|e| Failure::new("read stdin", e))?;
            // 0 bytes: the end of the input (Ctrl+D). Nothing more to send.
            if n == 0 {
                break;
            }
            s.sendall(&typed[..n])?;
        }
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
