//! `socklab bench`: it measures real servers, checks every byte they echo, and shows the modes
//! side by side. Runs are kept short (tenths of a second): these tests check what the bench
//! reports, never how fast anything is.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::*;

fn bench(args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut all = vec!["bench"];
    all.extend_from_slice(args);
    let out = socklab_run("en", &all, b"");
    (
        out.status,
        String::from_utf8(out.stdout.clone()).unwrap(),
        err(&out),
    )
}

/// The bench starts its own server, runs each workload asked for and reports, as JSON, what
/// it checked: every round trip answered, every held connection served, the server's memory
/// read while they were held, and how soon the server accepted.
#[test]
fn bench_measures_its_own_server() {
    let (status, out, err) = bench(&[
        "--workloads",
        "rr,bulk,churn,hold,udp",
        "--clients",
        "2",
        "--hold",
        "50",
        "--duration",
        "0.3",
        "--json",
    ]);
    assert!(status.success(), "{err}");
    let run: serde_json::Value = serde_json::from_str(&out).unwrap();
    let server = &run["server"];
    assert_eq!(server["mode"], "threads");
    assert!(server["ready_ms"].as_f64().unwrap() > 0.0);
    assert!(
        server["summary"].as_str().unwrap().starts_with("Summary:"),
        "{server}"
    );
    let results = run["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["workload"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rr", "bulk", "churn", "hold", "udp"]);
    for r in results {
        assert_eq!(r["mismatches"], 0, "{r}");
        assert!(r["bytes_checked"].as_u64().unwrap() > 0, "{r}");
    }
    let rr = &results[0];
    assert_eq!(rr["served"], 2);
    assert!(rr["p99_us"].as_f64().unwrap() >= rr["p50_us"].as_f64().unwrap());
    let hold = &results[3];
    assert_eq!(hold["served"], 50);
    assert_eq!(hold["hold"]["opened"], 50);
    // 50 exécutants, the veilleur, the Ctrl+C thread.
    assert!(
        hold["hold"]["server"]["threads"].as_u64().unwrap() >= 52,
        "{hold}"
    );
    assert!(hold["hold"]["server"]["rss_kib"].as_u64().unwrap() > 0);
    assert_eq!(results[4]["lost"], 0);
}

/// An echo server that changes one byte in a thousand: the bench notices, says so, and fails.
#[test]
fn bench_catches_a_server_that_alters_bytes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = 0u64;
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    for b in &mut buf[..n] {
                        seen += 1;
                        if seen.is_multiple_of(1000) {
                            *b ^= 0x20;
                        }
                    }
                    if conn.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let (status, out, err) = bench(&[
        "127.0.0.1",
        &port.to_string(),
        "--workloads",
        "rr",
        "--clients",
        "1",
        "--duration",
        "0.3",
    ]);
    assert_eq!(status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("echoes differ from what was sent"), "{out}");
    assert!(err.contains("echo(es) differ from what was sent"), "{err}");
}

/// `--compare-modes`: the three servers under the same load. The iterative one serves one of
/// two clients during the run, the others both.
#[test]
fn compare_modes_shows_the_lesson() {
    let (status, out, err) = bench(&[
        "--compare-modes",
        "--workloads",
        "rr",
        "--clients",
        "2",
        "--duration",
        "0.3",
    ]);
    assert!(status.success(), "{err}");
    let header = out
        .lines()
        .find(|l| l.starts_with("workload"))
        .unwrap_or_else(|| panic!("{out}"));
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(columns, ["workload", "iterative", "select", "threads"]);
    let detail = out
        .lines()
        .find(|l| l.contains("clients served 1/2"))
        .unwrap_or_else(|| panic!("the iterative server serves one client at a time: {out}"));
    assert!(detail.trim_start().starts_with("detail"), "{detail}");
    assert!(out.contains("iterative: one client at a time"), "{out}");
}

/// `--compare-buffers`: the threads server with each receive buffer. Each `recv` takes at most
/// the buffer's size, so the server's own count of receives can be no lower than the bytes it
/// got divided by it; and the bigger the buffer, the fewer calls per MiB.
#[test]
fn compare_buffers_counts_the_calls_per_mib() {
    let (status, out, err) = bench(&["--compare-buffers", "--duration", "0.3", "--json"]);
    assert!(status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let runs = v["compare_buffers"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"));
    let mut per_mib = Vec::new();
    for (run, size) in runs.iter().zip([1500u64, 16384, 65536]) {
        let server = &run["server"];
        assert_eq!(server["recv_size"], size, "{run}");
        assert!(
            server["command"]
                .as_str()
                .unwrap()
                .contains(&format!("--recv-size {size}")),
            "{run}"
        );
        assert_eq!(run["results"][0]["workload"], "bulk", "{run}");
        let bytes_in = server["bytes_in"].as_u64().unwrap();
        let receives = server["calls"]["receives"].as_u64().unwrap();
        let calls = server["calls"]["calls"].as_u64().unwrap();
        assert!(bytes_in > 0, "{run}");
        assert!(
            receives >= bytes_in / size,
            "{size}: {receives} receives for {bytes_in} bytes"
        );
        per_mib.push(calls as f64 / (bytes_in as f64 / 1048576.0));
    }
    assert!(
        per_mib[0] > per_mib[1] && per_mib[1] > per_mib[2],
        "{per_mib:?}"
    );
    let (status, table, err) = bench(&["--compare-buffers", "--duration", "0.2"]);
    assert!(status.success(), "{err}");
    assert!(table.contains("calls per MiB"), "{table}");
    assert!(table.contains("65,536 B"), "{table}");
}

/// The accept burst against a listener that never accepts and whose queue is already full:
/// the next SYNs are dropped, and the bench reports the drops and the queue as `ss` shows them
/// (its `d` counter and Recv-Q).
#[test]
fn accept_burst_reports_the_drops_ss_sees() {
    if !have_tool("ss") {
        return;
    }
    let (listener, _queued, addr) = full_listener();
    let port = addr.port();
    let port_s = port.to_string();
    let (status, out, err) = bench(&[
        "127.0.0.1",
        &port_s,
        "--workloads",
        "accept",
        "--burst",
        "10",
        "--json",
    ]);
    assert!(status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["results"][0]["accept"];
    // The queue holds what it held: no handshake completes, the first SYN waits in vain.
    assert_eq!(a["opened"], 0, "{a}");
    assert_eq!(a["backlog"], 0, "{a}");
    let drops = a["syn_drops"].as_u64().unwrap();
    assert!(drops >= 1, "{a}");
    let ss = std::process::Command::new("ss")
        .args(["-ltmn", &format!("sport = :{port}")])
        .output()
        .unwrap();
    let ss = String::from_utf8_lossy(&ss.stdout);
    let d: u64 = ss
        .split("d")
        .last()
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{ss}"));
    assert_eq!(drops, d, "{ss}");
    let recv_q: u64 = ss
        .lines()
        .find(|l| l.starts_with("LISTEN"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{ss}"));
    assert_eq!(a["left_in_queue"], recv_q, "{a}\n{ss}");
    drop(listener);
}

/// Against socklab's own server, which accepts: every connection opened, none left in the
/// queue, and the accepting thread's CPU per connection reported.
#[test]
fn accept_burst_finds_the_accepting_thread() {
    let (status, out, err) = bench(&["--workloads", "accept", "--burst", "50", "--json"]);
    assert!(status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["results"][0]["accept"];
    assert_eq!(a["opened"], 50, "{a}");
    assert_eq!(a["left_in_queue"], 0, "{a}");
    assert_eq!(a["backlog"], 128, "{a}");
    assert!(a["acceptor_us_per_conn"].as_f64().unwrap() > 0.0, "{a}");
    // Accepting 50 connections made 50 accept4 calls (and an exécutant's recv each).
    assert!(
        v["server"]["calls"]["calls"].as_u64().unwrap() >= 100,
        "{v}"
    );
}
