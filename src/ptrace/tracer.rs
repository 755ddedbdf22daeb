//! The tracer's loop: one thread waits for every traced thread with `waitpid`, reads why it
//! stopped, and lets it go on.
//!
//! A traced thread stops for its tracer, and stays stopped until the tracer lets it go with a
//! ptrace request, for one of these reasons (`waitpid`'s status tells which):
//!
//! - **the seccomp filter's verdict** (`PTRACE_EVENT_SECCOMP`), at the entry of a socket
//!   call: socklab reads the call (`PTRACE_GET_SYSCALL_INFO`: its number and six arguments),
//!   shows it, may wait at the step gate, and lets it run with `PTRACE_SYSCALL`, which stops
//!   the thread again when the call returns (or with `PTRACE_CONT`, which does not, for a call
//!   not to be shown: a `close` of a file);
//! - **the call's exit** (`SIGTRAP | 0x80`, thanks to `PTRACE_O_TRACESYSGOOD`): the return
//!   value, again from `PTRACE_GET_SYSCALL_INFO`, and what the kernel wrote in memory;
//! - **a new thread or process** (`PTRACE_EVENT_CLONE`, `_FORK`, `_VFORK`): its id comes with
//!   `PTRACE_GETEVENTMSG`; the new one starts with a stop of its own (`PTRACE_EVENT_STOP`);
//! - **`execve`** (`PTRACE_EVENT_EXEC`): a new program in the same process;
//! - **a signal** about to be delivered: socklab passes it on unchanged when it lets the
//!   thread go (`PTRACE_CONT` with that signal), or the program would never receive it;
//! - **a stop signal** (Ctrl+Z, SIGSTOP): the thread is left stopped with `PTRACE_LISTEN`.
//!
//! Every ptrace request comes from this one thread: the kernel attaches a tracee to the thread
//! that attached it, and refuses requests from any other.

use std::collections::{HashMap, HashSet, VecDeque};
use std::os::fd::OwnedFd;

use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::unistd::Pid;

use super::calls::{Arch, Sc};
use super::decode::{self, Pending, Ret};
use super::fds::Fds;
use super::names;
use super::roles::Roles;
use super::spawn::{self, Program, Setup, SpawnError};
use crate::lang::Lang;
use crate::step;
use crate::trace::{self, Call, Event, Kind, Note, Phase, Role, SockType};

/// Which program a process belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    /// `socklab trace -- CMD`.
    Single,
    /// `--server`.
    Server,
    /// `--client`: its threads are shown as clients, in the left column.
    Client,
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Code(i32),
    Signal(i32),
}

impl Status {
    /// As a shell reports it: the code, or 128 + the signal's number.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Code(c) => c,
            Status::Signal(s) => 128 + s,
        }
    }

    fn of(raw: i32) -> Status {
        if libc::WIFSIGNALED(raw) {
            Status::Signal(libc::WTERMSIG(raw))
        } else {
            Status::Code(libc::WEXITSTATUS(raw))
        }
    }
}

/// A traced thread.
struct Task {
    /// Its process (thread group) id.
    pid: i32,
    /// The call it is in, stopped at its entry and let run until its exit.
    pending: Option<Pending>,
    /// Its first stop has been seen (new threads start stopped).
    started: bool,
}

/// A traced process.
struct Proc {
    fds: Fds,
    tree: Tree,
}

/// A program socklab started.
struct Root {
    pid: i32,
    tree: Tree,
    /// The child's error pipe, until its `execve`.
    errors: Option<OwnedFd>,
    /// Its command's first word, for messages.
    program: String,
    status: Option<Status>,
}

/// How the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Every traced process has ended.
    Finished,
    /// `q` at the step gate: every process was killed.
    Quit,
}

pub struct Tracer {
    arch: Arch,
    filter: Vec<libc::sock_filter>,
    lang: Lang,
    /// How many bytes of data each event keeps.
    cap: usize,
    tasks: HashMap<i32, Task>,
    procs: HashMap<i32, Proc>,
    /// New threads whose first stop came before their parent's clone event: they wait for it,
    /// so their process's descriptors are known before their first call.
    held: HashSet<i32>,
    roots: Vec<Root>,
    roles: Roles,
    /// The client of `--server`/`--client`, started once the server listens.
    client: Option<(Program, Setup)>,
    /// A failure while the loop ran (the client would not start).
    failure: Option<SpawnError>,
    /// Set once every process is being killed, with how the run will have ended: by `q`, or
    /// by the program's end under `--end-with-program`. A process created meanwhile is killed
    /// at its first stop.
    ending: Option<End>,
    /// `--end-with-program`: when the first program ends, what it left behind is killed.
    pub end_with_program: bool,
}

/// The `PTRACE_EVENT_*` values, in `status >> 16`.
const EVENT_FORK: i32 = libc::PTRACE_EVENT_FORK;
const EVENT_VFORK: i32 = libc::PTRACE_EVENT_VFORK;
const EVENT_CLONE: i32 = libc::PTRACE_EVENT_CLONE;
const EVENT_EXEC: i32 = libc::PTRACE_EVENT_EXEC;
const EVENT_SECCOMP: i32 = libc::PTRACE_EVENT_SECCOMP;
const EVENT_STOP: i32 = 128;

impl Tracer {
    pub fn new(arch: Arch, lang: Lang) -> Tracer {
        let filter = super::seccomp::filter(&arch);
        Tracer {
            arch,
            filter,
            lang,
            cap: trace::capture_len().max(crate::trace::escape::STRACE_STRSIZE),
            tasks: HashMap::new(),
            procs: HashMap::new(),
            held: HashSet::new(),
            roots: Vec::new(),
            roles: Roles::default(),
            client: None,
            failure: None,
            ending: None,
            end_with_program: false,
        }
    }

    /// Starts a program, traced by the calling thread.
    pub fn spawn(&mut self, prog: &Program, setup: &Setup, tree: Tree) -> Result<i32, SpawnError> {
        let started = spawn::start(prog, setup, &self.filter)?;
        let pid = started.pid;
        if setup.own_group {
            super::add_group(pid);
        }
        self.tasks.insert(
            pid,
            Task {
                pid,
                pending: None,
                started: true,
            },
        );
        self.procs.insert(
            pid,
            Proc {
                fds: Fds::default(),
                tree,
            },
        );
        self.roles.add(pid, pid, tree == Tree::Client);
        self.roots.push(Root {
            pid,
            tree,
            errors: Some(started.errors),
            program: prog.words.first().cloned().unwrap_or_default(),
            status: None,
        });
        Ok(pid)
    }

    /// The client to start once the server has called `listen`.
    pub fn client_after_listen(&mut self, prog: Program, setup: Setup) {
        self.client = Some((prog, setup));
    }

    /// How the first program of `tree` ended.
    pub fn status(&self, tree: Tree) -> Option<Status> {
        self.roots.iter().find(|r| r.tree == tree)?.status
    }

    /// Every thread's final name and role, by thread id.
    pub fn final_names(&self) -> Vec<(u32, String, Role)> {
        self.roles.finals()
    }

    /// True when the client of a pair was started.
    pub fn client_started(&self) -> bool {
        self.roots.iter().any(|r| r.tree == Tree::Client)
    }

    /// Runs until every traced process has ended.
    pub fn run(&mut self) -> Result<End, SpawnError> {
        // The stops waiting to be served, in rounds. waitpid(-1) reports the waiting threads
        // in the kernel's order of its list, not in the order they stopped: a thread served
        // and stopped again at once would be reported again before the others, and under
        // load some threads would wait for the tracer far longer than the rest (a p99.9 of
        // hundreds of milliseconds with 32 clients). So each round takes every stop already
        // waiting, and serves them all before asking the kernel again.
        let mut round: VecDeque<(i32, i32)> = VecDeque::new();
        loop {
            if round.is_empty() {
                let mut raw = 0;
                // waitpid for any traced thread (`__WALL`: threads too, not only processes).
                // SAFETY: waitpid writes the status into `raw`.
                let tid = unsafe { libc::waitpid(-1, &mut raw, libc::__WALL) };
                if tid < 0 {
                    match nix::errno::Errno::last() {
                        nix::errno::Errno::EINTR => continue,
                        // ECHILD: nobody left to wait for.
                        _ => break,
                    }
                }
                round.push_back((tid, raw));
                loop {
                    // SAFETY: as above; WNOHANG returns 0 at once when no other stop waits.
                    let tid = unsafe { libc::waitpid(-1, &mut raw, libc::__WALL | libc::WNOHANG) };
                    if tid <= 0 {
                        break;
                    }
                    round.push_back((tid, raw));
                }
            }
            let Some((tid, raw)) = round.pop_front() else {
                continue;
            };
            if libc::WIFEXITED(raw) || libc::WIFSIGNALED(raw) {
                self.gone(tid, Status::of(raw));
            } else if libc::WIFSTOPPED(raw) {
                if self.ending.is_some() {
                    // Killed already; one created meanwhile is killed too.
                    let _ = nix::sys::signal::kill(Pid::from_raw(tid), Signal::SIGKILL);
                    continue;
                }
                self.stopped(tid, libc::WSTOPSIG(raw), (raw >> 16) & 0xff);
            }
        }
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        self.closing_note();
        Ok(self.ending.unwrap_or(End::Finished))
    }

    fn stopped(&mut self, tid: i32, sig: i32, event: i32) {
        match event {
            EVENT_SECCOMP => self.on_call(tid),
            EVENT_CLONE | EVENT_FORK | EVENT_VFORK => self.on_spawn(tid),
            EVENT_EXEC => self.on_exec(tid),
            EVENT_STOP => self.on_event_stop(tid, sig),
            _ if sig == libc::SIGTRAP | 0x80 => self.on_return(tid),
            // A signal for the program: passed on as the thread goes on.
            _ => self.resume(tid, sig),
        }
    }

    /// Lets a stopped thread go on: to the exit of the call it is in, if socklab waits for
    /// that, else freely. `sig` is the signal to deliver (0: none).
    fn resume(&self, tid: i32, sig: i32) {
        let pid = Pid::from_raw(tid);
        let in_call = self.tasks.get(&tid).is_some_and(|t| t.pending.is_some());
        match Signal::try_from(sig).ok().filter(|_| sig != 0) {
            // PTRACE_SYSCALL: run, and stop at the next system call's entry or exit: here, the
            // exit of the call the thread is in. PTRACE_CONT: run until the next stop the
            // filter or an event causes.
            None if sig == 0 => {
                let _ = if in_call {
                    ptrace::syscall(pid, None)
                } else {
                    ptrace::cont(pid, None)
                };
            }
            Some(s) => {
                let _ = if in_call {
                    ptrace::syscall(pid, s)
                } else {
                    ptrace::cont(pid, s)
                };
            }
            // A real-time signal, which nix's `Signal` does not name: the same request
            // through libc.
            None => {
                let req = if in_call {
                    libc::PTRACE_SYSCALL
                } else {
                    libc::PTRACE_CONT
                };
                // SAFETY: a ptrace request with no memory argument.
                unsafe { libc::ptrace(req, tid, 0, sig as libc::c_long) };
            }
        }
    }

    /// The seccomp filter stopped a thread at the entry of one of the calls it watches.
    fn on_call(&mut self, tid: i32) {
        let Ok(info) = ptrace::syscall_info(Pid::from_raw(tid)) else {
            return self.resume(tid, 0);
        };
        if info.op != libc::PTRACE_SYSCALL_INFO_SECCOMP {
            return self.resume(tid, 0);
        }
        // SAFETY: `op` says the union holds the seccomp variant.
        let (nr, args) = unsafe { (info.u.seccomp.nr, info.u.seccomp.args) };
        let Some(sc) = self.arch.call(nr) else {
            return self.resume(tid, 0);
        };
        let Some(pid) = self.tasks.get(&tid).map(|t| t.pid) else {
            return self.resume(tid, 0);
        };
        if sc == Sc::Close {
            self.mark_shared(pid, args[0] as u32 as i32);
        }
        let Some(proc) = self.procs.get_mut(&pid) else {
            return self.resume(tid, 0);
        };
        let Some(pending) = decode::enter(sc, args, tid, &mut proc.fds, self.cap) else {
            // Not a socket call (a file's `close`): it runs with no stop at its exit.
            return self.resume(tid, 0);
        };
        let mut ahead = pending.ahead();
        if let Some(hand) = self.roles.observe(tid, &ahead, &proc.fds) {
            self.note(hand.veilleur, hand.note);
        }
        self.stamp(&mut ahead, tid);
        if step::active() {
            // The thread stays stopped in the kernel while the gate waits for a key.
            if step::ask(&ahead) == step::Answer::Quit {
                self.quit();
                return;
            }
        }
        if pending.blocks && trace::enabled() {
            trace::emit_traced(ahead);
        }
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.pending = Some(pending);
        }
        self.resume(tid, 0);
    }

    /// Before a `close`: whether another traced process holds a descriptor to the same socket
    /// (`fork` copied it), or another descriptor of this process does (`dup`). The kernel ends
    /// a socket (FIN, the port freed) only when its last descriptor closes, so this `close`
    /// then frees this descriptor and nothing more, which the explanation says.
    fn mark_shared(&self, pid: i32, fd: i32) {
        let Some(proc) = self.procs.get(&pid) else {
            return;
        };
        let Some(sock) = proc.fds.socket(fd) else {
            return;
        };
        let others = self
            .procs
            .iter()
            .any(|(p, other)| *p != pid && other.fds.holding(sock) > 0);
        let dup = proc.fds.holding(sock) > 1;
        let mut s = sock.borrow_mut();
        s.info.shared = others;
        s.info.dup = dup;
    }

    /// A call the thread was let into has returned.
    fn on_return(&mut self, tid: i32) {
        let Ok(info) = ptrace::syscall_info(Pid::from_raw(tid)) else {
            return self.resume(tid, 0);
        };
        if info.op != libc::PTRACE_SYSCALL_INFO_EXIT {
            return self.resume(tid, 0);
        }
        // SAFETY: `op` says the union holds the exit variant.
        let (sval, is_error) = unsafe { (info.u.exit.sval, info.u.exit.is_error) };
        let Some(task) = self.tasks.get_mut(&tid) else {
            return self.resume(tid, 0);
        };
        let (pid, pending) = (task.pid, task.pending.take());
        let Some(pending) = pending else {
            return self.resume(tid, 0);
        };
        let Some(proc) = self.procs.get_mut(&pid) else {
            return self.resume(tid, 0);
        };
        let tree = proc.tree;
        let mut ev = decode::exit(
            pending,
            Ret::of(sval, is_error != 0),
            tid,
            &mut proc.fds,
            self.cap,
        );
        if let Some(hand) = self.roles.observe(tid, &ev, &proc.fds) {
            self.note(hand.veilleur, hand.note);
        }
        // A server is ready for its client once it listens (TCP), or once its datagram socket
        // is bound (UDP: the kernel keeps datagrams for it from then on).
        let listened = ev.ret == Some(0)
            && (ev.call == Call::Listen
                || ev.call == Call::Bind && ev.socket.is_some_and(|s| s.ty == SockType::Dgram));
        self.stamp(&mut ev, tid);
        if trace::enabled() {
            trace::emit_traced(ev);
        }
        if listened && tree == Tree::Server {
            self.start_client();
        }
        self.resume(tid, 0);
    }

    /// The server listens: its client may come.
    fn start_client(&mut self) {
        let Some((prog, setup)) = self.client.take() else {
            return;
        };
        if let Err(e) = self.spawn(&prog, &setup, Tree::Client) {
            self.failure = Some(e);
            self.stop_server();
        }
    }

    /// A thread created a thread or a process.
    fn on_spawn(&mut self, parent: i32) {
        let Ok(msg) = ptrace::getevent(Pid::from_raw(parent)) else {
            return self.resume(parent, 0);
        };
        let child = msg as i32;
        let Some(ppid) = self.tasks.get(&parent).map(|t| t.pid) else {
            return self.resume(parent, 0);
        };
        // A thread is in its parent's thread group; a process is its own.
        let tgid = read_tgid(child).unwrap_or(child);
        let thread = tgid == ppid;
        let tree = self.procs.get(&ppid).map_or(Tree::Single, |p| p.tree);
        if !thread {
            // fork: a copy of the parent's descriptors, the same sockets.
            let fds = self
                .procs
                .get(&ppid)
                .map(|p| p.fds.clone())
                .unwrap_or_default();
            self.procs.insert(child, Proc { fds, tree });
        }
        let was_held = self.held.remove(&child);
        self.tasks.insert(
            child,
            Task {
                pid: tgid,
                pending: None,
                started: was_held,
            },
        );
        self.roles.add(child, tgid, tree == Tree::Client);
        self.note(
            parent,
            Note::Spawn {
                child: child as u32,
                thread,
            },
        );
        if was_held {
            self.resume(child, 0);
        }
        self.resume(parent, 0);
    }

    /// `PTRACE_EVENT_STOP`: a new thread's first stop, or a stop signal (Ctrl+Z).
    fn on_event_stop(&mut self, tid: i32, sig: i32) {
        match self.tasks.get_mut(&tid) {
            // Its parent's clone event has not come yet: wait for it.
            None => {
                self.held.insert(tid);
            }
            Some(t) if !t.started => {
                t.started = true;
                self.resume(tid, 0);
            }
            Some(_)
                if matches!(
                    sig,
                    libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
                ) =>
            {
                // A group-stop: PTRACE_LISTEN leaves the thread stopped, as the signal wants,
                // until a SIGCONT.
                // SAFETY: a ptrace request with no memory argument.
                unsafe { libc::ptrace(libc::PTRACE_LISTEN, tid, 0, 0) };
            }
            Some(_) => self.resume(tid, 0),
        }
    }

    /// A process ran `execve`: a new program, the same pid.
    fn on_exec(&mut self, tid: i32) {
        // The thread that called execve may not have been the first: it takes the process's
        // id, and the process's other threads are gone.
        let former = ptrace::getevent(Pid::from_raw(tid)).map_or(tid, |m| m as i32);
        let pid = tid;
        if former != tid
            && let Some(t) = self.tasks.remove(&former)
        {
            self.tasks.insert(tid, t);
        }
        self.tasks.retain(|t, task| task.pid != pid || *t == tid);
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.pending = None;
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.fds.keep_open(pid);
        }
        self.roles.exec(former, tid, pid);
        if let Some(root) = self.roots.iter_mut().find(|r| r.pid == pid) {
            // A successful execve closed the child's end of the error pipe.
            root.errors = None;
        }
        self.note(
            tid,
            Note::Exec {
                program: command_line(pid),
            },
        );
        self.resume(tid, 0);
    }

    /// A thread or a process has ended.
    fn gone(&mut self, tid: i32, status: Status) {
        self.held.remove(&tid);
        self.release_held();
        let Some(pid) = self.tasks.get(&tid).map(|t| t.pid) else {
            // Not a traced thread: an orphan handed to socklab (the subreaper) and reaped.
            return;
        };
        let leader = pid == tid;
        if let Some(root) = self.roots.iter_mut().find(|r| r.pid == tid) {
            root.status = Some(status);
            if let Some(errors) = root.errors.take()
                && let Some(e) = spawn::startup_error(&errors, &root.program)
            {
                // Failed before its execve: no program ran.
                self.procs.remove(&tid);
                self.tasks.remove(&tid);
                if root.tree == Tree::Client {
                    self.failure = Some(e);
                    self.stop_server();
                    return;
                }
                self.quit();
                self.failure = Some(e);
                return;
            }
        }
        if leader {
            let (code, signal) = match status {
                Status::Code(c) => (Some(c), None),
                Status::Signal(s) => (None, Some(names::signal(s))),
            };
            self.note(
                tid,
                Note::Exit {
                    pid: tid as u32,
                    code,
                    signal,
                },
            );
            self.procs.remove(&tid);
        } else {
            self.note(tid, Note::ThreadEnd);
        }
        self.tasks.remove(&tid);
        match self.roots.iter().find(|r| r.pid == tid).map(|r| r.tree) {
            Some(Tree::Client) => self.stop_server(),
            Some(Tree::Single) if self.end_with_program => self.kill_left_behind(tid),
            _ => {}
        }
    }

    /// New threads still waiting for their parent's clone event when some thread ends: that
    /// parent may have died before reporting it. They go on, as members of their own thread
    /// group, rather than wait for ever.
    fn release_held(&mut self) {
        let held: Vec<i32> = self.held.iter().copied().collect();
        for tid in held {
            let tgid = read_tgid(tid).unwrap_or(tid);
            // Its creator: a thread of its own process, or its parent process.
            let creator = if tgid == tid {
                read_status(tid, "PPid:").unwrap_or(0)
            } else {
                tgid
            };
            if self.tasks.values().any(|t| t.pid == creator) {
                continue;
            }
            self.held.remove(&tid);
            self.procs.entry(tgid).or_insert_with(|| Proc {
                fds: Fds::default(),
                tree: Tree::Single,
            });
            self.tasks.insert(
                tid,
                Task {
                    pid: tgid,
                    pending: None,
                    started: true,
                },
            );
            self.roles.add(tid, tgid, false);
            self.resume(tid, 0);
        }
    }

    /// `--client` has ended (or would not start): the server is stopped as a user would, with
    /// SIGTERM to its process group, and killed if it is still there 2 s later.
    fn stop_server(&mut self) {
        let Some(server) = self
            .roots
            .iter()
            .find(|r| r.tree == Tree::Server && r.status.is_none())
        else {
            return;
        };
        let pid = server.pid;
        self.own_note(Note::TraceStop {
            pid: pid as u32,
            signal: "SIGTERM".into(),
        });
        let group = Pid::from_raw(-pid);
        // Not at once: the client's last move (its close) has set the server off, and what it
        // does in answer (recv returns 0, close) belongs in the trace. This thread does not
        // trace: it reads /proc while the loop goes on serving the server's stops, and sends
        // SIGTERM once the server's threads are all asleep again (SETTLE_LIMIT at most).
        // Then a grace period, not a wait for readiness: a server that ignores SIGTERM is
        // killed.
        std::thread::spawn(move || {
            let tree = move || {
                let mut pids = vec![pid as u32];
                pids.extend(crate::procfs::descendants(pid as u32));
                pids
            };
            crate::procfs::settle(tree, crate::procfs::SETTLE_LIMIT);
            let _ = nix::sys::signal::kill(group, Signal::SIGTERM);
            std::thread::sleep(std::time::Duration::from_secs(2));
            let _ = nix::sys::signal::kill(group, Signal::SIGKILL);
        });
    }

    /// `--end-with-program`: the program (`pid`) has ended; what it left behind is killed,
    /// said in the trace, and reaped by the loop, which then ends.
    fn kill_left_behind(&mut self, pid: i32) {
        let count = self.kill_all(End::Finished);
        if count > 0 {
            self.own_note(Note::LeftBehind {
                pid: pid as u32,
                count,
            });
        }
    }

    /// `q`: every traced process is killed; the loop then reaps them all.
    fn quit(&mut self) {
        self.kill_all(End::Quit);
    }

    /// Kills every process of the run: the programs' process groups, every traced process,
    /// and the orphans handed to socklab (the subreaper) that it does not trace, or not yet
    /// (a child whose first stop has not come), which would keep the loop waiting. Returns
    /// how many processes were known to be alive.
    fn kill_all(&mut self, end: End) -> usize {
        self.ending = Some(end);
        for root in &self.roots {
            let _ = nix::sys::signal::kill(Pid::from_raw(-root.pid), Signal::SIGKILL);
        }
        let mut pids: HashSet<i32> = self.tasks.values().map(|t| t.pid).collect();
        pids.extend(super::interrupt::children_of(std::process::id() as i32));
        for &pid in &pids {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        pids.len()
    }

    /// Fills in the traced thread's identity: its process, its id, its name and role.
    fn stamp(&self, ev: &mut Event, tid: i32) {
        let (name, role) = self.roles.of(tid);
        ev.pid = self.tasks.get(&tid).map_or(tid, |t| t.pid) as u32;
        ev.tid = tid as u32;
        ev.thread = name;
        ev.role = role;
    }

    /// A note in the traced thread's name.
    fn note(&self, tid: i32, note: Note) {
        if !trace::enabled() {
            return;
        }
        let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
        self.stamp(&mut ev, tid);
        ev.args = note.text(&ev.thread, self.lang);
        ev.note = Some(note);
        trace::emit_traced(ev);
    }

    /// A note of socklab's own (not the program's).
    fn own_note(&self, note: Note) {
        if !trace::enabled() {
            return;
        }
        let mut ev = Event::new(Kind::Note, Phase::Call, Call::Note);
        ev.pid = std::process::id();
        // SAFETY: gettid has no preconditions.
        ev.tid = unsafe { libc::gettid() } as u32;
        ev.thread = "socklab".into();
        ev.role = Role::Harness;
        ev.args = note.text(&ev.thread, self.lang);
        ev.note = Some(note);
        trace::emit_traced(ev);
    }

    /// At the end: every thread's name, beside its pid, its id and the kernel's name.
    fn closing_note(&self) {
        let roles = self.roles.all();
        if !roles.is_empty() {
            self.own_note(Note::Roles { roles });
        }
    }
}

/// The program and its arguments as `execve` received them (`/proc/PID/cmdline`: the words
/// separated by zero bytes).
fn command_line(pid: i32) -> String {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => raw
            .split(|b| *b == 0)
            .filter(|w| !w.is_empty())
            .map(String::from_utf8_lossy)
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => "?".into(),
    }
}

/// The thread group (process) a thread belongs to, from `/proc/TID/status`.
fn read_tgid(tid: i32) -> Option<i32> {
    read_status(tid, "Tgid:")
}

/// A number of `/proc/TID/status` (`Tgid:`, `PPid:`).
fn read_status(tid: i32, field: &str) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().parse().ok())
}
