//! A captured frame, decoded: the TCP segment or UDP datagram it carries, as the trace shows
//! it. The headers are read by `etherparse`; what is computed here is what a reader wants
//! beside them: sequence and acknowledgment numbers relative to each direction's first one
//! (the SYN's), as Wireshark shows them, so a handshake reads `seq=0`, `seq=0 ack=1`, `ack=1`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use serde::{Deserialize, Serialize};

/// The transport protocol of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// One TCP header flag, by the name the RFCs (and Wireshark) give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TcpFlag {
    Syn,
    Fin,
    Rst,
    Psh,
    Ack,
    Urg,
    Ece,
    Cwr,
}

impl TcpFlag {
    pub fn name(self) -> &'static str {
        match self {
            TcpFlag::Syn => "SYN",
            TcpFlag::Fin => "FIN",
            TcpFlag::Rst => "RST",
            TcpFlag::Psh => "PSH",
            TcpFlag::Ack => "ACK",
            TcpFlag::Urg => "URG",
            TcpFlag::Ece => "ECE",
            TcpFlag::Cwr => "CWR",
        }
    }
}

/// A TCP segment or a UDP datagram seen on the loopback interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packet {
    pub proto: Transport,
    /// Who sent it, and to whom.
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// TCP: the flags set, in the order SYN, FIN, RST, PSH, ACK, URG, ECE, CWR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<TcpFlag>,
    /// TCP: the sequence number, relative to the first one of this direction (the SYN's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// TCP, with ACK set: the acknowledgment number, relative to the other direction's first
    /// sequence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack: Option<u32>,
    /// Bytes of payload (data the segment carries; a UDP datagram's length).
    pub len: usize,
    /// The first bytes of the payload, escaped as strace escapes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

impl Packet {
    pub fn has(&self, flag: TcpFlag) -> bool {
        self.flags.contains(&flag)
    }

    /// What the packet is, in one word: `SYN`, `SYN-ACK`, `PSH-ACK`, `FIN-ACK`, `RST`, `UDP`.
    pub fn label(&self) -> String {
        match self.proto {
            Transport::Udp => "UDP".to_string(),
            Transport::Tcp => {
                let names: Vec<&str> = self.flags.iter().map(|f| f.name()).collect();
                if names.is_empty() {
                    "TCP".to_string()
                } else {
                    names.join("-")
                }
            }
        }
    }

    /// One line that says it all, the same in every language: `TCP 127.0.0.1:40000 >
    /// 127.0.0.1:7777 SYN seq=0 len=0`.
    pub fn summary(&self) -> String {
        let proto = match self.proto {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        };
        let mut s = format!("{proto} {} > {}", self.src, self.dst);
        if self.proto == Transport::Tcp {
            s.push(' ');
            s.push_str(&self.label());
        }
        if let Some(seq) = self.seq {
            s.push_str(&format!(" seq={seq}"));
        }
        if let Some(ack) = self.ack {
            s.push_str(&format!(" ack={ack}"));
        }
        s.push_str(&format!(" len={}", self.len));
        s
    }
}

/// A decoded frame: the packet, when the kernel received it, and its first payload bytes.
#[derive(Clone, Debug)]
pub struct Segment {
    /// The kernel's receive timestamp, in microseconds since the Unix epoch (CLOCK_REALTIME,
    /// the trace's clock).
    pub ts_us: u64,
    pub packet: Packet,
    /// The first bytes of the payload (at most [`DATA_KEPT`]).
    pub data: Vec<u8>,
}

/// Payload bytes a segment keeps for its preview.
pub const DATA_KEPT: usize = 64;

/// Decodes frames one after the other, remembering each direction's first sequence number.
#[derive(Default)]
pub struct Decoder {
    /// Per direction (sender, receiver): the sequence number counted as 0.
    base: HashMap<(SocketAddr, SocketAddr), u32>,
}

impl Decoder {
    /// The TCP segment or UDP datagram in an Ethernet frame (what `lo` carries: a zeroed
    /// Ethernet header, then IP); `None` for anything else (ICMP, ARP, a fragment).
    pub fn decode(&mut self, frame: &[u8], ts_us: u64) -> Option<Segment> {
        let sliced = SlicedPacket::from_ethernet(frame).ok()?;
        let (src_ip, dst_ip): (IpAddr, IpAddr) = match sliced.net.as_ref()? {
            NetSlice::Ipv4(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            NetSlice::Ipv6(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            NetSlice::Arp(_) => return None,
        };
        let (packet, payload) = match sliced.transport.as_ref()? {
            TransportSlice::Tcp(tcp) => {
                let src = SocketAddr::new(src_ip, tcp.source_port());
                let dst = SocketAddr::new(dst_ip, tcp.destination_port());
                let flags: Vec<TcpFlag> = [
                    (tcp.syn(), TcpFlag::Syn),
                    (tcp.fin(), TcpFlag::Fin),
                    (tcp.rst(), TcpFlag::Rst),
                    (tcp.psh(), TcpFlag::Psh),
                    (tcp.ack(), TcpFlag::Ack),
                    (tcp.urg(), TcpFlag::Urg),
                    (tcp.ece(), TcpFlag::Ece),
                    (tcp.cwr(), TcpFlag::Cwr),
                ]
                .into_iter()
                .filter_map(|(set, f)| set.then_some(f))
                .collect();
                let (seq, ack) = self.relative(
                    src,
                    dst,
                    tcp.sequence_number(),
                    tcp.ack().then_some(tcp.acknowledgment_number()),
                    tcp.syn() && !tcp.ack(),
                );
                let payload = tcp.payload();
                let packet = Packet {
                    proto: Transport::Tcp,
                    src,
                    dst,
                    flags,
                    seq: Some(seq),
                    ack,
                    len: payload.len(),
                    preview: None,
                };
                (packet, payload)
            }
            TransportSlice::Udp(udp) => {
                let payload = udp.payload();
                let packet = Packet {
                    proto: Transport::Udp,
                    src: SocketAddr::new(src_ip, udp.source_port()),
                    dst: SocketAddr::new(dst_ip, udp.destination_port()),
                    flags: Vec::new(),
                    seq: None,
                    ack: None,
                    len: payload.len(),
                    preview: None,
                };
                (packet, payload)
            }
            _ => return None,
        };
        Some(Segment {
            ts_us,
            packet,
            data: payload[..payload.len().min(DATA_KEPT)].to_vec(),
        })
    }

    /// The sequence and acknowledgment numbers relative to each direction's base. A SYN
    /// without ACK opens a connection: both directions start again (the same address pair may
    /// be used again later). A direction first seen in the middle of its stream counts from
    /// there.
    fn relative(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        ack: Option<u32>,
        opens: bool,
    ) -> (u32, Option<u32>) {
        if opens {
            self.base.insert((src, dst), seq);
            self.base.remove(&(dst, src));
        }
        let mine = *self.base.entry((src, dst)).or_insert(seq);
        let ack = ack.map(|a| {
            // The SYN-ACK acknowledges the SYN: seq + 1, so the peer's base is a - 1.
            let theirs = *self.base.entry((dst, src)).or_insert(a.wrapping_sub(1));
            a.wrapping_sub(theirs)
        });
        (seq.wrapping_sub(mine), ack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    const A: &str = "127.0.0.1:40000";
    const B: &str = "127.0.0.1:7777";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// An Ethernet frame carrying a TCP segment from `from` to `to`.
    fn tcp(from: &str, to: &str, seq: u32, ack: Option<u32>, flags: &str, data: &[u8]) -> Vec<u8> {
        let (from, to) = (addr(from), addr(to));
        let ip = |a: SocketAddr| match a.ip() {
            IpAddr::V4(v4) => v4.octets(),
            IpAddr::V6(_) => unreachable!(),
        };
        let mut b = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(ip(from), ip(to), 64)
            .tcp(from.port(), to.port(), seq, 65_495);
        if flags.contains('S') {
            b = b.syn();
        }
        if flags.contains('F') {
            b = b.fin();
        }
        if flags.contains('R') {
            b = b.rst();
        }
        if flags.contains('P') {
            b = b.psh();
        }
        if let Some(ack) = ack {
            b = b.ack(ack);
        }
        let mut out = Vec::new();
        b.write(&mut out, data).unwrap();
        out
    }

    #[test]
    fn a_handshake_data_and_close_in_relative_numbers() {
        let mut d = Decoder::default();
        let mut seen = Vec::new();
        for frame in [
            tcp(A, B, 1000, None, "S", b""),
            tcp(B, A, 5000, Some(1001), "S", b""),
            tcp(A, B, 1001, Some(5001), "", b""),
            tcp(A, B, 1001, Some(5001), "P", b"hello\n"),
            tcp(B, A, 5001, Some(1007), "", b""),
            tcp(A, B, 1007, Some(5001), "F", b""),
            tcp(B, A, 5001, Some(1008), "R", b""),
        ] {
            let s = d.decode(&frame, 7).unwrap();
            assert_eq!(s.ts_us, 7);
            seen.push((s.packet.label(), s.packet.seq, s.packet.ack, s.packet.len));
        }
        assert_eq!(
            seen,
            [
                ("SYN".to_string(), Some(0), None, 0),
                ("SYN-ACK".to_string(), Some(0), Some(1), 0),
                ("ACK".to_string(), Some(1), Some(1), 0),
                ("PSH-ACK".to_string(), Some(1), Some(1), 6),
                ("ACK".to_string(), Some(1), Some(7), 0),
                ("FIN-ACK".to_string(), Some(7), Some(1), 0),
                ("RST-ACK".to_string(), Some(1), Some(8), 0),
            ]
        );
        let s = d
            .decode(&tcp(A, B, 1001, Some(5001), "P", b"hello\n"), 0)
            .unwrap();
        assert_eq!(s.data, b"hello\n");
        assert_eq!(s.packet.src, addr(A));
        assert_eq!(s.packet.dst, addr(B));
        assert_eq!(
            s.packet.summary(),
            "TCP 127.0.0.1:40000 > 127.0.0.1:7777 PSH-ACK seq=1 ack=1 len=6"
        );
    }

    #[test]
    fn a_new_syn_on_the_same_pair_counts_from_zero_again() {
        let mut d = Decoder::default();
        d.decode(&tcp(A, B, 1000, None, "S", b""), 0).unwrap();
        d.decode(&tcp(B, A, 5000, Some(1001), "S", b""), 0).unwrap();
        let again = d.decode(&tcp(A, B, 9000, None, "S", b""), 0).unwrap();
        assert_eq!(again.packet.seq, Some(0));
        let answer = d.decode(&tcp(B, A, 77, Some(9001), "S", b""), 0).unwrap();
        assert_eq!((answer.packet.seq, answer.packet.ack), (Some(0), Some(1)));
    }

    #[test]
    fn udp_datagrams_and_what_is_no_transport() {
        let mut out = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv6([0; 16], [0; 16], 64)
            .udp(5353, 7)
            .write(&mut out, b"ping")
            .unwrap();
        let s = Decoder::default().decode(&out, 0).unwrap();
        assert_eq!(s.packet.proto, Transport::Udp);
        assert_eq!(s.packet.label(), "UDP");
        assert_eq!(s.packet.len, 4);
        assert_eq!(s.packet.src, "[::]:5353".parse().unwrap());
        assert_eq!(s.packet.seq, None);
        assert!(Decoder::default().decode(&[0u8; 20], 0).is_none());
    }
}
