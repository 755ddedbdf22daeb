//! Step-by-step mode, scripted through standard input (no terminal here, so the keys come from
//! stdin).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use common::*;

fn syscalls(trace: &str) -> Vec<serde_json::Value> {
    json_lines(trace)
        .into_iter()
        .filter(|e| e["kind"] == "syscall" && e["phase"] != "enter")
        .collect()
}

/// Three Enters then `q`: exactly three calls ran, the process exits 0, and nothing is left
/// listening on the port.
#[test]
fn three_enters_then_quit() {
    let dir = temp_dir("step-quit");
    let trace = dir.join("t.jsonl");
    let port = closed_port();
    let mut cmd = Command::new(socklab());
    cmd.args(["--step", "--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .args(["serve", "echo", "--port", &port.to_string()]);
    let (status, _, stderr) = run_with_input(cmd, b"\n\n\nq\n");
    assert!(status.success(), "{status:?}: {stderr}");
    let calls = syscalls(&read_to_string(&trace));
    let names: Vec<&str> = calls.iter().map(|e| e["call"].as_str().unwrap()).collect();
    assert_eq!(names, ["socket", "setsockopt", "bind"], "{stderr}");
    // The prompt showed each call before it ran, and the fourth one, which never ran.
    assert!(
        stderr.contains("⏸ [veilleur] socket(AF_INET, SOCK_STREAM)"),
        "{stderr}"
    );
    assert!(stderr.contains("⏸ [veilleur] listen("), "{stderr}");
    assert!(
        stderr.contains("Enter: run · c: continue without stopping · q: quit"),
        "{stderr}"
    );
    let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// `c` lets everything through from then on; the end of the keys does too.
#[test]
fn continue_runs_the_rest() {
    let mut cmd = Command::new(socklab());
    cmd.args([
        "--step",
        "--trace",
        "off",
        "connect",
        "echo",
        "127.0.0.1",
        "1",
    ]);
    let (status, _, stderr) = run_with_input(cmd, b"c\n");
    // Port 1: refused, after the socket and connect calls both ran.
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert_eq!(
        stderr.matches('⏸').count(),
        1,
        "one prompt, then no more: {stderr}"
    );
}

/// Two exécutants at the gate at once: each prompt names its thread, and the calls run in
/// the order the prompts showed them.
#[test]
fn two_executants_go_through_in_prompt_order() {
    let dir = temp_dir("step-two");
    let trace = dir.join("t.jsonl");
    let mut child = Command::new(socklab())
        .args(["--step", "--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .args(["serve", "echo", "--port", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut keys = child.stdin.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("⏸ [") && tx.send(line).is_err() {
                break;
            }
        }
    });
    let (out_tx, out_rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let mut prompts: Vec<String> = Vec::new();
    let mut clients: Vec<TcpStream> = Vec::new();
    // Answer every prompt with Enter until both exécutants have been let through to recv
    // (one may get through several calls before the other reaches the gate).
    let first_recvs = |p: &[String]| -> Vec<&'static str> {
        let mut order = Vec::new();
        for l in p.iter().filter(|l| l.contains("recvfrom(")) {
            for name in ["exécutant-1", "exécutant-2"] {
                if l.contains(&format!("[{name}]")) && !order.contains(&name) {
                    order.push(name);
                }
            }
        }
        order
    };
    while first_recvs(&prompts).len() < 2 {
        let prompt = rx.recv_timeout(TIMEOUT).expect("a prompt");
        if prompt.contains("] accept4(") && clients.is_empty() {
            // The server listens: its banner gave the port. Two clients connect now, before
            // the veilleur's accept has even run.
            let banner = out_rx.recv_timeout(TIMEOUT).unwrap();
            let addr: std::net::SocketAddr = banner.rsplit(' ').next().unwrap().parse().unwrap();
            for _ in 0..2 {
                let mut c = TcpStream::connect(addr).unwrap();
                c.write_all(b"x").unwrap();
                clients.push(c);
            }
        }
        prompts.push(prompt);
        keys.write_all(b"\n").unwrap();
    }
    keys.write_all(b"c\n").unwrap();
    for c in clients.iter_mut() {
        let mut b = [0u8; 1];
        c.set_read_timeout(Some(TIMEOUT)).unwrap();
        c.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"x", "each client is served once let through");
    }
    drop(clients);
    sigint(child.id());
    let status = wait_timeout(&mut child, TIMEOUT).expect("exit");
    assert!(status.success());

    let prompted = first_recvs(&prompts);
    let text = read_to_string(&trace);
    let ran: Vec<String> = json_lines(&text)
        .into_iter()
        .filter(|e| e["call"] == "recvfrom" && e["phase"] == "enter")
        .map(|e| e["thread"].as_str().unwrap().to_string())
        .fold(Vec::new(), |mut first, t| {
            if t.starts_with("exécutant-") && !first.contains(&t) {
                first.push(t);
            }
            first
        });
    assert_eq!(ran, prompted, "prompts: {prompts:?}");
    assert_ne!(ran[0], ran[1], "both exécutants went through");
}
