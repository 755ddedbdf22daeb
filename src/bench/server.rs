//! A `socklab serve echo` started by the bench itself (the running executable, so the bench
//! measures exactly the server it ships with), on a free port, then stopped with SIGINT as a
//! user's Ctrl+C would.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::ValueEnum;

use crate::error::Failure;
use crate::kinds::Mode;
use crate::lang::Lang;
use crate::server::stats;
use crate::trace::Format;
use crate::trace::counters::Calls;

/// How long a server may take to print its banner, or to stop after SIGINT.
const PATIENCE: Duration = Duration::from_secs(10);

/// What server to start.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `None` for the UDP server.
    pub mode: Option<Mode>,
    pub trace: Format,
    pub trace_file: Option<PathBuf>,
    pub lang: Lang,
    /// The listen backlog: std's `TcpListener` uses 128, so the same here, for a fair
    /// comparison with servers written on it.
    pub backlog: i32,
    /// `--recv-size`: the buffer each `recv` is given (default: the server's, the labs' 1,500).
    pub recv_size: Option<usize>,
}

impl Spec {
    /// The command line, for the report: `socklab serve echo --mode threads --trace off`.
    pub fn describe(&self) -> String {
        let mut s = String::from("socklab serve echo");
        match self.mode {
            Some(m) => s.push_str(&format!(" --mode {}", m.name())),
            None => s.push_str(" --proto udp"),
        }
        if let Some(n) = self.recv_size {
            s.push_str(&format!(" --recv-size {n}"));
        }
        s.push_str(&format!(" --trace {}", format_name(self.trace)));
        if let Some(f) = &self.trace_file {
            s.push_str(&format!(" --trace-file {}", f.display()));
        }
        s
    }
}

pub fn format_name(f: Format) -> String {
    f.to_possible_value()
        .map_or_else(|| "?".into(), |v| v.get_name().to_string())
}

/// A running server.
pub struct Spawned {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    /// From the start of the process until a connection to it succeeded (for UDP: until its
    /// banner, printed once its socket is bound).
    pub ready: Duration,
    lines: Receiver<String>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Spawned {
    pub fn start(spec: &Spec) -> Result<Spawned, Failure> {
        let exe = std::env::current_exe().map_err(|e| Failure::new("current_exe", e))?;
        let mut cmd = Command::new(exe);
        cmd.args(["--color", "never", "--lang"])
            .arg(match spec.lang {
                Lang::Fr => "fr",
                Lang::En => "en",
            })
            .args(["--trace", &format_name(spec.trace)]);
        if let Some(f) = &spec.trace_file {
            cmd.arg("--trace-file").arg(f);
        }
        cmd.args(["serve", "echo", "--host", "127.0.0.1", "--port", "0"]);
        match spec.mode {
            Some(m) => {
                cmd.args(["--mode", m.name(), "--backlog", &spec.backlog.to_string()]);
            }
            None => {
                cmd.args(["--proto", "udp"]);
            }
        }
        if let Some(n) = spec.recv_size {
            cmd.arg("--recv-size").arg(n.to_string());
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::new("spawn socklab serve echo", e))?;
        let lines = read_lines(child.stdout.take());
        let stderr_tail = keep_tail(child.stderr.take());
        let banner = match lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let tail = stderr_tail
                    .lock()
                    .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default();
                return Err(Failure::new(
                    format!("start {}", spec.describe()),
                    std::io::Error::other(format!("no banner; its stderr: {tail}")),
                ));
            }
        };
        let (addr, pid) = parse_banner(&banner).ok_or_else(|| {
            Failure::new(
                "read the server's banner",
                std::io::Error::other(format!("unexpected banner: {banner}")),
            )
        })?;
        let ready = if spec.mode.is_some() {
            // The banner is printed after listen: this connection succeeds at once. It is
            // closed at once too, and the server sees a client that said nothing.
            let conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
                .map_err(|e| Failure::new(format!("connect {addr}"), e))?;
            let ready = started.elapsed();
            drop(conn);
            ready
        } else {
            started.elapsed()
        };
        Ok(Spawned {
            child,
            addr,
            pid,
            ready,
            lines,
            stderr_tail,
        })
    }

    /// Stops the server with SIGINT and returns what its summary says.
    pub fn stop(mut self) -> Result<Stopped, Failure> {
        // SAFETY: kill(2) on the process this bench started.
        unsafe { libc::kill(self.pid as i32, libc::SIGINT) };
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(Failure::new(
                        "stop the server",
                        std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "it did not exit within 10 s of SIGINT",
                        ),
                    ));
                }
            }
        };
        // The process has ended, but its last lines (the summary) may still be in the pipe,
        // not yet read by the thread that reads it: everything up to the end of the pipe.
        let mut said: Vec<String> = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => said.push(line),
                Err(_) => break,
            }
        }
        let summary = said
            .iter()
            .find(|l| l.starts_with("Summary:") || l.starts_with("Bilan :"))
            .cloned()
            .unwrap_or_default();
        let stopped = Stopped {
            bytes_in: stats::numbers(&summary).get(1).copied(),
            calls: said.iter().find_map(|l| stats::parse_calls_line(l)),
            summary,
        };
        if !status.success() {
            let tail = self
                .stderr_tail
                .lock()
                .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                .unwrap_or_default();
            return Err(Failure::new(
                "the server",
                std::io::Error::other(format!("exited with {status}: {tail}")),
            ));
        }
        Ok(stopped)
    }
}

/// What a stopped server's summary said.
#[derive(Debug, Default)]
pub struct Stopped {
    /// Its first line.
    pub summary: String,
    /// The bytes it received, all connections together.
    pub bytes_in: Option<u64>,
    /// The socket system calls it made.
    pub calls: Option<Calls>,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // A server left running by an early return is not left behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The address (the banner's last word) and the pid (`pid N`) from the first banner line, in
/// either language.
pub fn parse_banner(line: &str) -> Option<(SocketAddr, u32)> {
    let addr = line.rsplit(' ').next()?.parse().ok()?;
    let pid = line.split("pid ").nth(1)?.split(')').next()?.parse().ok()?;
    Some((addr, pid))
}

fn read_lines(out: Option<impl std::io::Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(out) = out {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// Reads stderr to the end (so the server never blocks writing to it) and keeps its last
/// lines, for an error message.
fn keep_tail(err: Option<impl std::io::Read + Send + 'static>) -> Arc<Mutex<VecDeque<String>>> {
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(err) = err {
        let keep = Arc::clone(&tail);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                let mut t = keep.lock().unwrap_or_else(|e| e.into_inner());
                if t.len() == 10 {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
    }
    tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_in_both_languages() {
        let en = "echo server (TCP, threads, pid 4242) listening on 127.0.0.1:40000";
        assert_eq!(
            parse_banner(en),
            Some(("127.0.0.1:40000".parse().unwrap(), 4242))
        );
        let fr = "serveur echo (UDP, pid 7) en écoute sur [::1]:7777";
        assert_eq!(parse_banner(fr), Some(("[::1]:7777".parse().unwrap(), 7)));
        assert_eq!(parse_banner("hello"), None);
    }
}
