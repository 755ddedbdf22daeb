//! `socklab connect message`: the TCP/UDP workshop's client, against the workshop's own server
//! (`tests/python/message_server.py`) over TCP and UDP, and against nc.

mod common;
mod peers;

use std::process::Output;

use common::*;
use peers::*;

const TYPED: &[u8] = b"hello\n  \xc3\xa7a va ?  \n\nquit\nnever sent\n";

fn replies() -> Vec<u8> {
    "Serveur: Bonjour client, j'ai bien reçu ton message : hello\n\
     Serveur: Bonjour client, j'ai bien reçu ton message : ça va ?\n"
        .as_bytes()
        .to_vec()
}

/// `socklab --lang LANG --trace off connect message HOST PORT EXTRA...`, `typed` on stdin.
fn message(lang: &str, host: &str, port: u16, extra: &[&str], typed: &[u8]) -> Output {
    let port = port.to_string();
    let mut args = vec!["--trace", "off", "connect", "message", host, &port];
    args.extend_from_slice(extra);
    socklab_run(lang, &args, typed)
}

/// The client printed the server's replies to `TYPED`, and said the conversation ended.
fn assert_replied(out: &Output, farewell: &str) {
    assert!(out.status.success(), "{}", err(out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&replies())
    );
    assert!(err(out).contains(farewell), "{}", err(out));
}

/// Over TCP: each message (stripped, as the workshop's `strip()` does) gets its reply, printed
/// `Serveur: ...`; the empty line is skipped; `quit` is sent and ends the conversation on both
/// sides. No prompt on stdout when stdin is not a terminal.
#[test]
fn tcp_with_the_workshop_server() {
    let server = python("message_server.py", &["tcp", "0"]);
    let out = message("fr", "127.0.0.1", server.port, &[], TYPED);
    assert_replied(&out, "Fin de la conversation.");
    let (status, lines, _) = server.finish();
    assert!(status.is_some_and(|s| s.success()));
    assert_eq!(
        lines[1..],
        [
            "Reçu : hello",
            "Reçu : ça va ?",
            "Reçu : quit",
            "Fin de la conversation"
        ]
    );
}

/// Over UDP: the same conversation, one datagram per message, `quit` sent and not answered.
#[test]
fn udp_with_the_workshop_server() {
    let server = python("message_server.py", &["udp", "0"]);
    let out = message("en", "localhost", server.port, &["--proto", "udp"], TYPED);
    assert_replied(&out, "End of the conversation.");
    // The UDP server never stops by itself: its lines so far.
    for expected in ["Reçu : hello", "Reçu : ça va ?", "Reçu : quit"] {
        assert_eq!(server.next_line(), expected);
    }
}

/// nc as the server: whatever it sends is the reply; what it receives is the stripped message,
/// with no line end (the workshop sends `user_input.strip()`). At the end of the input the
/// client closes without sending `quit`.
#[test]
fn tcp_with_nc() {
    if !have_tool("nc") {
        return;
    }
    let nc = nc_tcp("Salut de nc".as_bytes());
    let out = message("en", "127.0.0.1", nc.port, &[], b"  salut  \n");
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, b"Serveur: Salut de nc\n");
    let (status, _, received) = nc.finish();
    assert!(status.is_some_and(|s| s.success()));
    assert_eq!(received, b"salut");
}
