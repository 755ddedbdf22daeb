//! `socklab trace`: real programs (the labs' Python, a C server compiled here) run under
//! socklab's ptrace tracer, and the same programs under the real `strace -f -yy`, give the same
//! calls on their sockets, thread by thread; step mode stops them at each socket call; a
//! server and its client play in two columns; the program's exit status is socklab's.

mod common;
#[path = "common/parity.rs"]
mod parity;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use common::*;
use parity::*;

/// strace's set of calls, as the README gives it to students.
const STRACE_SET: &str = "trace=%net,close,poll,ppoll,select,pselect6";

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python/trace")
        .join(name)
        .display()
        .to_string()
}

/// `socklab --lang en --trace json --trace-file JSON trace -- PROGRAM...`.
fn traced(json: &Path, program: &[&str]) -> Command {
    traced_with(&[], &[], json, program)
}

/// The same with more of socklab's options (`--step`) and of `trace`'s
/// (`--end-with-program`).
fn traced_with(options: &[&str], trace_options: &[&str], json: &Path, program: &[&str]) -> Command {
    let mut c = Command::new(socklab());
    c.args(options)
        .args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(json)
        .arg("trace")
        .args(trace_options)
        .arg("--")
        .args(program);
    c
}

/// `socklab --lang en --color never --trace pretty --trace-file PRETTY OPTIONS... trace --
/// PROGRAM...`: the trace a student reads, explanations and all, in a file.
fn pretty_traced(pretty: &Path, options: &[&str], program: &[&str]) -> Command {
    let mut c = Command::new(socklab());
    c.args([
        "--lang",
        "en",
        "--color",
        "never",
        "--trace",
        "pretty",
        "--trace-file",
    ])
    .arg(pretty)
    .args(options)
    .args(["trace", "--"])
    .args(program);
    c
}

/// The text with its lines joined and its spaces collapsed: an explanation wrapped over
/// several lines reads as one sentence.
fn joined(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `strace -f -yy -e trace=SET -o LOG PROGRAM...` (`read,write` added for a C program).
fn straced(log: &Path, program: &[&str], with_rw: bool) -> Command {
    let set = if with_rw {
        format!("{STRACE_SET},read,write")
    } else {
        STRACE_SET.to_string()
    };
    let mut c = Command::new("strace");
    c.args(["-f", "-yy", "-qq", "-e", "signal=none", "-e", &set, "-o"])
        .arg(log)
        .args(program);
    c
}

/// What the scripted echo client sends, each message at once, each echo waited for before the
/// next: every `recv` of the server gets one whole message, in every run.
const MESSAGES: &[&[u8]] = &[b"hello\n", b"second message\n", b"h\xe9llo \xff bytes\n"];

/// One client of an echo server, in lockstep; then the end of its stream, and the server's.
fn echo_client(addr: SocketAddr) {
    let mut s = connect(addr);
    for msg in MESSAGES {
        s.write_all(msg).unwrap();
        assert_eq!(read_exact(&mut s, msg.len()), *msg, "the echo");
    }
    s.shutdown(Shutdown::Write).unwrap();
    assert!(read_to_end(&mut s).is_empty(), "the server closes after us");
}

/// Runs a server that prints `listening on PORT` and exits after `clients` clients: the
/// clients come one after the other (each gone before the next connects, so descriptors are
/// the same in every run). Returns its exit status and stderr.
fn echo_session(mut cmd: Command, clients: usize) -> (ExitStatus, String) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reaped(cmd.spawn().expect("spawn"));
    let stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut s);
        s
    });
    let lines = lines_in_background(child.stdout.take().unwrap());
    let banner = match lines.recv_timeout(TIMEOUT) {
        Ok(b) => b,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no banner; stderr:\n{}", err.join().unwrap());
        }
    };
    let port: u16 = banner
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {banner:?}"));
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    for _ in 0..clients {
        echo_client(addr);
    }
    let status = wait_timeout(&mut child, TIMEOUT).expect("the server did not exit in time");
    (status, err.join().unwrap())
}

/// The same server and clients under socklab trace and under strace: the same calls on its
/// IP sockets, thread by thread. Returns socklab's JSON trace.
fn server_parity(name: &str, program: &[&str], clients: usize, with_rw: bool) -> String {
    server_parity_with(name, program, clients, with_rw, |s| s)
}

/// The same, each side's sequences passed through `normalise` before they are compared.
fn server_parity_with(
    name: &str,
    program: &[&str],
    clients: usize,
    with_rw: bool,
    normalise: fn(Vec<Sequence>) -> Vec<Sequence>,
) -> String {
    let dir = temp_dir(name);
    let (json, log) = (dir.join("trace.jsonl"), dir.join("strace.log"));
    let (status, stderr) = echo_session(traced(&json, program), clients);
    assert!(status.success(), "socklab trace: {status:?}\n{stderr}");
    let (status, stderr) = echo_session(straced(&log, program, with_rw), clients);
    assert!(status.success(), "strace: {status:?}\n{stderr}");
    let trace = read_to_string(&json);
    let ours = normalise(json_sequences(&trace, with_rw));
    let theirs = normalise(strace_yy_sequences(&read_to_string(&log), with_rw));
    assert_same_sequences(&theirs, &ours);
    trace
}

/// The connections' descriptor numbers made one: in a thread-per-connection server they
/// depend on a race in the program, not in the tracer. `accept4` takes its descriptor when it
/// is called, before it waits, so the veilleur's next `accept4` gets 4 again only if the
/// exécutant closed 4 before the veilleur called it (seen both ways, under strace and under
/// socklab trace). The listening socket (3) and every call and result stay as they are.
fn connection_fds_unnumbered(seqs: Vec<Sequence>) -> Vec<Sequence> {
    let conn = |fd: i64| if fd > 3 { -1 } else { fd };
    seqs.into_iter()
        .map(|seq| {
            seq.into_iter()
                .map(|(call, fd, ret)| {
                    let ret = match (call.as_str(), ret.parse::<i64>()) {
                        ("accept" | "accept4", Ok(r)) => conn(r).to_string(),
                        _ => ret,
                    };
                    (call, fd.map(conn), ret)
                })
                .collect()
        })
        .collect()
}

/// Every call named in `calls` appears in the sequences.
fn assert_calls(seqs: &[Sequence], calls: &[&str]) {
    for call in calls {
        assert!(
            seqs.iter().flatten().any(|c| c.0 == *call),
            "no {call} in {seqs:?}"
        );
    }
}

fn names_in(trace: &str) -> Vec<String> {
    json_lines(trace)
        .iter()
        .filter_map(|v| v["thread"].as_str().map(str::to_string))
        .collect()
}

/// The iterative echo server of TP5b, two clients one after the other: the trace and strace
/// agree on every call on every socket.
#[test]
fn iterative_python_server_matches_strace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_tool("strace") {
        return;
    }
    let trace = server_parity(
        "trace-iterative",
        &[py, &fixture("echo_iterative.py"), "0", "2"],
        2,
        false,
    );
    let seqs = json_sequences(&trace, false);
    assert_calls(
        &seqs,
        &[
            "socket",
            "setsockopt",
            "bind",
            "listen",
            "accept4",
            "recvfrom",
            "sendto",
            "close",
        ],
    );
    assert!(names_in(&trace).contains(&"veilleur".to_string()));
}

/// One thread per client: the veilleur accepts, three exécutants serve; each thread's calls
/// as strace saw them in that thread, and the hand-over of each connection shown.
#[test]
fn threaded_python_server_matches_strace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_tool("strace") {
        return;
    }
    let trace = server_parity_with(
        "trace-threads",
        &[py, &fixture("echo_threads.py"), "0", "3"],
        3,
        false,
        connection_fds_unnumbered,
    );
    let seqs = json_sequences(&trace, false);
    assert_eq!(seqs.len(), 4, "the veilleur and three exécutants: {seqs:?}");
    let names = names_in(&trace);
    for n in ["veilleur", "exécutant-1", "exécutant-2", "exécutant-3"] {
        assert!(names.contains(&n.to_string()), "no {n}: {names:?}");
    }
    let events = json_lines(&trace);
    let handovers = events
        .iter()
        .filter(|v| v["note"]["what"] == "hand_over")
        .count();
    assert_eq!(handovers, 3, "one hand-over per connection");
    // Every recv of an exécutant is on a connection the veilleur accepted, and says so.
    assert!(
        events
            .iter()
            .filter(|v| v["call"] == "recvfrom" && v["phase"] != "enter")
            .all(|v| v["thread"].as_str().unwrap().starts_with("exécutant")
                && v["socket"]["role"] == "connected"
                && v["socket"]["peer"].is_string()),
        "{trace}"
    );
    let roles = events
        .iter()
        .find(|v| v["note"]["what"] == "roles")
        .expect("the closing note");
    assert_eq!(
        roles["note"]["roles"].as_array().unwrap().len(),
        4,
        "{roles}"
    );
}

/// The select version: one thread, `select.select` on every socket (strace shows pselect6).
#[test]
fn select_python_server_matches_strace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_tool("strace") {
        return;
    }
    let trace = server_parity(
        "trace-select",
        &[py, &fixture("echo_select.py"), "0", "2"],
        2,
        false,
    );
    let seqs = json_sequences(&trace, false);
    assert_eq!(seqs.len(), 1);
    assert_calls(
        &seqs,
        &["pselect6", "accept4", "recvfrom", "sendto", "close"],
    );
    let select = json_lines(&trace)
        .into_iter()
        .find(|v| v["call"] == "pselect6" && v["phase"] != "enter")
        .unwrap();
    assert!(
        select["detail"].as_str().unwrap().starts_with("(in ["),
        "{select}"
    );
}

/// A server in C that forks one process per client and serves it with read() and write():
/// the children appear with their own pids, as exécutants, and agree with strace (which here
/// also shows read and write).
#[test]
fn forking_c_server_matches_strace() {
    if !have_tool("cc") || !have_tool("strace") {
        return;
    }
    let dir = temp_dir("trace-c");
    let exe = compiled(&dir, "fork_echo_server");
    let trace = server_parity("trace-c-run", &[&exe, "0", "2"], 2, true);
    let events = json_lines(&trace);
    let parent = events[0]["pid"].as_u64().unwrap();
    let served: Vec<&serde_json::Value> = events
        .iter()
        .filter(|v| v["call"] == "read" && v["phase"] != "enter")
        .collect();
    assert!(!served.is_empty(), "the children's reads are traced");
    for r in &served {
        assert_ne!(r["pid"].as_u64().unwrap(), parent, "read in a child: {r}");
        assert_eq!(r["pid"], r["tid"], "a child is a process of its own: {r}");
        assert!(
            r["thread"].as_str().unwrap().starts_with("exécutant"),
            "{r}"
        );
    }
    let forks = events
        .iter()
        .filter(|v| v["note"]["what"] == "spawn" && v["note"]["thread"] == false)
        .count();
    assert_eq!(forks, 2, "one fork per client");
}

/// Compiles a C program of tests/c into the test's folder.
fn compiled(dir: &Path, name: &str) -> String {
    let exe = dir.join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/c/{name}.c"));
    let out = Command::new("cc")
        .args(["-O1", "-Wall", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe.display().to_string()
}

/// After fork, a socket has a descriptor in each process, and only the last close ends it:
/// each `close` of the forking C server says whether another process still held the socket
/// (`socket.shared`), in both orders of the closes; the copy the parent closes only after its
/// child ended (the forgotten close) is explained to the student as the reason the client
/// waits.
#[test]
fn closes_after_fork_say_whether_another_process_holds_the_socket() {
    if !have_tool("cc") {
        return;
    }
    let dir = temp_dir("fork-close");
    let exe = compiled(&dir, "fork_close_order");
    // Each close, in order: (pid is the parent's, fd, shared).
    let closes = |late: &str| -> Vec<(bool, i64, bool)> {
        let json = dir.join(format!("late-{late}.jsonl"));
        let (status, stderr) = echo_session(traced(&json, &[&exe, "0", late]), 1);
        assert!(status.success(), "{stderr}");
        let events = json_lines(&read_to_string(&json));
        let parent = events[0]["pid"].as_u64().unwrap();
        events
            .iter()
            .filter(|e| e["call"] == "close" && e["phase"] != "enter" && e["socket"].is_object())
            .map(|e| {
                (
                    e["pid"].as_u64() == Some(parent),
                    e["fd"].as_i64().unwrap(),
                    e["socket"]["shared"] == true,
                )
            })
            .collect()
    };
    let mut on_time = closes("0");
    on_time.sort();
    // The child's two closes (the listener it inherited while the parent listens, then the
    // connection, last); the parent's (the connection while the child holds it, then the
    // listener, last).
    assert_eq!(
        on_time,
        [
            (false, 3, true),
            (false, 4, false),
            (true, 3, false),
            (true, 4, true)
        ]
    );
    let mut late = closes("1");
    late.sort();
    assert_eq!(
        late,
        [
            (false, 3, true),
            (false, 4, true),
            (true, 3, false),
            (true, 4, false)
        ]
    );
    let pretty = dir.join("late.txt");
    let c = pretty_traced(&pretty, &["--explain", "always"], &[&exe, "0", "1"]);
    let (status, stderr) = echo_session(c, 1);
    assert!(status.success(), "{stderr}");
    let text = joined(&read_to_string(&pretty));
    for said in [
        "the veilleur, which did not close its copy after fork()",
        "the listening socket it inherited through fork()",
        "the peer closed first, so this is the passive close",
        "the port is free again",
        "read() on a socket does what recv() does with no flags",
    ] {
        assert!(text.contains(said), "{said:?} in:\n{text}");
    }
}

/// An asyncio echo server (one thread, epoll, a socketpair to wake its loop): the same calls
/// as strace sees on its sockets, and each explained as what it is: epoll_wait and epoll_ctl
/// by their names, the socketpair as two local sockets.
#[test]
fn asyncio_python_server_matches_strace_and_is_explained() {
    let Some(py) = python_executable() else {
        return;
    };
    let server = fixture("echo_asyncio.py");
    let trace = server_parity("trace-asyncio", &[py, &server, "0", "1"], 1, false);
    let events = json_lines(&trace);
    let calls: Vec<&str> = events
        .iter()
        .filter(|v| v["kind"] == "syscall")
        .map(|v| v["call"].as_str().unwrap())
        .collect();
    for call in ["socketpair", "epoll_ctl", "epoll_wait", "accept4"] {
        assert!(calls.contains(&call), "{call} in {calls:?}");
    }
    let dir = temp_dir("asyncio");
    let pretty = dir.join("trace.txt");
    let c = pretty_traced(&pretty, &["--explain", "always"], &[py, &server, "0", "1"]);
    let (status, stderr) = echo_session(c, 1);
    assert!(status.success(), "{stderr}");
    let text = joined(&read_to_string(&pretty));
    for said in [
        "socketpair() creates two local sockets already connected",
        "epoll_wait() waits until at least one of the sockets registered with epoll_ctl()",
        "epoll_ctl() adds a socket to the set an epoll instance watches",
    ] {
        assert!(text.contains(said), "{said:?} in:\n{text}");
    }
}

/// A connected UDP socket whose datagram found no socket on the port: the next recv fails
/// with ECONNREFUSED, explained as the kernel's ICMP answer (not a TCP RST).
#[test]
fn a_refused_udp_datagram_is_explained_as_icmp() {
    let Some(py) = python_executable() else {
        return;
    };
    // A port nobody holds: taken from the kernel, then let go.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let code = format!(
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.connect(('127.0.0.1', {port}))\ns.send(b'x')\ns.settimeout(5)\ntry:\n    s.recv(10)\nexcept ConnectionRefusedError:\n    print('refused')\n"
    );
    let dir = temp_dir("udp-refused");
    let pretty = dir.join("trace.txt");
    let c = pretty_traced(&pretty, &[], &[py, "-c", &code]);
    let (status, stdout, stderr) = run_with_input(c, b"");
    assert!(status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&stdout), "refused\n");
    let raw = read_to_string(&pretty);
    assert!(raw.contains("= -1 ECONNREFUSED"), "{raw}");
    let text = joined(&raw);
    assert!(
        text.contains("its kernel answered with an ICMP \"port unreachable\""),
        "{raw}"
    );
    assert!(!text.contains("RST"), "{raw}");
}

/// A C program's write on a cut connection: EPIPE, then the kernel's SIGPIPE kills it without
/// a word; the trace explains the death, and socklab ends as its program did (by SIGPIPE).
#[test]
fn a_c_program_killed_by_sigpipe_is_told_why() {
    use std::os::unix::process::ExitStatusExt;
    if !have_tool("cc") {
        return;
    }
    let dir = temp_dir("sigpipe");
    let exe = compiled(&dir, "sigpipe");
    let pretty = dir.join("trace.txt");
    let c = pretty_traced(&pretty, &[], &[&exe]);
    let (status, stdout, stderr) = run_with_input(c, b"");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{stderr}");
    assert!(stdout.is_empty(), "{stdout:?}");
    let raw = read_to_string(&pretty);
    let epipe = raw.find("write(5, 1) = -1 EPIPE").expect(&raw);
    let death = raw.find("killed by SIGPIPE").expect(&raw);
    assert!(epipe < death, "{raw}");
    let text = joined(&raw);
    assert!(
        text.contains("SIGPIPE: the kernel sends it to a program that writes where nobody reads"),
        "{raw}"
    );
}

/// A Python server that serves a connection through a duplicate of its descriptor
/// (`socket.dup()`): the first close frees one descriptor and sends nothing, the second ends
/// the connection.
#[test]
fn a_close_of_one_of_two_duplicates_sends_nothing() {
    let Some(py) = python_executable() else {
        return;
    };
    let code = "import socket\n\
                s = socket.socket()\n\
                s.bind(('127.0.0.1', 0))\n\
                s.listen(1)\n\
                print('listening on', s.getsockname()[1], flush=True)\n\
                c, _ = s.accept()\n\
                d = c.dup()\n\
                c.close()\n\
                while True:\n    data = d.recv(1024)\n    if not data:\n        break\n    d.sendall(data)\n\
                d.close()\n\
                s.close()\n";
    let dir = temp_dir("dup-close");
    let json = dir.join("trace.jsonl");
    let (status, stderr) = echo_session(traced(&json, &[py, "-c", code]), 1);
    assert!(status.success(), "{stderr}");
    let events = json_lines(&read_to_string(&json));
    let closes: Vec<(i64, bool)> = events
        .iter()
        .filter(|e| {
            e["call"] == "close" && e["phase"] != "enter" && e["socket"]["role"] == "connected"
        })
        .map(|e| (e["fd"].as_i64().unwrap(), e["socket"]["dup"] == true))
        .collect();
    assert_eq!(closes.len(), 2, "{closes:?}");
    assert!(
        closes[0].1 && !closes[1].1,
        "the first of two, then the last: {closes:?}"
    );
    assert_ne!(closes[0].0, closes[1].0);
}

/// An echo server in this test, for the clients: answers each chunk with the same bytes.
fn echo_server_thread() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        loop {
            let n = c.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            c.write_all(&buf[..n]).unwrap();
        }
    });
    (addr, h)
}

/// Runs a client program to its end under socklab trace and under strace, each against a
/// fresh server from `server`; returns socklab's trace.
fn client_parity<S>(name: &str, program: impl Fn(SocketAddr) -> Vec<String>, server: S) -> String
where
    S: Fn() -> (SocketAddr, std::thread::JoinHandle<()>),
{
    let dir = temp_dir(name);
    let (json, log) = (dir.join("trace.jsonl"), dir.join("strace.log"));
    let mut outputs = Vec::new();
    for traced_by_socklab in [true, false] {
        let (addr, h) = server();
        let args = program(addr);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let cmd = if traced_by_socklab {
            traced(&json, &args)
        } else {
            straced(&log, &args, false)
        };
        let (status, stdout, stderr) = run_with_input(cmd, b"");
        assert!(status.success(), "{status:?}\n{stderr}");
        h.join().unwrap();
        outputs.push(stdout);
    }
    assert_eq!(outputs[0], outputs[1], "the program printed the same");
    let trace = read_to_string(&json);
    assert_same_sequences(
        &strace_yy_sequences(&read_to_string(&log), false),
        &json_sequences(&trace, false),
    );
    trace
}

/// The echo client of TP5b against an echo server in this test.
#[test]
fn python_echo_client_matches_strace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_tool("strace") {
        return;
    }
    let trace = client_parity(
        "trace-client",
        |addr| {
            vec![
                py.to_string(),
                fixture("echo_client.py"),
                addr.ip().to_string(),
                addr.port().to_string(),
                "hello".into(),
                "world, again".into(),
            ]
        },
        echo_server_thread,
    );
    let seqs = json_sequences(&trace, false);
    assert_calls(&seqs, &["socket", "connect", "sendto", "recvfrom", "close"]);
    assert!(names_in(&trace).contains(&"client-1".to_string()));
}

/// A page of the local web server, long enough for several recv(1024), sent in one write.
fn http_server_thread() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        let (c, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(c.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
            line.clear();
        }
        let body = "<p>socklab</p>\n".repeat(200);
        let page = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut c = c;
        c.write_all(page.as_bytes()).unwrap();
    });
    (addr, h)
}

/// HTTP GET by hand (TP3): sendall the request, recv until the server closes.
#[test]
fn python_http_get_matches_strace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_tool("strace") {
        return;
    }
    let trace = client_parity(
        "trace-http",
        |addr| {
            vec![
                py.to_string(),
                fixture("http_get.py"),
                addr.ip().to_string(),
                addr.port().to_string(),
            ]
        },
        http_server_thread,
    );
    let recvs: Vec<i64> = json_lines(&trace)
        .iter()
        .filter(|v| v["call"] == "recvfrom" && v["phase"] != "enter")
        .map(|v| v["ret"].as_i64().unwrap())
        .collect();
    assert!(recvs.len() >= 4, "several recv(1024), then 0: {recvs:?}");
    assert_eq!(recvs.last(), Some(&0));
    let last = json_lines(&trace)
        .into_iter()
        .rfind(|v| v["call"] == "recvfrom" && v["phase"] != "enter")
        .unwrap();
    assert_eq!(last["socket"]["closed_first"], "peer", "{last}");
}

/// `--step` with the keys `\n\n\nq` on stdin: three socket calls run (socket, setsockopt,
/// bind), the fourth is stopped at its entry and `q` kills the program; socklab ends cleanly
/// and leaves no process behind.
#[test]
fn step_mode_runs_three_calls_then_quits() {
    let Some(py) = python_executable() else {
        return;
    };
    let dir = temp_dir("trace-step");
    let json = dir.join("trace.jsonl");
    let c = traced_with(
        &["--step"],
        &[],
        &json,
        &[py, &fixture("echo_iterative.py"), "0", "1"],
    );
    let (status, stdout, stderr) = run_with_input(c, b"\n\n\nq\n");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stdout.is_empty(), "the server never listened: {stdout:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.matches("⏸ [").count(), 4, "four prompts: {stderr}");
    let events = json_lines(&read_to_string(&json));
    let done: Vec<&str> = events
        .iter()
        .filter(|v| v["kind"] == "syscall" && v["phase"] != "enter")
        .map(|v| v["call"].as_str().unwrap())
        .collect();
    assert_eq!(done, ["socket", "setsockopt", "bind"]);
    assert!(events.iter().any(|v| v["note"]["what"] == "step_quit"));
    let exit = events
        .iter()
        .find(|v| v["note"]["what"] == "exit")
        .expect("the program's end is reported");
    assert_eq!(exit["note"]["signal"], "SIGKILL", "{exit}");
    let pid = exit["note"]["pid"].as_u64().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} was left behind"
    );
}

/// Step mode with the pretty trace: the program's own execve (and the count of the helpers'
/// lines left out) comes before the prompt at its first socket call, not after it.
#[test]
fn step_mode_shows_how_the_program_came_before_its_first_prompt() {
    let Some(py) = python_executable() else {
        return;
    };
    let script = format!("ls / >/dev/null; exec {py} -c 'import socket; socket.socket()'");
    let mut c = Command::new(socklab());
    c.args([
        "--lang",
        "en",
        "--color",
        "never",
        "--explain",
        "never",
        "--step",
    ])
    .args(["trace", "--", "sh", "-c", &script]);
    let (status, _, stderr) = run_with_input(c, b"q\n");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.code().is_some(), "{stderr}");
    let prompt = stderr.find("⏸ [").expect("a prompt");
    let exec = stderr
        .find("import socket; socket.socket() (execve)")
        .expect("its execve");
    let count = stderr.find(" lines left out (").expect("the count");
    assert!(exec < prompt && count < prompt, "{stderr}");
}

/// True when `unshare -rn` works here, with `ip` to bring its loopback up.
fn have_netns() -> bool {
    common::have_netns(&["ip"], &["ip", "link", "set", "lo", "up"])
}

/// `socklab trace --server --client` in a network namespace of its own (port 7777 is free
/// there): the client starts once the server listens, the two columns show both, and the JSON
/// trace has every call of both programs.
#[test]
fn server_and_client_play_in_two_columns() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_netns() {
        return;
    }
    let dir = temp_dir("trace-pair");
    let server = format!("{py} {} 7777 1", fixture("echo_threads.py"));
    let client = format!(
        "{py} {} 127.0.0.1 7777 hello 'two words'",
        fixture("echo_client.py")
    );
    let run = |format: &str, file: &Path| {
        let mut c = in_new_netns();
        c.arg(socklab())
            .args(["--lang", "en", "--explain", "never", "--trace", format])
            .arg("--trace-file")
            .arg(file)
            .arg("--diagram")
            .arg(dir.join("pair.mmd"))
            .args(["trace", "--server", &server, "--client", &client]);
        run_with_input(c, b"")
    };
    let pretty = dir.join("pretty.txt");
    let (status, stdout, stderr) = run("pretty", &pretty);
    assert!(status.success(), "{status:?}\n{stderr}");
    let printed = String::from_utf8_lossy(&stdout);
    assert!(printed.contains("listening on 7777"), "{printed}");
    assert!(
        printed.contains("hello\ntwo words\n"),
        "the client's echoes: {printed}"
    );
    let text = read_to_string(&pretty);
    let lines: Vec<&str> = text.lines().collect();
    let left = |l: &&str| l.starts_with("client-1") && l.contains(" │");
    let right = |l: &&str| l.trim_start().starts_with("│ veilleur");
    assert!(lines.iter().any(left), "no client on the left:\n{text}");
    assert!(lines.iter().any(right), "no veilleur on the right:\n{text}");
    assert!(
        lines.iter().any(|l| l.contains("│ exécutant-1")),
        "no exécutant on the right:\n{text}"
    );
    let listen = lines.iter().position(|l| l.contains("listen(")).unwrap();
    let connect = lines.iter().position(|l| l.contains("connect(")).unwrap();
    assert!(
        listen < connect,
        "the client starts after the server's listen:\n{text}"
    );

    let json = dir.join("trace.jsonl");
    let (status, _, stderr) = run("json", &json);
    // The diagram, drawn at the end, has one lifeline per thread under its final name.
    let mmd = read_to_string(&dir.join("pair.mmd"));
    for who in ["client-1", "veilleur", "exécutant-1"] {
        assert!(mmd.contains(who), "no {who} in the diagram:\n{mmd}");
    }
    assert!(!mmd.contains("thread-"), "a thread left unnamed:\n{mmd}");
    assert!(status.success(), "{status:?}\n{stderr}");
    let events = json_lines(&read_to_string(&json));
    let calls = |role: &str| -> Vec<(String, i64)> {
        events
            .iter()
            .filter(|v| v["kind"] == "syscall" && v["phase"] != "enter")
            .filter(|v| v["role"] == role)
            .map(|v| {
                (
                    v["call"].as_str().unwrap().into(),
                    v["ret"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let c = |n: &str, r: i64| (n.to_string(), r);
    assert_eq!(
        calls("client"),
        [
            c("socket", 3),
            c("connect", 0),
            c("sendto", 6),
            c("recvfrom", 6),
            c("sendto", 10),
            c("recvfrom", 10),
            c("close", 0),
        ]
    );
    assert_eq!(
        calls("exécutant"),
        [
            c("recvfrom", 6),
            c("sendto", 6),
            c("recvfrom", 10),
            c("sendto", 10),
            c("recvfrom", 0),
            c("close", 0),
        ]
    );
    let server: Vec<(String, i64)> = events
        .iter()
        .filter(|v| v["kind"] == "syscall" && v["phase"] != "enter")
        .filter(|v| v["role"] == "veilleur" || v["thread"].as_str().unwrap().starts_with("thread-"))
        .map(|v| {
            (
                v["call"].as_str().unwrap().into(),
                v["ret"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        server,
        [
            c("socket", 3),
            c("setsockopt", 0),
            c("bind", 0),
            c("listen", 0),
            c("getsockname", 0),
            c("accept4", 4),
            c("getsockname", 0),
            c("close", 0),
        ]
    );
}

/// The program's exit status is socklab's: its code, or the signal that killed it, which then
/// kills socklab too (a shell shows 128 + its number, the grader names it).
#[test]
fn exit_status_is_the_programs() {
    use std::os::unix::process::ExitStatusExt;
    let Some(py) = python_executable() else {
        return;
    };
    for (how, code, signal) in [
        ("0", Some(0), None),
        ("7", Some(7), None),
        ("TERM", None, Some(libc::SIGTERM)),
    ] {
        let out = socklab_run(
            "en",
            &[
                "--trace",
                "off",
                "trace",
                "--",
                py,
                &fixture("exit_with.py"),
                how,
            ],
            b"",
        );
        assert_eq!(out.status.code(), code, "{how}: {}", err(&out));
        assert_eq!(out.status.signal(), signal, "{how}: {}", err(&out));
    }
}

/// `--end-with-program`: the trace ends with the program, which forked a child sleeping for a
/// minute; the child is killed (said in the trace) and socklab exits with the program's status
/// at once, where `strace -f` (and socklab without the option) would wait for the child.
#[test]
fn end_with_program_kills_what_it_left_behind() {
    let Some(py) = python_executable() else {
        return;
    };
    let dir = temp_dir("trace-end-with");
    let json = dir.join("trace.jsonl");
    let mut c = traced_with(
        &[],
        &["--end-with-program"],
        &json,
        &[py, &fixture("fork_and_exit.py")],
    );
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reaped(c.spawn().unwrap());
    let lines = lines_in_background(child.stdout.take().unwrap());
    let left: i32 = lines
        .recv_timeout(TIMEOUT)
        .expect("the child's pid")
        .trim()
        .parse()
        .unwrap();
    let status = wait_timeout(&mut child, TIMEOUT).expect("socklab ended with the program");
    assert_eq!(status.code(), Some(3));
    // SAFETY: kill with signal 0 only asks whether the process exists.
    let alive = unsafe { libc::kill(left, 0) } == 0;
    assert!(!alive, "the child {left} outlived the trace");
    let events = json_lines(&read_to_string(&json));
    let note = events
        .iter()
        .find(|v| v["note"]["what"] == "left_behind")
        .expect("the kill is in the trace");
    assert_eq!(note["note"]["count"], 1, "{note}");
    let killed = events.iter().any(|v| {
        v["note"]["what"] == "exit" && v["pid"] == left && v["note"]["signal"] == "SIGKILL"
    });
    assert!(killed, "the child's death is in the trace");
}

/// socklab blocks SIGINT in its own threads; the program it starts must not inherit that: its
/// mask is empty and SIGINT has Python's own handler.
#[test]
fn the_program_starts_with_no_signal_blocked() {
    let Some(py) = python_executable() else {
        return;
    };
    let out = socklab_run(
        "en",
        &["--trace", "off", "trace", "--", py, &fixture("signals.py")],
        b"",
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("blocked: [] sigint-default: True"),
        "{printed}"
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
}

/// The labs' iterative echo server (one client, then it ends) under `socklab trace`, once it
/// has said it listens.
fn iterative_server_listening(py: &str, json: &Path) -> Reaped {
    let mut c = traced(json, &[py, &fixture("echo_iterative.py"), "0", "1"]);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Reaped(c.spawn().unwrap());
    let lines = lines_in_background(child.stdout.take().unwrap());
    let banner = lines.recv_timeout(TIMEOUT).expect("the banner");
    assert!(banner.starts_with("listening on"), "{banner}");
    child
}

/// Ctrl+C (SIGINT to socklab) goes to the program: the Python server blocked in accept gets
/// its KeyboardInterrupt and dies of SIGINT, and socklab ends as it did (SIGINT: 130 in a
/// shell).
#[test]
fn ctrl_c_goes_to_the_program() {
    use std::os::unix::process::ExitStatusExt;
    let Some(py) = python_executable() else {
        return;
    };
    let json = temp_dir("trace-sigint").join("trace.jsonl");
    let mut child = iterative_server_listening(py, &json);
    sigint(child.id());
    let status = wait_timeout(&mut child, TIMEOUT).expect("socklab ended");
    assert_eq!(status.signal(), Some(libc::SIGINT));
    let events = json_lines(&read_to_string(&json));
    let exit = events
        .iter()
        .find(|v| v["note"]["what"] == "exit")
        .expect("the end");
    assert_eq!(exit["note"]["signal"], "SIGINT", "{exit}");
}

/// The tracer writes its JSON lines itself, 64 KiB at a time; a program gone quiet (a server
/// blocked in `accept`, a few hundred bytes traced) still has them in the file while it runs,
/// for `tail -f`; at the end the file is whole, numbered without a gap.
#[test]
fn a_quiet_programs_lines_reach_the_file_while_it_runs() {
    let Some(py) = python_executable() else {
        return;
    };
    let json = temp_dir("trace-quiet").join("trace.jsonl");
    let mut child = iterative_server_listening(py, &json);
    let deadline = std::time::Instant::now() + TIMEOUT;
    let in_accept = |text: &str| {
        json_lines(text)
            .iter()
            .any(|v| v["call"] == "accept4" || v["call"] == "accept")
    };
    loop {
        let text = std::fs::read_to_string(&json).unwrap_or_default();
        // Only whole lines: the file may end in the middle of one being written.
        let whole = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        if in_accept(whole) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no accept in the file {TIMEOUT:?} after the banner:\n{text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server still runs, blocked in accept"
    );
    sigint(child.id());
    wait_timeout(&mut child, TIMEOUT).expect("socklab ended");
    let events = json_lines(&read_to_string(&json));
    let seqs: Vec<u64> = events.iter().map(|v| v["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert!(
        events.iter().any(|v| v["note"]["what"] == "exit"),
        "the end is in"
    );
}

/// Where ptrace is refused (here: the program is already traced, by strace), socklab says so
/// in one line, in the user's language, and fails.
#[test]
fn ptrace_refused_is_said_in_one_line() {
    if !have_tool("strace") {
        return;
    }
    for (lang, words) in [
        ("en", "ptrace is refused here"),
        ("fr", "ptrace est refusé ici"),
    ] {
        let mut c = Command::new("strace");
        c.args(["-f", "-o", "/dev/null"])
            .arg(socklab())
            .args(["--lang", lang, "trace", "--", "true"]);
        let out = output_with_input(c, b"");
        let text = err(&out);
        assert_clean_failure(&out, 1);
        assert!(text.contains(words), "{lang}: {text}");
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    }
}

/// A wrapper's helpers (a shell that runs `ls` and `date` before it becomes Python, as a
/// version manager's shims do): the pretty trace leaves their lines out and counts them, as
/// many as the JSON trace of the same command has; Python's own execve, its calls and its end
/// are shown.
#[test]
fn helpers_without_socket_calls_are_left_out_of_the_pretty_trace() {
    let Some(py) = python_executable() else {
        return;
    };
    let dir = temp_dir("helpers");
    let script = format!(
        "ls / >/dev/null; date >/dev/null; exec {py} -c 'import socket; socket.socket().close()'"
    );
    let program = ["sh", "-c", script.as_str()];
    let json = dir.join("trace.jsonl");
    let out = traced(&json, &program).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    let events: Vec<serde_json::Value> = std::fs::read_to_string(&json)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut callers: Vec<u64> = events
        .iter()
        .filter(|e| e["kind"] == "syscall")
        .map(|e| e["pid"].as_u64().unwrap())
        .collect();
    callers.dedup();
    assert_eq!(callers.len(), 1, "one process made socket calls");
    let lifecycle = events
        .iter()
        .filter(|e| {
            let what = &e["note"]["what"];
            what == "spawn" || what == "exec" || what == "exit" || what == "thread_end"
        })
        .count();
    let execs = events
        .iter()
        .filter(|e| e["note"]["what"] == "exec")
        .count();
    assert!(execs >= 4, "sh, ls, date and Python: {execs}");

    let pretty = dir.join("trace.txt");
    let out = pretty_traced(&pretty, &[], &program).output().unwrap();
    assert!(out.status.success(), "{}", err(&out));
    let text = std::fs::read_to_string(&pretty).unwrap();
    // Shown: Python's execve and its end; every other lifecycle line is counted.
    let counted = format!("── {} lines left out (", lifecycle - 2);
    let Some(at) = text.find(&counted) else {
        panic!("no {counted:?} in:\n{text}");
    };
    let names = &text[at..text[at..].find('\n').unwrap() + at];
    for name in ["sh", "ls", "date"] {
        assert!(names.contains(name), "{name} in {names}");
    }
    let shown: Vec<&str> = text.lines().filter(|l| l.contains("(execve)")).collect();
    assert_eq!(shown.len(), 1, "{text}");
    assert!(shown[0].contains("import socket"), "{text}");
    let socket = text
        .find("socket(AF_INET, SOCK_STREAM) = ")
        .expect("the call");
    assert!(
        at < socket,
        "the count comes before the first call:\n{text}"
    );
    assert!(text.contains("exits with status 0"), "{text}");
}

/// A Python server that binds "localhost": the C library's name resolution may first look for
/// nscd over a local socket (a `connect` to its path, ENOENT where none runs). The thread that
/// accepts is the veilleur all the same, no client; the look for nscd, when there is one, is
/// said to be the library's.
#[test]
fn a_server_binding_localhost_is_no_client() {
    let Some(py) = python_executable() else {
        return;
    };
    let dir = temp_dir("localhost");
    let json = dir.join("trace.jsonl");
    let server = fixture("echo_iterative.py");
    let (status, stderr) = echo_session(traced(&json, &[py, &server, "0", "1", "localhost"]), 1);
    assert!(status.success(), "{stderr}");
    let events: Vec<serde_json::Value> = read_to_string(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let calls: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "syscall").collect();
    assert!(
        calls
            .iter()
            .any(|e| e["call"] == "accept4" && e["thread"] == "veilleur")
    );
    for e in &calls {
        assert!(!e["thread"].as_str().unwrap().starts_with("client"), "{e}");
        assert_ne!(e["role"], "client", "{e}");
    }
    let asked_nscd = calls.iter().any(|e| {
        e["call"] == "connect"
            && e["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("nscd/socket"))
    });
    if asked_nscd {
        let pretty = dir.join("trace.txt");
        let c = pretty_traced(
            &pretty,
            &["--explain", "always"],
            &[py, &server, "0", "1", "localhost"],
        );
        let (status, stderr) = echo_session(c, 1);
        assert!(status.success(), "{stderr}");
        let text = joined(&read_to_string(&pretty));
        assert!(
            text.contains("This connect() is the C library's, not the program's"),
            "{text}"
        );
    }
}

/// A server that binds a name /etc/hosts does not have, inside a namespace with no network:
/// the C library's DNS query (a UDP socket connected to a server of /etc/resolv.conf, port 53)
/// is marked as the library's and names no client; the name does not resolve and the program
/// says so.
#[test]
fn the_c_library_s_dns_query_is_no_client() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_netns() {
        return;
    }
    let hosts = std::fs::read_to_string("/etc/nsswitch.conf").unwrap_or_default();
    if !hosts
        .lines()
        .any(|l| l.starts_with("hosts:") && l.contains("dns"))
    {
        return;
    }
    let dir = temp_dir("dns-query");
    let json = dir.join("trace.jsonl");
    let mut c = in_new_netns();
    c.arg(socklab())
        .args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&json)
        .args(["trace", "--", py, "-c"])
        .arg("import socket\ns = socket.socket()\ns.bind(('no-such-host.invalid', 7777))");
    let (status, _, stderr) = run_with_input(c, b"");
    assert_eq!(
        status.code(),
        Some(1),
        "the name does not resolve: {stderr}"
    );
    assert!(stderr.contains("gaierror"), "{stderr}");
    let events = json_lines(&read_to_string(&json));
    let dns: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["call"] == "connect" && e["socket"]["type"] == "SOCK_DGRAM")
        .collect();
    assert!(!dns.is_empty(), "the library's DNS query: {events:?}");
    for e in &dns {
        assert!(e["args"].as_str().unwrap().contains("htons(53)"), "{e}");
        assert_eq!(e["socket"]["resolver"], true, "{e}");
    }
    for e in events.iter().filter(|e| e["kind"] == "syscall") {
        assert!(!e["thread"].as_str().unwrap().starts_with("client"), "{e}");
    }
}

/// An echo over a local (AF_UNIX) socket, explained under every call: a local socket's words
/// (a file path, no handshake, no FIN, no TIME_WAIT), never TCP's; the accepting thread is the
/// veilleur.
#[test]
fn local_socket_calls_are_explained_as_local() {
    let Some(py) = python_executable() else {
        return;
    };
    let dir = temp_dir("unix-echo");
    let path = dir.join("echo.sock");
    let pretty = dir.join("trace.txt");
    let server = fixture("unix_echo.py");
    let program = [py, server.as_str(), "serve", path.to_str().unwrap()];
    let mut c = pretty_traced(&pretty, &["--explain", "always"], &program);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reaped(c.spawn().unwrap());
    let lines = lines_in_background(child.stdout.take().unwrap());
    let banner = lines.recv_timeout(TIMEOUT).expect("the server's banner");
    assert!(banner.starts_with("listening on"), "{banner}");
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(b"hello").unwrap();
    let mut echo = [0u8; 5];
    s.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"hello");
    drop(s);
    let status = wait_timeout(&mut child, TIMEOUT).expect("the server ends");
    assert!(status.success());
    let raw = read_to_string(&pretty);
    assert!(raw.contains("socket(AF_UNIX, SOCK_STREAM) = 3"), "{raw}");
    assert!(
        raw.contains(&format!("bind(3, {})", path.display())),
        "{raw}"
    );
    assert!(
        raw.lines()
            .any(|l| l.contains("veilleur") && l.contains("accept4(3) = 4")),
        "{raw}"
    );
    let text = joined(&raw);
    for said in [
        "asks the kernel for a local socket",
        "gives the local socket a name",
        "with no handshake on any network",
        "what waits in the local socket's receive queue",
        "copies the bytes to the peer's local socket",
        "No FIN went anywhere",
        "No FIN and no TIME_WAIT: those are TCP's",
        "close() of the local listening socket",
        "An accepted connection has the listening socket's",
    ] {
        assert!(text.contains(said), "{said:?} in:\n{raw}");
    }
    for tcp in [
        "SYN",
        "TIME_WAIT, kept",
        "TCP is a stream",
        "sends FIN",
        "port 0",
        "(RST)",
    ] {
        assert!(!text.contains(tcp), "{tcp:?} in:\n{raw}");
    }
}

/// A command that does not exist, or a file that is no program: one line, no trace.
#[test]
fn unknown_command_is_a_clean_failure() {
    let out = socklab_run("en", &["trace", "--", "no-such-program-here"], b"");
    assert_clean_failure(&out, 1);
    assert!(err(&out).contains("command not found"), "{}", err(&out));
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let out = socklab_run("fr", &["trace", "--", readme.to_str().unwrap()], b"");
    assert_clean_failure(&out, 1);
    let text = err(&out);
    assert!(text.contains("execve a échoué (EACCES"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

/// A UDP pair: the client starts once the server's socket is bound (a UDP server never calls
/// listen); the server, which runs for ever, is stopped by socklab when the client is done,
/// and socklab exits with the client's status.
#[test]
fn udp_server_and_client_pair() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_netns() {
        return;
    }
    let dir = temp_dir("trace-udp");
    let json = dir.join("trace.jsonl");
    let udp_echo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/udp_echo.py");
    let server = format!("{py} {} 9999", udp_echo.display());
    let client = format!("{py} {} 127.0.0.1 9999 ping pong", fixture("udp_client.py"));
    let mut c = in_new_netns();
    c.arg(socklab())
        .args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&json)
        .args(["trace", "--server", &server, "--client", &client]);
    let (status, stdout, stderr) = run_with_input(c, b"");
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(String::from_utf8_lossy(&stdout).contains("ping\npong\n"));
    let events = json_lines(&read_to_string(&json));
    let bind = events.iter().position(|v| v["call"] == "bind").unwrap();
    let first_client = events.iter().position(|v| v["role"] == "client").unwrap();
    assert!(
        bind < first_client,
        "the client comes after the server's bind"
    );
    let served: Vec<&str> = events
        .iter()
        .filter(|v| v["kind"] == "syscall" && v["phase"] != "enter" && v["thread"] == "main")
        .map(|v| v["call"].as_str().unwrap())
        .collect();
    assert_eq!(
        &served[..4],
        ["recvfrom", "sendto", "recvfrom", "sendto"],
        "{served:?}"
    );
    assert!(
        events.iter().any(|v| v["note"]["what"] == "trace_stop"),
        "socklab stops the server"
    );
}

/// `trace --server --client` is whole in one process tree: with `--packets` its segments are
/// captured too (here in a network namespace the test makes), a SYN to the server's port and
/// the FINs of both sides among them.
#[test]
fn the_pair_s_packets_are_in_the_trace() {
    let Some(py) = python_executable() else {
        return;
    };
    if !have_netns() {
        return;
    }
    let dir = temp_dir("trace-pair-packets");
    let json = dir.join("trace.jsonl");
    let server = format!("{py} {} 7777 1", fixture("echo_threads.py"));
    let client = format!("{py} {} 127.0.0.1 7777 hello", fixture("echo_client.py"));
    let mut c = in_new_netns();
    c.arg(socklab())
        .args([
            "--lang",
            "en",
            "--packets",
            "--trace",
            "json",
            "--trace-file",
        ])
        .arg(&json)
        .args(["trace", "--server", &server, "--client", &client]);
    let (status, _, stderr) = run_with_input(c, b"");
    assert!(status.success(), "{status:?}\n{stderr}");
    let events = json_lines(&read_to_string(&json));
    let packets: Vec<&serde_json::Value> =
        events.iter().filter(|v| v["kind"] == "packet").collect();
    let flags = |v: &serde_json::Value| v["packet"]["flags"].to_string();
    assert!(
        packets.iter().any(|p| flags(p).contains("SYN")
            && p["packet"]["dst"]
                .as_str()
                .is_some_and(|d| d.ends_with(":7777"))),
        "a SYN to the server: {packets:?}"
    );
    assert!(
        packets.iter().filter(|p| flags(p).contains("FIN")).count() >= 2,
        "both sides' FIN: {packets:?}"
    );
}
