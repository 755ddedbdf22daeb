//! Process per connection: the course's veilleur and exécutant as processes, with `fork`.
//!
//! The veilleur (the parent process, this function) owns the listening socket and only
//! accepts. For each connection it calls `fork`: the kernel copies the process, its
//! descriptors included, so that both processes now hold both sockets. Each closes the one it
//! does not use. The parent closes the connected socket: that `close` sends nothing, since
//! the child's descriptor keeps the connection open, but without it the parent would keep
//! every connection it ever handed over, and the child's `close` would not end its own. The
//! child closes the listening socket, serves its client with the same conversation as the
//! other modes, closes the connection and leaves with `_exit`.
//!
//! A child is a copy of the one thread that called `fork`: the trace writer, the stepper and
//! the Ctrl+C thread stay in the parent. The child sends its events up a pipe, and a thread of
//! the parent, one per child, hands them to the writer and answers the child's step requests
//! (see `trace::remote`). The same thread reaps the child when it ends.
//!
//! Ctrl+C stops the veilleur from accepting. It cannot shut the children's connections down
//! as the threads mode does (it closed its descriptors of them): it gives the children the
//! same grace period to finish with their clients, then kills those still running. Ctrl+C at
//! a terminal reaches the children too (it signals the whole process group), and they end at
//! once. The summary names each child by its pid, and how it ended when it did not end by
//! itself.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::shutdown::GRACE;
use super::stats::{ConnRecord, Counts};
use super::threads::EXECUTANT_STACK;
use super::{Ctx, accept_next, admit, conversation, converse, leave};
use crate::error::Failure;
use crate::lang::Lang;
use crate::sock::Socket;
use crate::trace::remote::{self, Inbox, Wire};
use crate::trace::{self, Kind, Note, Phase, Role};
use crate::{output, step};

pub fn run(listener: &Arc<Socket>, ctx: &Arc<Ctx>) -> Result<(), Failure> {
    block_sigchld();
    let mut children = Children::new();
    let served = loop {
        match accept_next(listener, ctx) {
            Ok(Some((conn, peer))) => {
                if admit(&conn, peer, ctx) {
                    children.fork(listener, conn, peer, ctx);
                }
            }
            Ok(None) => break Ok(()),
            Err(f) => break Err(f),
        }
    };
    children.finish(ctx.lang);
    served
}

/// Blocks SIGCHLD in the veilleur's thread (and so in the threads it starts; the children
/// unblock everything). The kernel sends SIGCHLD to the parent whenever a child ends. Left at
/// its default action it is thrown away at once, except in a process under `ptrace`: the
/// tracer is told of every signal, and the veilleur's blocked `accept` is interrupted and
/// started again, which `strace -f` shows as `accept4(...) = ? ERESTARTSYS` followed by a
/// second `accept4` that the program never made. Blocked here, it goes to a thread that
/// makes no socket call. Reaping does not need the signal (see [`reap`]).
fn block_sigchld() {
    // SAFETY: signal-set manipulation on a zeroed set, then pthread_sigmask on this thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// One exécutant process, as the veilleur knows it.
struct Child {
    pid: libc::pid_t,
    name: String,
    /// Set, under the lock, once the child was reaped: from then on its pid may belong to
    /// another process, which `kill` must never reach.
    reaped: Arc<Mutex<bool>>,
    /// The thread that reads the child's pipe and reaps it.
    reader: JoinHandle<()>,
}

/// The exécutant processes a veilleur started, numbered in accept order.
struct Children {
    list: Vec<Child>,
    count: u32,
    /// Each reader says here that its child has ended and was reaped.
    ended_tx: Sender<()>,
    ended_rx: Receiver<()>,
}

impl Children {
    fn new() -> Children {
        let (ended_tx, ended_rx) = crossbeam_channel::unbounded();
        Children {
            list: Vec::new(),
            count: 0,
            ended_tx,
            ended_rx,
        }
    }

    /// Forks an exécutant for `conn`; in the parent, closes `conn` and starts the thread that
    /// follows the child.
    fn fork(&mut self, listener: &Socket, conn: Socket, peer: SocketAddr, ctx: &Arc<Ctx>) {
        let pipes = match Pipes::new(step::active()) {
            Ok(p) => p,
            Err(e) => {
                // Out of descriptors, most likely: this client cannot be served; dropping
                // `conn` closes it (traced).
                eprintln!("socklab: pipe: {e}");
                leave(ctx);
                return;
            }
        };
        let n = self.count + 1;
        // The locks the child's traced calls may take, held across the fork (in this order, the
        // one the Ctrl+C thread takes them in): the sockets' registry, and the kernel view's
        // list of ports.
        let quiet = (ctx.shutdown.hold(), crate::kernel::watch::hold());
        // SAFETY: the child runs `child`, which never returns and only does what is safe in
        // the child of a multithreaded process (see there).
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // The registry stays locked in the child, which never touches it; the list of
            // ports is free again for the child's own probes.
            let (registry, ports) = quiet;
            std::mem::forget(registry);
            drop(ports);
            child(listener, conn, n, &pipes, ctx);
        }
        drop(quiet);
        if pid < 0 {
            let e = io::Error::last_os_error();
            eprintln!("socklab: fork: {e}");
            leave(ctx);
            return;
        }
        self.count = n;
        let name = Note::executant_name(n);
        // Noted before the child's first event can be read (its reader starts below).
        trace::note(Note::HandOver {
            fd: conn.fd(),
            peer,
            executant: n,
        });
        // The child's ends are the child's now: the parent closes its copies. Once it closed
        // the events' write end, the end of that pipe means the child is gone.
        let Pipes { events, answers } = pipes;
        let (events, child_end) = events;
        drop(child_end);
        let answers = answers.map(|(child_end, w)| {
            drop(child_end);
            w
        });
        // The lesson of this mode: the parent closes the connected socket (the child's
        // descriptor keeps the connection open).
        conn.set_shared();
        let _ = conn.close();
        let reaped = Arc::new(Mutex::new(false));
        let follow = Follow {
            pid,
            name: name.clone(),
            peer,
            reaped: Arc::clone(&reaped),
            ctx: Arc::clone(ctx),
            ended: self.ended_tx.clone(),
        };
        // Not named after the exécutant: that one is the child process; this thread only
        // follows it.
        let spawned = std::thread::Builder::new()
            .name(format!("child-{n}"))
            .stack_size(EXECUTANT_STACK)
            .spawn(move || follow.run(events, answers));
        match spawned {
            Ok(reader) => self.list.push(Child {
                pid,
                name,
                reaped,
                reader,
            }),
            Err(e) => {
                // Nobody would read its pipe nor reap it: end it now.
                eprintln!("socklab: {name}: cannot start a thread: {e}");
                // SAFETY: `pid` is our child, not yet reaped.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                let _ = wait_for(pid);
                leave(ctx);
            }
        }
        // Forget the children already reaped, so the list stays short.
        self.list.retain(|c| !c.reader.is_finished());
    }

    /// After the last `accept`: waits up to the grace period for the children still serving,
    /// kills the rest, and waits until every one of them is reaped and recorded.
    fn finish(mut self, lang: Lang) {
        let deadline = Instant::now() + GRACE;
        loop {
            self.list.retain(|c| !c.reader.is_finished());
            if self.list.is_empty() || self.ended_rx.recv_deadline(deadline).is_err() {
                break;
            }
        }
        for c in &self.list {
            let reaped = c.reaped.lock().unwrap_or_else(|e| e.into_inner());
            if !*reaped {
                eprintln!(
                    "{}",
                    match lang {
                        Lang::Fr => format!(
                            "socklab: {} (pid {}) sert encore son client après {} s : tué (SIGKILL)",
                            c.name,
                            c.pid,
                            GRACE.as_secs()
                        ),
                        Lang::En => format!(
                            "socklab: {} (pid {}) still serving its client after {} s: killed (SIGKILL)",
                            c.name,
                            c.pid,
                            GRACE.as_secs()
                        ),
                    }
                );
                // SAFETY: the child is not reaped (the lock is held), so `pid` is still ours.
                unsafe { libc::kill(c.pid, libc::SIGKILL) };
            }
        }
        // Their pipes end as they die: each reader reaps its child and records it.
        for c in self.list {
            let _ = c.reader.join();
        }
    }
}

/// A child's two pipes, created before the fork: its events up to the parent, and in step
/// mode the gate's answers down to it.
struct Pipes {
    /// (read end, write end).
    events: (OwnedFd, OwnedFd),
    answers: Option<(OwnedFd, OwnedFd)>,
}

impl Pipes {
    fn new(stepping: bool) -> io::Result<Pipes> {
        Ok(Pipes {
            events: pipe()?,
            answers: if stepping { Some(pipe()?) } else { None },
        })
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both were just created and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The exécutant process, from the fork to `_exit`.
///
/// After `fork` in a multithreaded process, the child has only the thread that called it,
/// and a copy of every lock as it was at that moment: one that another thread held (the
/// trace writer's stderr lock, the channel to the writer, a socket registry's) stays held for
/// ever, and taking it would hang the child. So the child takes none of them: its events go
/// up the pipe with raw `write`s, its output (the message service's `Reçu : ...`) goes to fd 1
/// with `write` too, not through Rust's stdout (see `output::raw_stdout`); it never records
/// into the shared statistics (it sends its counts to the parent instead) nor touches the
/// shutdown registry (the veilleur forked holding that lock, so that no Ctrl+C thread was in
/// the middle of a call on a socket; no socket's own lock is held then either). Memory is the
/// C library's `malloc`, which glibc keeps usable across `fork`.
fn child(listener: &Socket, conn: Socket, n: u32, pipes: &Pipes, ctx: &Ctx) -> ! {
    default_signals();
    let events = pipes.events.1.as_raw_fd();
    let answers = pipes.answers.as_ref().map(|(r, _)| r.as_raw_fd());
    let mut keep = vec![listener.fd(), conn.fd(), events];
    keep.extend(answers);
    close_other_descriptors(&mut keep);
    remote::become_child(events, answers);
    output::raw_stdout();
    trace::set_thread(&Note::executant_name(n), Role::Executant);
    let served = std::panic::catch_unwind(AssertUnwindSafe(move || {
        // The child accepts no one: its copy of the listening socket goes first. The
        // parent's keeps listening.
        let _ = listener.close_inherited();
        let mut counts = Counts::default();
        if let Some(conv) = conversation(ctx) {
            // A client that resets or vanishes ends this child, not the server: the failed
            // call is in the trace with its errno.
            let _ = converse(&conn, conv, &mut counts, ctx);
        }
        let _ = conn.close();
        trace::note(Note::ThreadEnd);
        counts
    }));
    let code = match served {
        Ok(counts) => {
            remote::done(counts.bytes_in, counts.bytes_out);
            0
        }
        Err(_) => 101,
    };
    // `_exit`, not `exit`: nothing of the parent's may run here (atexit handlers, the
    // buffers of its stdio, destructors of objects it shares with its other threads).
    // SAFETY: ends the process at once.
    unsafe { libc::_exit(code) }
}

/// In the child: SIGINT, SIGTERM and SIGHUP back to their default action and nothing blocked.
/// socklab blocks them in its threads, and has the parent's Ctrl+C thread catch them; that
/// thread is not in the child. So Ctrl+C on the terminal, which signals the whole process
/// group, ends the children at once, and the veilleur's `kill` always works.
fn default_signals() {
    // SAFETY: signal() to SIG_DFL and sigprocmask on an empty set: plain system calls.
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_DFL);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
}

/// In the child: closes every descriptor it inherited but does not use, all but stdio and
/// `keep`: the other children's pipes and the parent's ends of its own (so that the parent's
/// end really means "gone"), the trace file, the Ctrl+C thread's pipe; in a demo, also the
/// scripted clients' sockets, which live in the same process as the server: a copy left open
/// here would keep a client's connection open after the client's `close`. None of these is a
/// socket of the lesson (in `serve`, the only sockets are the listening one and this
/// connection), so this is one untraced `close_range` per gap rather than traced `close`s,
/// and `strace -e trace=close` does not list it either.
fn close_other_descriptors(keep: &mut [RawFd]) {
    keep.sort_unstable();
    let mut from: RawFd = 3;
    for &fd in keep.iter().filter(|&&fd| fd >= 3) {
        if fd > from {
            close_range(from, fd - 1);
        }
        from = fd + 1;
    }
    close_range(from, RawFd::MAX);
}

fn close_range(first: RawFd, last: RawFd) {
    // SAFETY: close_range only closes descriptors; none in the range is used by this process
    // again.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            last as libc::c_uint,
            0 as libc::c_uint,
        )
    };
    if r != 0 {
        // A kernel older than 5.9: one by one, as far as descriptors usually go.
        for fd in first..=last.min(4095) {
            // SAFETY: as above.
            unsafe { libc::close(fd) };
        }
    }
}

/// What the veilleur's thread for one child needs.
struct Follow {
    pid: libc::pid_t,
    name: String,
    peer: SocketAddr,
    reaped: Arc<Mutex<bool>>,
    ctx: Arc<Ctx>,
    ended: Sender<()>,
}

/// What a child said about its connection.
#[derive(Default)]
struct Heard {
    /// The counts the child sent when it finished.
    done: Option<Counts>,
    /// The bytes its traced `recv`s and `send`s moved, for a child that never finished.
    traced: Counts,
}

/// How a child ended, from its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    Exited(i32),
    Killed(i32),
}

impl Follow {
    /// Relays the child's messages until its pipe ends, reaps it, and records its connection.
    fn run(self, events: OwnedFd, answers: Option<OwnedFd>) {
        // The step prompt names the child waiting at the gate after this thread.
        trace::set_thread(&self.name, Role::Executant);
        let heard = relay(Inbox::new(events), answers.as_ref().map(AsRawFd::as_raw_fd));
        let ended = reap(self.pid, &self.reaped);
        let (thread, counts) = summary_line(&self, &heard, ended);
        self.ctx.stats.record(ConnRecord {
            thread,
            peer: self.peer,
            counts,
        });
        leave(&self.ctx);
        let _ = self.ended.send(());
    }
}

/// Hands the child's events to the writer and its step requests to the gate, until the
/// pipe ends.
fn relay(inbox: Inbox, answers: Option<RawFd>) -> Heard {
    let mut heard = Heard::default();
    for msg in inbox {
        match msg {
            Wire::Event { ev, data } => {
                if ev.kind == Kind::Syscall
                    && ev.phase != Phase::Enter
                    && let Some(n) = ev.ret.filter(|&n| n > 0)
                {
                    if ev.call.receives() {
                        heard.traced.bytes_in += n as u64;
                    } else if ev.call.sends() {
                        heard.traced.bytes_out += n as u64;
                    }
                }
                remote::forward(ev, data);
            }
            Wire::Gate { call } => {
                step::gate(&call);
                if let Some(fd) = answers {
                    // A child that died meanwhile no longer reads: nothing to do.
                    let _ = remote::answer(fd, !step::active());
                }
            }
            Wire::Done {
                bytes_in,
                bytes_out,
            } => {
                heard.done = Some(Counts {
                    bytes_in,
                    bytes_out,
                })
            }
        }
    }
    heard
}

/// Collects the exit status of a child whose pipe ended.
///
/// A process that exited stays in the process table as a zombie (state `Z`, `<defunct>` in
/// `ps`) until its parent collects its status with `wait`: a server that forks once per
/// client and never waits would keep one zombie per client served, each holding a pid, until
/// it ran out of them. Each child is reaped here, by the thread that reads its pipe, as soon
/// as the pipe says it is gone (the child held the only write end left), with a blocking wait
/// on its pid alone. Not a SIGCHLD handler with `waitpid(-1, WNOHANG)`: a handler would
/// interrupt the traced calls of the veilleur (`EINTR`, or strace's `ERESTARTSYS`), and a
/// wait for any child in one thread would take another thread's child's status.
fn reap(pid: libc::pid_t, reaped: &Mutex<bool>) -> Option<Ended> {
    // First wait without collecting (WNOWAIT): the zombie keeps its pid reserved meanwhile,
    // so the veilleur's `kill` (under the same lock) cannot reach another process.
    loop {
        // SAFETY: waitid fills a zeroed siginfo_t.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break;
        }
    }
    let mut done = reaped.lock().unwrap_or_else(|e| e.into_inner());
    let ended = wait_for(pid);
    *done = true;
    ended
}

/// `waitpid(pid, 0)`: waits for that child and collects its status.
fn wait_for(pid: libc::pid_t) -> Option<Ended> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into `status`.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        if r < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
    if libc::WIFSIGNALED(status) {
        Some(Ended::Killed(libc::WTERMSIG(status)))
    } else {
        Some(Ended::Exited(libc::WEXITSTATUS(status)))
    }
}

/// The child's line in the summary, and its counts: the ones it sent as it finished, or, for
/// a child that did not finish, what its traced calls moved (nothing known without a trace).
fn summary_line(f: &Follow, heard: &Heard, ended: Option<Ended>) -> (String, Counts) {
    let lang = f.ctx.lang;
    let base = format!("{} (pid {})", f.name, f.pid);
    if let (Some(counts), Some(Ended::Exited(0))) = (heard.done, ended) {
        return (base, counts);
    }
    let how = match (ended, lang) {
        (Some(Ended::Killed(sig)), Lang::Fr) => format!("tué par {}", signal_name(sig)),
        (Some(Ended::Killed(sig)), Lang::En) => format!("killed by {}", signal_name(sig)),
        (Some(Ended::Exited(code)), Lang::Fr) => format!("sorti avec le code {code}"),
        (Some(Ended::Exited(code)), Lang::En) => format!("exited with code {code}"),
        (None, Lang::Fr) => "fin inconnue".into(),
        (None, Lang::En) => "end unknown".into(),
    };
    if let Some(counts) = heard.done {
        return (format!("{base} [{how}]"), counts);
    }
    let counted = match (trace::enabled(), lang) {
        (true, Lang::Fr) => "octets d'après sa trace",
        (true, Lang::En) => "bytes as traced",
        (false, Lang::Fr) => "octets inconnus sans trace",
        (false, Lang::En) => "bytes unknown without a trace",
    };
    (format!("{base} [{how}; {counted}]"), heard.traced)
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGINT => "SIGINT".into(),
        libc::SIGHUP => "SIGHUP".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGPIPE => "SIGPIPE".into(),
        n => format!("signal {n}"),
    }
}
