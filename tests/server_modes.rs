//! The teaching server: every service in every mode it offers, driven by real clients (Rust
//! sockets here, `nc`, and Python clients written as in the labs).

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::time::Duration;

use common::*;

const REPLY: &str = "Bonjour client, j'ai bien reçu ton message : ";

#[test]
fn echo_in_every_mode() {
    for mode in ["threads", "iterative", "select", "fork"] {
        let server = serve("echo", &["--mode", mode]);
        let mut s = connect(server.addr);
        assert_eq!(
            echo_round_trip(&mut s, b"bonjour\n"),
            b"bonjour\n",
            "{mode}"
        );
        s.shutdown(Shutdown::Write).unwrap();
        assert!(
            read_to_end(&mut s).is_empty(),
            "{mode}: closed after the client's end"
        );
        let (out, _) = stop(server);
        assert!(
            out.contains("1 connection(s), 8 bytes in, 8 bytes out"),
            "{mode}: {out}"
        );
    }
    let server = serve("echo", &["--proto", "udp"]);
    let u = udp_client(server.addr);
    assert_eq!(udp_ask(&u, b"ping"), b"ping");
    // Datagram boundaries are kept: two datagrams, two answers.
    u.send(b"one").unwrap();
    u.send(b"two").unwrap();
    let mut buf = [0u8; 100];
    let n = u.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one");
    let n = u.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
    stop(server);
}

/// A UDP server receives into a 65,535-byte buffer: the largest datagram IPv4 carries (65,507
/// bytes of data) and IPv6 carries (65,527) come back whole, byte for byte, and none is
/// reported cut.
#[test]
fn udp_echo_sends_the_largest_datagrams_back_whole() {
    let pattern = |size: usize| -> Vec<u8> { (0..size).map(|i| (i * 7 + i / 251) as u8).collect() };
    let server = serve("echo", &["--proto", "udp"]);
    let u = udp_client(server.addr);
    for size in [4000, 65_507] {
        let msg = pattern(size);
        let back = udp_ask(&u, &msg);
        assert_eq!(
            back.len(),
            size,
            "a {size}-byte datagram came back with another length"
        );
        assert!(back == msg, "a {size}-byte datagram came back different");
    }
    let mut servers = vec![server];
    if have_ipv6_loopback() {
        let server = serve("echo", &["--proto", "udp", "--host", "::1"]);
        let u = udp_client(server.addr);
        let msg = pattern(65_527);
        assert!(udp_ask(&u, &msg) == msg, "a 65,527-byte datagram over IPv6");
        servers.push(server);
    } else {
        eprintln!("skipped the IPv6 datagram: no ::1 here");
    }
    for server in servers {
        let (_, stderr) = stop(server);
        assert!(!stderr.contains("MSG_TRUNC"), "{stderr}");
    }
}

#[test]
fn daytime_in_every_mode() {
    for mode in ["threads", "iterative", "select", "fork"] {
        let server = serve("daytime", &["--mode", mode]);
        let mut s = connect(server.addr);
        // The server speaks first and closes: read to the end of the stream.
        assert_date_line(&read_to_end(&mut s));
        stop(server);
    }
    let server = serve("daytime", &["--proto", "udp"]);
    let u = udp_client(server.addr);
    assert_date_line(&udp_ask(&u, b""));
    stop(server);
}

#[test]
fn message_in_every_mode() {
    for mode in ["threads", "iterative", "select", "fork"] {
        let server = serve("message", &["--mode", mode]);
        let mut s = connect(server.addr);
        s.write_all(b"hello").unwrap();
        let expected = format!("{REPLY}hello");
        assert_eq!(
            read_exact(&mut s, expected.len()),
            expected.as_bytes(),
            "{mode}"
        );
        s.write_all(b"quit").unwrap();
        assert!(
            read_to_end(&mut s).is_empty(),
            "{mode}: quit ends the conversation"
        );
        let (out, _) = stop(server);
        assert!(
            out.contains("Reçu : hello") && out.contains("Reçu : quit"),
            "{mode}: {out}"
        );
    }
    let server = serve("message", &["--proto", "udp"]);
    let u = udp_client(server.addr);
    assert_eq!(udp_ask(&u, b"salut\n"), format!("{REPLY}salut").as_bytes());
    let (out, _) = stop(server);
    assert!(out.contains("Reçu : salut"), "{out}");
}

/// The workshop's own Python client, over TCP and UDP, against `socklab serve message`.
#[test]
fn message_with_the_workshop_python_client() {
    if !have_tool("python3") {
        return;
    }
    for proto in ["tcp", "udp"] {
        let server = serve("message", &["--proto", proto]);
        let mut py = Command::new("python3");
        py.arg("tests/python/lab_message_client.py")
            .arg("127.0.0.1")
            .arg(server.addr.port().to_string())
            .arg(proto);
        let (status, out, err) = run_with_input(py, "bonjour\nça va ?\nquit\n".as_bytes());
        assert!(status.success(), "{proto}: {err}");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(&format!("Serveur: {REPLY}bonjour")),
            "{proto}: {out}"
        );
        assert!(
            out.contains(&format!("Serveur: {REPLY}ça va ?")),
            "{proto}: {out}"
        );
        assert!(out.contains("Fin de la conversation"), "{proto}: {out}");
        let (printed, _) = stop(server);
        assert!(printed.contains("Reçu : ça va ?"), "{proto}: {printed}");
    }
}

/// The labs' Python echo client and nc against the echo server.
#[test]
fn echo_with_python_and_nc() {
    if !have_tool("python3") || !have_tool("nc") {
        return;
    }
    let server = serve("echo", &[]);
    let mut py = Command::new("python3");
    py.arg("tests/python/lab_echo_client.py")
        .arg("127.0.0.1")
        .arg(server.addr.port().to_string());
    let (status, out, err) = run_with_input(py, "première ligne\nseconde\n\nignorée\n".as_bytes());
    assert!(status.success(), "{err}");
    assert_eq!(String::from_utf8(out).unwrap(), "première ligne\nseconde\n");
    stop(server);

    // nc over UDP: one datagram per line, the echo comes back; -w1 ends nc once idle.
    let server = serve("echo", &["--proto", "udp"]);
    let mut nc = Command::new("nc");
    nc.args(["-u", "-w1", "127.0.0.1", &server.addr.port().to_string()]);
    let (_, out, _) = run_with_input(nc, b"par udp\n");
    assert_eq!(out, b"par udp\n");
    stop(server);

    // nc reads the daytime line and sees the server close.
    let server = serve("daytime", &[]);
    let mut nc = Command::new("nc");
    nc.args(["-d", "127.0.0.1", &server.addr.port().to_string()]);
    let (status, out, _) = run_with_input(nc, b"");
    assert!(status.success());
    assert_date_line(&out);
    stop(server);
}

/// threads and select: B is served while A stays connected and silent.
/// iterative: B is served only once A has left (the lesson of the labs).
#[test]
fn second_client_while_the_first_is_silent() {
    for mode in ["threads", "select"] {
        let server = serve("echo", &["--mode", mode]);
        let mut a = connect(server.addr);
        assert_eq!(echo_round_trip(&mut a, b"A\n"), b"A\n");
        let mut b = connect(server.addr);
        assert_eq!(echo_round_trip(&mut b, b"B\n"), b"B\n", "{mode}: B served");
        drop((a, b));
        stop(server);
    }
    let server = serve("echo", &["--mode", "iterative"]);
    let mut a = connect(server.addr);
    assert_eq!(echo_round_trip(&mut a, b"A\n"), b"A\n");
    let mut b = connect(server.addr);
    b.write_all(b"B\n").unwrap();
    // B is connected (the kernel accepted it into the backlog) but nobody reads it.
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 8];
    let err = b
        .read(&mut buf)
        .expect_err("B must not be served while A is connected");
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    // A leaves: now B is accepted and its waiting bytes are echoed.
    drop(a);
    b.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(read_exact(&mut b, 2), b"B\n");
    drop(b);
    stop(server);
}

/// 10 MiB through the echo byte-exact, and 1,000 random binary messages.
#[test]
fn large_and_random_transfers_are_byte_exact() {
    let server = serve("echo", &[]);
    let mut s = connect(server.addr);
    let big: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i ^ (i >> 9)) as u8)
        .collect();
    assert!(echo_round_trip(&mut s, &big) == big, "10 MiB differ");
    drop(s);
    stop(server);

    let server = serve("echo", &["--mode", "select"]);
    let mut s = connect(server.addr);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut total = 0;
    for _ in 0..1000 {
        let seed = rng.next();
        // Up to 1,400 bytes: one segment each way. (A message spanning several `recv`s is
        // echoed in pieces, and Nagle's algorithm then holds the last piece until the client's
        // delayed ACK, 40 ms a message: the 10 MiB above covers that case.)
        let len = 1 + (seed % 1400) as usize;
        let msg: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
        assert_eq!(echo_round_trip(&mut s, &msg), msg);
        total += len;
    }
    drop(s);
    let (out, _) = stop(server);
    assert!(
        out.contains(&format!("{total} bytes in, {total} bytes out")),
        "{out}"
    );
}

/// `--max-clients 2`: the third client gets the one-line refusal; once one leaves, a new
/// client is served again.
#[test]
fn max_clients_refuses_then_serves_again() {
    for mode in ["threads", "select"] {
        let server = serve("echo", &["--mode", mode, "--max-clients", "2"]);
        let mut a = connect(server.addr);
        let mut b = connect(server.addr);
        assert_eq!(echo_round_trip(&mut a, b"a"), b"a");
        assert_eq!(echo_round_trip(&mut b, b"b"), b"b");
        let mut c = connect(server.addr);
        let refusal = String::from_utf8(read_to_end(&mut c)).unwrap();
        assert_eq!(
            refusal, "server full: 2 clients already connected, try again later\n",
            "{mode}"
        );
        drop(a);
        // The server notices A left when its recv returns 0; retry, bounded, until it has.
        let mut served = false;
        for _ in 0..100 {
            let mut d = connect(server.addr);
            d.write_all(b"d").unwrap();
            let mut buf = [0u8; 64];
            let n = d.read(&mut buf).unwrap();
            if &buf[..n] == b"d" {
                served = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(served, "{mode}: a new client is served after one left");
        drop(b);
        stop(server);
    }
}

/// relay: roles 1 and 2 in connection order; the receiver gets the emitter's messages in
/// order, and is closed when the emitter leaves.
#[test]
fn relay_roles_and_order() {
    for mode in ["iterative", "threads"] {
        let server = serve("relay", &["--mode", mode]);
        for _pair in 0..2 {
            let mut emitter = connect(server.addr);
            assert_eq!(read_exact(&mut emitter, 1), b"1", "{mode}");
            let mut receiver = connect(server.addr);
            assert_eq!(read_exact(&mut receiver, 1), b"2", "{mode}");
            let mut sent = Vec::new();
            for i in 0..50 {
                let m = format!("message {i}\n");
                emitter.write_all(m.as_bytes()).unwrap();
                sent.extend_from_slice(m.as_bytes());
            }
            drop(emitter);
            assert_eq!(
                read_to_end(&mut receiver),
                sent,
                "{mode}: in order, then closed"
            );
        }
        stop(server);
    }
    let server = serve("relay", &["--proto", "udp"]);
    let (e, r) = (udp_client(server.addr), udp_client(server.addr));
    assert_eq!(udp_ask(&e, b"hello"), b"1");
    assert_eq!(udp_ask(&r, b"hello"), b"2");
    for i in 0..5 {
        e.send(format!("m{i}").as_bytes()).unwrap();
        let mut buf = [0u8; 16];
        let n = r.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], format!("m{i}").as_bytes());
    }
    stop(server);
}

/// chat: three clients each receive the others' messages, prefixed with the sender.
#[test]
fn chat_three_clients() {
    let server = serve("chat", &[]);
    let mut clients: Vec<TcpStream> = Vec::new();
    for i in 1..=3 {
        let c = connect(server.addr);
        clients.push(c);
        // Each earlier client hears the arrival: a readiness check that the server has it.
        for (j, earlier) in clients.iter_mut().enumerate().take(i - 1) {
            let line = read_line(earlier);
            assert!(
                line.contains(&format!("client-{i}")) && line.contains("joined"),
                "{j}: {line}"
            );
        }
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("hello from {}\n", i + 1).as_bytes())
            .unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut heard: Vec<String> = (0..2).map(|_| read_line(c)).collect();
        heard.sort();
        let others: Vec<String> = (1..=3)
            .filter(|&k| k != i + 1)
            .map(|k| format!("client-{k}: hello from {k}\n"))
            .collect();
        assert_eq!(heard, others, "client {}", i + 1);
    }
    drop(clients);
    stop(server);
}

/// Options that do not go together are refused with a clear message and exit code 2.
#[test]
fn impossible_combinations_are_refused() {
    for args in [
        vec!["chat", "--proto", "udp"],
        vec!["echo", "--proto", "udp", "--mode", "select"],
        vec!["relay", "--mode", "select"],
    ] {
        let out = Command::new(socklab())
            .arg("serve")
            .args(&args)
            .args(["--port", "0"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("socklab: ") && !err.contains("panicked"),
            "{err}"
        );
    }
}
