//! `socklab serve --mode fork`: the veilleur and the exécutants as processes. Each client is
//! served by a child process of its own (its pid in the trace), the children's calls are the
//! ones `strace -f` sees in them, none is left a zombie, Ctrl+C ends the children still
//! serving and prints the summary, and the `echo-fork` demo shows three child processes.

mod common;
#[path = "common/parity.rs"]
mod parity;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use parity::*;
use serde_json::Value;

/// `socklab serve SERVICE --mode fork` on a free port, its JSON trace to a file in `dir`.
fn fork_server(service: &str, dir: &Path, extra: &[&str]) -> (Server, PathBuf) {
    let trace = dir.join("trace.jsonl");
    let mut cmd = serve_command(&[service, "--mode", "fork", "--port", "0", "--lang", "en"]);
    cmd.args(["--trace", "json", "--trace-file"])
        .arg(&trace)
        .args(extra);
    (Server::start(cmd), trace)
}

/// The same, without a trace.
fn untraced(service: &str) -> Server {
    serve(service, &["--mode", "fork"])
}

fn events(trace: &Path) -> Vec<Value> {
    json_lines(&read_to_string(trace))
}

/// The messages each client sends: more than one `recv`'s worth, and bytes that are no UTF-8.
fn messages(i: usize) -> Vec<Vec<u8>> {
    let big: Vec<u8> = (0..100 * 1024).map(|k| ((k * 7 + i) % 251) as u8).collect();
    vec![
        format!("client {i}\n").into_bytes(),
        big,
        b"h\xe9llo \xff\xfe\n".to_vec(),
    ]
}

/// Three clients connected at once, each one's first echo back before any of them goes on:
/// a server that served one client at a time would never answer the second. Then the rest
/// of their messages, byte-exact, and each client ends its side and reads the server's close.
fn three_concurrent_clients(addr: std::net::SocketAddr) {
    let first_echoes = Arc::new(Barrier::new(3));
    let clients: Vec<_> = (1..=3)
        .map(|i| {
            let first_echoes = Arc::clone(&first_echoes);
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                let msgs = messages(i);
                assert_eq!(echo_round_trip(&mut s, &msgs[0]), msgs[0]);
                first_echoes.wait();
                for msg in &msgs[1..] {
                    assert!(
                        echo_round_trip(&mut s, msg) == *msg,
                        "client {i}: echo differs"
                    );
                }
                s.shutdown(Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                s.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty(), "client {i}: {rest:?}");
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
}

fn bytes_sent(i: usize) -> usize {
    messages(i).iter().map(Vec::len).sum()
}

/// Thread name → pids seen for it, over the events of the exécutants.
fn executant_pids(ev: &[Value]) -> BTreeMap<String, BTreeSet<u64>> {
    let mut pids: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for e in ev.iter().filter(|e| e["role"] == "exécutant") {
        pids.entry(e["thread"].as_str().unwrap().to_string())
            .or_default()
            .insert(e["pid"].as_u64().unwrap());
    }
    pids
}

/// Three clients at once: three child processes, each with a pid of its own, none the
/// veilleur's; the veilleur hands each connection over and closes its own descriptor of it;
/// each child first closes its copy of the listening socket.
#[test]
fn each_client_is_served_by_its_own_process() {
    let dir = temp_dir("fork-three");
    let (server, trace) = fork_server("echo", &dir, &[]);
    three_concurrent_clients(server.addr);
    let server_pid = server.pid as u64;
    let (out, _) = stop(server);
    let ev = events(&trace);

    let pids = executant_pids(&ev);
    assert_eq!(
        pids.keys().collect::<Vec<_>>(),
        ["exécutant-1", "exécutant-2", "exécutant-3"],
        "{pids:?}"
    );
    let mut all = BTreeSet::new();
    for (name, p) in &pids {
        assert_eq!(p.len(), 1, "{name}: one process, {p:?}");
        let pid = *p.iter().next().unwrap();
        assert_ne!(pid, server_pid, "{name} runs in a process of its own");
        all.insert(pid);
    }
    assert_eq!(all.len(), 3, "three different processes: {pids:?}");
    for e in ev.iter().filter(|e| e["role"] == "exécutant") {
        assert_eq!(e["tid"], e["pid"], "a child has one thread: {e}");
    }
    for e in ev.iter().filter(|e| e["thread"] == "veilleur") {
        assert_eq!(e["pid"].as_u64(), Some(server_pid), "{e}");
    }

    let listener = ev
        .iter()
        .find(|e| e["call"] == "socket" && e["thread"] == "veilleur")
        .and_then(|e| e["ret"].as_i64())
        .expect("the veilleur's socket()");
    // Each hand-over is followed by the veilleur's close of that fd, on a socket the trace
    // knows is shared with the child.
    let handovers: Vec<(usize, &Value)> = ev
        .iter()
        .enumerate()
        .filter(|(_, e)| e["note"]["what"] == "hand_over")
        .collect();
    assert_eq!(handovers.len(), 3);
    for (at, h) in &handovers {
        let fd = &h["note"]["fd"];
        let next = ev[at + 1..]
            .iter()
            .find(|e| e["thread"] == "veilleur" && e["kind"] == "syscall" && e["phase"] != "enter")
            .unwrap();
        assert_eq!(next["call"], "close", "after {h}: {next}");
        assert_eq!(&next["fd"], fd);
        assert_eq!(next["ret"], 0);
        assert_eq!(next["socket"]["shared"], true, "{next}");
    }
    for pid in &all {
        let mine: Vec<&Value> = ev
            .iter()
            .filter(|e| e["pid"].as_u64() == Some(*pid) && e["kind"] == "syscall")
            .filter(|e| e["phase"] != "enter")
            .collect();
        assert_eq!(mine[0]["call"], "close", "{pid}: {:?}", mine[0]);
        assert_eq!(mine[0]["fd"].as_i64(), Some(listener));
        assert_eq!(mine[0]["socket"]["role"], "listening");
        let last = ev
            .iter()
            .rfind(|e| e["pid"].as_u64() == Some(*pid))
            .unwrap();
        assert_eq!(last["note"]["what"], "thread_end", "{pid}: {last}");
    }

    // The summary: each child by its pid, with what it moved.
    let total: usize = (1..=3).map(bytes_sent).sum();
    assert!(
        out.contains(&format!(
            "Summary: 3 connection(s), {total} bytes in, {total} bytes out"
        )),
        "{out}"
    );
    for pid in &all {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("(pid {pid})")))
            .unwrap_or_else(|| panic!("no line for {pid}: {out}"));
        let n = (1..=3)
            .map(bytes_sent)
            .find(|n| line.contains(&format!("{n} in, {n} out")));
        assert!(n.is_some(), "{line}");
    }
}

/// Under the real `strace -f`: for each child process, every socket call strace saw in it is
/// the one socklab's trace shows for that pid, in order, with the same fd and result; and the
/// veilleur's process agrees thread by thread on its own sockets.
#[test]
fn children_trace_matches_strace() {
    if !have_tool("strace") {
        return;
    }
    let dir = temp_dir("fork-parity");
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let cmd = parity::socklab_under_strace(
        "trace=%net,close,poll",
        &s_log,
        &t_log,
        &["serve", "echo", "--mode", "fork", "--port", "0"],
    );
    let server = Server::start(cmd);
    three_concurrent_clients(server.addr);
    let server_pid = server.pid;
    server.interrupt();
    let (status, _, stderr) = server.wait();
    assert!(status.success(), "{status:?}\n{stderr}");

    let strace = parse_strace(&read_to_string(&s_log));
    let trace = parse_json(&read_to_string(&t_log));
    let children: BTreeSet<u32> = events(&t_log)
        .iter()
        .filter(|e| e["role"] == "exécutant")
        .map(|e| e["pid"].as_u64().unwrap() as u32)
        .collect();
    assert_eq!(children.len(), 3, "{children:?}");
    assert!(!children.contains(&server_pid));
    // A child makes no call of strace's list but on its two sockets: everything it did.
    let of = |calls: &[(u32, Call)], pid: u32| -> Vec<(String, Option<i64>, String)> {
        calls
            .iter()
            .filter(|(tid, _)| *tid == pid)
            .map(|(_, c)| (c.name.clone(), c.fd, c.ret.clone()))
            .collect()
    };
    for &pid in &children {
        let (s, t) = (of(&strace, pid), of(&trace, pid));
        assert_eq!(s, t, "child {pid}:\n  strace: {s:?}\n  trace:  {t:?}");
        for call in ["close", "recvfrom", "sendto"] {
            assert!(
                s.iter().any(|c| c.0 == call),
                "child {pid}: no {call}: {s:?}"
            );
        }
    }
    let receivers: BTreeSet<u32> = strace
        .iter()
        .filter(|(_, c)| c.name == "recvfrom")
        .map(|(tid, _)| *tid)
        .collect();
    assert_eq!(
        receivers, children,
        "strace saw recvfrom in these processes only"
    );
    // The veilleur's process: its own sockets, thread by thread.
    let parent = |calls: &[(u32, Call)]| -> Vec<(u32, Call)> {
        calls
            .iter()
            .filter(|(tid, _)| !children.contains(tid))
            .cloned()
            .collect()
    };
    let (s, t) = (
        own_socket_calls(&parent(&strace)),
        own_socket_calls(&parent(&trace)),
    );
    let accepted = s
        .values()
        .flatten()
        .filter(|c| c.0 == "accept4" && c.2 != "-1")
        .count();
    assert_eq!(accepted, 3, "{s:?}");
    assert_same(&s, &t);
}

/// The pids of the live processes whose parent is `ppid`, with their state (`R`, `S`, `Z`...),
/// from `/proc/*/stat`.
fn children_of(ppid: u32) -> Vec<(u32, char)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; the command name may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = after.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        if fields.next().and_then(|p| p.parse::<u32>().ok()) == Some(ppid) {
            found.push((pid, state));
        }
    }
    found
}

/// True once process `pid` is blocked in system call `nr` (`/proc/PID/syscall`), within `limit`.
fn blocked_in(pid: u32, nr: libc::c_long, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let now = std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
        if now.split_whitespace().next() == Some(&nr.to_string()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Polls `children_of(ppid)` until `done` holds, within `limit`; returns the last look.
fn watch_children(
    ppid: u32,
    limit: Duration,
    done: impl Fn(&[(u32, char)]) -> bool,
) -> Vec<(u32, char)> {
    let deadline = Instant::now() + limit;
    loop {
        let now = children_of(ppid);
        if done(&now) || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// While three clients are connected the server has three live children; once they have left,
/// the children are reaped: none is left, not even as a zombie. Without a trace the summary
/// still counts each child's bytes, as the child reported them when it finished.
#[test]
fn no_zombie_is_left() {
    let server = untraced("echo");
    let mut streams: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    for (i, s) in streams.iter_mut().enumerate() {
        let msg = format!("hello {i}\n");
        assert_eq!(echo_round_trip(s, msg.as_bytes()), msg.as_bytes());
    }
    let live = watch_children(server.pid, Duration::from_secs(5), |c| c.len() == 3);
    assert_eq!(live.len(), 3, "three children while served: {live:?}");
    assert!(live.iter().all(|(_, st)| *st != 'Z'), "{live:?}");
    for s in streams.iter_mut() {
        s.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
    }
    let left = watch_children(server.pid, Duration::from_secs(5), |c| c.is_empty());
    assert!(
        left.is_empty(),
        "children left behind (Z: zombie): {left:?}"
    );
    let pids: Vec<u32> = live.iter().map(|(p, _)| *p).collect();
    let (out, _) = stop(server);
    assert!(
        out.contains("Summary: 3 connection(s), 24 bytes in, 24 bytes out"),
        "{out}"
    );
    for pid in pids {
        assert!(out.contains(&format!("(pid {pid})")), "{pid}: {out}");
    }
}

/// Ctrl+C while a client is still connected: the veilleur stops accepting, gives its child
/// the grace period, kills it, reaps it, prints the summary (with what the child's trace
/// shows it moved) and exits 0; the client sees its connection closed.
#[test]
fn ctrl_c_with_a_client_connected() {
    let dir = temp_dir("fork-ctrl-c");
    let (server, _) = fork_server("echo", &dir, &[]);
    let mut s = TcpStream::connect(server.addr).unwrap();
    assert_eq!(echo_round_trip(&mut s, b"still here\n"), b"still here\n");
    let child = watch_children(server.pid, Duration::from_secs(5), |c| c.len() == 1);
    assert_eq!(child.len(), 1, "{child:?}");
    let child = child[0].0;
    let asked = Instant::now();
    let (out, stderr) = stop(server);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        out.contains("Summary: 1 connection(s), 11 bytes in, 11 bytes out"),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains(&format!("(pid {child})")))
        .unwrap_or_else(|| panic!("no line for {child}: {out}"));
    assert!(
        line.contains("[killed by SIGKILL; bytes as traced]") && line.contains("11 in, 11 out"),
        "{line}"
    );
    assert!(stderr.contains("killed (SIGKILL)"), "{stderr}");
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap(), 0, "closed by the kernel");
}

/// Ctrl+C at a terminal signals the whole process group: a child, which unblocked its signals
/// and left SIGINT at its default action, ends at once, and the veilleur, which catches it,
/// reaps it (no grace period to wait for), prints the summary and exits 0.
#[test]
fn ctrl_c_on_the_process_group_ends_the_children_at_once() {
    use std::os::unix::process::CommandExt;
    let dir = temp_dir("fork-ctrl-c-group");
    let trace = dir.join("trace.jsonl");
    let mut cmd = serve_command(&["echo", "--mode", "fork", "--port", "0", "--lang", "en"]);
    cmd.args(["--trace", "json", "--trace-file"]).arg(&trace);
    // Its own process group, as a shell gives a command it starts.
    cmd.process_group(0);
    let server = Server::start(cmd);
    let mut s = TcpStream::connect(server.addr).unwrap();
    assert_eq!(echo_round_trip(&mut s, b"group\n"), b"group\n");
    let child = watch_children(server.pid, Duration::from_secs(5), |c| c.len() == 1);
    assert_eq!(child.len(), 1, "{child:?}");
    // Killed between the return of its `sendto` and the event that says so, the child could
    // not tell it sent anything: wait until it is back in `recvfrom`, waiting for more.
    assert!(
        blocked_in(child[0].0, libc::SYS_recvfrom, Duration::from_secs(5)),
        "the child waits in recvfrom"
    );
    // SAFETY: kill(2) on the process group of a process this test started.
    unsafe { libc::kill(-(server.pid as i32), libc::SIGINT) };
    let (status, rest, stderr) = server.wait();
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(!stderr.contains("still serving"), "{stderr}");
    let out = rest.join("\n");
    let line = out
        .lines()
        .find(|l| l.contains(&format!("(pid {})", child[0].0)))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("[killed by SIGINT; bytes as traced]") && line.contains("6 in, 6 out"),
        "{line}"
    );
}

/// Step mode reaches the children: each call of a child waits at the parent's gate, and the
/// prompt names the exécutant (played with `--step-delay`).
#[test]
fn children_wait_at_the_parent_step_gate() {
    let mut cmd = serve_command(&[
        "echo", "--mode", "fork", "--port", "0", "--lang", "en", "--trace", "off",
    ]);
    cmd.args(["--step-delay", "1"]);
    let server = Server::start(cmd);
    let mut s = TcpStream::connect(server.addr).unwrap();
    assert_eq!(echo_round_trip(&mut s, b"step\n"), b"step\n");
    s.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    let left = watch_children(server.pid, Duration::from_secs(5), |c| c.is_empty());
    assert!(left.is_empty(), "{left:?}");
    let (_, stderr) = stop(server);
    for call in ["close(", "recvfrom(", "sendto("] {
        assert!(
            stderr.contains(&format!("⏸ [exécutant-1] {call}")),
            "{call}: {stderr}"
        );
    }
    assert!(stderr.contains("⏸ [veilleur] accept4("), "{stderr}");
}

/// The next line of the server's stdout that starts with `prefix` (after the banner's).
fn next_line(server: &Server, prefix: &str) -> String {
    loop {
        let line = server
            .lines
            .recv_timeout(TIMEOUT)
            .expect("a line on stdout");
        if line.starts_with(prefix) {
            return line;
        }
    }
}

/// The other services that fit the mode: daytime speaks first and closes, message prints what
/// it received (from the child process), http serves its page; relay and chat are refused.
#[test]
fn other_services_and_refusals() {
    let server = untraced("daytime");
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut line = String::new();
    s.read_to_string(&mut line).unwrap();
    assert!(line.ends_with("\r\n") && line.contains("20"), "{line:?}");
    stop(server);

    let server = untraced("message");
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(b"quit").unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(next_line(&server, "Reçu"), "Reçu : quit");
    stop(server);

    let server = untraced("http");
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut page = Vec::new();
    s.read_to_end(&mut page).unwrap();
    assert!(page.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(page.ends_with(socklab::services::http::PAGE.as_bytes()));
    let logged = next_line(&server, "\"");
    assert!(logged.starts_with("\"GET / HTTP/1.1\" 200 "), "{logged}");
    stop(server);

    for service in ["relay", "chat"] {
        let out = Command::new(socklab())
            .args(["--lang", "en", "serve", service, "--mode", "fork"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{service}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{service} does not run in --mode fork")),
            "{err}"
        );
    }
}

/// `socklab demo echo-fork`: three clients, three child processes, each with its own pid.
#[test]
fn the_echo_fork_demo() {
    let dir = temp_dir("demo-echo-fork");
    let trace = dir.join("t.jsonl");
    let mut cmd = Command::new(socklab());
    cmd.args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .args(["demo", "echo-fork"]);
    let (status, out, err) = run_with_input(cmd, b"");
    assert!(status.success(), "{status:?} {err}");
    assert!(
        !err.contains("killed"),
        "every child ended by itself: {err}"
    );
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("What you saw") && out.contains("fork"),
        "{out}"
    );
    let ev = events(&trace);
    let veilleur: BTreeSet<u64> = ev
        .iter()
        .filter(|e| e["thread"] == "veilleur")
        .map(|e| e["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(veilleur.len(), 1);
    let pids = executant_pids(&ev);
    let all: BTreeSet<u64> = pids.values().flatten().copied().collect();
    assert_eq!(pids.len(), 3, "{pids:?}");
    assert_eq!(all.len(), 3, "{pids:?}");
    assert!(all.is_disjoint(&veilleur));
    for pid in &all {
        assert!(
            ev.iter().any(|e| e["pid"].as_u64() == Some(*pid)
                && e["call"] == "recvfrom"
                && e["ret"].as_i64() > Some(0)),
            "child {pid} served its client"
        );
    }
}
