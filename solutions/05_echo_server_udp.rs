//! Step 05 — UDP echo server (TP3 §3.3, TP5b §1.4).
//!
//! Builds on step 03, without connections: no listen, no accept. Each datagram received is
//! sent back to the address it came from, whole, as one datagram.
//!
//! Run: `cargo run --example sol05_echo_server_udp -- [PORT]` (default 7777),
//! then `nc -u localhost 7777`.
//!
//! Python (the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
//! s.bind(("", 7777))
//! while True:
//!     data, addr = s.recvfrom(65535)
//!     s.sendto(data, addr)
//! ```

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{Family, Socket, Type};

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, 7777);
    // SOCK_DGRAM: datagrams. As in step 03, AF_INET6 with IPV6_V6ONLY off serves IPv4 too.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    println!(
        "{} {port}",
        lab.lang
            .pick("serveur echo UDP sur le port", "UDP echo server on port")
    );

    // The largest UDP datagram is 65,507 bytes of data: with a smaller buffer, recvfrom would
    // cut a long datagram and the rest would be lost (UDP keeps message boundaries, so there
    // is no "next recv" to get the rest from).
    let mut buf = vec![0u8; 65_535];
    loop {
        // recvfrom blocks until a datagram arrives and tells who sent it: with no connection,
        // that address is the only way to know where to answer.
        let (n, from) = s.recvfrom(&mut buf)?;
        // One datagram back, to the sender. sendto does not wait for anything: UDP has no
        // acknowledgement. A failure concerns this datagram only, so the server goes on.
        let sent = s.sendto(&buf[..n], from);
        if let Err(e) = sent {
            eprintln!("{e}");
        }
    }
}
