//! The program under test, run as a process of its own: its command line with `{port}` and
//! `{host}` filled in, its output collected as it comes, and every wait bounded.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::verdict::Reason;

/// Where the grader's peer is, for `{host}`: the loopback, always.
pub const HOST: &str = "127.0.0.1";

/// A command line to grade, before `{port}` and `{host}` are known.
#[derive(Clone, Debug)]
pub struct Program {
    pub argv: Vec<String>,
    pub dir: Option<PathBuf>,
}

impl Program {
    /// The command with `{port}` and `{host}` replaced.
    pub fn command_line(&self, host: &str, port: u16) -> Vec<String> {
        self.argv
            .iter()
            .map(|a| {
                a.replace("{port}", &port.to_string())
                    .replace("{host}", host)
            })
            .collect()
    }

    /// Starts the program for `port` (and `host`), with `input` on its standard input (`None`:
    /// nothing, the input is closed). `wrapper` goes in front (`unshare -rn`).
    pub fn start(
        &self,
        host: &str,
        port: u16,
        input: Option<&[u8]>,
        wrapper: &[&str],
    ) -> Result<Running, Reason> {
        let stdin = match input {
            Some(data) => Stdin::Given(data),
            None => Stdin::Closed,
        };
        self.launch(host, port, stdin, wrapper)
    }

    /// Starts the program with its standard input left open and empty, as a terminal where
    /// nothing is typed yet: [`Running::type_text`] types, [`Running::end_input`] is Ctrl+D.
    pub fn start_typing(&self, host: &str, port: u16) -> Result<Running, Reason> {
        self.launch(host, port, Stdin::Keyboard, &[])
    }

    fn launch(
        &self,
        host: &str,
        port: u16,
        input: Stdin,
        wrapper: &[&str],
    ) -> Result<Running, Reason> {
        let line = self.command_line(host, port);
        let mut full: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
        full.extend(line.iter().cloned());
        let mut cmd = Command::new(&full[0]);
        cmd.args(&full[1..])
            .env("PORT", port.to_string())
            // Only what the program prints is judged: no socklab trace in its stderr.
            .env("SOCKLAB_TRACE", "off")
            .env("NO_COLOR", "1")
            // A panic is reported by its message, not by a backtrace.
            .env("RUST_BACKTRACE", "0")
            // Python buffers stdout when it is not a terminal: a line printed would only
            // show up at exit. Unbuffered, it behaves as in the student's terminal.
            .env("PYTHONUNBUFFERED", "1")
            .stdin(match input {
                Stdin::Closed => Stdio::null(),
                Stdin::Given(_) | Stdin::Keyboard => Stdio::piped(),
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: stopping it stops whatever it started (a shell script,
        // `unshare`), and Ctrl+C can be sent to the group as a terminal does.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        // socklab blocks SIGINT, SIGTERM and SIGHUP in its main thread (see `signals`), and a
        // blocked mask survives exec: the program would never see the grader's Ctrl+C.
        // SAFETY: the closure runs in the child between fork and exec and only calls
        // sigemptyset and sigprocmask, which are async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|e| {
            Reason::new(
                format!("impossible de lancer « {} » : {e}", full.join(" ")),
                format!("cannot start `{}`: {e}", full.join(" ")),
            )
        })?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        let mut keyboard = None;
        match (child.stdin.take(), input) {
            (Some(mut pipe), Stdin::Given(data)) => {
                // Written from a thread: a program that never reads must not block the grader.
                // The pipe is closed after the input, so the program then sees the end of input.
                let data = data.to_vec();
                std::thread::spawn(move || {
                    let _ = pipe.write_all(&data);
                });
            }
            (pipe, Stdin::Keyboard) => keyboard = pipe,
            _ => {}
        }
        Ok(Running {
            child,
            stdout,
            stderr,
            status: None,
            keyboard,
        })
    }
}

/// What the program finds on its standard input.
enum Stdin<'a> {
    /// Nothing: the end of input at once.
    Closed,
    /// These bytes, then the end of input.
    Given(&'a [u8]),
    /// An open pipe the grader writes to when it chooses, as someone typing.
    Keyboard,
}

fn collect(pipe: Option<impl Read + Send + 'static>) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = pipe {
        let sink = Arc::clone(&buf);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&chunk[..n]);
            }
        });
    }
    buf
}

/// A program running under the grader. Dropping it kills it (and its process group).
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    status: Option<ExitStatus>,
    /// The standard input still open, for a program started with [`Program::start_typing`].
    keyboard: Option<ChildStdin>,
}

impl Running {
    /// What the program printed so far on stdout.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout()).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Everything it printed, stdout then stderr.
    pub fn output_text(&self) -> String {
        format!("{}{}", self.stdout_text(), self.stderr_text())
    }

    /// Waits until stdout contains `needle`, at most `limit`.
    pub fn wait_stdout(&mut self, needle: &[u8], limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if contains(&self.stdout(), needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            if self.exited().is_some() {
                // The pipe may still hold the last lines: one more look after a moment.
                std::thread::sleep(Duration::from_millis(50));
                return contains(&self.stdout(), needle);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Types `text` on the program's standard input (started with [`Program::start_typing`]).
    /// A short text fits in the pipe's buffer (64 KiB): this does not wait for the program to
    /// read it.
    pub fn type_text(&mut self, text: &[u8]) -> Result<(), Reason> {
        let written = match self.keyboard.as_mut() {
            Some(pipe) => pipe.write_all(text).and_then(|_| pipe.flush()),
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        };
        written.map_err(|e| {
            Reason::new(
                format!("impossible d'écrire sur l'entrée standard du programme : {e}"),
                format!("cannot write to the program's standard input: {e}"),
            )
        })
    }

    /// Closes the program's standard input: the end of input, Ctrl+D in a terminal.
    pub fn end_input(&mut self) {
        self.keyboard = None;
    }

    /// The exit status, if the program has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits for the program to end, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.exited() {
                // Let the output threads take the last bytes out of the pipes.
                std::thread::sleep(Duration::from_millis(30));
                return Some(s);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` to the program's process group.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the process group of a child we started (its pgid is its pid).
        unsafe { libc::kill(-(self.child.id() as i32), signal) };
    }

    /// Stops the program at once (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if self.exited().is_none() {
            self.signal(libc::SIGKILL);
            let _ = self.child.wait();
        }
        // Whatever it started in its group goes too.
        self.signal(libc::SIGKILL);
    }

    /// How the program ended, said for a student: the status, and the last lines it printed
    /// on stderr (a Python traceback's last line, a Rust panic message).
    pub fn ending(&mut self) -> Reason {
        let stderr = self.stderr_text();
        // A Rust panic: its place and its message (a todo!() says what is left to write).
        let panic = stderr
            .lines()
            .position(|l| l.contains("panicked at"))
            .map(|i| {
                let lines: Vec<&str> = stderr.lines().skip(i).take(2).map(str::trim).collect();
                shorten(&lines.join(" "), 400)
            });
        let tail = panic.unwrap_or_else(|| last_lines(&stderr, 4));
        let tail_fr = if tail.is_empty() {
            String::new()
        } else {
            format!(" ; il a écrit : {tail}")
        };
        let tail_en = if tail.is_empty() {
            String::new()
        } else {
            format!("; it wrote: {tail}")
        };
        match self.exited() {
            Some(s) => Reason::new(
                format!("le programme s'est terminé ({}){tail_fr}", status_fr(s)),
                format!("the program ended ({}){tail_en}", status_en(s)),
            ),
            None => Reason::new(
                format!("le programme tourne toujours{tail_fr}"),
                format!("the program is still running{tail_en}"),
            ),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn status_fr(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("code de sortie {c}"),
        (None, Some(sig)) => format!("tué par le signal {sig}"),
        _ => "fin inconnue".into(),
    }
}

pub fn status_en(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "unknown end".into(),
    }
}

/// The last `n` non-empty lines of `text`, joined with " | ", at most 400 characters.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let joined = lines[lines.len().saturating_sub(n)..].join(" | ");
    shorten(&joined, 400)
}

/// `text` cut to `max` characters, with "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
