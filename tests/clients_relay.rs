//! `socklab connect relay` (RES 302 exercise 2.3): two instances of the same client against the
//! lab's relay server (`tests/python/relay_server.py`), and nc playing the server for each
//! role and for a server that does not follow the protocol.

mod common;
mod peers;

use common::*;
use peers::*;

fn relay(lang: &str, port: u16, typed: &[u8]) -> std::process::Output {
    socklab_run(
        lang,
        &[
            "--trace",
            "off",
            "connect",
            "relay",
            "127.0.0.1",
            &port.to_string(),
        ],
        typed,
    )
}

/// The first client gets role 1 and sends what is typed; the second gets role 2 and prints
/// what the server relays, byte for byte, until the server closes.
#[test]
fn two_clients_through_the_labs_relay() {
    let server = python("relay_server.py", &["0"]);
    let typed = "bonjour\nà toi, client 2\n".as_bytes();
    // The sender runs to its end first: what it sent waits in the server's receive buffer
    // until the server has accepted the receiver.
    let sender = relay("en", server.port, typed);
    assert!(sender.status.success(), "{}", err(&sender));
    assert!(err(&sender).contains("role 1"), "{}", err(&sender));
    assert!(sender.stdout.is_empty());
    assert!(server.next_line().starts_with("client 1: "));

    let receiver = relay("fr", server.port, b"");
    assert!(receiver.status.success(), "{}", err(&receiver));
    assert!(err(&receiver).contains("rôle 2"), "{}", err(&receiver));
    assert_eq!(receiver.stdout, typed);
    let (status, _, _) = server.finish();
    assert!(status.is_some_and(|s| s.success()));
}

/// nc as the server, giving role 1 (the digit alone): the client's lines reach nc exactly,
/// up to the empty line.
#[test]
fn role_1_from_nc() {
    if !have_tool("nc") {
        return;
    }
    let nc = nc_tcp(b"1");
    let out = relay("en", nc.port, b"un\ndeux\n\nnot sent\n");
    assert!(out.status.success(), "{}", err(&out));
    let (_, _, received) = nc.finish();
    assert_eq!(received, b"un\ndeux\n");
}

/// nc as the server, giving role 2 on a line of its own, with the first relayed line in the
/// same segment: the role is taken off, the rest printed.
#[test]
fn role_2_from_nc() {
    if !have_tool("nc") {
        return;
    }
    let nc = nc_tcp(b"2\nrelayed line\nand another\n");
    let out = relay("en", nc.port, b"");
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, b"relayed line\nand another\n");
}

/// A server that sends no role: the client says what it got instead, exits 1, no panic.
#[test]
fn no_role_from_nc() {
    if !have_tool("nc") {
        return;
    }
    let nc = nc_tcp(b"server full\n");
    let out = relay("en", nc.port, b"");
    assert_clean_failure(&out, 1);
    assert!(
        err(&out).contains("the server sent \"server full\\n\" where a role (1 or 2) was expected"),
        "{}",
        err(&out)
    );
}
