//! Helpers shared by the integration tests: start socklab as a real process, read the port it
//! got back from its banner, stop it with SIGINT, and find the system tools the tests need.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Upper bound for anything a test waits on.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn socklab() -> &'static str {
    env!("CARGO_BIN_EXE_socklab")
}

/// True when `tool` is on the PATH. When it is not, the test is skipped with a message, or,
/// under `SOCKLAB_REQUIRE_TOOLS=1` (CI), fails.
pub fn have_tool(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    if !found {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("{tool} is required (SOCKLAB_REQUIRE_TOOLS=1) but not installed");
        }
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "socklab-test-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running server process, its port read back from the banner.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// The pid printed in the banner: the socklab process itself, even under strace.
    pub pid: u32,
    /// The rest of stdout, line by line, as it comes.
    pub lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `command` (socklab, or strace running socklab) and waits for the banner.
    pub fn start(mut command: Command) -> Server {
        command.stdout(Stdio::piped()).stdin(Stdio::null());
        let mut child = command.spawn().expect("spawn server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let banner = match rx.recv_timeout(TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "no banner from the server; stderr:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        let addr: SocketAddr = banner
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address at the end of the banner: {banner}"));
        let pid: u32 = banner
            .split("pid ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no pid in the banner: {banner}"));
        Server {
            child,
            addr,
            pid,
            lines: rx,
        }
    }

    /// Sends SIGINT to the socklab process, as Ctrl+C does.
    pub fn interrupt(&self) {
        // SAFETY: kill(2) on a pid we started.
        unsafe { libc::kill(self.pid as i32, libc::SIGINT) };
    }

    /// Waits for the process (strace, if it runs under strace) to exit, within `TIMEOUT`.
    pub fn wait(mut self) -> (ExitStatus, Vec<String>, String) {
        let status = wait_timeout(&mut self.child, TIMEOUT).expect("server did not exit in time");
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        // The process has exited, but the thread reading its stdout may not have passed the
        // last lines on yet: read until it has seen the end of the pipe (bounded).
        let mut rest: Vec<String> = Vec::new();
        let deadline = Instant::now() + TIMEOUT;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            rest.push(line);
        }
        (status, rest, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child with a deadline; kills it and returns `None` past the deadline.
pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `socklab serve ...` with the given arguments (port 0 and the trace to a file added by the
/// caller as needed).
pub fn serve_command(args: &[&str]) -> Command {
    let mut c = Command::new(socklab());
    c.arg("serve").args(args).stderr(Stdio::piped());
    c
}

/// Sends `msg` over `stream` and reads back exactly as many bytes.
pub fn echo_round_trip(stream: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    // Write from another thread: a large message would fill both directions' buffers if
    // this thread wrote it all before reading.
    let mut writer = stream.try_clone().unwrap();
    let data = msg.to_vec();
    let sender = std::thread::spawn(move || writer.write_all(&data).unwrap());
    let mut got = vec![0u8; msg.len()];
    stream.read_exact(&mut got).unwrap();
    sender.join().unwrap();
    got
}

/// Runs a command with `input` on stdin, within `TIMEOUT`; returns (status, stdout, stderr).
pub fn run_with_input(mut command: Command, input: &[u8]) -> (ExitStatus, Vec<u8>, String) {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = wait_timeout(&mut child, TIMEOUT).expect("command did not finish in time");
    feeder.join().unwrap();
    (
        status,
        out_reader.join().unwrap(),
        err_reader.join().unwrap(),
    )
}

pub fn read_to_string(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
