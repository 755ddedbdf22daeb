//! `socklab connect echo` (TP5b §1.3, §1.4): over TCP against socklab's own echo server and
//! socat, over UDP against the lab's Python UDP echo server.

mod common;
mod peers;

use common::*;
use peers::*;

/// Lines with accents, invalid UTF-8 and a long one; the empty line ends the session, so the
/// line after it is never sent.
fn input() -> (Vec<u8>, Vec<u8>) {
    let mut sent = b"bonjour\nh\xc3\xa9ho\nbytes \xff\xfe\x00 raw\n".to_vec();
    sent.extend(std::iter::repeat_n(b'x', 5000));
    sent.push(b'\n');
    let mut typed = sent.clone();
    typed.extend_from_slice(b"\nnever sent\n");
    (typed, sent)
}

/// socat echoes (`PIPE`): every line comes back exactly.
#[test]
fn tcp_echo_from_socat() {
    if !have_tool("socat") {
        return;
    }
    let peer = socat_tcp("PIPE");
    let (typed, sent) = input();
    let out = socklab_run(
        "en",
        &[
            "--trace",
            "off",
            "connect",
            "echo",
            "127.0.0.1",
            &peer.port.to_string(),
        ],
        &typed,
    );
    assert!(out.status.success(), "{}", err(&out));
    assert!(
        out.stdout == sent,
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// socklab's own echo server, both sides traced: the client's trace shows its timeout set
/// before connect, and the echo.
#[test]
fn tcp_echo_from_socklab_server() {
    let server = serve("echo", &[]);
    let (typed, sent) = input();
    let out = socklab_run(
        "en",
        &[
            "--trace",
            "strace",
            "connect",
            "echo",
            "127.0.0.1",
            &server.addr.port().to_string(),
            "--timeout",
            "3",
        ],
        &typed,
    );
    assert!(out.status.success(), "{}", err(&out));
    assert!(out.stdout == sent);
    let stderr = err(&out);
    let sndtimeo = stderr
        .find("SO_SNDTIMEO_OLD, {tv_sec=3, tv_usec=0}")
        .expect(&stderr);
    let connect = stderr.find("connect(3, ").expect(&stderr);
    let rcvtimeo = stderr
        .find("SO_RCVTIMEO_OLD, {tv_sec=3, tv_usec=0}")
        .expect(&stderr);
    assert!(sndtimeo < connect && connect < rcvtimeo, "{stderr}");
    assert!(stderr.contains("\"bonjour\\n\""), "{stderr}");
    stop(server);
}

/// Over UDP, against the lab's Python UDP echo server: one datagram per line, each echoed in
/// one datagram.
#[test]
fn udp_echo_from_python() {
    let server = python("udp_echo.py", &["0"]);
    let (typed, sent) = input();
    let dir = temp_dir("udp-echo");
    let trace = dir.join("trace.jsonl");
    let out = socklab_json(
        "en",
        &trace,
        &[
            "connect",
            "echo",
            "127.0.0.1",
            &server.port.to_string(),
            "--proto",
            "udp",
        ],
        &typed,
    );
    assert!(out.status.success(), "{}", err(&out));
    assert!(out.stdout == sent);
    let events = json_lines(&read_to_string(&trace));
    let sizes = |call: &str| -> Vec<i64> {
        events
            .iter()
            .filter(|v| v["call"] == call && v["phase"] != "enter")
            .map(|v| v["ret"].as_i64().unwrap())
            .collect()
    };
    // Datagram boundaries are kept: four lines, four datagrams each way, of the same sizes.
    assert_eq!(sizes("sendto"), vec![8, 6, 14, 5001]);
    assert_eq!(sizes("recvfrom"), sizes("sendto"));
    assert!(
        events.iter().all(|v| v["call"] != "connect"),
        "UDP: no connect"
    );
}
