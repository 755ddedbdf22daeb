//! The program under test, run as a process of its own: its command line with `{port}` and
//! `{host}` filled in, its output collected as it comes (up to a limit), every wait bounded,
//! and, when it is jailed, its resource limits and its private directory applied between
//! fork and exec (see [`limits`](super::limits)).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::limits::{self, Jail, Limit, OUTPUT_LIMIT, Watch};
use super::traced::Tracing;
use super::verdict::Reason;

/// Where the grader's peer is, for `{host}`: the loopback, always.
pub const HOST: &str = "127.0.0.1";

/// A command line to grade, before `{port}` and `{host}` are known.
#[derive(Clone, Debug)]
pub struct Program {
    pub argv: Vec<String>,
    pub dir: Option<PathBuf>,
    /// Limits and a private directory for every run (`None`: `--no-sandbox`).
    pub jail: Option<Arc<Jail>>,
    /// The limits its runs ran into, for the report.
    pub watch: Arc<Watch>,
    /// Each run under `socklab trace`, its calls written there (`None`: not traced).
    pub tracing: Option<Arc<Tracing>>,
}

impl Program {
    /// A program run as it is, without a jail.
    pub fn new(argv: Vec<String>, dir: Option<PathBuf>) -> Program {
        Program {
            argv,
            dir,
            jail: None,
            watch: Arc::default(),
            tracing: None,
        }
    }

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
        let jail = self.jail.as_deref();
        // `unshare -rn` gives the program a network namespace where nothing answers. In the
        // sandbox the program is root of its own user namespace, so the grader makes that
        // namespace itself (between fork and exec): `unshare` would have to write its
        // uid_map, a write the sandbox refuses.
        let own_netns = jail.is_some_and(|j| j.sandboxed) && wrapper == ["unshare", "-rn"];
        let wrapper = if own_netns { &[][..] } else { wrapper };
        let mut full: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
        full.extend(line.iter().cloned());
        let shown = full.join(" ");
        if let Some(t) = &self.tracing {
            full = t.wrap(&full);
        }
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
        if let Some(j) = jail {
            // Where it may write: temporary files go there.
            cmd.env("TMPDIR", &j.dir);
        }
        // Its own process group: stopping it stops whatever it started (a shell script,
        // `unshare`), and Ctrl+C can be sent to the group as a terminal does.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let confine = jail.map(Jail::pre_exec);
        // socklab blocks SIGINT, SIGTERM and SIGHUP in its main thread (see `signals`), and a
        // blocked mask survives exec: the program would never see the grader's Ctrl+C.
        // SAFETY: the closure runs in the child between fork and exec and only makes system
        // calls (sigprocmask, unshare, setrlimit, prctl, landlock_restrict_self) on values
        // copied in before the fork: all async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
                if own_netns && libc::unshare(libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                match confine {
                    Some(c) => c.apply(),
                    None => Ok(()),
                }
            });
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|e| {
            Reason::new(
                format!("impossible de lancer « {shown} » : {e}"),
                format!("cannot start `{shown}`: {e}"),
            )
        })?;
        let pgid = child.id() as i32;
        let (drained_tx, drained) = crossbeam_channel::unbounded();
        let stdout = collect(child.stdout.take(), pgid, &self.watch, drained_tx.clone());
        let stderr = collect(child.stderr.take(), pgid, &self.watch, drained_tx);
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
            drained,
            stdout,
            stderr,
            status: None,
            keyboard,
            watch: Arc::clone(&self.watch),
            confined: jail.is_some_and(Jail::confines_writes),
            sandboxed: jail.is_some_and(|j| j.sandboxed),
            overdue: None,
            traced: self.tracing.is_some(),
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

/// Collects what comes out of `pipe`, at most [`OUTPUT_LIMIT`] bytes: a program that prints
/// more is stopped (its process group `pgid` killed), and the watch says why.
/// `drained` hears once the pipe's end was read (every byte the program wrote is kept).
fn collect(
    pipe: Option<impl Read + Send + 'static>,
    pgid: i32,
    watch: &Arc<Watch>,
    drained: crossbeam_channel::Sender<()>,
) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = pipe {
        let sink = Arc::clone(&buf);
        let watch = Arc::clone(watch);
        std::thread::spawn(move || {
            // Said when this thread ends, however it ends.
            let _drained = Defer(drained);
            let mut chunk = [0u8; 16 * 1024];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                let mut kept = sink.lock().unwrap_or_else(|e| e.into_inner());
                let room = OUTPUT_LIMIT - kept.len();
                kept.extend_from_slice(&chunk[..n.min(room)]);
                if n > room {
                    drop(kept);
                    watch.note(Limit::Output);
                    // SAFETY: kill(2) on the process group of the program, which is still
                    // writing, so the group exists.
                    unsafe { libc::kill(-pgid, libc::SIGKILL) };
                    // Nothing more is kept; the pipe is closed, so a writer left in the
                    // group cannot block on it.
                    return;
                }
            }
        });
    } else {
        let _ = drained.send(());
    }
    buf
}

/// Sends on drop.
struct Defer(crossbeam_channel::Sender<()>);

impl Drop for Defer {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// How long, at most, the output of a program that exited is awaited: a process it started
/// may still hold its pipes open.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// How long a traced run may take to end once asked: the tracer kills the program and
/// writes what is left of its trace.
const TRACE_STOP_LIMIT: Duration = Duration::from_secs(3);

/// A program running under the grader. Dropping it kills it (and its process group).
pub struct Running {
    child: Child,
    /// Hears once per output pipe read to its end.
    drained: crossbeam_channel::Receiver<()>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    status: Option<ExitStatus>,
    /// The standard input still open, for a program started with [`Program::start_typing`].
    keyboard: Option<ChildStdin>,
    watch: Arc<Watch>,
    /// Its writes are confined to its private directory.
    confined: bool,
    /// It runs in the sandbox's PID namespace, whose tasks can be counted.
    sandboxed: bool,
    /// The grader waited this long for its end, in vain.
    overdue: Option<Duration>,
    /// It runs under `socklab trace`, which stands between the grader and the program.
    traced: bool,
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
                // The output threads take the last bytes out of the pipes: wait until both
                // read the end (bounded: a process the program started may keep them open).
                let until = Instant::now() + DRAIN_LIMIT;
                for _ in 0..2 {
                    if self.drained.recv_deadline(until).is_err() {
                        break;
                    }
                }
                return Some(s);
            }
            if Instant::now() > deadline {
                // A short wait is a pause; a long one was the time the program had to end.
                if limit >= Duration::from_secs(1) {
                    self.overdue = Some(limit);
                }
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
            if let Some(waited) = self.overdue {
                self.watch.note(Limit::Time {
                    secs: waited.as_secs(),
                });
            }
            if self.traced {
                self.stop_trace();
            }
            self.signal(libc::SIGKILL);
            let _ = self.child.wait();
        }
        // Whatever it started in its group goes too.
        self.signal(libc::SIGKILL);
    }

    /// Ends a traced run with its trace whole: socklab trace kills the program itself and
    /// writes the last events (SIGKILL to socklab would lose them). Bounded: past
    /// [`TRACE_STOP_LIMIT`] the caller's SIGKILL ends both.
    fn stop_trace(&mut self) {
        let tracer = self.child.id();
        crate::procfs::settle(
            || crate::procfs::descendants(tracer),
            crate::procfs::SETTLE_LIMIT,
        );
        // SAFETY: kill(2) on our own child, the tracer, which is still running.
        unsafe { libc::kill(self.child.id() as i32, crate::ptrace::STOP_SIGNAL) };
        let until = Instant::now() + TRACE_STOP_LIMIT;
        while Instant::now() < until {
            // Not kept as the program's status: it was stopped, as an untraced one is killed.
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
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
        // Counted before the kill: the processes it forked are in its group and die with it.
        if self.sandboxed
            && let Some(n) = super::sandbox::tasks_in_this_pid_namespace()
            && n + 2 >= limits::LIMITS.processes
        {
            self.watch.note(Limit::Processes { seen: Some(n) });
        }
        self.kill();
        for limit in limits::from_ending(self.status, &self.stderr_text(), self.confined) {
            self.watch.note(limit);
        }
    }
}

/// The name of a signal a program may die of, and what it means here.
fn signal_name(sig: i32) -> (&'static str, &'static str, &'static str) {
    match sig {
        libc::SIGKILL => ("SIGKILL", "", ""),
        libc::SIGSEGV => ("SIGSEGV", "", ""),
        libc::SIGABRT => ("SIGABRT", "", ""),
        libc::SIGINT => ("SIGINT", "", ""),
        libc::SIGTERM => ("SIGTERM", "", ""),
        libc::SIGPIPE => ("SIGPIPE", "", ""),
        libc::SIGXCPU => (
            "SIGXCPU",
            " : son temps processeur est épuisé",
            ": its CPU time ran out",
        ),
        libc::SIGXFSZ => (
            "SIGXFSZ",
            " : fichier trop grand",
            ": a file grew past the size limit",
        ),
        _ => ("", "", ""),
    }
}

pub fn status_fr(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("code de sortie {c}"),
        (None, Some(sig)) => match signal_name(sig) {
            ("", _, _) => format!("tué par le signal {sig}"),
            (name, why, _) => format!("tué par le signal {sig}, {name}{why}"),
        },
        _ => "fin inconnue".into(),
    }
}

pub fn status_en(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(sig)) => match signal_name(sig) {
            ("", _, _) => format!("killed by signal {sig}"),
            (name, _, why) => format!("killed by signal {sig}, {name}{why}"),
        },
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
