//! The echo client (TP5b §1.3): each line typed is sent, its echo printed; an empty line (or
//! the end of the input) ends it. Over UDP (TP5b §1.4) each line is one datagram.

use super::net::Conn;
use super::{Target, console};
use crate::error::Failure;

/// TCP: one connection for the whole session.
pub fn run_tcp(target: &Target) -> Result<(), Failure> {
    let conn = target.connect()?;
    let mut lines = console::Lines::stdin();
    while let Some(line) = lines.next_line()? {
        // An empty line: the lab's signal to stop.
        if console::chomp(&line).is_empty() {
            break;
        }
        conn.sendall(&line)?;
        let echo = recv_exactly(&conn, line.len())?;
        if !console::print(&echo) || echo.len() < line.len() {
            // stdout closed, or the server closed the connection before echoing everything.
            break;
        }
    }
    conn.close()
}

/// UDP: one datagram per line, one datagram back.
pub fn run_udp(target: &Target) -> Result<(), Failure> {
    let udp = target.udp()?;
    let mut lines = console::Lines::stdin();
    let mut buf = vec![0u8; 65_536];
    while let Some(line) = lines.next_line()? {
        if console::chomp(&line).is_empty() {
            break;
        }
        udp.send(&line)?;
        // Datagram boundaries are kept: the echo of one line is one datagram.
        let n = udp.answer(&mut buf)?;
        if !console::print(&buf[..n]) {
            break;
        }
    }
    udp.close()
}

/// Receives until `len` bytes came back: one `send` may come back as several `recv`s, since TCP
/// is a stream. Stops early, with what it has, if the server closes the connection.
fn recv_exactly(conn: &Conn, len: usize) -> Result<Vec<u8>, Failure> {
    let mut got = Vec::with_capacity(len);
    let mut buf = [0u8; 1500];
    while got.len() < len {
        let want = (len - got.len()).min(buf.len());
        let n = conn.recv(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(got)
}
