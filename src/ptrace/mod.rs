//! `socklab trace`: any program's socket calls, traced the way socklab traces its own.
//!
//! socklab starts the program under `ptrace(2)`, the kernel's interface for one process to
//! watch another (what strace and gdb use), and turns each socket call the program makes into
//! the same [`Event`](crate::trace::Event) socklab's own calls emit: the same renderers,
//! explanations, step mode, diagrams. It is the second source of events, beside
//! [`sock`](crate::sock).
//!
//! - [`spawn`]: `fork`, a clean start for the child (default signals, empty mask),
//!   `PTRACE_SEIZE`, then the seccomp filter and `execve`.
//! - [`seccomp`]: the filter that stops the program on its socket calls only.
//! - [`calls`]: which calls, by their numbers on x86_64 and aarch64.
//! - [`tracer`]: the loop that waits for the stopped threads and lets them go on.
//! - [`decode`]: a stopped call read into an event, strace's way.
//! - [`memory`]: the program's buffers and addresses, read with `process_vm_readv`.
//! - [`fds`]: which descriptors of each process are sockets, and what they are.
//! - [`roles`]: veilleur, exécutant, client, named from what the threads do.
//!
//! `socklab trace --server CMD --client CMD` runs two programs, the client once the server
//! listens (`listen`, or `bind` for a UDP server), and lays them out in the demos' two
//! columns.

pub mod calls;
pub mod decode;
pub mod fds;
pub mod interrupt;
pub mod memory;
pub mod names;
pub mod resolver;
pub mod roles;
pub mod seccomp;
pub mod spawn;
pub mod tracer;

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::cli::TraceArgs;
use crate::error::Failure;
use crate::lang::Lang;
use crate::trace::{Event, Role};
use crate::{signals, step, trace};
use spawn::{Program, Setup, SpawnError};
use tracer::{End, Tracer, Tree};

/// The process groups of the programs socklab started: Ctrl+C is passed on to them.
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Every traced thread's name at the end of the run, by thread id.
static NAMES: Mutex<Vec<(u32, String, Role)>> = Mutex::new(Vec::new());

/// The events of a run with each thread under its final name: a thread is `thread-TID` in
/// the live trace until its calls say what it is, but the diagram, drawn at the end, shows one
/// lifeline per thread, under the name it earned. Events of no traced thread are unchanged.
pub fn final_names(mut events: Vec<Event>) -> Vec<Event> {
    let names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    for ev in &mut events {
        if ev.role == Role::Harness {
            continue;
        }
        if let Some((_, name, role)) = names.iter().find(|(tid, _, _)| *tid == ev.tid) {
            ev.thread.clone_from(name);
            ev.role = *role;
        }
    }
    events
}

fn add_group(pid: i32) {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    // The same pid for the stop signal's handler, which may take no lock.
    if let Some(slot) = STOP_GROUPS.iter().find(|s| s.load(Ordering::Relaxed) == 0) {
        slot.store(pid, Ordering::Relaxed);
    }
}

/// The signal that ends a trace on purpose: `kill -USR1 <socklab>` kills the traced programs
/// (SIGKILL) and socklab writes the trace to its end, the programs' deaths included, then
/// exits as they did. The grader uses it at the end of a scenario: SIGKILL to socklab itself
/// would end the programs too (`PTRACE_O_EXITKILL`) but lose the events not written yet.
pub const STOP_SIGNAL: i32 = libc::SIGUSR1;

/// The programs' process groups (their first pids), read by [`stop_programs`] (one program,
/// or a server and its client).
static STOP_GROUPS: [AtomicI32; 2] = [AtomicI32::new(0), AtomicI32::new(0)];

/// The signal number the program died of, when it died of one.
static DIED_OF: AtomicI32 = AtomicI32::new(0);

/// The handler of [`STOP_SIGNAL`]: only kill(2), which is async-signal-safe.
extern "C" fn stop_programs(_: libc::c_int) {
    for slot in &STOP_GROUPS {
        let pid = slot.load(Ordering::Relaxed);
        if pid > 0 {
            // SAFETY: kill(2) on a process group socklab created, and on its first process
            // (the program may share socklab's group in step mode, with no group of its own).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

fn catch_stop_signal() {
    // SAFETY: a zeroed sigaction with a plain function as handler; SA_RESTART, so that the
    // tracer's waitpid and the writer's calls go on where the signal lands.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = stop_programs as *const () as libc::sighandler_t;
        act.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(STOP_SIGNAL, &act, std::ptr::null_mut());
    }
}

/// The signal the traced program died of, if it did: socklab then dies of it too (see
/// [`die_of`]), so that a shell, or the grader, sees the program's own end.
pub fn died_of() -> Option<i32> {
    match DIED_OF.load(Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// Ends socklab by `signal`, as the traced program ended; returns only if the signal did not
/// end it (one that cannot be caught and stops rather than kills).
pub fn die_of(signal: i32) {
    // SAFETY: setrlimit on a local struct (no core file of socklab for the program's
    // SIGSEGV), then the default action for the signal, unblocked, raised at this thread.
    unsafe {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
}

/// Runs `socklab trace`; the exit code is the program's (the client's, for a pair).
pub fn run(args: &TraceArgs, lang: Lang) -> Result<i32, Failure> {
    let Some(arch) = calls::native() else {
        return Err(message(
            lang,
            "socklab trace ne connaît que x86_64 et aarch64",
            "socklab trace only knows x86_64 and aarch64",
        ));
    };
    // Orphans of the program (a child whose parent died) are handed to socklab rather than
    // to init, so socklab reaps every process it started, however the run ends.
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    // Ctrl+C (when the program does not own the terminal) goes to the program's processes;
    // socklab itself goes on tracing until they end.
    signals::on_interrupt(|| {
        for &pid in GROUPS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            interrupt::interrupt_group(pid);
        }
    });
    catch_stop_signal();
    let stepping = step::active();
    // The program may own the terminal, as under a shell, unless the step gate reads it.
    let foreground = !stepping && spawn::owns_terminal();
    let stdin_null = step::keys_from_stdin();
    // The gate reads the terminal: the program shares it, in socklab's process group.
    let own_group = !(stepping && !stdin_null && spawn::owns_terminal());
    let mut tracer = Tracer::new(arch, lang);
    tracer.end_with_program = args.end_with_program;
    let pair = match (&args.server, &args.client) {
        (Some(server), Some(client)) => {
            let server = program(&words(server, lang)?, lang)?;
            let client = program(&words(client, lang)?, lang)?;
            let quiet = Setup {
                own_group: true,
                stdin_null: true,
                foreground: false,
            };
            start(&mut tracer, &server, &quiet, Tree::Server, lang)?;
            tracer.client_after_listen(
                client,
                Setup {
                    own_group,
                    stdin_null,
                    foreground,
                },
            );
            true
        }
        _ => {
            let prog = program(&args.command, lang)?;
            let setup = Setup {
                own_group,
                stdin_null,
                foreground,
            };
            start(&mut tracer, &prog, &setup, Tree::Single, lang)?;
            false
        }
    };
    let end = tracer.run();
    *NAMES.lock().unwrap_or_else(|e| e.into_inner()) = tracer.final_names();
    if foreground {
        spawn::reclaim_terminal();
    }
    let end = end.map_err(|e| spawn_failure(e, lang))?;
    if end == End::Quit {
        // `q` stops the program on purpose: socklab ends as it does at `q` everywhere.
        return Ok(0);
    }
    let status = if pair {
        if !tracer.client_started() {
            return Err(message(
                lang,
                "le serveur s'est terminé sans appeler listen (ni bind en UDP) : le client n'a pas \
                 été lancé",
                "the server ended without calling listen (nor bind, for UDP): the client was not \
                 started",
            ));
        }
        tracer.status(Tree::Client)
    } else {
        tracer.status(Tree::Single)
    };
    if let Some(tracer::Status::Signal(sig)) = status {
        DIED_OF.store(sig, Ordering::Relaxed);
    }
    Ok(status.map_or(0, |s| s.exit_code()))
}

/// Splits a `--server`/`--client` command as a shell would, with no shell in between.
fn words(cmd: &str, lang: Lang) -> Result<Vec<String>, Failure> {
    let w = shell_words::split(cmd).map_err(|e| {
        Failure::usage(match lang {
            Lang::Fr => format!("commande illisible « {cmd} » : {e}"),
            Lang::En => format!("cannot split the command \"{cmd}\": {e}"),
        })
    })?;
    if w.is_empty() {
        return Err(Failure::usage(
            lang.pick("une commande vide à tracer", "an empty command to trace"),
        ));
    }
    Ok(w)
}

fn program(words: &[String], lang: Lang) -> Result<Program, Failure> {
    if words.is_empty() {
        return Err(Failure::usage(lang.pick(
            "la commande à tracer manque : socklab trace -- COMMANDE [ARGS…]",
            "the command to trace is missing: socklab trace -- COMMAND [ARGS…]",
        )));
    }
    spawn::resolve(words).map_err(|e| spawn_failure(e, lang))
}

fn start(
    tracer: &mut Tracer,
    prog: &Program,
    setup: &Setup,
    tree: Tree,
    lang: Lang,
) -> Result<(), Failure> {
    tracer
        .spawn(prog, setup, tree)
        .map(|_| ())
        .map_err(|e| spawn_failure(e, lang))
}

/// One line saying why, with no errno advice after it.
fn message(lang: Lang, fr: &str, en: &str) -> Failure {
    Failure::new("trace", io::Error::other(lang.pick(fr, en).to_string()))
}

fn spawn_failure(e: SpawnError, lang: Lang) -> Failure {
    let errno = |code: i32| {
        let name = trace::errno_name(code);
        format!("{name}, {}", trace::errno_message(&name))
    };
    let text = match (e, lang) {
        (SpawnError::NotFound(p), Lang::Fr) => format!("{p} : commande introuvable"),
        (SpawnError::NotFound(p), Lang::En) => format!("{p}: command not found"),
        (SpawnError::PtraceRefused(c), Lang::Fr) => format!(
            "ptrace est refusé ici ({}) : un conteneur qui l'interdit, ou un programme déjà \
             suivi (strace, un débogueur) ; socklab trace ne peut rien suivre",
            errno(c)
        ),
        (SpawnError::PtraceRefused(c), Lang::En) => format!(
            "ptrace is refused here ({}): a container that forbids it, or a program already \
             traced (strace, a debugger); socklab trace cannot follow anything",
            errno(c)
        ),
        (SpawnError::Seccomp(c), Lang::Fr) => format!(
            "le filtre seccomp est refusé ({}) : ce noyau ou ce conteneur n'autorise pas seccomp",
            errno(c)
        ),
        (SpawnError::Seccomp(c), Lang::En) => format!(
            "the seccomp filter is refused ({}): this kernel or container does not allow seccomp",
            errno(c)
        ),
        (SpawnError::Exec(p, c), Lang::Fr) => {
            format!("{p} : execve a échoué ({})", errno(c))
        }
        (SpawnError::Exec(p, c), Lang::En) => format!("{p}: execve failed ({})", errno(c)),
        (SpawnError::Os(e), _) => e.to_string(),
    };
    Failure::new("trace", io::Error::other(text))
}
