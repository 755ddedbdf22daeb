//! The clients under the real `strace -f`: every system call they make on their sockets is in
//! socklab's own trace, in the same order, on the same fds, with the same results. That covers
//! the calls the clients add: the timeouts (`setsockopt`), a `connect` cut short by
//! `SO_SNDTIMEO`, UDP's `sendto`/`recvfrom`, and an HTTP answer received in hundreds of pieces.

mod common;
#[path = "common/parity.rs"]
mod parity;
mod peers;

use std::process::Command;

use common::*;
use parity::*;
use peers::*;

/// `strace -f` writing to `s_log`, running socklab with its JSON trace in `t_log`.
fn under_strace(s_log: &std::path::Path, t_log: &std::path::Path, args: &[&str]) -> Command {
    socklab_under_strace(STRACE_SET, s_log, t_log, args)
}

/// Runs `args` under strace with `input`, and compares the two traces; returns the calls seen.
fn compare(name: &str, args: &[&str], input: &[u8], expect_code: i32) -> Vec<String> {
    let dir = temp_dir(name);
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let (status, _, stderr) = run_with_input(under_strace(&s_log, &t_log, args), input);
    assert_eq!(status.code(), Some(expect_code), "{stderr}");
    let strace = own_socket_calls(&parse_strace(&read_to_string(&s_log)));
    let trace = own_socket_calls(&parse_json(&read_to_string(&t_log)));
    assert_same(&strace, &trace);
    strace.values().flatten().map(|c| c.0.clone()).collect()
}

/// http-get with a timeout, against the chunked server: socket, two setsockopt, connect,
/// sendto, and every one of the many recvfrom.
#[test]
fn http_get_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let dir = temp_dir("parity-http-body");
    let file = dir.join("body.bin");
    std::fs::write(&file, vec![b'z'; 8000]).unwrap();
    let server = python("chunked_http.py", &[file.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{}/", server.port);
    let calls = compare(
        "parity-http",
        &["connect", "http-get", &url, "--body", "--timeout", "5"],
        b"",
        0,
    );
    assert_eq!(calls.iter().filter(|c| *c == "setsockopt").count(), 2);
    assert!(calls.iter().filter(|c| *c == "recvfrom").count() > 10);
}

/// The UDP echo client: sendto and recvfrom with the server's address, no connect.
#[test]
fn udp_echo_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let server = python("udp_echo.py", &["0"]);
    let port = server.port.to_string();
    let calls = compare(
        "parity-udp",
        &["connect", "echo", "127.0.0.1", &port, "--proto", "udp"],
        b"one\ntwo\n",
        0,
    );
    assert_eq!(
        calls,
        [
            "socket",
            "setsockopt",
            "sendto",
            "recvfrom",
            "sendto",
            "recvfrom",
            "close"
        ]
    );
}

/// A connect that times out against a full queue: the `connect` that returns EINPROGRESS after
/// SO_SNDTIMEO is the very call strace sees, and the socket is closed.
#[test]
fn connect_timeout_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let (_listener, _queued, addr) = full_listener();
    let port = addr.port().to_string();
    let calls = compare(
        "parity-timeout",
        &["connect", "daytime", "127.0.0.1", &port, "--timeout", "0.5"],
        b"",
        5,
    );
    assert_eq!(calls, ["socket", "setsockopt", "connect", "close"]);
}
