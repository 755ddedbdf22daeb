//! The kernel's list of TCP sockets through `NETLINK_SOCK_DIAG`, the interface `ss` uses: it
//! still shows a connection after its program closed it (TIME_WAIT, LAST_ACK, FIN_WAIT2), with
//! the time left on its timer, and a listening socket's queue and drops. Any user may ask.
//!
//! The netlink messages are built and read by `netlink-packet-sock-diag`; one field it drops
//! for TIME_WAIT (the time left, `idiag_expires`) is read from the message's bytes, at its
//! fixed place in `struct inet_diag_msg`.

use std::io;
use std::net::SocketAddr;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP};
use netlink_packet_sock_diag::inet::nlas::Nla;
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_sys::{Socket, SocketAddr as NetlinkAddr, protocols::NETLINK_SOCK_DIAG};
use serde::{Deserialize, Serialize};

use super::types::TcpState;

/// One TCP socket as the kernel lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagSocket {
    pub local: SocketAddr,
    pub peer: SocketAddr,
    pub state: TcpState,
    /// For a listening socket, the connections waiting in its accept queue; otherwise the
    /// bytes received and not read yet (`ss`'s Recv-Q).
    pub recv_q: u32,
    /// For a listening socket, its backlog; otherwise the bytes not acknowledged yet.
    pub send_q: u32,
    /// Milliseconds left on the socket's timer (TIME_WAIT's 60 s, a retransmission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer_ms: Option<u32>,
    /// Packets the socket dropped; for a listening socket, the SYNs dropped because its queue
    /// was full (`ss -m`'s `d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops: Option<u32>,
}

/// Where `idiag_expires` stands in an `inet_diag_msg`: after family, state, timer,
/// retransmits (4 bytes) and the 48-byte socket id.
const EXPIRES_AT: usize = 4 + 48;
/// A netlink message's header.
const NLMSG_HDR: usize = 16;

/// Every TCP socket of this network namespace, IPv4 and IPv6.
pub fn tcp_sockets() -> io::Result<Vec<DiagSocket>> {
    sockets(IPPROTO_TCP)
}

/// Every UDP socket of this network namespace (a bound socket with no peer is `CLOSE`).
pub fn udp_sockets() -> io::Result<Vec<DiagSocket>> {
    sockets(IPPROTO_UDP)
}

fn sockets(protocol: u8) -> io::Result<Vec<DiagSocket>> {
    let mut all = dump(AF_INET, protocol)?;
    all.extend(dump(AF_INET6, protocol)?);
    Ok(all)
}

/// The connection from local port `port` to `peer`, if the kernel still has it.
pub fn find(port: u16, peer: SocketAddr) -> Option<DiagSocket> {
    let peer = unmapped(peer);
    tcp_sockets()
        .ok()?
        .into_iter()
        .find(|s| s.local.port() == port && unmapped(s.peer) == peer)
}

/// The listening socket on `port`, if there is one.
pub fn listener(port: u16) -> Option<DiagSocket> {
    tcp_sockets()
        .ok()?
        .into_iter()
        .find(|s| s.state == TcpState::Listen && s.local.port() == port)
}

/// An IPv4 client seen through an IPv6 socket is listed by the kernel under IPv6 with its
/// mapped address: compare both as IPv4.
pub fn unmapped(a: SocketAddr) -> SocketAddr {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::from((v4, v6.port())),
            None => a,
        },
        v4 => v4,
    }
}

fn dump(family: u8, protocol: u8) -> io::Result<Vec<DiagSocket>> {
    let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&NetlinkAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let id = if family == AF_INET {
        SocketId::new_v4()
    } else {
        SocketId::new_v6()
    };
    let mut packet = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol,
            extensions: ExtensionFlags::SKMEMINFO,
            states: StateFlags::all(),
            socket_id: id,
        })
        .into(),
    );
    packet.finalize();
    let mut buf = vec![0; packet.buffer_len()];
    packet.serialize(&mut buf[..]);
    socket.send(&buf, 0)?;

    let mut found = Vec::new();
    let mut rx = vec![0u8; 64 * 1024];
    loop {
        let size = socket.recv(&mut &mut rx[..], 0)?;
        let mut offset = 0;
        while offset < size {
            let bytes = &rx[offset..size];
            let msg = <NetlinkMessage<SockDiagMessage>>::deserialize(bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            let len = msg.header.length as usize;
            match msg.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) => {
                    let expires = bytes
                        .get(NLMSG_HDR + EXPIRES_AT..NLMSG_HDR + EXPIRES_AT + 4)
                        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                    let id = &r.header.socket_id;
                    let drops = r.nlas.iter().find_map(|n| match n {
                        Nla::MemInfo(m) => Some(m.drops),
                        _ => None,
                    });
                    found.push(DiagSocket {
                        local: SocketAddr::new(id.source_address, id.source_port),
                        peer: SocketAddr::new(id.destination_address, id.destination_port),
                        state: TcpState::from_kernel(r.header.state),
                        recv_q: r.header.recv_queue,
                        send_q: r.header.send_queue,
                        timer_ms: r.header.timer.as_ref().and(expires),
                        drops,
                    });
                }
                NetlinkPayload::Done(_) => return Ok(found),
                NetlinkPayload::Error(e) => {
                    return Err(io::Error::other(format!("sock_diag: {e:?}")));
                }
                _ => {}
            }
            if len == 0 {
                break;
            }
            offset += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_listener_a_connection_and_a_time_wait_are_listed() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let l = listener(port).expect("the listener is listed");
        assert_eq!(l.state, TcpState::Listen);
        assert_eq!(l.send_q, 128, "std's backlog");
        let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let client_addr = client.local_addr().unwrap();
        assert_eq!(
            listener(port).unwrap().recv_q,
            1,
            "one connection waits to be accepted"
        );
        let (served, _) = server.accept().unwrap();
        let server_side = find(port, client_addr).expect("the server's end is listed");
        assert_eq!(server_side.state, TcpState::Established);
        // The server closes first: TIME_WAIT on its side, with about 60 s left.
        drop(served);
        assert_eq!(client.read(&mut [0u8; 4]).unwrap(), 0, "the end of stream");
        drop(client);
        let tw = find(port, client_addr).expect("TIME_WAIT is still listed");
        assert_eq!(tw.state, TcpState::TimeWait);
        let left = tw.timer_ms.expect("a timer");
        assert!(left > 50_000 && left <= 60_000, "{left} ms left");
    }
}
