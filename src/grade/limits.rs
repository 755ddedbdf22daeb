//! What a graded program may use, and what it ran into.
//!
//! Every program the grader starts gets resource limits (set between fork and exec, so that
//! they hold for it and for whatever it starts) and may write only in a private directory of
//! its own (Landlock). When it runs into a limit, the grader says which one, in both languages:
//! a student learns more from "out of memory" than from "killed by signal 6".
//!
//! The limits are chosen so that the labs' programs never reach them, threaded servers
//! included, while a runaway one is stopped quickly:
//!
//! - CPU time: a program that spins (a loop that never blocks) is stopped by SIGXCPU.
//! - `RLIMIT_DATA`, not `RLIMIT_AS`: the address space counts every thread's stack
//!   reservation and breaks threaded servers; the data size bounds the heap (and the stacks
//!   actually mapped writable).
//! - `RLIMIT_NPROC` counts processes *and* threads. It does not apply to root (CI runs as
//!   root), and without a user namespace of its own it counts every process of the user, so
//!   there it is set above what the user already runs.
//! - open files, file size (SIGXFSZ past it), no core dump.
//! - what it prints: the grader keeps at most [`OUTPUT_LIMIT`] bytes of each stream and stops
//!   a program that prints more (this one holds with `--no-sandbox` too: it protects the
//!   grader's own memory).

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::verdict::Reason;
use crate::procfs::{self, status_field};

/// The resource limits of a graded program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub cpu_secs: u64,
    pub data_bytes: u64,
    pub processes: u64,
    pub open_files: u64,
    pub file_bytes: u64,
}

/// The limits every graded program gets.
pub const LIMITS: Limits = Limits {
    cpu_secs: 10,
    data_bytes: 1 << 30,
    processes: 128,
    open_files: 1024,
    file_bytes: 64 << 20,
};

/// The most the grader keeps of what a program prints on one stream; past it, the program
/// is stopped.
pub const OUTPUT_LIMIT: usize = 4 << 20;

/// A limit a program ran into, or a way it was stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Still running when the grader stopped waiting for its end (`secs` of waiting).
    Time { secs: u64 },
    /// Its CPU time ran out (SIGXCPU).
    Cpu,
    /// An allocation failed under the data-size limit.
    Memory,
    /// A fork (or a new thread) failed under the process limit; `seen`: how many processes
    /// and threads its sandbox held at once, when counted.
    Processes { seen: Option<u64> },
    /// It printed more than [`OUTPUT_LIMIT`] and was stopped.
    Output,
    /// It wrote a file past the size limit (SIGXFSZ).
    FileSize,
    /// A write outside its private directory was refused.
    Writes,
    /// Its whole grading took longer than `secs` and was stopped.
    Grading { secs: u64 },
}

fn mib(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

impl Limit {
    /// A short name, for the class table, CSV-like outputs and JSON.
    pub fn id(&self) -> &'static str {
        match self {
            Limit::Time { .. } => "time",
            Limit::Cpu => "cpu",
            Limit::Memory => "memory",
            Limit::Processes { .. } => "processes",
            Limit::Output => "output",
            Limit::FileSize => "file_size",
            Limit::Writes => "writes",
            Limit::Grading { .. } => "grading_time",
        }
    }

    /// What happened, for the student.
    pub fn reason(&self) -> Reason {
        let l = LIMITS;
        match self {
            Limit::Time { secs } => Reason::new(
                format!(
                    "arrêté : toujours en marche après {secs} s d'attente de sa fin (il a été \
                     tué, avec tout ce qu'il avait lancé)"
                ),
                format!(
                    "stopped: still running after the grader waited {secs} s for it to end \
                     (it was killed, with everything it started)"
                ),
            ),
            Limit::Cpu => Reason::new(
                format!(
                    "arrêté : il a consommé ses {} s de temps processeur (SIGXCPU) ; une boucle \
                     qui ne bloque jamais ?",
                    l.cpu_secs
                ),
                format!(
                    "stopped: it used up its {} s of CPU time (SIGXCPU); a loop that never \
                     blocks?",
                    l.cpu_secs
                ),
            ),
            Limit::Memory => Reason::new(
                format!(
                    "mémoire épuisée : une allocation a échoué (limite : {} de données)",
                    mib(l.data_bytes)
                ),
                format!(
                    "out of memory: an allocation failed (limit: {} of data)",
                    mib(l.data_bytes)
                ),
            ),
            Limit::Processes { seen: Some(n) } => Reason::new(
                format!(
                    "trop de processus : {n} processus et threads à la fois (limite : {})",
                    l.processes
                ),
                format!(
                    "too many processes: {n} processes and threads at once (limit: {})",
                    l.processes
                ),
            ),
            Limit::Processes { seen: None } => Reason::new(
                format!(
                    "trop de processus : un fork (ou un nouveau thread) a échoué (limite : {} \
                     processus et threads)",
                    l.processes
                ),
                format!(
                    "too many processes: a fork (or a new thread) failed (limit: {} processes \
                     and threads)",
                    l.processes
                ),
            ),
            Limit::Output => Reason::new(
                format!(
                    "arrêté : il a affiché plus de {} (le reste n'est pas lu)",
                    mib(OUTPUT_LIMIT as u64)
                ),
                format!(
                    "stopped: it printed more than {} (the rest is not read)",
                    mib(OUTPUT_LIMIT as u64)
                ),
            ),
            Limit::FileSize => Reason::new(
                format!(
                    "arrêté : il a écrit un fichier de plus de {} (SIGXFSZ)",
                    mib(l.file_bytes)
                ),
                format!(
                    "stopped: it wrote a file over {} (SIGXFSZ)",
                    mib(l.file_bytes)
                ),
            ),
            Limit::Writes => Reason::new(
                "écriture refusée : un programme noté n'écrit que dans son dossier temporaire \
                 privé ($TMPDIR)",
                "write refused: a graded program may write only in its private temporary \
                 directory ($TMPDIR)",
            ),
            Limit::Grading { secs } => Reason::new(
                format!("arrêté : sa notation a duré plus de {secs} s"),
                format!("stopped: its grading took over {secs} s"),
            ),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Limit::Time { secs } | Limit::Grading { secs } => {
                json!({"limit": self.id(), "secs": secs})
            }
            Limit::Processes { seen } => json!({"limit": self.id(), "seen": seen}),
            _ => json!({"limit": self.id()}),
        }
    }

    pub fn from_json(v: &Value) -> Option<Limit> {
        let secs = v["secs"].as_u64().unwrap_or(0);
        Some(match v["limit"].as_str()? {
            "time" => Limit::Time { secs },
            "cpu" => Limit::Cpu,
            "memory" => Limit::Memory,
            "processes" => Limit::Processes {
                seen: v["seen"].as_u64(),
            },
            "output" => Limit::Output,
            "file_size" => Limit::FileSize,
            "writes" => Limit::Writes,
            "grading_time" => Limit::Grading { secs },
            _ => return None,
        })
    }
}

/// The limits that programs started for one part ran into, gathered from every run.
#[derive(Debug, Default)]
pub struct Watch {
    hits: Mutex<Vec<Limit>>,
}

impl Watch {
    /// Records `limit`, once per kind.
    pub fn note(&self, limit: Limit) {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if !hits.iter().any(|h| h.id() == limit.id()) {
            hits.push(limit);
        }
    }

    pub fn take(&self) -> Vec<Limit> {
        std::mem::take(&mut *self.hits.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The limits a program's end shows: its status (SIGXCPU, SIGXFSZ) and what it wrote on
/// stderr when an allocation, a fork or a write failed. The messages are those of Python,
/// the shell, Rust and the C library. `writes_confined`: a refused write then means the
/// sandbox refused it.
pub fn from_ending(status: Option<ExitStatus>, stderr: &str, writes_confined: bool) -> Vec<Limit> {
    use std::os::unix::process::ExitStatusExt;
    let mut found = Vec::new();
    match status.and_then(|s| s.signal()) {
        Some(libc::SIGXCPU) => found.push(Limit::Cpu),
        Some(libc::SIGXFSZ) => found.push(Limit::FileSize),
        _ => {}
    }
    let lower = stderr.to_ascii_lowercase();
    let memory = [
        "memoryerror",
        "memory allocation of",
        "cannot allocate memory",
        "bad_alloc",
        "out of memory",
    ];
    if memory.iter().any(|m| lower.contains(m)) {
        found.push(Limit::Memory);
    }
    // EAGAIN alone is also what a non-blocking socket says: only with a fork or a thread.
    let again = lower.contains("resource temporarily unavailable")
        || lower.contains("blockingioerror")
        || lower.contains("eagain");
    let spawning = lower.contains("fork") || lower.contains("thread") || lower.contains("spawn");
    if (again && spawning) || lower.contains("can't start new thread") {
        found.push(Limit::Processes { seen: None });
    }
    // A refused bind (a port below 1024 outside the sandbox) says "permission denied" too.
    let refused = (lower.contains("permission denied") && !lower.contains("bind"))
        || lower.contains("read-only file system");
    if writes_confined && refused {
        found.push(Limit::Writes);
    }
    found
}

/// A private directory for one graded program, removed (with what it holds) when dropped.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// A new directory under the system's temporary directory, readable by its owner only.
    pub fn new() -> std::io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("socklab-graded-{}-{n}", std::process::id()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a graded program is confined to, applied in the child between fork and exec.
#[derive(Debug)]
pub struct Jail {
    /// `(resource, soft, hard)`, each already within the grader's own hard limit.
    rlimits: Vec<(libc::__rlimit_resource_t, u64, u64)>,
    /// A Landlock ruleset that allows writes under `dir` only; `None` without Landlock.
    landlock: Option<OwnedFd>,
    /// The private directory, given to the program as `TMPDIR`.
    pub dir: PathBuf,
    /// True inside the sandbox: the program already has a network namespace (and a PID
    /// namespace) of its own.
    pub sandboxed: bool,
}

impl Jail {
    /// The jail of a program whose private directory is `dir`. `sandboxed`: inside the
    /// sandbox's user namespace, where the process limit counts the sandbox's tasks only.
    /// Without Landlock, the jail holds the resource limits alone.
    pub fn new(dir: &Path, sandboxed: bool) -> Jail {
        let l = LIMITS;
        let processes = if sandboxed {
            l.processes
        } else {
            // Outside a user namespace of its own, RLIMIT_NPROC counts every process of
            // the user: allow that many more.
            l.processes + user_tasks()
        };
        let wanted: [(libc::__rlimit_resource_t, u64, u64); 6] = [
            // The soft limit sends SIGXCPU, which can be reported; the hard one SIGKILL.
            (libc::RLIMIT_CPU, l.cpu_secs, l.cpu_secs + 1),
            (libc::RLIMIT_DATA, l.data_bytes, l.data_bytes),
            (libc::RLIMIT_NPROC, processes, processes),
            (libc::RLIMIT_NOFILE, l.open_files, l.open_files),
            (libc::RLIMIT_FSIZE, l.file_bytes, l.file_bytes),
            (libc::RLIMIT_CORE, 0, 0),
        ];
        let rlimits = wanted
            .iter()
            .map(|&(r, soft, hard)| {
                // A hard limit can only be lowered: stay within the grader's own.
                let mut now = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: libc::RLIM_INFINITY,
                };
                // SAFETY: getrlimit fills a properly sized struct.
                unsafe { libc::getrlimit(r, &mut now) };
                let hard = hard.min(now.rlim_max);
                (r, soft.min(hard), hard)
            })
            .collect();
        Jail {
            rlimits,
            landlock: write_ruleset(dir),
            dir: dir.to_path_buf(),
            sandboxed,
        }
    }

    /// True when writes are confined to the private directory.
    pub fn confines_writes(&self) -> bool {
        self.landlock.is_some()
    }

    /// What the child applies before exec, as plain values: the closure that uses them runs
    /// between fork and exec, where only async-signal-safe calls are allowed.
    pub fn pre_exec(&self) -> PreExec {
        let mut rlimits = [(0, 0, 0); 6];
        for (slot, r) in rlimits.iter_mut().zip(&self.rlimits) {
            *slot = *r;
        }
        PreExec {
            rlimits,
            count: self.rlimits.len(),
            landlock: self.landlock.as_ref().map_or(-1, |fd| fd.as_raw_fd()),
        }
    }
}

/// The jail as plain values, copied into the child.
#[derive(Clone, Copy, Debug)]
pub struct PreExec {
    rlimits: [(libc::__rlimit_resource_t, u64, u64); 6],
    count: usize,
    landlock: i32,
}

impl PreExec {
    /// Applies the limits, then the Landlock ruleset, to the calling process. Only system
    /// calls: safe between fork and exec.
    pub fn apply(&self) -> std::io::Result<()> {
        for &(resource, soft, hard) in &self.rlimits[..self.count] {
            let lim = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            // SAFETY: setrlimit on a valid struct.
            if unsafe { libc::setrlimit(resource, &lim) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        if self.landlock >= 0 {
            // SAFETY: prctl and landlock_restrict_self on a ruleset descriptor this process
            // holds; no memory is touched.
            unsafe {
                if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::syscall(libc::SYS_landlock_restrict_self, self.landlock, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }
}

/// A Landlock ruleset that handles every kind of write and allows them under `dir` and on
/// `/dev/null`, `/dev/zero` and `/dev/full` only; reading and executing stay free. `None`
/// when the kernel has no Landlock.
fn write_ruleset(dir: &Path) -> Option<OwnedFd> {
    use landlock::{ABI, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, path_beneath_rules};
    let abi = ABI::V5;
    let writes = AccessFs::from_write(abi);
    let created = Ruleset::default()
        .handle_access(writes)
        .ok()?
        .create()
        .ok()?
        .add_rules(path_beneath_rules(
            [
                dir,
                Path::new("/dev/null"),
                Path::new("/dev/zero"),
                Path::new("/dev/full"),
            ],
            writes,
        ))
        .ok()?;
    created.into()
}

/// True when this kernel enforces Landlock.
pub fn landlock_available() -> bool {
    let dir = std::env::temp_dir();
    write_ruleset(&dir).is_some()
}

/// How many tasks (processes and threads) the current user runs, read from /proc.
fn user_tasks() -> u64 {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() }.to_string();
    procfs::pids()
        .into_iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter(|s| status_field(s, "Uid:").is_some_and(|u| u == uid))
        .map(|s| {
            status_field(&s, "Threads:")
                .and_then(|t| t.parse().ok())
                .unwrap_or(1)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn endings_name_the_limit_they_ran_into() {
        let ok = ExitStatus::from_raw(1 << 8);
        let py_fork = "Traceback (most recent call last):\n  File \"x.py\", line 4, in <module>\n    \
                       pid = os.fork()\nBlockingIOError: [Errno 11] Resource temporarily unavailable";
        assert_eq!(
            from_ending(Some(ok), py_fork, true),
            vec![Limit::Processes { seen: None }]
        );
        assert_eq!(
            from_ending(Some(ok), "    b = bytearray(n)\nMemoryError", true),
            vec![Limit::Memory]
        );
        assert_eq!(
            from_ending(Some(ExitStatus::from_raw(libc::SIGXCPU)), "", true),
            vec![Limit::Cpu]
        );
        // A non-blocking recv's EAGAIN is a student's bug, not the process limit.
        let recv = "    data = sc.recv(1500)\nBlockingIOError: [Errno 11] Resource temporarily unavailable";
        assert_eq!(from_ending(Some(ok), recv, true), vec![]);
        let denied = "PermissionError: [Errno 13] Permission denied: '../x'";
        assert_eq!(from_ending(Some(ok), denied, true), vec![Limit::Writes]);
        assert_eq!(from_ending(Some(ok), denied, false), vec![]);
    }

    #[test]
    fn limits_go_through_json_unchanged() {
        for l in [
            Limit::Time { secs: 5 },
            Limit::Cpu,
            Limit::Memory,
            Limit::Processes { seen: Some(128) },
            Limit::Processes { seen: None },
            Limit::Output,
            Limit::FileSize,
            Limit::Writes,
            Limit::Grading { secs: 300 },
        ] {
            assert_eq!(Limit::from_json(&l.to_json()), Some(l.clone()));
        }
    }
}
