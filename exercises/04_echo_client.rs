//! Exercice 04 — Client echo : l'entrée standard en boucle
//! Exercise 04 — Echo client: standard input in a loop
//!
//! D'après / from: TP5b §1.3 « Client Echo »
//!
//! Repartir du client daytime : lire en boucle les lignes de l'entrée standard, envoyer chacune
//! au serveur echo et afficher son écho. Une ligne vide (ou la fin de l'entrée) ferme la
//! connexion et termine le programme. Hôte et port en paramètres (localhost 7777 par défaut).
//!
//! Start from the daytime client: read lines from standard input in a loop, send each one to the
//! echo server and print its echo. An empty line (or the end of input) closes the connection and
//! ends the program. Host and port as arguments (default: localhost 7777).
//!
//! Remplacer chaque `todo!(…)` marqué `// TODO:` par l'appel qu'il décrit, puis
//! `socklab check 04` (indice : `socklab hint 04`).
//! Replace each `todo!(…)` marked `// TODO:` with the call it describes, then
//! `socklab check 04` (hint: `socklab hint 04`).

// The todo!()s leave values unused and code unreachable until they are filled in.
#![allow(
    unreachable_code,
    unused_variables,
    unused_imports,
    unused_mut,
    clippy::diverging_sub_expression
)]

use std::io::{BufRead, Write};
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
    let port = lab.port_arg(2, 7777);
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let s = connect_first(&addrs)?;

    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        // sys.stdin.readline(): the line with its "\n"; nothing at all at the end of input.
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        // "\n" alone is the empty line the lab uses to stop; the end of the input stops too.
        if n == 0 || line == b"\n" || line == b"\r\n" {
            break;
        }
        // TODO: envoyer la ligne au serveur / send the line to the server
        todo!("s.sendall(&line)?");

        // The echo of a long line may come back in several pieces: receive until as many bytes
        // came back as were sent, or until the server closes.
        let mut echo = Vec::with_capacity(line.len());
        let mut buf = [0u8; 1024];
        while echo.len() < line.len() {
            // TODO: recevoir dans buf le morceau suivant de l'écho
            //       receive into buf the next piece of the echo
            let got: usize = todo!("s.recv(&mut buf)?");
            if got == 0 {
                break;
            }
            echo.extend_from_slice(&buf[..got]);
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&echo).and_then(|_| out.flush());
        if echo.len() < line.len() {
            eprintln!(
                "{}",
                lab.lang.pick(
                    "le serveur a fermé la connexion",
                    "the server closed the connection"
                )
            );
            break;
        }
    }
    // Closing tells the server we are done: its recv returns 0 and it takes the next client.
    s.close()?;
    Ok(())
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
