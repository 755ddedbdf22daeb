//! The echo client (TP5b §1.3): each line typed is sent, its echo printed; an empty line (or
//! the end of the input) ends it.

use std::io::{self, BufRead, Write};

use crate::error::Failure;
use crate::explain::Lang;
use crate::sock::Socket;

pub fn run(host: &str, port: u16, _lang: Lang) -> Result<(), Failure> {
    let sock = super::connect_tcp(host, port)?;
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::new("read stdin", e))?;
        // End of input, or an empty line: the lab's signal to stop.
        if n == 0 || line == b"\n" || line == b"\r\n" {
            break;
        }
        sock.sendall(&line).map_err(|e| Failure::new("send", e))?;
        let echo = recv_exactly(&sock, line.len()).map_err(|e| Failure::new("recv", e))?;
        let mut out = io::stdout().lock();
        // A closed stdout (`| head`) ends the client quietly, like any Unix filter.
        if out.write_all(&echo).and_then(|_| out.flush()).is_err() {
            break;
        }
        if echo.len() < line.len() {
            // The server closed the connection before echoing everything.
            break;
        }
    }
    sock.close().map_err(|e| Failure::new("close", e))
}

/// Receives until `len` bytes came back: one `send` may come back as several `recv`s, since TCP
/// is a stream. Stops early, with what it has, if the server closes the connection.
fn recv_exactly(sock: &Socket, len: usize) -> io::Result<Vec<u8>> {
    let mut got = Vec::with_capacity(len);
    let mut buf = [0u8; 1500];
    while got.len() < len {
        let want = (len - got.len()).min(buf.len());
        let n = sock.recv(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(got)
}
