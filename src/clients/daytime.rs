//! The daytime client (TP3 §1.2, RFC 867): over TCP, connect and receive until the server
//! closes; over UDP, send one datagram (its content does not matter, an empty one will do) and
//! print the datagram that comes back.
//!
//! ```python
//! s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//! s.connect((host, port))
//! data = s.recv(1024)
//! print(data)
//! s.close()
//! ```
//!
//! The lab's single `recv(1024)` happens to be enough for a date line; this client loops until
//! the server closes, which is what RFC 867 says marks the end of the answer.

use super::{Target, console};
use crate::error::Failure;

/// TCP: the server speaks first, then closes.
pub fn run_tcp(target: &Target) -> Result<(), Failure> {
    let conn = target.connect()?;
    let mut open = true;
    conn.recv_until_closed(|piece| open = open && console::print(piece))?;
    conn.close()
}

/// UDP: one datagram out, one back.
pub fn run_udp(target: &Target) -> Result<(), Failure> {
    let udp = target.udp()?;
    // The request is empty: for UDP daytime any datagram is a question, and an empty one is
    // still a datagram (unlike an empty TCP send, which puts nothing on the wire).
    udp.send(b"")?;
    let mut buf = vec![0u8; 65_536];
    let n = udp.answer(&mut buf)?;
    console::print(&buf[..n]);
    udp.close()
}
