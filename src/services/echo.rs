//! Echo (RFC 862): every byte received is sent back, unchanged.

use std::io;

use crate::server::stats::Counts;
use crate::sock::Socket;

/// The lab's buffer size: `recv(1500)`, one Ethernet frame's worth.
pub const BUF_SIZE: usize = 1500;

/// Serves one TCP connection until the client closes it: `recv`, then `sendall` what came.
///
/// Bytes are bytes: nothing is decoded, so invalid UTF-8 comes back exactly as it went.
pub fn serve(conn: &Socket, counts: &mut Counts) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    loop {
        let n = conn.recv(&mut buf)?;
        if n == 0 {
            // 0 bytes: the client closed its side (or the server is stopping and shut the
            // socket down). The conversation is over.
            return Ok(());
        }
        counts.bytes_in += n as u64;
        // `send` may take only part of the data; `sendall` loops until all of it is taken.
        conn.sendall(&buf[..n])?;
        counts.bytes_out += n as u64;
    }
}
