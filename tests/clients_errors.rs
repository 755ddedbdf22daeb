//! The failures a client meets, each with its own message (French and English), its own exit
//! code, and never a panic: unknown host, connection refused, timeout, reset by the peer,
//! network unreachable, and a UDP request nobody answers.
//!
//! Unknown host and unreachable network run inside `unshare -rn`: a new, empty network
//! namespace, where the name lookup fails at once and `10.0.0.1` has no route, so nothing
//! ever leaves the machine.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

/// True when this machine lets an unprivileged process make an empty network namespace.
fn have_netns() -> bool {
    common::have_netns(&[], &["true"])
}

/// socklab inside an empty network namespace.
fn in_empty_netns(lang: &str, args: &[&str]) -> Output {
    let mut c = Command::new("unshare");
    c.args(["-rn", socklab(), "--lang", lang]).args(args);
    output_with_input(c, b"")
}

/// A server of one connection that accepts it and says nothing until the client leaves.
fn silent_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        // Keep the connection open, silent, until the client leaves.
        let mut buf = [0u8; 16];
        let _ = std::io::Read::read(&mut &conn, &mut buf);
    });
    (port, holder)
}

/// A server of one connection that accepts it and resets it at once.
fn resetting_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let resetter = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        reset(conn);
    });
    (port, resetter)
}

fn daytime(lang: &str, port: u16, extra: &[&str]) -> Output {
    let port = port.to_string();
    let mut args = vec!["connect", "daytime", "127.0.0.1", &port];
    args.extend_from_slice(extra);
    socklab_run(lang, &args, b"")
}

/// The lab's `trucbidule`: the name does not resolve, exit 3, with advice in both languages.
#[test]
fn unknown_host() {
    if !have_netns() {
        return;
    }
    for (lang, words) in [("en", "Unknown host"), ("fr", "Nom introuvable")] {
        let out = in_empty_netns(lang, &["connect", "daytime", "trucbidule"]);
        assert_clean_failure(&out, 3);
        let stderr = err(&out);
        assert!(stderr.contains("socklab: resolve trucbidule: "), "{stderr}");
        assert!(stderr.contains(words), "{lang}: {stderr}");
        assert!(
            stderr.contains("getaddrinfo"),
            "the failed lookup is traced: {stderr}"
        );
        assert!(
            !stderr.contains("connect("),
            "no connect without an address"
        );
    }
}

/// No route to the network: exit 7, at once.
#[test]
fn network_unreachable() {
    if !have_netns() {
        return;
    }
    let out = in_empty_netns("en", &["connect", "echo", "10.0.0.1", "7"]);
    assert_clean_failure(&out, 7);
    let stderr = err(&out);
    assert!(
        stderr.contains("socklab: connect 10.0.0.1:7: Network is unreachable (ENETUNREACH)"),
        "{stderr}"
    );
    assert!(stderr.contains("no route to that network"), "{stderr}");
}

/// The lab's `localhost` with no server: refused, exit 4, and what to check.
#[test]
fn connection_refused() {
    let port = closed_port();
    for (lang, words) in [
        ("en", "Is the server running?"),
        ("fr", "Le serveur est-il lancé ?"),
    ] {
        let out = daytime(lang, port, &[]);
        assert_clean_failure(&out, 4);
        let stderr = err(&out);
        assert!(
            stderr.contains(&format!(
                "socklab: connect 127.0.0.1:{port}: Connection refused (ECONNREFUSED)"
            )),
            "{stderr}"
        );
        assert!(stderr.contains(words), "{lang}: {stderr}");
    }
}

/// A listener whose queue is full never completes the handshake: connect gives up after
/// `--timeout 1`, reported as a timeout (exit 5), not as EINPROGRESS jargon alone.
#[test]
fn timeout_on_connect() {
    // The queue is full and nobody accepts: the kernel drops the client's SYNs.
    let (_listener, _queued, addr) = full_listener();
    for (lang, words) in [
        ("en", "timed out: no connection after 1 s"),
        ("fr", "délai dépassé : pas de connexion au bout de 1 s"),
    ] {
        let started = Instant::now();
        let out = daytime(lang, addr.port(), &["--timeout", "1"]);
        let took = started.elapsed();
        assert_clean_failure(&out, 5);
        let stderr = err(&out);
        assert!(stderr.contains(words), "{lang}: {stderr}");
        assert!(stderr.contains("EINPROGRESS"), "{stderr}");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(5),
            "{took:?}"
        );
    }
}

/// A server that accepts and never sends: recv gives up after `--timeout 1`, exit 5, with its
/// own words (connected, but nothing came).
#[test]
fn timeout_waiting_for_data() {
    let (port, holder) = silent_server();
    let out = daytime("en", port, &["--timeout", "1"]);
    assert_clean_failure(&out, 5);
    let stderr = err(&out);
    assert!(
        stderr.contains(&format!(
            "socklab: recv from 127.0.0.1:{port}: timed out: nothing received in 1 s \
             (recv gave up with EAGAIN)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("the server sent nothing in time"),
        "{stderr}"
    );
    holder.join().unwrap();
}

/// A server that accepts and resets the connection (SO_LINGER 0, then close): exit 6.
#[test]
fn reset_by_the_peer() {
    let (port, resetter) = resetting_server();
    let out = daytime("fr", port, &[]);
    resetter.join().unwrap();
    assert_clean_failure(&out, 6);
    let stderr = err(&out);
    assert!(
        stderr.contains(&format!(
            "socklab: recv from 127.0.0.1:{port}: Connection reset by peer (ECONNRESET)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("a répondu par un RST"), "{stderr}");
}

/// A UDP socket that receives and never answers: the request does arrive (this test reads
/// it), and the client reports no answer after `--timeout`, exit 10, for daytime, echo and
/// message alike.
#[test]
fn udp_without_answer() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    for (client, input, request) in [
        ("daytime", &b""[..], &b""[..]),
        ("echo", b"ping\n", b"ping\n"),
        ("message", b"ping\n", b"ping"),
    ] {
        for (lang, words) in [
            ("en", "no answer in 0.5 s"),
            ("fr", "pas de réponse en 0,5 s"),
        ] {
            let out = socklab_run(
                lang,
                &[
                    "connect",
                    client,
                    "127.0.0.1",
                    &port,
                    "--proto",
                    "udp",
                    "--timeout",
                    "0.5",
                ],
                input,
            );
            assert_clean_failure(&out, 10);
            let stderr = err(&out);
            assert!(stderr.contains(words), "{client} {lang}: {stderr}");
            assert!(stderr.contains("UDP"), "{stderr}");
            let mut buf = [0u8; 64];
            let (n, _) = silent.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], request, "{client}");
        }
    }
}

/// The four failures of the issue side by side: four exit codes, four different messages.
#[test]
fn each_failure_has_its_own_code_and_message() {
    let refused = daytime("en", closed_port(), &[]);

    let (silent_port, holder) = silent_server();
    let timeout = daytime("en", silent_port, &["--timeout", "0.5"]);
    holder.join().unwrap();

    let (rst_port, resetter) = resetting_server();
    let reset = daytime("en", rst_port, &[]);
    resetter.join().unwrap();

    let mut outcomes = vec![refused, timeout, reset];
    if have_netns() {
        outcomes.push(in_empty_netns("en", &["connect", "daytime", "trucbidule"]));
    }
    let codes: std::collections::BTreeSet<i32> =
        outcomes.iter().map(|o| o.status.code().unwrap()).collect();
    assert_eq!(codes.len(), outcomes.len(), "{codes:?}");
    let advice: std::collections::BTreeSet<String> = outcomes
        .iter()
        .map(|o| err(o).lines().last().unwrap_or_default().to_string())
        .collect();
    assert_eq!(advice.len(), outcomes.len(), "{advice:?}");
}
