//! The vertical slice: `socklab serve echo` and `socklab connect echo`, end to end, with real
//! peers (nc), and the errors a student meets first.

mod common;

use std::process::{Command, Stdio};

use common::*;

/// nc as the client of socklab's echo server: every byte comes back exactly, invalid UTF-8
/// and NUL bytes included.
#[test]
fn nc_gets_back_exact_bytes() {
    if !have_tool("nc") {
        return;
    }
    for mode in ["iterative", "threads"] {
        let server = serve("echo", &["--mode", mode]);
        let mut input: Vec<u8> = b"hello\nh\xc3\xa9llo\n\xff\xfe\x00\x01 not utf-8\n".to_vec();
        input.extend((0..50_000u32).map(|i| (i * 31 % 256) as u8));
        let mut nc = Command::new("nc");
        nc.args(["-N", "127.0.0.1", &server.addr.port().to_string()]);
        let (status, stdout, stderr) = run_with_input(nc, &input);
        assert!(status.success(), "nc: {status:?} {stderr}");
        assert_eq!(stdout.len(), input.len(), "{mode}: byte count");
        assert!(stdout == input, "{mode}: bytes differ");
        let (summary, _) = stop(server);
        let expected = format!("{} bytes in, {} bytes out", input.len(), input.len());
        assert!(summary.contains(&expected), "{mode}: summary: {summary}");
    }
}

/// The echo client against socklab's own server, with the pretty trace: the client prints the
/// echo on stdout, and the trace (on stderr) shows and explains the calls.
#[test]
fn client_and_server_with_pretty_trace() {
    let server = Server::start(serve_command(&["echo", "--port", "0", "--lang", "en"]));
    let mut client = Command::new(socklab());
    client.args([
        "--lang",
        "fr",
        "connect",
        "echo",
        "127.0.0.1",
        &server.addr.port().to_string(),
    ]);
    let (status, stdout, stderr) = run_with_input(client, b"bonjour\nh\xe9\n\nnot sent\n");
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, b"bonjour\nh\xe9\n", "stops at the empty line");
    assert!(stderr.contains("connect(3, 127.0.0.1:"), "{stderr}");
    assert!(
        stderr.contains("connect() lance la poignée de main TCP"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#""h\xe9\n""#),
        "invalid UTF-8 shown escaped: {stderr}"
    );
    assert!(
        !stderr.contains("\u{1b}["),
        "no colour when stderr is not a terminal"
    );
    let (_, stderr) = stop(server);
    // The server's trace, in English: the veilleur hands the connection to an exécutant.
    assert!(stderr.contains("veilleur"), "{stderr}");
    assert!(stderr.contains("exécutant-1"), "{stderr}");
    assert!(
        stderr.contains("accept() takes the next connection"),
        "{stderr}"
    );
    assert!(stderr.contains("end of the stream"), "{stderr}");
}

/// A second server on the same port fails with EADDRINUSE: its own exit code, the explanation
/// in the chosen language, and no panic.
#[test]
fn address_in_use_is_explained() {
    let first = serve("echo", &[]);
    let port = first.addr.port().to_string();
    for (lang, words) in [
        ("en", "another socket listens on it"),
        ("fr", "une autre socket y écoute"),
    ] {
        let out = socklab_run(lang, &["serve", "echo", "--port", &port], b"");
        assert_clean_failure(&out, 8);
        let stderr = err(&out);
        assert!(
            stderr.contains(&format!(
                "socklab: bind 127.0.0.1:{port}: Address already in use (EADDRINUSE)"
            )),
            "{stderr}"
        );
        assert!(stderr.contains(words), "{lang}: {stderr}");
        assert!(stderr.contains("SO_REUSEADDR"), "{stderr}");
        // The failing bind is in the trace too, with its errno.
        assert!(
            stderr.contains("bind(3, 127.0.0.1:") && stderr.contains("-1 EADDRINUSE"),
            "{stderr}"
        );
    }
}

/// Connection refused: its own message and exit code.
#[test]
fn refused_connection_is_explained() {
    let port = closed_port().to_string();
    let out = socklab_run(
        "en",
        &["--trace", "off", "connect", "echo", "127.0.0.1", &port],
        b"",
    );
    let stderr = err(&out);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("Connection refused (ECONNREFUSED)"),
        "{stderr}"
    );
    assert!(stderr.contains("nobody listens on that port"), "{stderr}");
}

/// The strace renderer writes strace's line format, with `[pid N]` prefixes.
#[test]
fn strace_renderer_from_the_binary() {
    let server = Server::start(serve_command(&[
        "echo",
        "--port",
        "0",
        "--trace",
        "strace",
        "--mode",
        "iterative",
    ]));
    let (_, stderr) = stop(server);
    let pid = server_pid_line(&stderr);
    assert!(
        stderr.contains(&format!(
            "[pid {pid}] socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("[pid {pid}] listen(3, 5) = 0")),
        "{stderr}"
    );
    assert!(stderr.contains("EINVAL (Invalid argument)"), "{stderr}");
}

fn server_pid_line(stderr: &str) -> String {
    stderr
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("[pid "))
        .and_then(|l| l.split(']').next())
        .unwrap_or_else(|| panic!("no [pid N] line: {stderr}"))
        .to_string()
}

/// `--color always` colours the trace; `never`, and NO_COLOR under `auto`, do not.
#[test]
fn colour_choice() {
    let run = |args: &[&str], no_color: bool| {
        let mut c = Command::new(socklab());
        c.args(args)
            .args(["connect", "echo", "127.0.0.1", "1"])
            .stdin(Stdio::null());
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().unwrap().stderr).into_owned()
    };
    assert!(run(&["--color", "always"], false).contains("\u{1b}["));
    assert!(!run(&["--color", "never"], false).contains("\u{1b}["));
    assert!(!run(&["--color", "auto"], true).contains("\u{1b}["));
}

/// stdout closed under the server (`socklab serve echo | head -1`): it goes on serving, and
/// stops with Ctrl+C without a panic, although its summary has nowhere to go.
#[test]
fn closed_stdout_is_no_crash() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(socklab())
        .args(["--trace", "off", "serve", "echo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    // The reader is gone now, as `head -1` would be.
    let addr: std::net::SocketAddr = banner.trim().rsplit(' ').next().unwrap().parse().unwrap();
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(b"still here").unwrap();
    let mut got = [0u8; 10];
    c.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"still here");
    drop(c);
    sigint(child.id());
    let status = wait_timeout(&mut child, TIMEOUT).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?} {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A host name is resolved by the C library, not by one system call: the trace shows
/// `getaddrinfo` marked as library work, never as a syscall.
#[test]
fn name_resolution_is_shown_as_library_work() {
    let server = serve("echo", &[]);
    let dir = temp_dir("resolve");
    let trace = dir.join("t.jsonl");
    let port = server.addr.port().to_string();
    let out = socklab_json(
        "en",
        &trace,
        &["connect", "echo", "localhost", &port],
        b"hi\n",
    );
    assert!(out.status.success(), "{}", err(&out));
    assert_eq!(out.stdout, b"hi\n");
    let events = json_lines(&read_to_string(&trace));
    let lookup: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["call"] == "getaddrinfo")
        .collect();
    assert_eq!(lookup.len(), 1, "{events:?}");
    assert_eq!(lookup[0]["kind"], "library");
    assert!(
        lookup[0]["args"]
            .as_str()
            .unwrap()
            .contains("\"localhost\"")
    );
    // It comes before the first socket, which it decided the family of.
    let first_socket = events.iter().position(|e| e["call"] == "socket").unwrap();
    let lookup_at = events
        .iter()
        .position(|e| e["call"] == "getaddrinfo")
        .unwrap();
    assert!(lookup_at < first_socket);
    stop(server);
}
