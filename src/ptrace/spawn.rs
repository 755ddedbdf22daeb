//! Starting the program under ptrace: `fork`, a clean start in the child, `PTRACE_SEIZE`
//! from the parent, the seccomp filter, `execve`.
//!
//! The order matters:
//!
//! 1. socklab (the tracer thread) calls `fork`. The child is a copy of socklab, with its
//!    blocked signals (socklab blocks SIGINT in its threads, see `signals.rs`) and SIGPIPE
//!    ignored (Rust's start-up does that). Both survive `execve`, so the child puts every
//!    signal back to its default and unblocks them all: the program starts as a shell would
//!    start it.
//! 2. The child waits on a pipe while the parent attaches to it with `PTRACE_SEIZE`, which
//!    makes socklab its tracer without stopping it, and sets the options at once: stop on the
//!    seccomp filter's verdict (`PTRACE_O_TRACESECCOMP`), follow `clone`, `fork`, `vfork`
//!    (every new thread and process is traced from its first instruction), report `execve`,
//!    and kill the program if socklab dies (`PTRACE_O_EXITKILL`), so nothing runs on untraced.
//! 3. The child installs the seccomp filter (which needs `PR_SET_NO_NEW_PRIVS`) and calls
//!    `execve`. From there on, the program's socket calls stop it for socklab.
//!
//! Between `fork` and `execve` the child is a copy of a process with several threads, of which
//! only the calling one exists in the child: it may only make async-signal-safe calls (no
//! memory allocation, no lock). Everything it needs is prepared before the `fork`.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::sys::ptrace;
use nix::unistd::{ForkResult, fork};

use super::seccomp;

/// A command ready to run: its resolved path and its arguments, as C strings.
pub struct Program {
    pub path: CString,
    pub argv: Vec<CString>,
    /// The words of the command line, for messages.
    pub words: Vec<String>,
}

/// Why a program did not start.
#[derive(Debug)]
pub enum SpawnError {
    /// No such program on the `PATH`.
    NotFound(String),
    /// `PTRACE_SEIZE` was refused (`EPERM`: a container without ptrace, or the program is
    /// already traced by someone else, strace or a debugger).
    PtraceRefused(i32),
    /// The seccomp filter could not be installed.
    Seccomp(i32),
    /// `execve` of this program failed.
    Exec(String, i32),
    /// `fork` or a pipe failed.
    Os(io::Error),
}

/// Finds `words[0]` as a shell would: a name with a `/` is a path, any other is looked for in
/// each directory of `PATH`.
pub fn resolve(words: &[String]) -> Result<Program, SpawnError> {
    let first = words.first().ok_or(SpawnError::NotFound(String::new()))?;
    let path: PathBuf = if first.contains('/') {
        PathBuf::from(first)
    } else {
        let paths = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        std::env::split_paths(&paths)
            .map(|dir| dir.join(first))
            .find(|p| is_executable(p))
            .ok_or_else(|| SpawnError::NotFound(first.clone()))?
    };
    let c = |s: &OsStr| CString::new(s.as_bytes()).map_err(|_| SpawnError::NotFound(first.clone()));
    Ok(Program {
        path: c(path.as_os_str())?,
        argv: words
            .iter()
            .map(|w| c(OsStr::new(w)))
            .collect::<Result<_, _>>()?,
        words: words.to_vec(),
    })
}

fn is_executable(p: &Path) -> bool {
    let Ok(c) = CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) on a valid C string.
    p.is_file() && unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0
}

/// How the child starts.
pub struct Setup {
    /// A process group of its own, so Ctrl+C reaches all its processes through socklab. Not
    /// when the step gate reads the terminal: the program then stays in socklab's group and
    /// shares the terminal with the gate, as a program of socklab's own does.
    pub own_group: bool,
    /// `/dev/null` as its standard input (the step keys come from socklab's stdin, or the
    /// program is the server of a `--server`/`--client` pair).
    pub stdin_null: bool,
    /// Make its process group the terminal's foreground group: it reads the terminal and
    /// Ctrl+C goes to it, as for a program a shell starts.
    pub foreground: bool,
}

/// A started program: its pid (its process group's id, with `own_group`) and the pipe on which its child
/// side reports a failure before `execve` (closed by a successful `execve`).
pub struct Started {
    pub pid: i32,
    pub errors: OwnedFd,
}

/// What the child writes on the error pipe: which step failed, and its errno.
const STAGE_SECCOMP: u8 = 1;
const STAGE_EXEC: u8 = 2;

/// The ptrace options, set with `PTRACE_SEIZE`; every thread and process the program creates
/// inherits them.
fn options() -> ptrace::Options {
    use ptrace::Options as O;
    O::PTRACE_O_TRACESYSGOOD
        | O::PTRACE_O_TRACESECCOMP
        | O::PTRACE_O_TRACECLONE
        | O::PTRACE_O_TRACEFORK
        | O::PTRACE_O_TRACEVFORK
        | O::PTRACE_O_TRACEEXEC
        | O::PTRACE_O_EXITKILL
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Starts `prog` traced by the calling thread, which must be the thread that makes every
/// later ptrace request and `waitpid` for it.
pub fn start(
    prog: &Program,
    setup: &Setup,
    filter: &[libc::sock_filter],
) -> Result<Started, SpawnError> {
    let (sync_r, sync_w) = pipe().map_err(SpawnError::Os)?;
    let (err_r, err_w) = pipe().map_err(SpawnError::Os)?;
    let null = std::fs::File::open("/dev/null").map_err(SpawnError::Os)?;
    let mut argv: Vec<*const libc::c_char> = prog.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    // SAFETY: the child only makes async-signal-safe calls (see the module's documentation)
    // on data prepared above, then execs or exits.
    match unsafe { fork() }.map_err(|e| SpawnError::Os(e.into()))? {
        ForkResult::Child => unsafe {
            child(
                prog.path.as_ptr(),
                argv.as_ptr(),
                setup,
                null.as_raw_fd(),
                sync_r.as_raw_fd(),
                err_w.as_raw_fd(),
                filter,
            )
        },
        ForkResult::Parent { child } => {
            drop((sync_r, err_w));
            // Its own process group, so Ctrl+C can be passed on to all its processes at once;
            // set from both sides, whichever runs first.
            if setup.own_group {
                let _ = nix::unistd::setpgid(child, child);
            }
            // PTRACE_SEIZE: socklab becomes the child's tracer, without stopping it.
            if let Err(e) = ptrace::seize(child, options()) {
                let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(child, None);
                return Err(SpawnError::PtraceRefused(e as i32));
            }
            // Let the child go on to its filter and its execve.
            let _ = nix::unistd::write(&sync_w, b"g");
            drop(sync_w);
            Ok(Started {
                pid: child.as_raw(),
                errors: err_r,
            })
        }
    }
}

/// The child's side, between `fork` and `execve`. Never returns.
///
/// # Safety
/// Called in the child of a `fork` only, with pointers valid in it.
unsafe fn child(
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    setup: &Setup,
    null: i32,
    sync: i32,
    errors: i32,
    filter: &[libc::sock_filter],
) -> ! {
    // SAFETY: only async-signal-safe calls, on values prepared before the fork.
    unsafe {
        if setup.own_group {
            libc::setpgid(0, 0);
        }
        if setup.foreground {
            // A background group asking for the terminal gets SIGTTOU unless it ignores it.
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::tcsetpgrp(0, libc::getpid());
        }
        // Default dispositions: an ignored signal stays ignored across execve.
        for sig in 1..65 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        if setup.stdin_null {
            libc::dup2(null, 0);
        }
        // Wait until the parent is our tracer: the filter must not stop us before.
        let mut go = 0u8;
        libc::read(sync, (&mut go as *mut u8).cast(), 1);
        // An empty signal mask: socklab's blocked SIGINT must not reach the program.
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        if let Err(errno) = seccomp::install(filter.as_ptr(), filter.len()) {
            report(errors, STAGE_SECCOMP, errno);
        }
        libc::execv(path, argv);
        report(errors, STAGE_EXEC, *libc::__errno_location());
    }
}

/// Writes the failed step and its errno on the error pipe, and exits.
unsafe fn report(fd: i32, stage: u8, errno: i32) -> ! {
    let mut msg = [0u8; 5];
    msg[0] = stage;
    msg[1..].copy_from_slice(&errno.to_ne_bytes());
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(fd, msg.as_ptr().cast(), msg.len());
        libc::_exit(127)
    }
}

/// What the child of `program` reported before it exited, if it failed before `execve`.
pub fn startup_error(errors: &OwnedFd, program: &str) -> Option<SpawnError> {
    let mut msg = [0u8; 5];
    // SAFETY: read(2) into a local buffer; the write end is closed (the child exited or
    // exec'd), so this does not block.
    let n = unsafe { libc::read(errors.as_raw_fd(), msg.as_mut_ptr().cast(), msg.len()) };
    if n != 5 {
        return None;
    }
    let errno = i32::from_ne_bytes(msg[1..].try_into().unwrap());
    Some(match msg[0] {
        STAGE_SECCOMP => SpawnError::Seccomp(errno),
        _ => SpawnError::Exec(program.to_string(), errno),
    })
}

/// True when the terminal on stdin belongs to socklab's process group (socklab runs in the
/// foreground of a shell): then the program can be given the terminal.
pub fn owns_terminal() -> bool {
    // SAFETY: isatty, tcgetpgrp and getpgrp have no memory arguments.
    unsafe { libc::isatty(0) == 1 && libc::tcgetpgrp(0) == libc::getpgrp() }
}

/// Takes the terminal back for socklab's own process group once the program is done.
pub fn reclaim_terminal() {
    // SAFETY: signal-mask manipulation of the calling thread and tcsetpgrp on stdin. SIGTTOU
    // is blocked meanwhile: a background group may then take the terminal.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTTOU);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        libc::tcsetpgrp(0, libc::getpgrp());
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
}
