//! `getsockopt(fd, IPPROTO_TCP, TCP_INFO)`: what the kernel knows of one of the program's own
//! TCP sockets, without privileges. The state is the first byte (`tcpi_state`); on a
//! listening socket `tcpi_unacked` is the number of connections waiting in its accept queue
//! and `tcpi_sacked` the backlog it was given (measured: `listen(7)` with two clients not yet
//! accepted gives 2 and 7).

use std::io;
use std::os::fd::RawFd;

use super::types::TcpState;

/// The part of `struct tcp_info` socklab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpInfo {
    pub state: TcpState,
    /// Listening socket: connections waiting for `accept`. Otherwise: segments sent and not
    /// acknowledged yet.
    pub unacked: u32,
    /// Listening socket: the backlog. Otherwise: segments the peer acknowledged selectively.
    pub sacked: u32,
    /// The bytes the socket asked for `getsockopt` (strace shows them as the last argument).
    pub len: u32,
}

/// Reads `TCP_INFO` from `fd`: one `getsockopt` system call.
pub fn read(fd: RawFd) -> io::Result<TcpInfo> {
    // SAFETY: an all-zero tcp_info is a valid value of that plain C struct.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the buffer and its length describe `info`, which outlives the call.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(TcpInfo {
        state: TcpState::from_kernel(info.tcpi_state),
        unacked: info.tcpi_unacked,
        sacked: info.tcpi_sacked,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    #[test]
    fn states_and_the_accept_queue() {
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(
                &"127.0.0.1:0"
                    .parse::<std::net::SocketAddr>()
                    .unwrap()
                    .into(),
            )
            .unwrap();
        socket.listen(7).unwrap();
        let listener: TcpListener = socket.into();
        let addr = listener.local_addr().unwrap();
        let l = read(listener.as_raw_fd()).unwrap();
        assert_eq!((l.state, l.unacked, l.sacked), (TcpState::Listen, 0, 7));
        let a = TcpStream::connect(addr).unwrap();
        let _b = TcpStream::connect(addr).unwrap();
        let l = read(listener.as_raw_fd()).unwrap();
        assert_eq!(l.unacked, 2, "two connections wait to be accepted");
        assert_eq!(read(a.as_raw_fd()).unwrap().state, TcpState::Established);
    }
}
