//! Client sockets for the tests: connect with a timeout, read in the ways the tests need, UDP
//! clients, ports nobody answers on, and a client that talks until the server stops.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;

use super::TIMEOUT;

/// A TCP client of `addr`: the connection and every read bounded by `TIMEOUT`.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

/// Exactly `n` bytes.
pub fn read_exact(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    s.read_exact(&mut v).unwrap();
    v
}

/// Everything up to a clean end of stream (a reset or a timeout fails the test).
pub fn read_to_end(s: &mut TcpStream) -> Vec<u8> {
    let mut v = Vec::new();
    s.read_to_end(&mut v).unwrap();
    v
}

/// Everything received until the end of the stream or a reset.
pub fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    all
}

/// Reads up to the end of stream on another thread (`read_to_end`), so that this one can keep
/// writing: the bytes read, once the thread is joined.
pub fn read_to_end_in_background(s: &TcpStream) -> JoinHandle<Vec<u8>> {
    let mut reader = s.try_clone().unwrap();
    std::thread::spawn(move || read_to_end(&mut reader))
}

/// One line, its `\n` included, read byte by byte; the connection closing first fails the
/// test.
pub fn read_line(s: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.last() != Some(&b'\n') {
        let n = s.read(&mut byte).unwrap();
        assert_eq!(
            n,
            1,
            "connection closed mid-line: {:?}",
            String::from_utf8_lossy(&line)
        );
        line.push(byte[0]);
    }
    String::from_utf8(line).unwrap()
}

/// Writes `data` in pieces, each `piece()` bytes long (or what is left).
pub fn write_in_pieces(s: &mut TcpStream, data: &[u8], mut piece: impl FnMut() -> usize) {
    let mut sent = 0;
    while sent < data.len() {
        let n = piece().min(data.len() - sent);
        s.write_all(&data[sent..sent + n]).unwrap();
        sent += n;
    }
}

/// Sends `msg` over `stream` and reads back exactly as many bytes.
pub fn echo_round_trip(stream: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    // Write from another thread: a large message would fill both directions' buffers if
    // this thread wrote it all before reading.
    let mut writer = stream.try_clone().unwrap();
    let data = msg.to_vec();
    let sender = std::thread::spawn(move || writer.write_all(&data).unwrap());
    let mut got = vec![0u8; msg.len()];
    stream.read_exact(&mut got).unwrap();
    sender.join().unwrap();
    got
}

/// A client of an echo server that talks until the server stops: `msg` out, its echo read
/// back whole (every byte checked to be `msg[0]`), one message in flight at a time, so that
/// everything the server echoes is read before the next message goes out. After
/// `warm_rounds` rounds it waits on `warmed`, and it must get that far. Returns the bytes it
/// received, the last message's cut echo included.
pub fn talk_until_stopped(
    addr: SocketAddr,
    msg: Vec<u8>,
    warm_rounds: usize,
    warmed: Arc<Barrier>,
) -> u64 {
    let mut s = connect(addr);
    let (mut received, mut rounds) = (0u64, 0);
    let mut buf = vec![0u8; msg.len()];
    'talk: loop {
        if s.write_all(&msg).is_err() {
            break;
        }
        let mut got = 0;
        while got < msg.len() {
            match s.read(&mut buf[..msg.len() - got]) {
                Ok(0) | Err(_) => {
                    received += got as u64;
                    break 'talk;
                }
                Ok(n) => {
                    assert!(buf[..n].iter().all(|&b| b == msg[0]));
                    got += n;
                }
            }
        }
        received += got as u64;
        rounds += 1;
        if rounds == warm_rounds {
            warmed.wait();
        }
    }
    assert!(rounds >= warm_rounds);
    received
}

/// Sets SO_LINGER to zero and closes: the close sends RST instead of FIN.
pub fn reset(s: TcpStream) {
    socket2::SockRef::from(&s)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
    drop(s);
}

/// A UDP client of `server`, "connected" to it, its reads bounded by `TIMEOUT`; bound on the
/// loopback of the server's family.
pub fn udp_client(server: SocketAddr) -> UdpSocket {
    let local = if server.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let u = UdpSocket::bind(local).unwrap();
    u.set_read_timeout(Some(TIMEOUT)).unwrap();
    u.connect(server).unwrap();
    u
}

/// The next datagram, whole (larger than any datagram UDP carries).
pub fn udp_recv(u: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 70_000];
    let n = u.recv(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Sends `msg` in one datagram and returns the answer.
pub fn udp_ask(u: &UdpSocket, msg: &[u8]) -> Vec<u8> {
    u.send(msg).unwrap();
    udp_recv(u)
}

/// True when this machine has an IPv6 loopback (some containers have none).
pub fn have_ipv6_loopback() -> bool {
    UdpSocket::bind("[::1]:0").is_ok()
}

/// A port nobody listens on: bound by this test, read back, closed.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A listener whose queue is full and that never accepts: `listen(0)` lets one connection
/// into the queue (the kernel allows backlog + 1), and the stream returned holds it, so the
/// kernel drops every further client's SYNs and their `connect` never completes. Keep both
/// alive for as long as the test needs the full queue.
pub fn full_listener() -> (socket2::Socket, TcpStream, SocketAddr) {
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let queued = TcpStream::connect(addr).unwrap();
    (listener, queued, addr)
}

/// A daytime line as the servers send it: `Wed Dec  2 15:42:09 2026\r\n`, five fields, a year.
pub fn assert_date_line(line: &[u8]) {
    let text = String::from_utf8(line.to_vec()).unwrap();
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert_eq!(text.split_whitespace().count(), 5, "{text:?}");
    assert!(text.contains("20"), "a year: {text:?}");
}
