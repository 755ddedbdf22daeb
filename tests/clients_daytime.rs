//! `socklab connect daytime` (TP3 §1) against real daytime peers: nc and socat over TCP, a
//! Python UDP daytime server.

mod common;
mod peers;

use common::*;
use peers::*;

const DATE: &[u8] = b"Sunday, November 22, 2026 10:00:00-UTC\r\n";

/// nc plays the server: it sends the date line and closes. The client prints exactly that line,
/// and sends nothing (nc received no byte): a daytime client only listens.
#[test]
fn date_line_from_nc() {
    if !have_tool("nc") {
        return;
    }
    let nc = nc_tcp(DATE);
    let port = nc.port.to_string();
    let out = socklab_run(
        "en",
        &["connect", "daytime", "localhost", &port, "--timeout", "5"],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, DATE);
    let stderr = err(&out);
    // `localhost` is resolved by the C library (from /etc/hosts), shown as library work.
    assert!(
        stderr.contains("getaddrinfo(\"localhost\"") && stderr.contains("[library, no syscall]"),
        "{stderr}"
    );
    assert!(stderr.contains("SO_SNDTIMEO, 5.000000s"), "{stderr}");
    assert!(stderr.contains("end of the stream"), "{stderr}");
    let (status, _, received) = nc.finish();
    assert!(status.is_some_and(|s| s.success()));
    assert!(received.is_empty(), "the client sent {received:?}");
}

/// socat as the server, running a command for each connection: the answer may come in several
/// pieces, the client receives until socat closes.
#[test]
fn date_line_from_socat() {
    if !have_tool("socat") {
        return;
    }
    // The line holds commas, which socat's address syntax would split on: it comes from a file.
    let dir = temp_dir("daytime-socat");
    let file = dir.join("date.txt");
    std::fs::write(&file, DATE).unwrap();
    let peer = socat_tcp(&format!("SYSTEM:cat {}", file.display()));
    let out = socklab_run(
        "en",
        &[
            "--trace",
            "off",
            "connect",
            "daytime",
            "127.0.0.1",
            &peer.port.to_string(),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, DATE);
    assert!(out.stderr.is_empty(), "no trace, no message: {}", err(&out));
}

/// Over UDP: one empty datagram goes out (the strace-format trace shows it, 0 bytes to the
/// server's address), and the date comes back in one datagram.
#[test]
fn date_over_udp() {
    let server = python(
        "daytime_udp.py",
        &["Sunday, November 22, 2026 10:00:00-UTC"],
    );
    let port = server.port.to_string();
    let out = socklab_run(
        "en",
        &[
            "--trace",
            "strace",
            "connect",
            "daytime",
            "127.0.0.1",
            &port,
            "--proto",
            "udp",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, DATE);
    let stderr = err(&out);
    assert!(
        stderr.contains("socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "sendto(3, \"\", 0, 0, {{sa_family=AF_INET, sin_port=htons({port}), \
             sin_addr=inet_addr(\"127.0.0.1\")}}, 16) = 0"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("recvfrom(3, \"Sunday, November 22, 2026 10:00:00-UTC\\r\\n\", 65536"),
        "{stderr}"
    );
}
