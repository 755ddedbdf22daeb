//! Events from another process: a forked exécutant (`socklab serve --mode fork`).
//!
//! Threads do not survive `fork`: the child process is a copy of the one thread that called
//! it, with no trace writer, no stepper and no Ctrl+C thread of its own. Its events therefore
//! travel to the parent over a pipe created before the fork, one JSON line per message, each
//! line written with a single `write(2)`. A thread of the parent reads them and hands them to
//! its writer with the child's own pid and tid, as `strace -f` shows a child's calls under its
//! own pid. A pipe and not a socket: it is no socket of the lesson, and the comparison with
//! strace counts sockets. In step mode the child also waits at the parent's gate: a request
//! on the same pipe, the answer (one byte) on a second pipe.
//!
//! In the child, a lock that another thread of the parent held at the moment of the fork
//! stays locked for ever: the thread that would release it does not exist there. So nothing
//! here takes one: no channel to the writer, no `stderr` or `stdout` lock, only raw
//! `libc::write` and `libc::read` on the pipes, and the C library's `malloc`, which glibc
//! makes safe across `fork` (it holds its arenas' locks during the fork and resets them in
//! the child).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::fd::{OwnedFd, RawFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::Event;

/// One message from a child to its parent: one line of JSON on the pipe.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum Wire {
    /// A traced event. `data` carries the bytes `Event` leaves out of its JSON (kept for the
    /// pretty trace and `--hexdump`).
    Event {
        ev: Event,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        data: Vec<u8>,
    },
    /// Step mode: the child waits at the gate before `call`.
    Gate { call: Event },
    /// The child's last message: what its connection moved.
    Done { bytes_in: u64, bytes_out: u64 },
}

/// The answer to a [`Wire::Gate`]: run this call.
const GO: u8 = b'g';
/// The answer to a [`Wire::Gate`]: run this call and all the next ones (`c`).
const GO_ON: u8 = b'c';

/// The child's end of its link to the parent.
struct Link {
    /// The write end of the events pipe.
    events: RawFd,
    /// The read end of the answers pipe, in step mode.
    answers: Option<RawFd>,
    /// The child's own pid and thread id (the copy of the parent's thread it runs in got a
    /// new one from the kernel; the tracer's cached ones are the parent's).
    pid: u32,
    tid: u32,
    /// `c` was answered: no more stops.
    open: AtomicBool,
}

/// Set in a forked child only; the parent's copy of it stays empty.
static LINK: OnceLock<Link> = OnceLock::new();

/// Called in the child right after `fork`: from now on every event of this process goes to
/// the parent over `events`, and step requests get their answers from `answers`.
pub fn become_child(events: RawFd, answers: Option<RawFd>) {
    // SAFETY: getpid and gettid have no preconditions and cannot fail.
    let (pid, tid) = unsafe { (libc::getpid() as u32, libc::gettid() as u32) };
    let _ = LINK.set(Link {
        events,
        answers,
        pid,
        tid,
        open: AtomicBool::new(false),
    });
}

/// True in a forked exécutant.
#[inline]
pub fn in_child() -> bool {
    LINK.get().is_some()
}

/// Sends one event to the parent, stamped with this process's pid and tid.
pub(super) fn send(mut ev: Event) {
    let Some(link) = LINK.get() else { return };
    ev.pid = link.pid;
    ev.tid = link.tid;
    let data = std::mem::take(&mut ev.data);
    write_line(link.events, &Wire::Event { ev, data });
}

/// Step mode in the child: asks the parent's gate to let `call` through and waits for the
/// answer. Returns false outside a forked child (the caller uses its own gate).
pub fn gate(call: &Event) -> bool {
    let Some(link) = LINK.get() else {
        return false;
    };
    let Some(answers) = link.answers else {
        return true;
    };
    if link.open.load(Ordering::Relaxed) {
        return true;
    }
    let mut call = call.clone();
    call.pid = link.pid;
    call.tid = link.tid;
    write_line(link.events, &Wire::Gate { call });
    let mut byte = 0u8;
    loop {
        // SAFETY: reads at most one byte into `byte`.
        let n = unsafe { libc::read(answers, (&raw mut byte).cast(), 1) };
        match n {
            1 if byte == GO_ON => {
                link.open.store(true, Ordering::Relaxed);
                return true;
            }
            1 => return true,
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            // The parent is gone (`q` ends it): nobody waits for this child any more. Its
            // sockets close with it.
            // SAFETY: _exit ends the process at once, running nothing of the parent's.
            _ => unsafe { libc::_exit(0) },
        }
    }
}

/// The child's last message: what its connection moved, for the parent's summary.
pub fn done(bytes_in: u64, bytes_out: u64) {
    if let Some(link) = LINK.get() {
        write_line(
            link.events,
            &Wire::Done {
                bytes_in,
                bytes_out,
            },
        );
    }
}

/// One message, one line, one `write(2)` (more only if the kernel took part of it: a pipe
/// takes up to 4096 bytes at once, `PIPE_BUF`, and a longer line may be split).
fn write_line(fd: RawFd, msg: &Wire) {
    let Ok(mut line) = serde_json::to_vec(msg) else {
        return;
    };
    line.push(b'\n');
    let mut rest = &line[..];
    while !rest.is_empty() {
        // SAFETY: writes from a live buffer of `rest.len()` bytes.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // The parent stopped reading (EPIPE; SIGPIPE is ignored): the child goes on
            // serving its client untraced.
            return;
        }
        rest = &rest[n as usize..];
    }
}

/// The parent's side: the messages of one child, in order, until its pipe ends (the child
/// exited: it held the only write end left).
pub struct Inbox {
    lines: BufReader<File>,
    line: Vec<u8>,
}

impl Inbox {
    pub fn new(events: OwnedFd) -> Inbox {
        Inbox {
            lines: BufReader::new(File::from(events)),
            line: Vec::new(),
        }
    }
}

impl Iterator for Inbox {
    type Item = Wire;

    fn next(&mut self) -> Option<Wire> {
        loop {
            self.line.clear();
            match self.lines.read_until(b'\n', &mut self.line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            // A line cut short (a child killed in the middle of a long write) is skipped.
            if let Ok(msg) = serde_json::from_slice(&self.line) {
                return Some(msg);
            }
        }
    }
}

/// Hands an event a child traced to this process's writer, with its data.
pub fn forward(mut ev: Event, data: Vec<u8>) {
    ev.data = data;
    super::forward(ev);
}

/// Answers a child's [`Wire::Gate`]: `go_on` when the gate is open from now on (`c`).
pub fn answer(answers: RawFd, go_on: bool) -> io::Result<()> {
    let byte = if go_on { GO_ON } else { GO };
    loop {
        // SAFETY: writes one byte from a live variable.
        let n = unsafe { libc::write(answers, (&raw const byte).cast(), 1) };
        if n == 1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Call, Kind, Note, Phase, Role};

    #[test]
    fn messages_read_back_from_their_line() {
        let mut ev = Event::new(Kind::Syscall, Phase::Exit, Call::Recvfrom);
        ev.pid = 4243;
        ev.tid = 4243;
        ev.thread = "exécutant-2".into();
        ev.role = Role::Executant;
        ev.fd = Some(4);
        ev.ret = Some(3);
        let data = b"a\xff\n".to_vec();
        let line = serde_json::to_vec(&Wire::Event {
            ev: ev.clone(),
            data: data.clone(),
        })
        .unwrap();
        assert!(!line.contains(&b'\n'), "one message is one line");
        match serde_json::from_slice(&line).unwrap() {
            Wire::Event { ev: back, data: d } => {
                assert_eq!(back, ev);
                assert_eq!(d, data);
            }
            other => panic!("{other:?}"),
        }
        let mut note = Event::new(Kind::Note, Phase::Call, Call::Note);
        note.note = Some(Note::ThreadEnd);
        let line = serde_json::to_string(&Wire::Event {
            ev: note.clone(),
            data: Vec::new(),
        })
        .unwrap();
        assert!(!line.contains("\"data\""), "{line}");
        assert!(matches!(
            serde_json::from_str(&line).unwrap(),
            Wire::Event { ev, .. } if ev == note
        ));
        let done = serde_json::to_string(&Wire::Done {
            bytes_in: 5,
            bytes_out: 7,
        })
        .unwrap();
        assert_eq!(done, r#"{"msg":"done","bytes_in":5,"bytes_out":7}"#);
    }

    #[test]
    fn an_inbox_reads_lines_until_the_pipe_ends() {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills two descriptors.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: both descriptors were just created and are owned here.
        let (r, w) = unsafe {
            use std::os::fd::FromRawFd;
            (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
        };
        write_line(
            fds[1],
            &Wire::Done {
                bytes_in: 1,
                bytes_out: 2,
            },
        );
        // SAFETY: a write from a live buffer.
        unsafe { libc::write(fds[1], b"{\"msg\":\"do".as_ptr().cast(), 10) };
        drop(w);
        let got: Vec<Wire> = Inbox::new(r).collect();
        assert_eq!(got.len(), 1, "the line cut short is skipped: {got:?}");
        assert!(matches!(
            got[0],
            Wire::Done {
                bytes_in: 1,
                bytes_out: 2
            }
        ));
    }
}
