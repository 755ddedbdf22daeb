//! Stopping a server: Ctrl+C in the middle of twenty conversations loses nothing, and a silent
//! client is let go after the idle timeout.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;

/// Twenty clients exchanging with the echo server when SIGINT arrives: the server exits 0
/// within 2 s, its summary counts exactly what the clients got back, and the JSON trace file
/// is complete and well-formed.
#[test]
fn ctrl_c_with_twenty_clients_mid_exchange() {
    const CLIENTS: usize = 20;
    let dir = temp_dir("ctrl-c");
    let trace = dir.join("trace.jsonl");
    let mut cmd = serve_command(&["echo", "--port", "0", "--lang", "en", "--trace", "json"]);
    cmd.arg("--trace-file").arg(&trace);
    let server = Server::start(cmd);
    let warmed = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let addr = server.addr;
            let warmed = Arc::clone(&warmed);
            // One message in flight at a time, until the server stops.
            std::thread::spawn(move || {
                talk_until_stopped(addr, vec![b'a' + (i % 26) as u8; 1000], 5, warmed)
            })
        })
        .collect();
    warmed.wait();
    let stopped_at = Instant::now();
    let (summary, _) = stop(server);
    let took = stopped_at.elapsed();
    assert!(took < Duration::from_secs(2), "exit took {took:?}");
    let received: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();

    let head = summary_line(&summary);
    assert_eq!(
        head,
        format!("Summary: {CLIENTS} connection(s), {received} bytes in, {received} bytes out"),
        "the server echoed exactly what the clients received"
    );
    assert_eq!(summary.matches("exécutant-").count(), CLIENTS, "{summary}");

    // The trace: every line is JSON, every call that blocked returned, the last call closes
    // the listening socket, and the server's own count matches the trace's.
    let events = json_lines(&read_to_string(&trace));
    let mut open: HashMap<u64, String> = HashMap::new();
    let mut seqs = Vec::new();
    for ev in &events {
        seqs.push(ev["seq"].as_u64().unwrap());
        let tid = ev["tid"].as_u64().unwrap();
        match ev["phase"].as_str().unwrap() {
            "enter" => {
                assert!(open.insert(tid, ev["call"].to_string()).is_none(), "{ev}");
            }
            "exit" => {
                assert_eq!(open.remove(&tid), Some(ev["call"].to_string()), "{ev}");
            }
            _ => {}
        }
    }
    assert!(
        open.is_empty(),
        "calls that never returned in the trace: {open:?}"
    );
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "seq numbers are consecutive"
    );
    let syscalls: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["kind"] == "syscall").collect();
    let listener_fd = &syscalls.iter().find(|e| e["call"] == "listen").unwrap()["fd"];
    let last = syscalls.last().unwrap();
    assert_eq!(last["call"], "close");
    assert_eq!(
        &last["fd"], listener_fd,
        "the listening socket is closed last"
    );
    let bytes_in: u64 = syscalls
        .iter()
        .filter(|e| e["call"] == "recvfrom" && e["phase"] != "enter")
        .map(|e| e["ret"].as_i64().unwrap().max(0) as u64)
        .sum();
    assert_eq!(bytes_in, received, "the trace saw every byte received");
    assert_eq!(
        syscalls
            .iter()
            .filter(|e| e["call"] == "accept4" && e["phase"] != "enter" && e["ret"] != -1)
            .count(),
        CLIENTS
    );
}

/// `--idle-timeout`: a client that says nothing is closed after the timeout, in the threads
/// and select modes alike, while an active client is not.
#[test]
fn idle_clients_are_let_go() {
    for mode in ["threads", "select"] {
        let server = serve("echo", &["--mode", mode, "--idle-timeout", "1"]);
        let started = Instant::now();
        let mut silent = connect(server.addr);
        let mut active = connect(server.addr);
        // The active client keeps talking, far more often than the timeout (a loaded machine
        // may still delay a round trip by a few hundred milliseconds).
        for _ in 0..14 {
            assert_eq!(echo_round_trip(&mut active, b"still here"), b"still here");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut buf = [0u8; 16];
        assert_eq!(
            silent.read(&mut buf).unwrap(),
            0,
            "{mode}: the silent client is closed"
        );
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(echo_round_trip(&mut active, b"ok"), b"ok", "{mode}");
        active.write_all(b"").unwrap();
        drop(active);
        stop(server);
    }
}

/// A busy JSON trace to a file: thousands of round trips of binary data make megabytes of
/// lines, written a megabyte at a time from the exécutants' own buffers. Once the server
/// stopped, the file is whole: every line JSON, the `seq` numbers 1, 2, 3... to the last, every
/// round trip's calls in it, and the summary's count of receives is the trace's.
#[test]
fn a_busy_json_trace_file_is_whole() {
    const ROUND_TRIPS: usize = 4000;
    let dir = temp_dir("busy-trace");
    let trace = dir.join("trace.jsonl");
    let mut cmd = serve_command(&["echo", "--port", "0", "--lang", "en", "--trace", "json"]);
    cmd.arg("--trace-file").arg(&trace);
    let server = Server::start(cmd);
    let mut s = connect(server.addr);
    let mut rng = Rng(21);
    for _ in 0..ROUND_TRIPS {
        let msg = rng.bytes(64);
        s.write_all(&msg).unwrap();
        let mut back = [0u8; 64];
        s.read_exact(&mut back).unwrap();
        assert_eq!(&back[..], &msg[..]);
    }
    // The end of the stream, and the server's close after its recv returned 0: that recv is
    // in the trace before the server is stopped.
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(read_to_end(&mut s).is_empty());
    let (summary, _) = stop(server);
    let text = read_to_string(&trace);
    assert!(text.len() > 2 * 1024 * 1024, "{} bytes", text.len());
    let events = json_lines(&text);
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<u64>>());
    let receives = events
        .iter()
        .filter(|e| e["call"] == "recvfrom" && e["phase"] == "exit")
        .count();
    // Each round trip's recv, and the one that saw the end of the stream.
    assert!(receives > ROUND_TRIPS, "{receives}");
    let line = summary
        .lines()
        .find(|l| l.starts_with("System calls on sockets:"))
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(
        line.contains(&format!("({receives} to receive,")),
        "{line} vs {receives} recvfrom in the trace"
    );
}
