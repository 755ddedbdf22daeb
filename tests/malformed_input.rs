//! Random and malformed input to every service, TCP and UDP where offered: binary bytes,
//! invalid UTF-8, NULs, lines without an end, one-byte writes, datagrams of every size up to
//! the largest UDP allows. No service crashes; those that pass bytes on (echo, relay, chat)
//! pass them on exactly; the others answer as the protocol says, whatever they were sent.

mod common;

use std::io::{Read, Write};
use std::net::Shutdown;

use common::*;

const REPLY: &[u8] = "Bonjour client, j'ai bien reçu ton message : ".as_bytes();

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

/// Echo over TCP, every mode: random bytes in writes of random sizes (single bytes among
/// them), read back by another thread, then the client's end of stream while its last bytes
/// are still on their way. Everything comes back, in order, then the server closes.
#[test]
fn echo_tcp_returns_any_bytes_exactly() {
    for (i, mode) in ["threads", "iterative", "select"].into_iter().enumerate() {
        let server = serve("echo", &["--mode", mode]);
        let mut rng = Rng(0x9e37_79b9 + i as u64);
        let data = rng.bytes(300_000);
        let mut s = connect(server.addr);
        let got = read_to_end_in_background(&s);
        write_in_pieces(&mut s, &data, || match rng.below(4) {
            0 => 1,
            _ => 1 + rng.below(3000),
        });
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
    let server = serve("echo", &["--proto", "udp"]);
    let u = udp_client(server.addr);
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
        let server = serve("daytime", &["--mode", mode]);
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
    let server = serve("daytime", &["--proto", "udp"]);
    let u = udp_client(server.addr);
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
        let server = serve("message", &["--mode", mode]);
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
            let got = read_exact(&mut s, expected.len());
            assert!(got == expected, "{mode}: answer to {msg:?}");
        }
        s.write_all(b" \t quit\r\n").unwrap();
        assert!(
            read_to_end(&mut s).is_empty(),
            "{mode}: quit ends the conversation"
        );
        let (out, _) = stop(server);
        assert!(
            out.contains("Reçu : ") && out.contains("\\xff"),
            "{mode}: {out}"
        );
    }
    let server = serve("message", &["--proto", "udp"]);
    let u = udp_client(server.addr);
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
        let server = serve("relay", &["--mode", mode]);
        let mut rng = Rng(23 + i as u64);
        for _pair in 0..2 {
            let mut emitter = connect(server.addr);
            assert_eq!(read_exact(&mut emitter, 1), b"1");
            let mut receiver = connect(server.addr);
            assert_eq!(read_exact(&mut receiver, 1), b"2");
            receiver.write_all(&rng.bytes(500)).unwrap();
            let data = rng.bytes(200_000);
            // The relay never reads what the receiver sent; it must still end the stream with
            // a clean end of stream after the last forwarded byte, not a reset (a close with
            // bytes unread), which would throw away the end of what it forwarded.
            let got = read_to_end_in_background(&receiver);
            write_in_pieces(&mut emitter, &data, || 1 + rng.below(5000));
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
    let server = serve("relay", &["--proto", "udp"]);
    let (emitter, receiver, stranger) = (
        udp_client(server.addr),
        udp_client(server.addr),
        udp_client(server.addr),
    );
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
    let server = serve("chat", &[]);
    let mut a = connect(server.addr);
    let b = connect(server.addr);
    // A hears B arrive: both are members now.
    let notice = read_line(&mut a);
    assert!(notice.contains("client-2"), "{notice:?}");
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
    write_in_pieces(&mut a, &data, || 1 + rng.below(2000));
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
