//! `--packets` and `--pcap`, checked against real tools: the segments socklab puts in its trace
//! are the ones tcpdump captures in the same network namespace, connection by connection; the
//! pcap file reads back in `tcpdump -r` as the same packets; a demo captures without
//! privileges (as `nobody`, in a namespace of its own); where it cannot, one line says why and
//! the demo still runs; the capture does not break the parity with strace; a SYN sits between
//! the `Enter` and the `Exit` of the `connect` that sent it.
//!
//! Traffic stays on loopback, in network namespaces the tests create (`unshare -n`) or socklab
//! creates itself.

mod common;
#[path = "common/parity.rs"]
mod parity;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use parity::*;
use serde_json::Value;

/// One packet as both sides can tell it: (from the connection's opener, the flags, the bytes).
type Seen = (bool, String, u64);

/// Per connection (its two addresses, in the order of its first packet), the packets in order.
type Flows = BTreeMap<(String, String), Vec<Seen>>;

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether this test can run: it needs root (CI runs as root). Otherwise skipped, or failed
/// under `SOCKLAB_REQUIRE_TOOLS=1`.
fn have_root(what: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{what} needs root (SOCKLAB_REQUIRE_TOOLS=1)");
    }
    eprintln!("skipped: {what} needs root");
    false
}

/// Adds a packet to its connection's list: `src` and `dst` as `addr:port` text.
fn add(flows: &mut Flows, src: String, dst: String, flags: String, len: u64) {
    let forward = (src.clone(), dst.clone());
    let key = if flows.contains_key(&forward) {
        forward
    } else if flows.contains_key(&(dst.clone(), src.clone())) {
        (dst, src.clone())
    } else {
        flows.insert(forward.clone(), Vec::new());
        forward
    };
    let from_opener = key.0 == src;
    flows.get_mut(&key).unwrap().push((from_opener, flags, len));
}

/// The flags as tcpdump prints them, as a sorted set of its letters (`.` for ACK).
fn tcpdump_letters(letters: &str) -> String {
    let set: BTreeSet<char> = letters.chars().collect();
    set.into_iter().collect()
}

/// socklab's packets, from its JSON trace.
fn socklab_flows(events: &[Value]) -> Flows {
    let mut flows = Flows::new();
    for p in events
        .iter()
        .filter(|e| e["kind"] == "packet")
        .map(|e| &e["packet"])
    {
        let flags: String = match p["proto"].as_str().unwrap() {
            "udp" => "UDP".into(),
            _ => {
                let letters: String = p["flags"]
                    .as_array()
                    .map(|a| a.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|f| match f.as_str().unwrap() {
                        "SYN" => 'S',
                        "FIN" => 'F',
                        "RST" => 'R',
                        "PSH" => 'P',
                        "ACK" => '.',
                        "URG" => 'U',
                        "ECE" => 'E',
                        "CWR" => 'W',
                        other => panic!("unknown flag {other}"),
                    })
                    .collect();
                tcpdump_letters(&letters)
            }
        };
        add(
            &mut flows,
            p["src"].as_str().unwrap().to_string(),
            p["dst"].as_str().unwrap().to_string(),
            flags,
            p["len"].as_u64().unwrap(),
        );
    }
    flows
}

/// `127.0.0.1.40000` (tcpdump's `-nn` form) as `127.0.0.1:40000`; `::1.40000` as `[::1]:40000`.
fn endpoint(text: &str) -> String {
    let text = text.trim_end_matches(':');
    let (ip, port) = text.rsplit_once('.').unwrap();
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// tcpdump's reading of a capture file (`tcpdump -r FILE -nn`): its lines.
fn tcpdump_read(file: &Path) -> Vec<String> {
    let out = Command::new("tcpdump")
        .args(["-r"])
        .arg(file)
        .arg("-nn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tcpdump -r {}: {}",
        file.display(),
        err(&out)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The packets of a tcpdump reading, per connection. A line: `TIME IP SRC > DST: Flags [S.],
/// seq …, length N` or `TIME IP SRC > DST: UDP, length N`.
fn tcpdump_flows(lines: &[String]) -> Flows {
    let mut flows = Flows::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert!(
            words.len() > 5 && (words[1] == "IP" || words[1] == "IP6") && words[3] == ">",
            "unexpected tcpdump line: {line}"
        );
        let len: u64 = line
            .rsplit_once("length ")
            .and_then(|(_, n)| n.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no length: {line}"));
        let flags = match line.split_once("Flags [") {
            Some((_, rest)) => {
                let letters = rest.split(']').next().unwrap();
                tcpdump_letters(if letters == "none" { "" } else { letters })
            }
            None if words[5].starts_with("UDP") => "UDP".into(),
            None => panic!("neither TCP nor UDP: {line}"),
        };
        add(
            &mut flows,
            endpoint(words[2]),
            endpoint(words[4]),
            flags,
            len,
        );
    }
    flows
}

/// tcpdump's lines without their time (the two captures stamp the same packet a few
/// microseconds apart).
fn untimed(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.split_once(' ')
                .map_or(l.clone(), |(_, rest)| rest.to_string())
        })
        .collect()
}

/// Runs `script` with sh in a new network namespace (`unshare -n`, as root), in `dir`, within
/// the tests' time bound.
fn in_new_netns(dir: &Path, script: &str) -> Output {
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "sh", "-c", script])
        .current_dir(dir)
        .env("SOCKLAB", socklab())
        .stdin(Stdio::null());
    let out = output_with_input(cmd, b"");
    assert!(
        out.status.success(),
        "{script}\n{:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        err(&out)
    );
    out
}

/// In a network namespace of the test's own, tcpdump captures `lo` while a demo runs with
/// `--packets --pcap F`: socklab's trace holds, connection by connection, the packets tcpdump
/// saw (direction, flags, bytes), and F reads back in tcpdump as the same packets.
///
/// socklab runs as root there, with CAP_NET_RAW: it captures on that namespace's `lo` (the
/// one tcpdump watches), filtered to its own ports, rather than making a namespace of its own
/// that tcpdump would not see into.
#[test]
fn the_trace_has_the_packets_tcpdump_sees() {
    if !have_root("a network namespace for tcpdump")
        || !have_tool("unshare")
        || !have_tool("tcpdump")
        || !have_tool("ip")
    {
        return;
    }
    for demo in ["echo-threads --clients 2", "reset", "echo-udp --clients 1"] {
        let dir = temp_dir(&format!("packets-tcpdump-{}", demo.replace(' ', "_")));
        // tcpdump first, and the demo only once it listens; SIGINT (not SIGTERM) makes it
        // write out what it captured. --immediate-mode: no packet waits in its ring buffer.
        let script = format!(
            r#"ip link set lo up || exit 90
tcpdump -Z root -i lo --immediate-mode -U -w G.pcap 2> tcpdump.err &
td=$!
n=0
until grep -q "listening on lo" tcpdump.err; do
  n=$((n + 1))
  if [ $n -gt 200 ]; then cat tcpdump.err >&2; kill $td; exit 91; fi
  sleep 0.05
done
"$SOCKLAB" --lang en --packets --pcap F.pcap --trace json --trace-file T.jsonl demo {demo} > demo.out 2> demo.err
rc=$?
kill -INT $td
wait $td
cat demo.err >&2
exit $rc"#
        );
        let out = in_new_netns(&dir, &script);
        let stderr = err(&out);
        assert!(!stderr.contains("--packets:"), "{demo}: {stderr}");
        let events = json_lines(&read_to_string(&dir.join("T.jsonl")));
        let ours = socklab_flows(&events);
        let g = tcpdump_read(&dir.join("G.pcap"));
        let theirs = tcpdump_flows(&g);
        assert!(!theirs.is_empty(), "{demo}: tcpdump saw nothing");
        assert_eq!(ours, theirs, "{demo}: socklab's packets, then tcpdump's");
        // F holds the same packets, header for header. Two connections' packets may come in
        // another order in the two captures (two CPUs, two sockets): each connection's own
        // order is the same.
        let f = tcpdump_read(&dir.join("F.pcap"));
        assert_eq!(tcpdump_flows(&f), theirs, "{demo}: F, then tcpdump's G");
        let (mut f, mut g) = (untimed(&f), untimed(&g));
        f.sort();
        g.sort();
        assert_eq!(f, g, "{demo}: F, then tcpdump's G");
    }
}

/// The reading of tcpdump's lines the comparison rests on: directions, flags, lengths, UDP
/// and IPv6.
#[test]
fn tcpdump_lines_are_read_per_connection() {
    let known = [
        "1.0 IP 127.0.0.1.40000 > 127.0.0.1.7777: Flags [S], seq 1, win 1, length 0",
        "1.1 IP 127.0.0.1.7777 > 127.0.0.1.40000: Flags [S.], seq 2, ack 2, length 0",
        "1.2 IP 127.0.0.1.40000 > 127.0.0.1.7777: Flags [P.], seq 1:21, ack 1, length 20",
        "1.3 IP6 ::1.5000 > ::1.7: UDP, length 4",
    ]
    .map(String::from);
    let flows = tcpdump_flows(&known);
    assert_eq!(
        flows[&("127.0.0.1:40000".to_string(), "127.0.0.1:7777".to_string())],
        [
            (true, "S".to_string(), 0),
            (false, ".S".to_string(), 0),
            (true, ".P".to_string(), 20)
        ]
    );
    assert_eq!(
        flows[&("[::1]:5000".to_string(), "[::1]:7".to_string())],
        [(true, "UDP".to_string(), 4)]
    );
    assert_eq!(
        untimed(&known[..1]),
        ["IP 127.0.0.1.40000 > 127.0.0.1.7777: Flags [S], seq 1, win 1, length 0"]
    );
}

/// A copy of socklab that `nobody` can run (it cannot read the build tree under /root), in a
/// directory it may write its files in.
fn nobody_dir(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = dir.join("socklab");
    std::fs::copy(socklab(), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, bin)
}

/// `setpriv` running `bin ARGS` as `nobody`, no groups, no capabilities.
fn as_nobody(bin: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
    ])
    .arg(bin)
    .args(args)
    .current_dir(dir);
    cmd
}

/// Whether `nobody` may make a user and network namespace here (`unshare -rn`).
fn nobody_has_userns(dir: &Path) -> bool {
    let mut probe = Command::new("setpriv");
    probe
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "unshare",
            "-rn",
            "true",
        ])
        .current_dir(dir);
    let ok = probe.status().is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("user namespaces for nobody are required (SOCKLAB_REQUIRE_TOOLS=1)");
        }
        eprintln!("skipped: nobody cannot make a user namespace here");
    }
    ok
}

/// Without privileges, a demo captures in a network namespace of its own: its pcap file reads
/// back in tcpdump with the handshake and the close, and its trace has the packets.
#[test]
fn a_demo_captures_without_privileges() {
    if !have_root("running as nobody through setpriv")
        || !have_tool("setpriv")
        || !have_tool("unshare")
        || !have_tool("tcpdump")
    {
        return;
    }
    let (dir, bin) = nobody_dir("packets-nobody");
    if !nobody_has_userns(&dir) {
        return;
    }
    let trace = dir.join("T.jsonl");
    let pcap = dir.join("F.pcap");
    let cmd = as_nobody(
        &bin,
        &dir,
        &[
            "--lang",
            "en",
            "--packets",
            "--pcap",
            pcap.to_str().unwrap(),
            "--trace",
            "json",
            "--trace-file",
            trace.to_str().unwrap(),
            "demo",
            "echo-threads",
            "--clients",
            "2",
        ],
    );
    let out = output_with_input(cmd, b"");
    let stderr = err(&out);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("--packets:"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("What you saw"));
    let lines = tcpdump_read(&pcap);
    assert!(!lines.is_empty(), "an empty capture");
    let syns = lines.iter().filter(|l| l.contains("Flags [S]")).count();
    let fins = lines.iter().filter(|l| l.contains("Flags [F")).count();
    assert_eq!(syns, 2, "one SYN per client: {lines:#?}");
    assert!(fins >= 2, "both sides close: {lines:#?}");
    let events = json_lines(&read_to_string(&trace));
    assert_eq!(
        socklab_flows(&events),
        tcpdump_flows(&lines),
        "the trace's packets are the file's"
    );
}

/// Where neither a namespace nor CAP_NET_RAW can be had (user namespaces disabled, as
/// `SOCKLAB_NO_USERNS=1` pretends), one line says why, in the user's language, and the demo
/// runs as it would without `--packets`. A client without CAP_NET_RAW says how to grant it.
#[test]
fn without_a_namespace_one_line_and_the_demo_runs() {
    if !have_root("running as nobody through setpriv") || !have_tool("setpriv") {
        return;
    }
    let (dir, bin) = nobody_dir("packets-no-userns");
    for (lang, words) in [("en", "user namespaces disabled"), ("fr", "désactivés")] {
        let trace = dir.join(format!("T-{lang}.txt"));
        let mut cmd = as_nobody(
            &bin,
            &dir,
            &[
                "--lang",
                lang,
                "--packets",
                "--trace-file",
                trace.to_str().unwrap(),
                "demo",
                "reset",
            ],
        );
        cmd.env("SOCKLAB_NO_USERNS", "1");
        let out = output_with_input(cmd, b"");
        let stderr = err(&out);
        assert!(out.status.success(), "{lang}: {:?} {stderr}", out.status);
        let said: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("socklab: --packets:"))
            .collect();
        assert_eq!(said.len(), 1, "{lang}: one line: {stderr}");
        assert!(
            said[0].contains(words) && said[0].contains("SOCKLAB_NO_USERNS=1"),
            "{lang}: {stderr}"
        );
        let text = read_to_string(&trace);
        assert!(text.contains("ECONNRESET"), "{lang}: the demo ran: {text}");
        assert!(!text.contains('⇢'), "{lang}: no packets: {text}");
    }
    // A client, which talks to programs outside, needs CAP_NET_RAW on the shared loopback.
    let port = closed_port().to_string();
    for (lang, words) in [("en", "needs CAP_NET_RAW"), ("fr", "demande CAP_NET_RAW")] {
        let cmd = as_nobody(
            &bin,
            &dir,
            &[
                "--lang",
                lang,
                "--packets",
                "--trace-file",
                dir.join("C.txt").to_str().unwrap(),
                "connect",
                "daytime",
                "127.0.0.1",
                &port,
            ],
        );
        let out = output_with_input(cmd, b"");
        let stderr = err(&out);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{lang}: refused as usual: {stderr}"
        );
        let line = stderr
            .lines()
            .find(|l| l.starts_with("socklab: --packets:"))
            .unwrap_or_else(|| panic!("{lang}: no --packets line: {stderr}"));
        assert!(line.contains(words), "{lang}: {line}");
        assert!(
            line.contains("sudo setcap cap_net_raw+ep $(command -v socklab)"),
            "{lang}: {line}"
        );
    }
}

/// In the demo's pretty trace, the client's `connect` is shown waiting while its handshake
/// goes by: the SYN after the `connect` Enter, before its Exit, then the SYN-ACK and ACK.
#[test]
fn a_syn_sits_between_the_connect_and_its_return() {
    let dir = temp_dir("packets-pretty");
    let trace = dir.join("P.txt");
    let mut cmd = Command::new(socklab());
    cmd.args([
        "--lang",
        "en",
        "--explain",
        "never",
        "--color",
        "never",
        "--packets",
        "--trace-file",
    ])
    .arg(&trace)
    .args(["demo", "echo-threads", "--clients", "1"]);
    let out = output_with_input(cmd, b"");
    let stderr = err(&out);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    if stderr.contains("--packets:") {
        // No capture here at all (said in the one line): nothing to check.
        eprintln!("skipped: {stderr}");
        return;
    }
    let text = read_to_string(&trace);
    let lines: Vec<&str> = text.lines().collect();
    let find = |from: usize, what: &dyn Fn(&str) -> bool| {
        (from..lines.len())
            .find(|&i| what(lines[i]))
            .unwrap_or_else(|| panic!("not found after line {from}:\n{text}"))
    };
    let enter = find(0, &|l| {
        l.starts_with("client-1") && l.contains("connect(") && l.contains("handshake in progress")
    });
    let syn = find(0, &|l| l.trim_start().starts_with("⇢ SYN "));
    let syn_ack = find(0, &|l| l.trim_start().starts_with("⇢ SYN-ACK "));
    let exit = find(enter, &|l| {
        l.starts_with("client-1") && l.contains("… connect(")
    });
    assert!(enter < syn && syn < syn_ack && syn_ack < exit, "{text}");
    // The packet lines are between the two sides, not in a column.
    assert!(!lines[syn].contains('│'), "{}", lines[syn]);
    // The SYN goes to the server's port, from the client's, as the connect said.
    let port = lines[enter]
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap();
    assert!(lines[syn].contains(&format!("→ :{port}")), "{}", lines[syn]);
}

/// Under strace, with the capture on, the trace and strace still agree call for call on the
/// program's sockets: the capture's own socket (AF_PACKET) and thread are no part of it.
#[test]
fn the_capture_keeps_the_parity_with_strace() {
    if !have_tool("strace") {
        return;
    }
    let dir = temp_dir("packets-parity");
    let (s_log, t_log) = (dir.join("S"), dir.join("T"));
    let cmd = parity::socklab_under_strace(
        parity::STRACE_SET,
        &s_log,
        &t_log,
        &[
            "--packets",
            "serve",
            "echo",
            "--mode",
            "iterative",
            "--port",
            "0",
        ],
    );
    let server = Server::start(cmd);
    let mut s = connect(server.addr);
    assert_eq!(echo_round_trip(&mut s, b"hello\n"), b"hello\n");
    drop(s);
    let (_, stderr) = stop(server);
    let text = read_to_string(&t_log);
    let strace_log = read_to_string(&s_log);
    let strace = own_socket_calls(&parse_strace(&strace_log));
    let trace = own_socket_calls(&parse_json(&text));
    assert_same(&strace, &trace);
    if stderr.contains("--packets:") {
        eprintln!("no capture here: {stderr}");
        return;
    }
    // The capture was on: its socket is in strace's log, and its packets in the trace.
    assert!(strace_log.contains("socket(AF_PACKET"), "{strace_log}");
    let events = json_lines(&text);
    let flows = socklab_flows(&events);
    assert_eq!(flows.len(), 1, "one connection: {flows:?}");
    let packets = flows.values().next().unwrap();
    assert_eq!(packets[0], (true, "S".to_string(), 0), "{packets:?}");
    assert!(
        packets.iter().any(|p| p == &(true, ".P".to_string(), 6)),
        "the client's 6 bytes: {packets:?}"
    );
}

/// The diagrams draw the packets, as thin arrows beside the calls, only when the trace has
/// them; a JSON trace with packets draws the same diagram again; Mermaid parses it.
#[test]
fn diagrams_draw_the_packets_beside_the_calls() {
    let dir = temp_dir("packets-diagram");
    let (trace, live) = (dir.join("T.jsonl"), dir.join("live.mmd"));
    let mut cmd = Command::new(socklab());
    cmd.args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .arg("--diagram")
        .arg(&live)
        .args(["demo", "reset"]);
    let out = output_with_input(cmd, b"");
    assert!(out.status.success(), "{}", err(&out));
    let captured = !err(&out).contains("--packets:");
    let mmd = read_to_string(&live);
    let packet_arrows: Vec<&str> = mmd.lines().filter(|l| l.contains("-)")).collect();
    if captured {
        // Both connections open with a SYN from the client (p0) to the server (p1); the
        // second one is reset.
        let syns = packet_arrows
            .iter()
            .filter(|l| l.ends_with(": SYN"))
            .count();
        assert_eq!(syns, 2, "{mmd}");
        assert!(packet_arrows.contains(&"    p0-)p1: SYN"), "{mmd}");
        assert!(packet_arrows.iter().any(|l| l.contains("RST")), "{mmd}");
        assert!(
            mmd.contains("    p0->>p1: connect (SYN, SYN-ACK, ACK)"),
            "{mmd}"
        );
    } else {
        assert!(packet_arrows.is_empty(), "{mmd}");
    }
    // From the JSON trace, the same diagram, byte for byte; and its SVG has the packets'
    // arrowhead exactly when there are packets.
    let again = dir.join("again.mmd");
    let svg = dir.join("again.svg");
    for file in [&again, &svg] {
        let out = Command::new(socklab())
            .args(["--lang", "en", "diagram"])
            .arg(&trace)
            .arg("-o")
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", err(&out));
    }
    assert_eq!(read_to_string(&again), mmd);
    assert_eq!(read_to_string(&svg).contains("url(#packet)"), captured);
    // --no-packets: none.
    let quiet = dir.join("quiet.mmd");
    let mut cmd = Command::new(socklab());
    cmd.args([
        "--lang",
        "en",
        "--trace",
        "off",
        "--no-packets",
        "--diagram",
    ])
    .arg(&quiet)
    .args(["demo", "reset"]);
    let out = output_with_input(cmd, b"");
    assert!(out.status.success(), "{}", err(&out));
    assert!(!read_to_string(&quiet).contains("-)"));
    // Mermaid's own parser reads the packets' arrows.
    if have_tool("node") {
        let parser = Path::new("tests/mermaid/node_modules/mermaid");
        if !parser.exists() {
            if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
                panic!("Mermaid is required: run `npm ci` in tests/mermaid");
            }
            eprintln!("skipped: Mermaid is not installed (npm ci in tests/mermaid)");
            return;
        }
        let out = Command::new("node")
            .arg("tests/mermaid/parse.mjs")
            .arg(&live)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "sequence");
    }
}
