//! Random and malformed input to every service, TCP and UDP where offered: binary bytes,
//! invalid UTF-8, NULs, lines without an end, one-byte writes, datagrams of every size up to
//! the largest UDP allows. No service crashes; those that pass bytes on (echo, relay, chat)
//! pass them on exactly; the others answer as the protocol says, whatever they were sent.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};

use common::*;

const REPLY: &[u8] = "Bonjour client, j'ai bien reçu ton message : ".as_bytes();

/// A small deterministic generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` bytes of every value, with runs of NULs, newlines and invalid UTF-8 sequences.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            match self.below(8) {
                0 => v.extend_from_slice(b"\xff\xfe\xc3"),
                1 => v.extend_from_slice(&[0, 0, 0]),
                2 => v.push(b'\n'),
                3 => v.extend_from_slice(b"\r\n\t "),
                _ => v.push(self.next() as u8),
            }
        }
        v.truncate(len);
        v
    }
}

fn start(service: &str, extra: &[&str]) -> Server {
    let mut args = vec![service, "--port", "0", "--trace", "off", "--lang", "en"];
    args.extend_from_slice(extra);
    Server::start(serve_command(&args))
}

/// SIGINT: exit 0 and no panic. Returns stdout after the banner and stderr.
fn stop(server: Server) -> (String, String) {
    server.interrupt();
    let (status, rest, stderr) = server.wait();
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (rest.join("\n"), stderr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn udp(server: SocketAddr) -> UdpSocket {
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    u.set_read_timeout(Some(TIMEOUT)).unwrap();
    u.connect(server).unwrap();
    u
}

fn udp_recv(u: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 70_000];
    let n = u.recv(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Everything received until the end of the stream or a reset.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
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

/// The sizes a UDP service gets: empty, around the TCP servers' 1,500-byte buffer, and the
/// largest datagram UDP over IPv4 carries.
const UDP_SIZES: [usize; 8] = [0, 1, 1499, 1500, 1501, 4096, 9000, 65_507];

/// The message server's view of a message: surrounding ASCII white space removed.
fn strip(data: &[u8]) -> &[u8] {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &data[start..end]
}

fn assert_date_line(line: &[u8]) {
    let text = String::from_utf8(line.to_vec()).unwrap();
    assert!(
        text.ends_with("\r\n") && text.split_whitespace().count() == 5,
        "{text:?}"
    );
}

/// Echo over TCP, every mode: random bytes in writes of random sizes (single bytes among
/// them), read back by another thread, then the client's end of stream while its last bytes
/// are still on their way. Everything comes back, in order, then the server closes.
#[test]
fn echo_tcp_returns_any_bytes_exactly() {
    for (i, mode) in ["threads", "iterative", "select"].into_iter().enumerate() {
        let server = start("echo", &["--mode", mode]);
        let mut rng = Rng(0x9e37_79b9 + i as u64);
        let data = rng.bytes(300_000);
        let mut s = connect(server.addr);
        let mut reader = s.try_clone().unwrap();
        let got = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        let mut sent = 0;
        while sent < data.len() {
            let n = match rng.below(4) {
                0 => 1,
                _ => 1 + rng.below(3000),
            }
            .min(data.len() - sent);
            s.write_all(&data[sent..sent + n]).unwrap();
            sent += n;
        }
        s.shutdown(Shutdown::Write).unwrap();
        let got = got.join().unwrap();
        assert_eq!(got.len(), data.len(), "{mode}: byte count");
        assert!(got == data, "{mode}: bytes differ");
        let (out, _) = stop(server);
        let n = data.len();
        assert!(
            out.contains(&format!("{n} bytes in, {n} bytes out")),
            "{mode}: {out}"
        );
    }
}

/// Echo over UDP: datagrams of every size, from empty to 65,507 bytes. Each comes back whole:
/// the server's buffer holds any datagram, and it reports no cut.
#[test]
fn echo_udp_datagrams_of_every_size() {
    let server = start("echo", &["--proto", "udp"]);
    let u = udp(server.addr);
    let mut rng = Rng(7);
    for size in UDP_SIZES {
        let msg = rng.bytes(size);
        u.send(&msg).unwrap();
        assert!(udp_recv(&u) == msg, "size {size}");
    }
    let (_, stderr) = stop(server);
    assert!(!stderr.contains("truncated"), "{stderr}");
}

/// Daytime over TCP, every mode: whatever a client sends (garbage, nothing and an early end of
/// stream), it gets one date line, then the end of the stream. Over UDP, any datagram, empty
/// or as large as UDP allows, is answered with a date line.
#[test]
fn daytime_answers_whatever_it_is_sent() {
    for (i, mode) in ["threads", "iterative", "select"].into_iter().enumerate() {
        let server = start("daytime", &["--mode", mode]);
        let mut rng = Rng(11 + i as u64);
        for round in 0..6 {
            let mut s = connect(server.addr);
            match round % 3 {
                0 => {
                    // Small enough to be taken by the kernel at once, never read by the server.
                    let _ = s.write_all(&rng.bytes(2000));
                }
                1 => s.shutdown(Shutdown::Write).unwrap(),
                _ => {}
            }
            // The server closes with our bytes unread, which may end in a reset after the line.
            assert_date_line(&read_until_closed(&mut s));
        }
        stop(server);
    }
    let server = start("daytime", &["--proto", "udp"]);
    let u = udp(server.addr);
    let mut rng = Rng(13);
    for size in UDP_SIZES {
        u.send(&rng.bytes(size)).unwrap();
        assert_date_line(&udp_recv(&u));
    }
    stop(server);
}

/// The message server, TCP (threads and select) and UDP: two hundred random binary messages,
/// white space only, NULs, invalid UTF-8. Each answer is the reply prefix and the message as
/// the lab's `strip()` leaves it, byte for byte; what the server prints shows the invalid
/// bytes escaped.
#[test]
fn message_answers_any_bytes() {
    for (i, mode) in ["threads", "select"].into_iter().enumerate() {
        let server = start("message", &["--mode", mode]);
        let mut s = connect(server.addr);
        let mut rng = Rng(17 + i as u64);
        for _ in 0..200 {
            let len = 1 + rng.below(1400);
            let msg = rng.bytes(len);
            if strip(&msg) == b"quit" {
                continue;
            }
            s.write_all(&msg).unwrap();
            let expected = [REPLY, strip(&msg)].concat();
            let mut got = vec![0u8; expected.len()];
            s.read_exact(&mut got).unwrap();
            assert!(got == expected, "{mode}: answer to {msg:?}");
        }
        s.write_all(b" \t quit\r\n").unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{mode}: quit ends the conversation");
        let (out, _) = stop(server);
        assert!(
            out.contains("Reçu : ") && out.contains("\\xff"),
            "{mode}: {out}"
        );
    }
    let server = start("message", &["--proto", "udp"]);
    let u = udp(server.addr);
    let mut rng = Rng(19);
    for size in UDP_SIZES.into_iter().skip(1) {
        let msg = rng.bytes(size);
        u.send(&msg).unwrap();
        // The whole message is answered; an answer longer than a datagram carries is cut.
        let answer = [REPLY, strip(&msg)].concat();
        let fits = &answer[..answer.len().min(65_507)];
        assert!(udp_recv(&u) == fits, "size {size}");
    }
    let (_, stderr) = stop(server);
    assert!(
        stderr.contains("cut to 65507: a UDP datagram carries no more"),
        "{stderr}"
    );
}

/// The relay, TCP (iterative and threads): the emitter's random bytes reach the receiver
/// exactly, in order, then a clean end of stream, even though the receiver sent garbage of its
/// own (which the relay never reads); the next pair is served after. Over UDP: the emitter's
/// datagrams of every size are forwarded whole, a stranger's are not.
#[test]
fn relay_forwards_any_bytes() {
    for (i, mode) in ["iterative", "threads"].into_iter().enumerate() {
        let server = start("relay", &["--mode", mode]);
        let mut rng = Rng(23 + i as u64);
        for _pair in 0..2 {
            let mut emitter = connect(server.addr);
            let mut role = [0u8; 1];
            emitter.read_exact(&mut role).unwrap();
            assert_eq!(&role, b"1");
            let mut receiver = connect(server.addr);
            receiver.read_exact(&mut role).unwrap();
            assert_eq!(&role, b"2");
            receiver.write_all(&rng.bytes(500)).unwrap();
            let data = rng.bytes(200_000);
            let mut reader = receiver.try_clone().unwrap();
            // The relay never reads what the receiver sent; it must still end the stream with
            // a clean end of stream after the last forwarded byte, not a reset (a close with
            // bytes unread), which would throw away the end of what it forwarded.
            let got = std::thread::spawn(move || {
                let mut all = Vec::new();
                reader.read_to_end(&mut all).unwrap();
                all
            });
            let mut sent = 0;
            while sent < data.len() {
                let n = (1 + rng.below(5000)).min(data.len() - sent);
                emitter.write_all(&data[sent..sent + n]).unwrap();
                sent += n;
            }
            drop(emitter);
            let got = got.join().unwrap();
            assert!(
                got == data,
                "{mode}: {} of {} bytes, or different",
                got.len(),
                data.len()
            );
        }
        stop(server);
    }
    let server = start("relay", &["--proto", "udp"]);
    let (emitter, receiver, stranger) = (udp(server.addr), udp(server.addr), udp(server.addr));
    emitter.send(b"hello").unwrap();
    assert_eq!(udp_recv(&emitter), b"1");
    receiver.send(b"hello").unwrap();
    assert_eq!(udp_recv(&receiver), b"2");
    let mut rng = Rng(29);
    for size in UDP_SIZES.into_iter().skip(1) {
        stranger.send(&rng.bytes(size)).unwrap();
        let msg = rng.bytes(size);
        emitter.send(&msg).unwrap();
        // The stranger's datagram went first and was not forwarded: this is the emitter's.
        assert!(udp_recv(&receiver) == msg, "size {size}");
    }
    stop(server);
}

/// The chat: a client sends random bytes (NULs, invalid UTF-8, a 20,000-byte line, a last
/// line with no end) in writes of random sizes; the other client receives each line once,
/// prefixed with its sender, byte for byte, the last one ended for it, then the departure.
#[test]
fn chat_passes_any_bytes_line_by_line() {
    let server = start("chat", &[]);
    let mut a = connect(server.addr);
    let b = connect(server.addr);
    // A hears B arrive: both are members now.
    let mut notice = Vec::new();
    let mut byte = [0u8; 1];
    while notice.last() != Some(&b'\n') {
        assert_eq!(a.read(&mut byte).unwrap(), 1);
        notice.push(byte[0]);
    }
    assert!(
        String::from_utf8_lossy(&notice).contains("client-2"),
        "{notice:?}"
    );
    let mut rng = Rng(31);
    let mut data = rng.bytes(30_000);
    data.extend(std::iter::repeat_n(b'z', 20_000));
    data.push(b'\n');
    data.extend(rng.bytes(5_000));
    if data.last() == Some(&b'\n') {
        data.push(b'!');
    }
    let mut reader = b.try_clone().unwrap();
    let got = std::thread::spawn(move || {
        let mut all = Vec::new();
        let end = b"*** client-1 left\n";
        let mut buf = [0u8; 4096];
        while !all.ends_with(end) {
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0, "the chat closed B early");
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let mut sent = 0;
    while sent < data.len() {
        let n = (1 + rng.below(2000)).min(data.len() - sent);
        a.write_all(&data[sent..sent + n]).unwrap();
        sent += n;
    }
    drop(a);
    let mut expected = Vec::new();
    for line in data.split_inclusive(|&c| c == b'\n') {
        expected.extend_from_slice(b"client-1: ");
        expected.extend_from_slice(line);
    }
    expected.push(b'\n');
    expected.extend_from_slice(b"*** client-1 left\n");
    let got = got.join().unwrap();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "B's stream differs from A's lines");
    drop(b);
    stop(server);
}
