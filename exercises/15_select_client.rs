//! Exercice 15 — Client select : le clavier et la socket à la fois, avec poll
//! Exercise 15 — Select client: the keyboard and the socket at once, with poll
//!
//! D'après / from: Cours « Communication par sockets », « La primitive select.select » et son exemple (clisock et sys.stdin)
//!
//! Un client (`[HÔTE] [PORT]`, localhost 6000 par défaut, le serveur de discussion de l'étape 12)
//! qui attend à la fois son entrée standard et sa socket, avec poll : ce qui est saisi part au
//! serveur, ce qui arrive du serveur est affiché aussitôt, dans un ordre comme dans l'autre, même
//! si rien n'est saisi. Il se termine à la fin de l'entrée (Ctrl+D), en fermant la connexion, ou
//! quand le serveur ferme la connexion.
//!
//! A client (`[HOST] [PORT]`, localhost 6000 by default, step 12's chat server) that waits on its
//! standard input and on its socket at once, with poll: what is typed goes to the server, what
//! arrives from the server is printed at once, in either order, even when nothing is typed. It ends
//! at the end of input (Ctrl+D), closing the connection, or when the server closes the connection.
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 15` (indice : `socklab hint 15`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 15` (hint: `socklab hint 15`).
//!
//! Python (le cours / the course):
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

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

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
        // TODO: la liste à surveiller : l'entrée standard, puis la socket
        //       the list to watch: standard input, then the socket
        let mut fds: [PollFd; 2] = todo!("[PollFd::stdin(), PollFd::readable(&s)]");
        // Blocks until one of them is ready: a line typed, bytes from the server, or either's
        // end (which also makes a descriptor "readable").
        // TODO: attendre que l'une des deux soit prête / wait until one of them is ready
        todo!("sock::poll(&mut fds, None)?");

        if fds[1].is_ready() {
            // poll said ready: this recv returns at once.
            // TODO: recevoir ce que le serveur a envoyé / receive what the server sent
            let n: usize = todo!("s.recv(&mut from_server)?");
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
            // TODO: envoyer au serveur ce qui a été saisi / send the server what was typed
            todo!("s.sendall(&typed[..n])?");
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
