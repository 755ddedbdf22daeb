//! One sandbox per graded program: a user, network and PID namespace of its own.
//!
//! The grader's side of the exchange must run in the program's network namespace (that is
//! where the program's loopback is), and an unprivileged thread cannot `setns` into a
//! namespace it did not make. So the grader re-executes socklab as a hidden subcommand
//! ([`INNER`]) per program; that child does both sides:
//!
//! ```text
//! socklab check ...                    (the grader, outside)
//!  └─ socklab __sandbox                unshare(USER|NET|PID), uid_map: root of its own user
//!      │                               namespace, mapped to the user who runs the grader
//!      └─ pid 1: the grader's side     loopback brought up; runs the scenario, prints the
//!          ├─ the program              verdicts as JSON on stdout, then exits: the kernel
//!          └─ what it started...       kills everything left in the PID namespace
//! ```
//!
//! The program is pid 2 and up, never pid 1 (pid 1 ignores signals left at their default
//! action), so the grader's Ctrl+C reaches it as from a terminal. Inside, each program has its
//! own ports: the labs' fixed ports never collide, and `--each` can grade in parallel. The
//! programs get the limits and the write confinement of [`limits`](super::limits); `pid 1`,
//! the grader's side, does not need them. Every wait is bounded, and the whole grading of a
//! program too ([`DEADLINE`]): past it the outer grader kills the sandbox, and with its
//! parent gone pid 1 gets SIGKILL (`PR_SET_PDEATHSIG`), which ends the namespace.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::catalogue::Part;
use super::child::Program;
use super::limits::{Jail, Limit, PrivateDir, Watch, landlock_available};
use super::scenario;
use super::traced;
use super::verdict::{Checklist, Criterion, Reason, Status, Verdict};

/// The hidden subcommand: `socklab __sandbox` (a job on stdin) or `socklab __sandbox --probe`.
pub const INNER: &str = "__sandbox";

/// The longest the grading of one program may take; every wait in a scenario is bounded,
/// so only a grader's own fault could reach it.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// What the grader can use on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Support {
    /// Namespaces work: each program gets a sandbox. `Err`: why not.
    pub namespaces: Result<(), Reason>,
    /// Landlock confines writes to the private directory.
    pub landlock: bool,
}

/// Tries a sandbox once (an empty one, no program) and says what works.
pub fn probe() -> Support {
    let landlock = landlock_available();
    let namespaces = match run_inner(&[INNER, "--probe"], None, Duration::from_secs(20)) {
        Ok(Some(v)) if v["ok"] == true => Ok(()),
        Ok(Some(v)) => Err(error_reason(&v).unwrap_or_else(|| {
            Reason::new(
                "le bac à sable n'a pas démarré",
                "the sandbox did not start",
            )
        })),
        Ok(None) => Err(Reason::new(
            "le bac à sable n'a pas répondu",
            "the sandbox did not answer",
        )),
        Err(e) => Err(Reason::new(e.clone(), e)),
    };
    Support {
        namespaces,
        landlock,
    }
}

/// Grades one part of a program in a sandbox of its own: the verdicts, and the limits its
/// runs ran into.
pub fn grade_part(
    part: &Part,
    argv: &[String],
    dir: Option<&Path>,
    port: Option<u16>,
) -> (Vec<Verdict>, Vec<Limit>) {
    let criteria = &traced::part_criteria(
        scenario::criteria(&part.scenario).unwrap_or(&[]),
        &part.trace,
    );
    let all_failed = |reason: Reason| {
        let mut list = Checklist::new(criteria);
        list.fail_all(&reason);
        list.finish()
    };
    let private = match PrivateDir::new() {
        Ok(d) => d,
        Err(e) => {
            return (
                all_failed(Reason::new(
                    format!("non vérifié : pas de dossier temporaire privé ({e})"),
                    format!("not checked: no private temporary directory ({e})"),
                )),
                Vec::new(),
            );
        }
    };
    let job = json!({
        "scenario": part.scenario,
        "trace": part.trace,
        "argv": argv,
        "dir": dir,
        "port": port,
        "tmp": private.path(),
    });
    match run_inner(&[INNER], Some(&job), DEADLINE) {
        Ok(Some(answer)) => match decode(&answer, criteria) {
            Some(found) => found,
            None => (
                all_failed(error_reason(&answer).unwrap_or_else(|| {
                    Reason::new(
                        "non vérifié : le bac à sable a répondu sans verdict",
                        "not checked: the sandbox answered without a verdict",
                    )
                })),
                Vec::new(),
            ),
        },
        Ok(None) => {
            let secs = DEADLINE.as_secs();
            (
                all_failed(Reason::new(
                    format!("non vérifié : la notation a été arrêtée après {secs} s"),
                    format!("not checked: the grading was stopped after {secs} s"),
                )),
                vec![Limit::Grading { secs }],
            )
        }
        Err(e) => (
            all_failed(Reason::new(
                format!("non vérifié : bac à sable impossible ({e})"),
                format!("not checked: no sandbox ({e})"),
            )),
            Vec::new(),
        ),
    }
}

/// Starts `socklab ARGS` with `job` on its stdin and reads the JSON it prints. `Ok(None)`:
/// it did not finish within `limit`, and was killed (its namespace with it).
fn run_inner(args: &[&str], job: Option<&Value>, limit: Duration) -> Result<Option<Value>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("socklab's own path: {e}"))?;
    let mut cmd = Command::new(&exe);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // SAFETY: prctl between fork and exec, no memory touched. If the grader dies (a second
    // Ctrl+C), its sandboxes die with it, and each one's pid 1 after them.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", exe.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let text = job.map(Value::to_string).unwrap_or_default();
        // A few hundred bytes: the pipe takes them at once, and closing it ends the job.
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("sandbox: {e}"))?;
    }
    let mut stdout = child.stdout.take().ok_or("sandbox: no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    // Read on a thread: the end of the pipe comes when pid 1 and its keeper are gone.
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let _ = tx.send(out);
    });
    let out = match rx.recv_timeout(limit) {
        Ok(out) => out,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
    };
    let _ = child.wait();
    serde_json::from_slice(&out)
        .map(Some)
        .map_err(|_| "the sandbox ended without a report".to_string())
}

fn error_reason(answer: &Value) -> Option<Reason> {
    let e = &answer["error"];
    Some(Reason::new(e["fr"].as_str()?, e["en"].as_str()?))
}

/// The verdicts and limits of an answer, each verdict matched to its criterion.
fn decode(answer: &Value, criteria: &[Criterion]) -> Option<(Vec<Verdict>, Vec<Limit>)> {
    let given = answer["verdicts"].as_array()?;
    let verdicts = criteria
        .iter()
        .map(|c| {
            let v = given.iter().find(|v| v["id"] == c.id);
            let status = match v.and_then(|v| v["status"].as_str()) {
                Some("pass") => Status::Pass,
                Some("skip") => Status::Skip,
                _ => Status::Fail,
            };
            let reason = v.and_then(|v| {
                Some(Reason::new(
                    v["reason"]["fr"].as_str()?,
                    v["reason"]["en"].as_str()?,
                ))
            });
            Verdict {
                criterion: *c,
                status,
                reason,
            }
        })
        .collect();
    let limits = answer["limits"]
        .as_array()
        .map(|a| a.iter().filter_map(Limit::from_json).collect())
        .unwrap_or_default();
    Some((verdicts, limits))
}

fn encode(verdicts: &[Verdict], limits: &[Limit]) -> Value {
    json!({
        "verdicts": verdicts.iter().map(|v| json!({
            "id": v.criterion.id,
            "status": v.status,
            "reason": v.reason.as_ref().map(|r| json!({"fr": r.fr, "en": r.en})),
        })).collect::<Vec<_>>(),
        "limits": limits.iter().map(Limit::to_json).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------- inside

/// The entry of `socklab __sandbox`, called first in `main`: `None` for any other command.
/// It must run before any thread starts: a process with threads cannot enter a new user
/// namespace.
pub fn inner_main() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != INNER {
        return None;
    }
    let probe = args.next().is_some_and(|a| a == "--probe");
    Some(inner(probe))
}

/// A job for the inside, as the outer grader wrote it.
struct Job {
    scenario: String,
    /// The part's trace criteria.
    trace: Vec<String>,
    argv: Vec<String>,
    dir: Option<PathBuf>,
    port: Option<u16>,
    tmp: PathBuf,
}

fn read_job() -> Option<Job> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some(Job {
        scenario: v["scenario"].as_str()?.to_string(),
        trace: v["trace"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        argv: v["argv"]
            .as_array()?
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        dir: v["dir"].as_str().map(PathBuf::from),
        port: v["port"].as_u64().and_then(|p| u16::try_from(p).ok()),
        tmp: PathBuf::from(v["tmp"].as_str()?),
    })
}

/// Prints the answer for the outer grader.
fn answer(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn failed(fr: &str, en: &str, e: impl std::fmt::Display) -> i32 {
    answer(&json!({"error": {"fr": format!("{fr} : {e}"), "en": format!("{en}: {e}")}}));
    1
}

fn inner(probe: bool) -> i32 {
    let job = if probe {
        None
    } else {
        match read_job() {
            Some(j) => Some(j),
            None => return failed("travail illisible", "unreadable job", "stdin"),
        }
    };
    if let Err(e) = enter_namespaces() {
        return failed("espaces de noms indisponibles", "namespaces unavailable", e);
    }
    // SAFETY: this process has a single thread (no thread is started before `inner_main`),
    // so the child may go on running ordinary code after fork.
    match unsafe { libc::fork() } {
        -1 => failed("fork", "fork", std::io::Error::last_os_error()),
        0 => {
            // pid 1 of the new PID namespace.
            // SAFETY: prctl with plain integers.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
            let code = as_init(job);
            std::process::exit(code);
        }
        pid => keep(pid),
    }
}

/// The keeper, outside the PID namespace: waits for its pid 1 and exits as it did.
fn keep(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child, into a local.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        if r == -1 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return 1;
        }
    }
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    }
}

/// unshare(USER|NET|PID), then the uid and gid maps: root inside is the user outside.
fn enter_namespaces() -> Result<(), String> {
    // SAFETY: getuid/getgid cannot fail; read before unshare, after which they would read as
    // the overflow id until the maps are written.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare with flags only.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET | libc::CLONE_NEWPID) } != 0
    {
        return Err(format!("unshare: {}", std::io::Error::last_os_error()));
    }
    // An unprivileged process may map its gid only once setgroups is denied.
    match std::fs::write("/proc/self/setgroups", "deny") {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("/proc/self/setgroups: {e}"));
        }
        _ => {}
    }
    std::fs::write("/proc/self/uid_map", format!("0 {uid} 1\n"))
        .map_err(|e| format!("/proc/self/uid_map: {e}"))?;
    std::fs::write("/proc/self/gid_map", format!("0 {gid} 1\n"))
        .map_err(|e| format!("/proc/self/gid_map: {e}"))?;
    Ok(())
}

/// Brings the namespace's loopback up: it starts down, with no address; up, it has
/// 127.0.0.1 and ::1.
fn loopback_up() -> std::io::Result<()> {
    // SAFETY: a datagram socket used only for two ioctls on a zeroed ifreq naming "lo",
    // then closed.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (d, s) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
            *d = *s as libc::c_char;
        }
        let mut r = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr);
        if r == 0 {
            ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            r = libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr);
        }
        let e = std::io::Error::last_os_error();
        libc::close(fd);
        if r != 0 { Err(e) } else { Ok(()) }
    }
}

/// pid 1: brings the loopback up, then answers the probe or runs the job.
fn as_init(job: Option<Job>) -> i32 {
    if let Err(e) = loopback_up() {
        return failed("interface lo", "interface lo", e);
    }
    let Some(job) = job else {
        answer(&json!({"ok": true}));
        return 0;
    };
    let watch = Arc::new(Watch::default());
    let program = Program {
        argv: job.argv,
        dir: job.dir,
        jail: Some(Arc::new(Jail::new(&job.tmp, true))),
        watch: Arc::clone(&watch),
        tracing: None,
    };
    let (verdicts, _) = traced::grade(&job.scenario, &job.trace, program, job.port, &job.tmp);
    answer(&encode(&verdicts, &watch.take()));
    0
}

/// How many tasks (processes and threads) the caller's PID namespace holds, the grader's own
/// included: the process limit counts them all, since they share the sandbox's user
/// namespace. `None` when /proc cannot tell.
pub fn tasks_in_this_pid_namespace() -> Option<u64> {
    let mine = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let mut n = 0;
    for pid in crate::procfs::pids() {
        // Processes of other namespaces (or other users) do not answer, or answer otherwise.
        if std::fs::read_link(format!("/proc/{pid}/ns/pid"))
            .ok()
            .as_ref()
            != Some(&mine)
        {
            continue;
        }
        let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| crate::procfs::status_field(&s, "Threads:").and_then(|t| t.parse().ok()))
            .unwrap_or(1);
        n += threads;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_cross_the_pipe_unchanged() {
        let criteria = scenario::criteria("echo-tcp-iterative").unwrap();
        let mut list = Checklist::new(criteria);
        list.pass("listens");
        list.fail("echo_small", Reason::new("raté « x »", "failed \"x\""));
        list.skip("ipv4_ipv6", Reason::new("pas d'IPv6", "no IPv6"));
        let verdicts = list.finish();
        let limits = vec![Limit::Memory, Limit::Time { secs: 5 }];
        let text = encode(&verdicts, &limits).to_string();
        let (back, lim) = decode(&serde_json::from_str(&text).unwrap(), criteria).unwrap();
        assert_eq!(lim, limits);
        assert_eq!(back.len(), verdicts.len());
        for (a, b) in back.iter().zip(&verdicts) {
            assert_eq!(a.criterion.id, b.criterion.id);
            assert_eq!(a.status, b.status);
            assert_eq!(a.reason, b.reason);
        }
    }
}
