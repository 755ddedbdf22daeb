//! Step 14 — the relay server over UDP (RES 302 TP2, exercice 2.2).
//!
//! Step 08's relay without connections. There is no accept to say "a client has come": the
//! server learns each client's address from its first datagram (`recvfrom`). The first address
//! that writes is the emitter, the second, another address, the receiver. Nothing tells a UDP
//! client that the server has it either, so the server answers each one its role, `1` or `2`,
//! as step 09 does. Then every datagram of the emitter goes on, as one datagram, to the
//! receiver's address; `quit` from the emitter is passed on and ends the pair.
//!
//! Run: `cargo run --example sol14_relay_udp -- [PORT]` (default 1212), then
//! `nc -u localhost 1212` in two terminals: type a line in the first (it gets `1`), then in the
//! second (it gets `2`); what is typed in the first now shows in the second.
//!
//! Python (the lab):
//! ```text
//! s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
//! s.bind(("", 1212))
//! _, emetteur = s.recvfrom(65535); s.sendto(b"1", emetteur)
//! _, recepteur = s.recvfrom(65535); s.sendto(b"2", recepteur)
//! while True:
//!     data, addr = s.recvfrom(65535)
//!     if addr == emetteur: s.sendto(data, recepteur)
//! ```

use std::net::{Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use socklab::error::Failure;
use socklab::lab::{self, Lab};
use socklab::sock::{self, Family, Socket, Type};

const PORT: u16 = 1212;

fn main() -> ExitCode {
    let lab = lab::start("main");
    match run(&lab) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => lab.exit_with(&failure),
    }
}

fn run(lab: &Lab) -> Result<(), Failure> {
    let port = lab.port_arg(1, PORT);
    // As in step 05: one datagram socket for every client, no listen, no accept.
    let s = Socket::new(Family::Inet6, Type::Dgram)?;
    s.set_only_v6(false)?;
    let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
    s.bind(addr)?;
    println!("relais UDP en écoute sur le port {port}");
    // Room for the largest datagram: a smaller buffer would cut it, and the rest is lost.
    let mut buf = vec![0u8; 65_535];
    loop {
        let (emitter, receiver) = pair(&s, &mut buf)?;
        relay(&s, &mut buf, emitter, receiver)?;
        println!("fin de la paire {emitter} → {receiver}");
    }
}

/// The two clients, in the order they first wrote: their addresses are all the server knows.
fn pair(s: &Socket, buf: &mut [u8]) -> Result<(SocketAddr, SocketAddr), Failure> {
    let (_, emitter) = s.recvfrom(buf)?;
    // Its role, to the address recvfrom gave: the only way to reach a client without a
    // connection, and the client's only sign that the server has it.
    s.sendto(b"1", emitter)?;
    println!("émetteur : {emitter}");
    let receiver = loop {
        let (_, from) = s.recvfrom(buf)?;
        // The emitter writing again is no second client. What it sends before the receiver
        // has come is lost: there is no one to pass it on to yet.
        if from != emitter {
            break from;
        }
    };
    s.sendto(b"2", receiver)?;
    println!("récepteur : {receiver}");
    Ok((emitter, receiver))
}

/// Passes the emitter's datagrams on to the receiver until the emitter sends `quit`.
fn relay(
    s: &Socket,
    buf: &mut [u8],
    emitter: SocketAddr,
    receiver: SocketAddr,
) -> sock::Result<()> {
    loop {
        let (n, from) = s.recvfrom(buf)?;
        // Anyone may send to a UDP port: only the emitter's datagrams are passed on.
        if from != emitter {
            continue;
        }
        // One datagram in, one datagram out: the boundaries are kept, the bytes unchanged.
        let sent = s.sendto(&buf[..n], receiver);
        if let Err(e) = sent {
            eprintln!("{e}");
        }
        // Without a connection there is no close to say "the emitter is done": `quit` says it,
        // and the receiver gets it too.
        if buf[..n].trim_ascii() == b"quit" {
            return Ok(());
        }
    }
}
