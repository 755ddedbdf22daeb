//! Every demo plays to its end without input, within its time bound, and its trace holds the
//! calls its lesson is about.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Plays a demo with the JSON trace to a file; returns (stdout, events).
fn play(name: &str, extra: &[&str]) -> (String, Vec<Value>) {
    let dir = temp_dir(&format!("demo-{name}"));
    let trace = dir.join("t.jsonl");
    let started = Instant::now();
    let mut cmd = Command::new(socklab());
    cmd.args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .args(["demo", name])
        .args(extra);
    let (status, out, err) = run_with_input(cmd, b"");
    assert!(status.success(), "{name}: {status:?} {err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{name} took {:?}",
        started.elapsed()
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("What you saw"), "{name}: {out}");
    let events = read_to_string(&trace)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out, events)
}

fn returned<'a>(events: &'a [Value], call: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["kind"] == "syscall" && e["call"] == call && e["phase"] != "enter")
        .collect()
}

fn threads(events: &[Value], call: &str) -> Vec<String> {
    let mut t: Vec<String> = returned(events, call)
        .iter()
        .map(|e| e["thread"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t.dedup();
    t
}

#[test]
fn the_list() {
    let out = Command::new(socklab())
        .args(["--lang", "fr", "demo"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "daytime",
        "http-get",
        "echo-iterative",
        "echo-threads",
        "echo-select",
        "echo-udp",
        "relay",
        "chat",
    ] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    assert!(
        text.contains("le deuxième client attend dans le backlog"),
        "{text}"
    );
}

/// The lesson of the first lab version: the second client's accept returns only after the
/// first connection was closed.
#[test]
fn echo_iterative() {
    let (_, ev) = play("echo-iterative", &[]);
    let accepts: Vec<&Value> = returned(&ev, "accept4")
        .into_iter()
        .filter(|e| e["ret"] != -1)
        .collect();
    assert_eq!(accepts.len(), 2);
    let first_fd = accepts[0]["ret"].as_i64().unwrap();
    let first_close = ev
        .iter()
        .find(|e| e["call"] == "close" && e["fd"] == first_fd && e["thread"] == "main")
        .expect("the server closes the first connection");
    assert!(
        accepts[1]["seq"].as_u64() > first_close["seq"].as_u64(),
        "second accept (seq {}) after the first close (seq {})",
        accepts[1]["seq"],
        first_close["seq"]
    );
    // Meanwhile client-2 was connected and waiting in its recv.
    let c2_connect = ev
        .iter()
        .find(|e| e["thread"] == "client-2" && e["call"] == "connect" && e["phase"] == "exit")
        .unwrap();
    assert!(c2_connect["seq"].as_u64() < first_close["seq"].as_u64());
}

#[test]
fn echo_threads_and_more_clients() {
    let (_, ev) = play("echo-threads", &[]);
    assert_eq!(
        threads(&ev, "recvfrom")
            .iter()
            .filter(|t| t.starts_with("exécutant-"))
            .count(),
        3
    );
    assert_eq!(threads(&ev, "accept4"), ["veilleur"]);
    let (_, ev) = play("echo-threads", &["--clients", "5"]);
    assert_eq!(
        threads(&ev, "recvfrom")
            .iter()
            .filter(|t| t.starts_with("exécutant-"))
            .count(),
        5
    );
}

#[test]
fn echo_select() {
    let (_, ev) = play("echo-select", &[]);
    let polls = returned(&ev, "poll");
    assert!(polls.len() >= 4, "poll before each round: {}", polls.len());
    // One server thread does it all: poll, accept, recv.
    assert_eq!(threads(&ev, "poll"), ["main"]);
    assert_eq!(threads(&ev, "accept4"), ["main"]);
    assert!(threads(&ev, "recvfrom").contains(&"main".to_string()));
}

#[test]
fn echo_udp() {
    let (_, ev) = play("echo-udp", &[]);
    for call in ["listen", "accept4", "connect"] {
        assert!(returned(&ev, call).is_empty(), "no {call} in UDP");
    }
    let from_clients = returned(&ev, "recvfrom")
        .into_iter()
        .filter(|e| e["thread"] == "main" && e["addr"].is_string())
        .count();
    assert_eq!(
        from_clients, 4,
        "2 clients × 2 datagrams, each with its sender's address"
    );
}

#[test]
fn daytime() {
    let (out, ev) = play("daytime", &[]);
    assert!(
        out.lines().next().unwrap().contains("20"),
        "the date: {out}"
    );
    let end = returned(&ev, "recvfrom")
        .into_iter()
        .rfind(|e| e["thread"] == "client-1")
        .unwrap();
    assert_eq!(end["ret"], 0, "the client sees the server close");
}

/// The page comes in several recv(1024), the last returning 0.
#[test]
fn http_get() {
    let (out, ev) = play("http-get", &[]);
    assert!(out.contains("HTTP/1.1 200 OK"), "{out}");
    let recvs: Vec<i64> = returned(&ev, "recvfrom")
        .into_iter()
        .filter(|e| e["thread"] == "client-1")
        .map(|e| e["ret"].as_i64().unwrap())
        .collect();
    assert!(recvs.len() >= 4, "{recvs:?}");
    assert!(recvs.iter().all(|&n| (0..=1024).contains(&n)), "{recvs:?}");
    assert_eq!(*recvs.last().unwrap(), 0);
}

#[test]
fn relay() {
    let (out, ev) = play("relay", &[]);
    assert_eq!(
        out.lines().take(3).collect::<Vec<_>>(),
        ["premier message", "deuxième message", "dernier message"]
    );
    let roles: Vec<&str> = returned(&ev, "sendto")
        .into_iter()
        .filter(|e| e["thread"] == "main" && e["bytes"] == 1)
        .map(|e| e["preview"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["\"1\"", "\"2\""]);
}

#[test]
fn chat() {
    let (_, ev) = play("chat", &[]);
    // Only the broadcaster writes to the clients; the exécutants only read.
    let writers = threads(&ev, "sendto");
    assert!(writers.contains(&"broadcaster".to_string()), "{writers:?}");
    assert!(
        !writers.iter().any(|t| t.starts_with("exécutant-")),
        "{writers:?}"
    );
}

/// The pretty trace of a demo is laid out in two columns.
#[test]
fn columns_on_the_terminal_side() {
    let out = Command::new(socklab())
        .args(["--lang", "en", "--color", "never", "demo", "echo-threads"])
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let client_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("client-")).collect();
    let server_lines: Vec<&str> = err.lines().filter(|l| l.contains(" │ veilleur")).collect();
    assert!(
        !client_lines.is_empty() && !server_lines.is_empty(),
        "{err}"
    );
    assert!(
        client_lines.iter().all(|l| l.trim_end().ends_with('│')),
        "{err}"
    );
    assert!(
        err.lines().all(|l| l.chars().count() <= 100),
        "fits 100 columns"
    );
}

#[test]
fn unknown_demo_and_wrong_clients() {
    let out = Command::new(socklab())
        .args(["demo", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("echo-threads"));
    let out = Command::new(socklab())
        .args(["demo", "relay", "--clients", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The demo says it stops its server before it does: one note, then only its shutdowns, once
/// every client is done. So the trace (and the diagram, which draws the note as the end) tells
/// the demo's doing from the lesson's.
#[test]
fn the_demo_says_when_it_stops_its_server() {
    let (_, ev) = play("echo-threads", &["--clients", "1"]);
    let harness: Vec<&Value> = ev.iter().filter(|e| e["role"] == "harness").collect();
    assert!(harness.len() > 1, "a note and its shutdowns: {harness:?}");
    assert_eq!(
        harness[0]["note"]["what"], "harness_stop",
        "{:?}",
        harness[0]
    );
    assert_eq!(
        harness[0]["args"], "the demo stops the server",
        "worded in the trace's language"
    );
    assert!(
        harness[1..]
            .iter()
            .all(|e| e["kind"] == "syscall" && e["call"] == "shutdown"),
        "{harness:?}"
    );
    let stop = harness[0]["seq"].as_u64().unwrap();
    assert!(
        ev.iter()
            .filter(|e| e["role"] == "client")
            .all(|e| e["seq"].as_u64().unwrap() < stop),
        "the clients are done before the stop"
    );
}
