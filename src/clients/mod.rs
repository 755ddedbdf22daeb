//! The clients from the labs.

pub mod echo;

use crate::cli::{Client, ConnectArgs};
use crate::error::Failure;
use crate::explain::Lang;
use crate::sock::{self, Family, Socket, Type, addr::brief};
use crate::trace;

/// Runs `socklab connect`.
pub fn run(args: &ConnectArgs, lang: Lang) -> Result<(), Failure> {
    trace::set_thread_name("client");
    match args.client {
        Client::Echo => echo::run(&args.host, args.port.unwrap_or(7777), lang),
    }
}

/// Resolves `host` and connects a TCP socket to the first address that answers, as Python's
/// `socket.create_connection` does: `localhost` may give `::1` then `127.0.0.1`, and a server
/// listening on IPv4 only refuses the first.
pub fn connect_tcp(host: &str, port: u16) -> Result<Socket, Failure> {
    let addrs =
        sock::resolve(host, port).map_err(|e| Failure::new(format!("resolve {host}"), e))?;
    let mut last = None;
    for addr in addrs {
        let s =
            Socket::new(Family::of(&addr), Type::Stream).map_err(|e| Failure::new("socket", e))?;
        match s.connect(addr) {
            Ok(()) => return Ok(s),
            // The socket is dropped (closed) and the next address tried.
            Err(e) => last = Some(Failure::new(format!("connect {}", brief(&addr)), e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        Failure::new(
            format!("resolve {host}"),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
        )
    }))
}
