//! The explanations under a UDP exchange and under a refused connection are true for those
//! sockets: nothing about TCP, a stream or FIN, which neither of them has.

mod common;

use std::net::TcpListener;
use std::process::{Command, Stdio};

use common::socklab;

/// The words of `text`, a word being letters, digits and `_` (so `SOCK_STREAM` and
/// `FIN_WAIT2` are words of their own, not `STREAM` or `FIN`).
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn assert_says_nothing_of_tcp(stderr: &str, what: &str) {
    assert!(
        stderr.contains('↳'),
        "{what}: no explanation at all:\n{stderr}"
    );
    for word in words(stderr) {
        assert!(
            !matches!(word, "TCP" | "stream" | "streams" | "flot" | "FIN"),
            "{what}: `{word}` in an explanation that has nothing to do with it:\n{stderr}"
        );
    }
}

fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(socklab())
        .args(args)
        .env("COLUMNS", "160")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    // A client that fails at once may not read it: a closed pipe is no error here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_udp_demo_is_explained_as_udp() {
    for lang in ["en", "fr"] {
        let (code, stderr) = run(
            &[
                "--lang",
                lang,
                "--color",
                "never",
                "--trace",
                "pretty",
                "--explain",
                "always",
                "demo",
                "echo-udp",
            ],
            b"",
        );
        assert_eq!(code, Some(0), "{stderr}");
        assert_says_nothing_of_tcp(&stderr, &format!("demo echo-udp ({lang})"));
        // The end of the demo (its shutdown of the server's socket) is explained, not left
        // as an unexplained error.
        assert!(stderr.contains("ENOTCONN"), "{stderr}");
        let said = if lang == "en" {
            "wakes up a recvfrom"
        } else {
            "réveille un recvfrom"
        };
        // Read across the lines the columns wrap the text into.
        assert!(words(&stderr).join(" ").contains(said), "{stderr}");
    }
}

#[test]
fn a_refused_connection_sends_nothing_to_close() {
    // A port that was free a moment ago: nothing listens on it now.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
        .to_string();
    for lang in ["en", "fr"] {
        let (code, stderr) = run(
            &[
                "--lang",
                lang,
                "--color",
                "never",
                "--trace",
                "pretty",
                "--explain",
                "always",
                "connect",
                "echo",
                "127.0.0.1",
                &port,
            ],
            b"hello\n",
        );
        assert_eq!(code, Some(4), "refused: {stderr}");
        assert!(stderr.contains("ECONNREFUSED"), "{stderr}");
        let closed = if lang == "en" {
            "never connected"
        } else {
            "jamais connectée"
        };
        assert!(words(&stderr).join(" ").contains(closed), "{stderr}");
        assert_says_nothing_of_tcp(&stderr, &format!("refused connect ({lang})"));
    }
}

/// A client that closes with bytes it never read: the explanation under its `close` says the
/// kernel answers with RST, and the peer's next `recv` does get ECONNRESET.
#[test]
fn a_close_with_unread_bytes_is_explained_as_a_reset() {
    use std::io::{Read, Write};

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::TIMEOUT)).unwrap();
        let mut line = [0u8; 6];
        conn.read_exact(&mut line).unwrap();
        // The echo, and six bytes more that the client will never read: it reads exactly
        // as many bytes as it sent.
        conn.write_all(b"hello\nEXTRA\n").unwrap();
        let mut rest = [0u8; 64];
        conn.read(&mut rest).map_err(|e| e.kind())
    });
    let (code, stderr) = run(
        &[
            "--lang",
            "en",
            "--color",
            "never",
            "--trace",
            "pretty",
            "--explain",
            "always",
            "connect",
            "echo",
            "127.0.0.1",
            &port,
            "--timeout",
            "5",
        ],
        b"hello\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let said = words(&stderr).join(" ");
    assert!(
        said.contains("while 6 received byte s were never read")
            && said.contains("RST instead of a FIN"),
        "{stderr}"
    );
    // What the kernel did: the server's next read is refused with a reset, not an end of
    // stream.
    let read = server.join().unwrap();
    assert_eq!(read, Err(std::io::ErrorKind::ConnectionReset));
}

/// What socklab reads of a port behind an EADDRINUSE is what `ss` shows: a listener, then,
/// once the server closed first and went away, its connection in TIME_WAIT and nothing
/// listening.
#[test]
fn what_holds_a_port_is_read_as_ss_reads_it() {
    use socklab::kernel::ports::port_use;
    use std::io::Read;
    if !common::have_tool("ss") {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (served, _) = listener.accept().unwrap();
    let held = port_use(false, port);
    assert_eq!((held.listening, held.connected), (1, 1), "{held:?}");
    // The server closes first (the active close: TIME_WAIT on its side, on `port`), the
    // client reads the end of stream and closes too; then the listener goes.
    drop(served);
    client.set_read_timeout(Some(common::TIMEOUT)).unwrap();
    assert_eq!(client.read(&mut [0u8; 8]).unwrap(), 0);
    drop(client);
    drop(listener);
    let ss = Command::new("ss")
        .args(["-Htan", "state", "time-wait", &format!("sport = :{port}")])
        .output()
        .unwrap();
    let ss_lines = String::from_utf8_lossy(&ss.stdout).lines().count() as u32;
    let now = port_use(false, port);
    assert_eq!(now.listening, 0, "{now:?}");
    assert_eq!(
        now.lingering, ss_lines,
        "ss says {ss_lines} in TIME_WAIT: {now:?}"
    );
    assert_eq!(
        now.lingering, 1,
        "the server's side of the one connection: {now:?}"
    );
}
