//! The fault and abuse suite: what a real server meets and must survive. Idle clients
//! holding every slot (slowloris), connections reset in the middle of a transfer, running out
//! of file descriptors, and Ctrl+C under load with strace watching. Each test is bounded in
//! time, uses ephemeral ports on loopback, and checks the server is still serving afterwards.

mod common;
#[path = "common/parity.rs"]
mod parity;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use parity::*;

/// A new client is served byte for byte: retried (bounded) while the server may still be
/// noticing that an earlier client left.
fn served_again(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut s = connect(addr);
        let msg = b"still serving \x00\xff";
        s.write_all(msg).unwrap();
        let mut got = vec![0u8; msg.len()];
        match s.read_exact(&mut got) {
            Ok(()) if got == msg => return,
            // The one-line refusal of a full server: try again shortly.
            Ok(()) | Err(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => panic!("{what}: a new client is not served: {other:?} {got:?}"),
        }
    }
}

/// slowloris: more idle connections than `--max-clients`. The extra ones get the one-line
/// refusal at once; the idle ones are closed by the server after `--idle-timeout`, and from
/// then on new clients are served again.
#[test]
fn slowloris_idle_connections_then_served_again() {
    const MAX: usize = 3;
    const IDLE: Duration = Duration::from_millis(800);
    for mode in ["threads", "select"] {
        let server = serve(
            "echo",
            &[
                "--mode",
                mode,
                "--max-clients",
                &MAX.to_string(),
                "--idle-timeout",
                &format!("{}", IDLE.as_secs_f64()),
            ],
        );
        // Each idle client proves it was admitted with one echo, then says nothing more.
        let mut idle: Vec<TcpStream> = (0..MAX)
            .map(|i| {
                let mut s = connect(server.addr);
                let msg = format!("idle {i}");
                assert_eq!(echo_round_trip(&mut s, msg.as_bytes()), msg.as_bytes());
                s
            })
            .collect();
        let silent_from = Instant::now();
        // Five more: every one is turned away with the refusal, then closed.
        for _ in 0..5 {
            let mut extra = connect(server.addr);
            let _ = extra.write_all(b"let me in");
            // The server closes without reading what we sent, so its close may come as a
            // reset after the line: keep what arrived before it.
            let refusal = read_until_closed(&mut extra);
            assert_eq!(
                String::from_utf8_lossy(&refusal),
                "server full: 3 clients already connected, try again later\n",
                "{mode}"
            );
        }
        // The idle ones are let go by the server, not before the timeout.
        for s in &mut idle {
            let mut buf = [0u8; 8];
            assert_eq!(s.read(&mut buf).unwrap(), 0, "{mode}: closed when idle");
        }
        let waited = silent_from.elapsed();
        assert!(
            waited >= IDLE - Duration::from_millis(50),
            "{mode}: closed after {waited:?}"
        );
        served_again(server.addr, mode);
        drop(idle);
        stop(server);
    }
}

/// Connections reset (RST, via SO_LINGER 0) in the middle of a transfer, in every mode: while
/// the server is blocked sending to a client that stopped reading, and while it is receiving
/// a message cut short. The server survives, its trace shows the error it got, and the next
/// client is served.
#[test]
fn resets_mid_transfer_are_survived() {
    for mode in ["threads", "iterative", "select"] {
        let dir = temp_dir(&format!("reset-{mode}"));
        let trace = dir.join("trace.jsonl");
        let mut cmd = serve_command(&["echo", "--port", "0", "--mode", mode, "--trace", "json"]);
        cmd.arg("--trace-file").arg(&trace);
        let server = Server::start(cmd);

        // 1. The server is sending: the client writes without ever reading until its writes
        // block, which means the echo filled the client's receive buffer and the server's
        // send buffer, and the server waits in `send`. Then the client resets.
        let mut s = connect(server.addr);
        s.set_write_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let chunk = vec![b'r'; 64 * 1024];
        let started = Instant::now();
        let blocked = loop {
            match s.write(&chunk) {
                Ok(_) if started.elapsed() < TIMEOUT => continue,
                Ok(_) => break false,
                Err(_) => break true,
            }
        };
        assert!(blocked, "{mode}: the client's writes never blocked");
        reset(s);
        served_again(server.addr, mode);

        // 2. The server is receiving: half a message, then RST.
        for _ in 0..3 {
            let mut s = connect(server.addr);
            s.write_all(b"half a mess").unwrap();
            reset(s);
        }
        served_again(server.addr, mode);
        let (summary, _) = stop(server);
        assert!(summary.contains("connection(s)"), "{mode}: {summary}");

        // The server's trace shows the reset it got from the blocked send (or from a recv).
        let text = read_to_string(&trace);
        let resets = text
            .lines()
            .filter(|l| l.contains("\"errno\":\"ECONNRESET\"") || l.contains("\"errno\":\"EPIPE\""))
            .count();
        assert!(resets >= 1, "{mode}: no ECONNRESET/EPIPE in the trace");
    }
}

/// Descriptors open in a process.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// CPU time (user + system) of a process so far, from /proc/PID/stat, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let (_, rest) = stat.rsplit_once(')').unwrap();
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as u64
}

/// EMFILE: the server runs under `prlimit --nofile=24:24` and more clients come than it has
/// descriptors for. `accept` fails with EMFILE; the server survives, does not spin on the
/// failing call (its CPU time over a saturated second stays small), and once clients leave,
/// those that waited in the listen queue are served, their bytes intact.
#[test]
fn out_of_descriptors_without_a_busy_loop() {
    if !have_tool("prlimit") {
        return;
    }
    const LIMIT: usize = 24;
    for mode in ["threads", "select"] {
        let mut cmd = Command::new("prlimit");
        cmd.arg(format!("--nofile={LIMIT}:{LIMIT}"))
            .arg(socklab())
            .args([
                "--trace", "off", "--lang", "en", "serve", "echo", "--port", "0",
            ])
            .args(["--mode", mode, "--backlog", "64"])
            .stderr(std::process::Stdio::piped());
        let server = Server::start(cmd);
        let base = open_fds(server.pid);
        assert!(base < LIMIT, "{mode}: {base} descriptors open at start");
        let room = LIMIT - base;
        // Ten more clients than the server has room for; each sends its message at once.
        let mut clients: Vec<(TcpStream, Vec<u8>)> = (0..room + 10)
            .map(|i| {
                let mut s = connect(server.addr);
                let msg = format!("client {i} \u{e9}\n").into_bytes();
                s.write_all(&msg).unwrap();
                (s, msg)
            })
            .collect();
        // The server fills its table; the rest wait in the listen queue.
        let deadline = Instant::now() + TIMEOUT;
        while open_fds(server.pid) < LIMIT {
            assert!(Instant::now() < deadline, "{mode}: never saturated");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Saturated: accept keeps failing. Its CPU over one second must stay far below the
        // whole second a loop retrying at once would burn.
        let before = cpu_ticks(server.pid);
        std::thread::sleep(Duration::from_secs(1));
        let used = cpu_ticks(server.pid) - before;
        assert!(
            used * 10 <= ticks_per_second(),
            "{mode}: {used} ticks of CPU in one saturated second: a busy loop"
        );
        // The first clients, served, get their echo and leave; the server then takes those
        // that waited, and every one of them gets its bytes back.
        let mut answered = 0;
        for (s, msg) in clients.iter_mut().take(room / 2) {
            let mut got = vec![0u8; msg.len()];
            s.read_exact(&mut got).unwrap();
            assert_eq!(&got, msg, "{mode}");
            answered += 1;
        }
        let waiting: Vec<(TcpStream, Vec<u8>)> = clients.split_off(answered);
        drop(clients);
        for (i, (mut s, msg)) in waiting.into_iter().enumerate() {
            let mut got = vec![0u8; msg.len()];
            s.read_exact(&mut got)
                .unwrap_or_else(|e| panic!("{mode}: client {} never served: {e}", answered + i));
            assert_eq!(got, msg, "{mode}");
        }
        served_again(server.addr, mode);
        let (_, stderr) = stop(server);
        assert!(
            stderr.contains("accept: out of descriptors"),
            "{mode}: the server says why it waits: {stderr}"
        );
    }
}

/// Removes strace's `-y` decorations (`5<socket:[1234]>` becomes `5`) and hides every other
/// descriptor (`3</tmp/t.jsonl>` becomes `x`, which is no fd), so that only the calls on the
/// program's sockets keep an fd, whatever the order in which threads reused numbers.
fn socket_fds_only(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut rest = log;
    while let Some(open) = rest.find('<') {
        let (before, after) = rest.split_at(open);
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            out.push_str(before);
            out.push('<');
            rest = &after[1..];
            continue;
        }
        let Some(close) = after.find('>') else {
            out.push_str(rest);
            rest = "";
            break;
        };
        let decoration = &after[1..close];
        if decoration.starts_with("socket:") || decoration.starts_with("TCP") {
            out.push_str(before);
        } else {
            out.push_str(&before[..before.len() - digits]);
            out.push('x');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The calls on the program's sockets, per thread.
fn socket_calls(calls: &[(u32, Call)]) -> PerThread {
    let mut per = PerThread::new();
    for (tid, c) in calls {
        if (c.name == "socket" && c.inet) || (c.name != "socket" && c.fd.is_some()) {
            per.entry(*tid)
                .or_default()
                .push((c.name.clone(), c.fd, c.ret.clone()));
        }
    }
    per
}

/// Ctrl+C under load, with strace watching: eight clients exchanging and a ninth connecting
/// and leaving over and over (so descriptor numbers are reused across threads) when SIGINT
/// arrives. Nothing is lost: the trace has exactly the calls strace saw on the program's
/// sockets, thread by thread, and the summary's byte counts equal what the clients got back.
#[test]
fn ctrl_c_under_load_loses_nothing() {
    if !have_tool("strace") {
        return;
    }
    const TALKERS: usize = 8;
    let dir = temp_dir("ctrl-c-load");
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let mut cmd = Command::new("strace");
    cmd.args([
        "-f",
        "-y",
        "-qq",
        "-e",
        "signal=none",
        "-e",
        "trace=%net,close",
        "-o",
    ])
    .arg(&s_log)
    .arg(socklab())
    .args(["--trace", "json", "--lang", "en", "--trace-file"])
    .arg(&t_log)
    .args(["serve", "echo", "--port", "0", "--backlog", "64"])
    .stderr(std::process::Stdio::piped());
    let server = Server::start(cmd);
    let addr = server.addr;
    let stop_churn = Arc::new(AtomicBool::new(false));
    let warmed = Arc::new(Barrier::new(TALKERS + 1));
    let talkers: Vec<_> = (0..TALKERS)
        .map(|i| {
            let warmed = Arc::clone(&warmed);
            std::thread::spawn(move || {
                talk_until_stopped(addr, vec![b'a' + i as u8; 700], 3, warmed)
            })
        })
        .collect();
    let churn = {
        let stop_churn = Arc::clone(&stop_churn);
        std::thread::spawn(move || {
            let mut received = 0u64;
            while !stop_churn.load(Ordering::SeqCst) {
                let Ok(mut s) = TcpStream::connect(addr) else {
                    break;
                };
                s.set_read_timeout(Some(TIMEOUT)).unwrap();
                if s.write_all(b"in and out").is_err() {
                    break;
                }
                let mut buf = [0u8; 10];
                match s.read_exact(&mut buf) {
                    Ok(()) => received += 10,
                    Err(_) => break,
                }
                let _ = s.shutdown(Shutdown::Write);
                let mut rest = Vec::new();
                let _ = s.read_to_end(&mut rest);
            }
            received
        })
    };
    warmed.wait();
    // Under load a little longer, with connections coming and going.
    std::thread::sleep(Duration::from_millis(500));
    let (summary, _) = stop(server);
    stop_churn.store(true, Ordering::SeqCst);
    let mut received: u64 = talkers.into_iter().map(|t| t.join().unwrap()).sum();
    received += churn.join().unwrap();

    let head = summary_line(&summary);
    assert!(
        head.ends_with(&format!("{received} bytes in, {received} bytes out")),
        "the server's counts are the clients': {head} vs {received}"
    );

    let strace_log = socket_fds_only(&read_to_string(&s_log));
    let strace = socket_calls(&parse_strace(&strace_log));
    let trace = socket_calls(&parse_json(&read_to_string(&t_log)));
    let count = |p: &PerThread| p.values().map(Vec::len).sum::<usize>();
    assert!(
        count(&strace) > 100,
        "strace saw too little: {}",
        count(&strace)
    );
    assert_eq!(
        count(&trace),
        count(&strace),
        "the trace has as many socket calls as strace saw"
    );
    assert_same(&strace, &trace);
    let accepted = strace
        .values()
        .flatten()
        .filter(|c| c.0 == "accept4" && c.2 != "-1")
        .count();
    assert!(accepted > TALKERS, "connections came and went: {accepted}");
}

#[test]
fn strace_decorations_are_stripped() {
    let log = "\
7 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 4<socket:[11]>
7 accept4(4<socket:[11]>, {sa_family=AF_INET}, [128 => 16], SOCK_CLOEXEC) = 5<socket:[12]>
8 recvfrom(5<socket:[12]>, \"a<b\", 1500, 0, NULL, NULL) = 3
9 close(3</tmp/trace.jsonl>) = 0
";
    let per = socket_calls(&parse_strace(&socket_fds_only(log)));
    assert_eq!(
        per[&7],
        vec![
            ("socket".into(), None, "4".into()),
            ("accept4".into(), Some(4), "5".into()),
        ]
    );
    assert_eq!(per[&8], vec![("recvfrom".into(), Some(5), "3".into())]);
    assert!(!per.contains_key(&9), "the trace file is no socket");
}
