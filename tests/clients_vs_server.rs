//! socklab's clients against socklab's own servers, over TCP and UDP: the two halves of each
//! lab meet.

mod common;

use common::*;

/// `socklab connect ARGS 127.0.0.1 PORT`, trace off: success, stdout, stderr.
fn client(args: &[&str], port: u16, input: &[u8]) -> (bool, String, String) {
    let port = port.to_string();
    let mut all = vec!["--trace", "off", "connect"];
    all.extend_from_slice(args);
    all.extend(["127.0.0.1", port.as_str()]);
    let out = socklab_run("en", &all, input);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err(&out),
    )
}

#[test]
fn daytime_client_and_server() {
    for proto in ["tcp", "udp"] {
        let s = serve("daytime", &["--proto", proto]);
        let (ok, out, err) = client(&["daytime", "--proto", proto], s.addr.port(), b"");
        assert!(ok, "{proto}: {err}");
        assert_eq!(out.lines().count(), 1, "{proto}: {out:?}");
        assert!(
            out.split_whitespace().count() == 5,
            "{proto}: a date line: {out:?}"
        );
        stop(s);
    }
}

#[test]
fn message_client_and_server() {
    for proto in ["tcp", "udp"] {
        let s = serve("message", &["--proto", proto]);
        let (ok, out, err) = client(
            &["message", "--proto", proto],
            s.addr.port(),
            "bonjour\nça va ?\nquit\n".as_bytes(),
        );
        assert!(ok, "{proto}: {err}");
        assert!(
            out.contains("Serveur: Bonjour client, j'ai bien reçu ton message : bonjour"),
            "{proto}: {out}"
        );
        assert!(out.contains("reçu ton message : ça va ?"), "{proto}: {out}");
        let (printed, _) = stop(s);
        assert!(
            printed.contains("Reçu : bonjour") && printed.contains("Reçu : ça va ?"),
            "{printed}"
        );
    }
}

#[test]
fn echo_client_and_udp_server() {
    let s = serve("echo", &["--proto", "udp"]);
    let (ok, out, err) = client(
        &["echo", "--proto", "udp"],
        s.addr.port(),
        "un\ndeux é\n\n".as_bytes(),
    );
    assert!(ok, "{err}");
    assert_eq!(out, "un\ndeux é\n");
    stop(s);
}

/// Two relay clients through socklab's relay server: roles 1 then 2 in connection order, the
/// emitter's lines arrive whole and in order.
#[test]
fn relay_clients_and_server() {
    for mode in ["iterative", "threads"] {
        let s = serve("relay", &["--mode", mode]);
        let typed = "premier\nsecond\ntroisième\n";
        // The emitter runs to its end first: its lines wait in the server's buffers until the
        // receiver is there.
        let (ok, out, err) = client(&["relay"], s.addr.port(), typed.as_bytes());
        assert!(ok, "{mode}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("role 1"), "{mode}: {err}");
        let (ok, out, err) = client(&["relay"], s.addr.port(), b"");
        assert!(ok, "{mode}: {err}");
        assert!(err.contains("role 2"), "{mode}: {err}");
        assert_eq!(out, typed, "{mode}");
        stop(s);
    }
}
