//! The kernel's side, checked against `ss`: a server paused in step mode at known points shows
//! (key `s`) its sockets as `ss -tan` shows them at that moment; the TCP state after each call
//! is the kernel's.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

use common::{TIMEOUT, have_tool, socklab, temp_dir};

/// One row: state as `ss` names it, Recv-Q, Send-Q, local, peer.
type Row = (String, u64, u64, SocketAddr, String);

/// A socklab server in step mode, its keys scripted, its trace in a JSON file.
struct Stepped {
    child: Child,
    keys: ChildStdin,
    prompts: Receiver<String>,
    trace: std::path::PathBuf,
    /// The call waiting at the gate now.
    current: String,
}

impl Stepped {
    fn start(service: &str, dir: &Path) -> Stepped {
        let trace = dir.join(format!("{service}.jsonl"));
        let mut child = Command::new(socklab())
            .args([
                "--lang",
                "en",
                "--step",
                "--sockets",
                "--trace",
                "json",
                "--trace-file",
            ])
            .arg(&trace)
            .args([
                "serve",
                service,
                "--mode",
                "iterative",
                "--port",
                "0",
                "--backlog",
                "5",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let keys = child.stdin.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, prompts) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.starts_with('⏸') && tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stepped = Stepped {
            child,
            keys,
            prompts,
            trace,
            current: String::new(),
        };
        stepped.current = stepped.next_call();
        stepped
    }

    /// The next call waiting at the gate (`accept4`, `recvfrom`...).
    fn next_call(&self) -> String {
        let line = self
            .prompts
            .recv_timeout(TIMEOUT)
            .expect("the server stopped at no call");
        // `⏸ [main] accept4(3)`
        let after = line.split("] ").nth(1).unwrap_or("");
        after.split('(').next().unwrap_or("").to_string()
    }

    fn key(&mut self, k: &str) {
        self.keys.write_all(format!("{k}\n").as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Enter until the server waits before `call` (the call waiting now runs first).
    fn run_until(&mut self, call: &str) {
        loop {
            self.key("");
            self.current = self.next_call();
            if self.current == call {
                return;
            }
        }
    }

    /// `s`: the sockets as socklab shows them now; the same call waits again after it.
    fn sockets(&mut self, call: &str) -> Vec<serde_json::Value> {
        self.key("s");
        assert_eq!(self.next_call(), call, "s runs no call");
        // The prompt comes after the trace was written out.
        let text = std::fs::read_to_string(&self.trace).unwrap();
        let last = text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["note"]["what"] == "sockets")
            .expect("a sockets note in the trace");
        last["sockets"].as_array().cloned().unwrap_or_default()
    }

    fn port(&self) -> u16 {
        let text = std::fs::read_to_string(&self.trace).unwrap();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["call"] == "getsockname")
            .and_then(|v| v["addr"].as_str()?.parse::<SocketAddr>().ok())
            .expect("the server's getsockname")
            .port()
    }
}

impl Drop for Stepped {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ss_name(state: &str) -> String {
    match state {
        "ESTABLISHED" => "ESTAB",
        "TIME_WAIT" => "TIME-WAIT",
        "CLOSE_WAIT" => "CLOSE-WAIT",
        "FIN_WAIT1" => "FIN-WAIT-1",
        "FIN_WAIT2" => "FIN-WAIT-2",
        "LAST_ACK" => "LAST-ACK",
        "SYN_RECV" => "SYN-RECV",
        "SYN_SENT" => "SYN-SENT",
        other => other,
    }
    .to_string()
}

/// socklab's rows whose local port is `port`.
fn socklab_rows(rows: &[serde_json::Value], port: u16) -> BTreeSet<Row> {
    rows.iter()
        .filter_map(|r| {
            let local: SocketAddr = r["local"].as_str()?.parse().ok()?;
            let state = ss_name(r["state"].as_str()?);
            let peer = if state == "LISTEN" {
                "*".to_string()
            } else {
                r["peer"].as_str()?.to_string()
            };
            Some((
                state,
                r["recv_q"].as_u64()?,
                r["send_q"].as_u64()?,
                local,
                peer,
            ))
        })
        .filter(|r| r.3.port() == port)
        .collect()
}

/// `ss -Htan` rows whose local port is `port`.
fn ss_rows(filter: &str) -> BTreeSet<Row> {
    let out = Command::new("ss")
        .args(["-Htan", filter])
        .output()
        .expect("ss runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            if cols.len() < 5 {
                return None;
            }
            let local: SocketAddr = cols[3].parse().ok()?;
            let peer = if cols[0] == "LISTEN" {
                "*".to_string()
            } else {
                cols[4].to_string()
            };
            Some((
                cols[0].to_string(),
                cols[1].parse().ok()?,
                cols[2].parse().ok()?,
                local,
                peer,
            ))
        })
        .collect()
}

fn states(rows: &BTreeSet<Row>) -> Vec<&str> {
    rows.iter().map(|r| r.0.as_str()).collect()
}

/// Echo, one client at a time: two clients wait in the queue while the server is paused
/// before `accept`; then the client closes first, and TIME_WAIT is on its side only.
#[test]
fn the_queue_and_the_client_closing_first_as_ss_shows_them() {
    if !have_tool("ss") {
        return;
    }
    let dir = temp_dir("kernel-echo");
    let mut server = Stepped::start("echo", &dir);
    server.run_until("accept4");
    let port = server.port();
    let filter = format!("sport = :{port}");

    // Two clients connect while the server has not called accept: the kernel completed both
    // handshakes, and both wait in the listening socket's queue.
    let a = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let b = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let shown = socklab_rows(&server.sockets("accept4"), port);
    let ss = ss_rows(&filter);
    assert_eq!(shown, ss, "socklab and ss, two clients waiting");
    let listen = shown
        .iter()
        .find(|r| r.0 == "LISTEN")
        .expect("the listener");
    assert_eq!(
        (listen.1, listen.2),
        (2, 5),
        "Recv-Q 2 waiting, Send-Q the backlog"
    );

    // The server takes client a; a closes first (the active close); the server reads the end
    // of stream and closes in turn.
    server.run_until("recvfrom");
    drop(a);
    server.run_until("accept4");
    let shown = socklab_rows(&server.sockets("accept4"), port);
    let ss = ss_rows(&filter);
    assert_eq!(shown, ss, "socklab and ss, after the client closed first");
    assert!(
        !states(&shown).contains(&"TIME-WAIT"),
        "no TIME_WAIT on the server's side: {shown:?}"
    );
    let client_side = ss_rows(&format!("dport = :{port}"));
    assert!(
        client_side.iter().any(|r| r.0 == "TIME-WAIT"),
        "TIME_WAIT on the client's side, the active closer: {client_side:?}"
    );
    drop(b);
    server.key("q");
    let _ = common::wait_timeout(&mut server.child, TIMEOUT);
}

/// Daytime: the server closes first (after its line), so TIME_WAIT is on the server's side.
#[test]
fn the_server_closing_first_keeps_time_wait_on_its_side() {
    if !have_tool("ss") {
        return;
    }
    let dir = temp_dir("kernel-daytime");
    let mut server = Stepped::start("daytime", &dir);
    server.run_until("accept4");
    let port = server.port();
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    // Run the server until it waits for the next client, reading the line as it comes.
    let reader = std::thread::spawn(move || {
        let mut line = Vec::new();
        client.read_to_end(&mut line).unwrap();
        line
    });
    server.run_until("accept4");
    let line = reader.join().unwrap();
    assert!(line.ends_with(b"\r\n") || line.ends_with(b"\n"), "{line:?}");
    let shown = socklab_rows(&server.sockets("accept4"), port);
    let ss = ss_rows(&format!("sport = :{port}"));
    assert_eq!(shown, ss, "socklab and ss, after the server closed first");
    assert!(
        states(&shown).contains(&"TIME-WAIT"),
        "TIME_WAIT on the server's side, the active closer: {shown:?}"
    );
    let client_side = ss_rows(&format!("dport = :{port}"));
    assert!(
        !client_side.iter().any(|r| r.0 == "TIME-WAIT"),
        "none on the client's side: {client_side:?}"
    );
    server.key("q");
    let _ = common::wait_timeout(&mut server.child, TIMEOUT);
}

/// The state after each call, in the JSON trace, is the one the kernel goes through: the
/// server's end of an echo connection the client closed first goes CLOSE_WAIT at `recv() = 0`,
/// and the listener is LISTEN with its backlog.
#[test]
fn states_after_the_calls() {
    let dir = temp_dir("kernel-states");
    let trace = dir.join("t.jsonl");
    let server = common::Server::start({
        let mut c = Command::new(socklab());
        c.args(["--sockets", "--trace", "json", "--trace-file"])
            .arg(&trace)
            .args(["serve", "echo", "--mode", "iterative", "--port", "0"]);
        c
    });
    let mut s = TcpStream::connect(server.addr).unwrap();
    assert_eq!(common::echo_round_trip(&mut s, b"ping\n"), b"ping\n");
    let local = s.local_addr().unwrap();
    drop(s);
    // The server's close of that connection is in the trace once it is written out: wait for
    // the next accept, which follows it.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let events = loop {
        let text = std::fs::read_to_string(&trace).unwrap_or_default();
        let events: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let accepts = events
            .iter()
            .filter(|v| v["call"] == "accept4" && v["phase"] == "enter")
            .count();
        if accepts >= 2 || std::time::Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    server.interrupt();
    let _ = server.wait();
    let state_of = |call: &str, ret: Option<i64>| {
        events
            .iter()
            .find(|v| {
                v["call"] == call
                    && v["kind"] == "syscall"
                    && v["phase"] != "enter"
                    && ret.is_none_or(|r| v["ret"] == r)
            })
            .and_then(|v| v["tcp_state"].as_str().map(str::to_string))
    };
    assert_eq!(state_of("listen", None).as_deref(), Some("LISTEN"));
    assert_eq!(state_of("accept4", None).as_deref(), Some("ESTABLISHED"));
    assert_eq!(state_of("recvfrom", Some(0)).as_deref(), Some("CLOSE_WAIT"));
    // The listener's queue against its backlog.
    let listen = events.iter().find(|v| v["call"] == "listen").unwrap();
    assert_eq!(listen["queue"]["backlog"], 5, "{listen}");
    // The accepted connection's peer is the client's ephemeral port.
    let accept = events
        .iter()
        .find(|v| v["call"] == "accept4" && v["ret"].as_i64().unwrap_or(-1) >= 0)
        .unwrap();
    assert_eq!(accept["addr"], local.to_string());
    // Every probe is traced as such, after the call it follows.
    assert!(
        events
            .iter()
            .any(|v| v["kind"] == "probe" && v["option"]["name"] == "TCP_INFO"),
        "TCP_INFO probes in the trace"
    );
}

/// `demo backlog`: the first client keeps the iterative server busy until the others have
/// connected, so with `listen(1)` the kernel drops at least one SYN, and says so; with
/// `--backlog 128` it drops none.
#[test]
fn the_backlog_demo_drops_connection_attempts_only_with_a_small_backlog() {
    let run = |extra: &[&str]| {
        let out = Command::new(socklab())
            .args(["--lang", "en", "--trace", "json", "demo", "backlog"])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}\n{stderr}");
        let dropped: u64 = stdout
            .split(" connection attempt(s) dropped")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count of dropped attempts in: {stdout}"));
        let notes = stderr
            .lines()
            .filter(|l| l.contains("\"what\":\"queue_full\""))
            .count();
        (dropped, notes)
    };
    let (dropped, notes) = run(&[]);
    assert!(
        dropped > 0,
        "listen(1) with four clients at once drops a SYN"
    );
    assert!(notes > 0, "the trace says so when it happens");
    let (dropped, notes) = run(&["--backlog", "128"]);
    assert_eq!((dropped, notes), (0, 0), "a backlog of 128 holds them all");
}

fn demo_json(name: &str) -> Vec<serde_json::Value> {
    let out = Command::new(socklab())
        .args(["--lang", "en", "--trace", "json", "demo", name])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name}: {stderr}");
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// `demo time-wait`: TIME_WAIT on the side that closed first, then a restart refused without
/// SO_REUSEADDR and accepted with it.
#[test]
fn the_time_wait_demo_moves_time_wait_and_refuses_a_restart() {
    let events = demo_json("time-wait");
    let port = events
        .iter()
        .find(|v| v["call"] == "getsockname")
        .and_then(|v| v["addr"].as_str()?.parse::<SocketAddr>().ok())
        .expect("the server's port")
        .port();
    // The kernel's lists taken along the way (the demo shows the table): a TIME_WAIT on the
    // server's port (it closed first the second time) and one on a client port (the client
    // closed first the first time).
    let time_waits: BTreeSet<(bool, u16)> = events
        .iter()
        .filter_map(|v| v["sockets"].as_array())
        .flatten()
        .filter(|r| r["state"] == "TIME_WAIT")
        .filter_map(|r| {
            let local: SocketAddr = r["local"].as_str()?.parse().ok()?;
            Some((local.port() == port, local.port()))
        })
        .collect();
    assert!(
        time_waits.iter().any(|(server, _)| *server),
        "TIME_WAIT on the server's side: {time_waits:?}"
    );
    assert!(
        time_waits.iter().any(|(server, _)| !*server),
        "TIME_WAIT on a client's side: {time_waits:?}"
    );
    let binds: Vec<Option<&str>> = events
        .iter()
        .filter(|v| v["call"] == "bind" && v["kind"] == "syscall")
        .map(|v| v["errno"].as_str())
        .collect();
    assert_eq!(binds, vec![None, Some("EADDRINUSE"), None], "{binds:?}");
    let refused = events.iter().find(|v| v["errno"] == "EADDRINUSE").unwrap();
    assert!(
        refused["port_use"]["lingering"].as_u64().unwrap_or(0) > 0
            && refused["port_use"]["listening"] == 0,
        "what held the port: connections lingering, no listener: {refused}"
    );
}

/// `demo reset`: after the server's FIN a send succeeds, then EPIPE; a close with unread bytes
/// sends RST: ECONNRESET, then EPIPE.
#[test]
fn the_reset_demo_shows_econnreset_and_epipe_in_order() {
    let events = demo_json("reset");
    let client: Vec<(String, Option<String>)> = events
        .iter()
        .filter(|v| v["role"] == "client" && v["kind"] == "syscall" && v["phase"] != "enter")
        .filter(|v| v["call"] == "sendto" || v["call"] == "recvfrom")
        .map(|v| {
            (
                v["call"].as_str().unwrap_or("").to_string(),
                v["errno"].as_str().map(str::to_string),
            )
        })
        .collect();
    let errors: Vec<&str> = client.iter().filter_map(|(_, e)| e.as_deref()).collect();
    assert_eq!(errors, vec!["EPIPE", "ECONNRESET", "EPIPE"], "{client:?}");
    // The first send after the server's FIN succeeded.
    let first_send = client.iter().find(|(c, _)| c == "sendto").unwrap();
    assert_eq!(first_send.1, None, "{client:?}");
}
