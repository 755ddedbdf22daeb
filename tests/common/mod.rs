//! Helpers shared by the integration tests: start socklab as a real process, read the port it
//! got back from its banner, stop it with SIGINT, run it with input, and find the system tools
//! the tests need. Client sockets are in [`net`], a deterministic generator in [`rng`].
#![allow(dead_code)]

mod net;
mod rng;

// Not every test uses every helper.
#[allow(unused_imports)]
pub use net::*;
#[allow(unused_imports)]
pub use rng::Rng;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
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

/// True when this machine lets an unprivileged process make an empty network namespace
/// (`unshare -rn`) and run `probe` in it; `tools` are the other tools the caller needs there.
/// When it does not, the test is skipped with a message, or fails under
/// `SOCKLAB_REQUIRE_TOOLS=1`.
pub fn have_netns(tools: &[&str], probe: &[&str]) -> bool {
    if !have_tool("unshare") || !tools.iter().all(|t| have_tool(t)) {
        return false;
    }
    let ok = Command::new("unshare")
        .arg("-rn")
        .args(probe)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("`unshare -rn` is required (SOCKLAB_REQUIRE_TOOLS=1) but does not work here");
        }
        eprintln!("skipped: `unshare -rn` does not work here");
    }
    ok
}

/// `unshare -rn sh -c 'ip link set lo up; exec "$@"' sh`, to which the command to run in a
/// network namespace of its own (loopback up, any port free) is appended as arguments.
pub fn in_new_netns() -> Command {
    let mut c = Command::new("unshare");
    c.args([
        "-rn",
        "sh",
        "-c",
        "ip link set lo up || exit 91; exec \"$@\"",
        "sh",
    ]);
    c
}

/// The Python interpreter itself, not a wrapper script (a version manager's shim is a shell
/// script that starts other processes before Python, which a tracer would trace too): `None`
/// without Python.
pub fn python_executable() -> Option<&'static str> {
    static PY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        if !have_tool("python3") {
            return None;
        }
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()?;
        Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
    })
    .as_deref()
}

/// The labs' step 03 server (solutions/python) with its one `setsockopt(SO_REUSEADDR)` line
/// taken out, written in `dir`.
pub fn step03_without_reuseaddr(dir: &Path) -> PathBuf {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("solutions/python/03_echo_server_tcp.py");
    let text = std::fs::read_to_string(lab).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("SO_REUSEADDR, 1)"))
        .collect();
    assert_eq!(kept.len() + 1, text.lines().count(), "one line taken out");
    let path = dir.join("03_sans_reuseaddr.py");
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    path
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    // One number per call: the tests of a binary run side by side in one process, and two
    // of them may ask for the same name (two plays of one demo).
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("socklab-test-{name}-{}-{n}", std::process::id()));
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
        let rx = lines_in_background(child.stdout.take().unwrap());
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
        sigint(self.pid);
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

/// Stops the server with SIGINT, as Ctrl+C does: it must exit 0, without a panic, within
/// `TIMEOUT`. Returns its stdout after the banner (the printed messages, the summary), lines
/// joined, and its stderr.
pub fn stop(server: Server) -> (String, String) {
    server.interrupt();
    let (status, rest, stderr) = server.wait();
    assert!(status.success(), "server exit {status:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (rest.join("\n"), stderr)
}

/// The `Summary: ...` line of what a server printed when it stopped.
pub fn summary_line(printed: &str) -> &str {
    printed
        .lines()
        .find(|l| l.starts_with("Summary:"))
        .unwrap_or_else(|| panic!("no summary: {printed}"))
}

/// `socklab serve SERVICE --port 0 --trace off --lang en EXTRA...`, started.
pub fn serve(service: &str, extra: &[&str]) -> Server {
    let mut args = vec![service, "--port", "0", "--trace", "off", "--lang", "en"];
    args.extend_from_slice(extra);
    Server::start(serve_command(&args))
}

/// Sends SIGINT to a process this test started.
pub fn sigint(pid: u32) {
    // SAFETY: kill(2) on a pid the test started.
    unsafe { libc::kill(pid as i32, libc::SIGINT) };
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child killed and reaped when the test lets go of it, the test failing or not: a panic
/// between the spawn and the wait must not leave the program running (killing `socklab trace`
/// takes its traced program along: `PTRACE_O_EXITKILL`).
pub struct Reaped(pub Child);

impl std::ops::Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(Some(_))) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
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

/// Starts `command` with its three streams piped, and writes `input` to its stdin from another
/// thread, then closes it: the child, and that thread.
pub fn spawn_with_input(mut command: Command, input: &[u8]) -> (Child, JoinHandle<()>) {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    (child, feeder)
}

/// Reads `stream` line by line on another thread, each line passed on as it comes (until the
/// end of the stream, or a line that is no UTF-8).
pub fn lines_in_background(stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads `stream` to its end on another thread: what it read, once the thread is joined.
pub fn read_all_in_background(mut stream: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stream.read_to_end(&mut v);
        v
    })
}

/// Runs a command with `input` on stdin, within `TIMEOUT`; returns (status, stdout, stderr).
pub fn run_with_input(command: Command, input: &[u8]) -> (ExitStatus, Vec<u8>, String) {
    let (mut child, feeder) = spawn_with_input(command, input);
    let out_reader = read_all_in_background(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
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

/// [`run_with_input`], its result as an [`Output`].
pub fn output_with_input(command: Command, input: &[u8]) -> Output {
    let (status, stdout, stderr) = run_with_input(command, input);
    Output {
        status,
        stdout,
        stderr: stderr.into_bytes(),
    }
}

/// `socklab --lang LANG ARGS...`, with `input` on stdin, within `TIMEOUT`.
pub fn socklab_run(lang: &str, args: &[&str], input: &[u8]) -> Output {
    let mut c = Command::new(socklab());
    c.args(["--lang", lang]).args(args);
    output_with_input(c, input)
}

/// `socklab --lang LANG --trace json --trace-file TRACE ARGS...`, with `input` on stdin, within
/// `TIMEOUT`.
pub fn socklab_json(lang: &str, trace: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut c = Command::new(socklab());
    c.args(["--lang", lang, "--trace", "json", "--trace-file"])
        .arg(trace)
        .args(args);
    output_with_input(c, input)
}

/// `socklab ARGS...` run in `dir`, stdin empty, to its end however long it takes (a check may
/// build a step with cargo first).
pub fn socklab_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(socklab())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run socklab {args:?}: {e}"))
}

/// stderr as text, for assertions and failure messages.
pub fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure a user can act on: a message, no panic, no backtrace.
pub fn assert_clean_failure(out: &Output, code: i32) {
    let stderr = err(out);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains("socklab: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

pub fn read_to_string(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON Lines text (socklab's JSON trace), one value a line; a line that is no JSON fails
/// the test.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}
