//! socklab's trace names the calls the kernel really sees, in the same order, on the same fds:
//! run it under the real `strace -f` and compare, thread by thread.

mod common;
#[path = "common/parity.rs"]
mod parity;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::*;
use parity::*;

const STRACE_SET: &str = "trace=%net,close,poll,ppoll,select,pselect6";

fn strace_command(log: &std::path::Path) -> Command {
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-e", "signal=none", "-e", STRACE_SET, "-o"])
        .arg(log)
        .arg(socklab())
        .stderr(Stdio::piped());
    c
}

/// `socklab serve echo --mode MODE` under strace, its JSON trace to a file: the server, the
/// strace log and the trace.
fn echo_under_strace(mode: &str) -> (Server, PathBuf, PathBuf) {
    let dir = temp_dir(&format!("parity-{mode}"));
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let mut cmd = strace_command(&s_log);
    cmd.args(["--trace", "json", "--trace-file"])
        .arg(&t_log)
        .args([
            "serve",
            "echo",
            "--mode",
            mode,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]);
    (Server::start(cmd), s_log, t_log)
}

fn messages() -> Vec<Vec<u8>> {
    let big: Vec<u8> = (0..100 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    vec![
        b"hello\n".to_vec(),
        big,
        b"h\xe9llo \xff\xfe bytes\n".to_vec(),
    ]
}

/// The iterative echo server, two successive clients of three messages each (one of 100 KiB),
/// stopped with SIGINT: the trace and strace agree on every call on every socket.
#[test]
fn server_trace_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let (server, s_log, t_log) = echo_under_strace("iterative");
    for _ in 0..2 {
        let mut s = connect(server.addr);
        for msg in messages() {
            assert_eq!(echo_round_trip(&mut s, &msg), msg);
        }
        s.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(
            read_to_end(&mut s).is_empty(),
            "the server closes after the client's end of stream"
        );
    }
    stop(server);

    let strace = own_socket_calls(&parse_strace(&read_to_string(&s_log)));
    let trace = own_socket_calls(&parse_json(&read_to_string(&t_log)));
    // The comparison means something only if the interesting calls are there.
    let all: Vec<_> = strace.values().flatten().collect();
    for call in [
        "socket", "bind", "listen", "accept4", "recvfrom", "sendto", "close", "shutdown",
    ] {
        assert!(
            all.iter().any(|c| c.0 == call),
            "strace saw no {call}: {strace:?}"
        );
    }
    assert_eq!(
        all.iter()
            .filter(|c| c.0 == "accept4" && c.2 != "-1")
            .count(),
        2,
        "two connections accepted"
    );
    assert_same(&strace, &trace);
}

/// The echo client, against an echo server in this test: the same comparison on the client's
/// side.
#[test]
fn client_trace_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            conn.write_all(&buf[..n]).unwrap();
        }
    });
    let dir = temp_dir("parity-client");
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let mut cmd = strace_command(&s_log);
    cmd.args(["--trace", "json", "--trace-file"])
        .arg(&t_log)
        .args(["connect", "echo", "127.0.0.1", &port.to_string()]);
    let mut input = Vec::new();
    let long_line: String = "x".repeat(20_000);
    for line in ["first line", long_line.as_str(), "third, with é"] {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    let (status, stdout, stderr) = run_with_input(cmd, &input);
    assert!(status.success(), "{status:?}\n{stderr}");
    assert_eq!(stdout, input, "the client prints each echo");
    server.join().unwrap();

    let strace = own_socket_calls(&parse_strace(&read_to_string(&s_log)));
    let trace = own_socket_calls(&parse_json(&read_to_string(&t_log)));
    let all: Vec<_> = strace.values().flatten().collect();
    for call in ["socket", "connect", "sendto", "recvfrom", "close"] {
        assert!(
            all.iter().any(|c| c.0 == call),
            "strace saw no {call}: {strace:?}"
        );
    }
    assert_same(&strace, &trace);
}

/// The threads mode, three clients connected at once: each exécutant's calls, as strace saw
/// them in that thread, are the ones the trace shows for it.
#[test]
fn threads_mode_trace_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let (server, s_log, t_log) = echo_under_strace("threads");
    // All three connected before any leaves, so no fd is reused during the run.
    let mut streams: Vec<TcpStream> = (0..3).map(|_| connect(server.addr)).collect();
    let workers: Vec<_> = streams
        .iter()
        .map(|s| {
            let mut s = s.try_clone().unwrap();
            std::thread::spawn(move || {
                for msg in messages() {
                    assert_eq!(echo_round_trip(&mut s, &msg), msg);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    for s in streams.iter_mut() {
        s.shutdown(std::net::Shutdown::Write).unwrap();
        read_to_end(s);
    }
    stop(server);

    let strace = own_socket_calls(&parse_strace(&read_to_string(&s_log)));
    let trace = own_socket_calls(&parse_json(&read_to_string(&t_log)));
    // The veilleur, three exécutants and the Ctrl+C thread.
    assert_eq!(
        strace.len(),
        5,
        "threads seen by strace: {:?}",
        strace.keys()
    );
    assert_same(&strace, &trace);
}
