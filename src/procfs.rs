//! What `/proc` says of processes, for the few places that read it: the processes there are,
//! the fields of `/proc/PID/stat` and the lines of `/proc/PID/status`.

use std::fs;
use std::time::{Duration, Instant};

/// The pids of every process this namespace shows in `/proc`.
pub fn pids() -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// The fields of `/proc/PID/stat` after the command name (which may hold spaces and
/// parentheses, so it is skipped up to its last `)`): the state first, then the parent, the
/// process group...
pub fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().collect())
}

/// Field `n` of [`stat_fields`] of process `pid`, as a number (1: the parent, 2: the process
/// group); `None` when the process is gone.
pub fn stat_number(pid: u32, n: usize) -> Option<i64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_fields(&stat)?.get(n)?.parse().ok()
}

/// The first value of a `Name:\tvalue ...` line of a /proc status file.
pub fn status_field<'a>(status: &'a str, name: &str) -> Option<&'a str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
}

/// The processes descended from `root`, `root` excluded, found by the parent field of each
/// `/proc/PID/stat` (one pass over `/proc`, then the tree walked from `root`).
pub fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = pids()
        .into_iter()
        .filter_map(|pid| Some((pid, u32::try_from(stat_number(pid, 1)?).ok()?)))
        .collect();
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(parent) = next.pop() {
        for &(pid, _) in parents.iter().filter(|&&(_, p)| p == parent) {
            found.push(pid);
            next.push(pid);
        }
    }
    found
}

/// The state letter of each thread of process `pid` (`R` running, `S` asleep in a call, `t`
/// stopped for its tracer, `Z` ended...); empty when the process is gone.
pub fn thread_states(pid: u32) -> Vec<char> {
    let Ok(dir) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let stat = fs::read_to_string(entry.ok()?.path().join("stat")).ok()?;
        stat_fields(&stat)?.first()?.chars().next()
    })
    .collect()
}

/// How long, at most, a program is given to finish what its last event set off (a `close`
/// after the client left) before it is stopped: by the grader, and by `socklab trace
/// --server --client` once the client is done.
pub const SETTLE_LIMIT: Duration = Duration::from_millis(500);

/// Waits until every thread of the processes `which` lists is asleep (`S`: blocked in
/// `accept`, `recv`, `poll`...) or ended, twice in a row, at most `limit`. A thread still
/// running, or stopped for its tracer, is between two calls, and the call it is about to make
/// (the `close` after `recv` returned 0) is part of what the program does in answer to what
/// just happened. A program that never sleeps (a busy loop) is waited for until the limit.
pub fn settle(which: impl Fn() -> Vec<u32>, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut quiet = 0;
    while quiet < 2 && Instant::now() < deadline {
        let asleep = which().into_iter().all(|pid| {
            thread_states(pid)
                .iter()
                .all(|s| matches!(s, 'S' | 'Z' | 'X'))
        });
        quiet = if asleep { quiet + 1 } else { 0 };
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_start_after_the_last_parenthesis() {
        let f = stat_fields("43 (a (b) c) S 17 40 40 0 -1").unwrap();
        assert_eq!(&f[..3], ["S", "17", "40"]);
        assert_eq!(stat_fields("garbage"), None);
    }

    #[test]
    fn own_process_is_read() {
        let me = std::process::id();
        assert!(pids().contains(&me));
        // SAFETY: getppid(2) and getpgrp(2) have no arguments.
        let (parent, group) = unsafe { (libc::getppid(), libc::getpgrp()) };
        assert_eq!(stat_number(me, 1), Some(parent as i64));
        assert_eq!(stat_number(me, 2), Some(group as i64));
        let status = fs::read_to_string("/proc/self/status").unwrap();
        assert_eq!(status_field(&status, "Pid:"), Some(me.to_string().as_str()));
    }

    #[test]
    fn a_sleeping_child_is_a_descendant_asleep() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        // Asleep in nanosleep once it has started; running (or not yet sleep) just before.
        while thread_states(pid) != ['S'] && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        let states = thread_states(pid);
        let found = descendants(std::process::id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(states, ['S']);
        assert!(found.contains(&pid), "{found:?}");
        assert!(!descendants(pid).contains(&std::process::id()));
        assert!(thread_states(pid).is_empty(), "reaped, so gone");
    }

    #[test]
    fn settle_waits_for_a_busy_descendant_to_sleep() {
        // The outer shell waits (asleep) for the inner one, which counts before it sleeps.
        let mut outer = std::process::Command::new("sh");
        std::os::unix::process::CommandExt::process_group(&mut outer, 0);
        let mut outer = outer
            .args([
                "-c",
                "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exec sleep 30'",
            ])
            .spawn()
            .unwrap();
        let root = outer.id();
        // The inner shell first: with no descendant yet, every one (none) is asleep.
        let started = Instant::now() + Duration::from_secs(20);
        while descendants(root).is_empty() && Instant::now() < started {
            std::thread::yield_now();
        }
        settle(|| descendants(root), Duration::from_secs(20));
        let inner = descendants(root);
        let names: Vec<String> = inner
            .iter()
            .map(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default())
            .collect();
        let states: Vec<char> = inner.iter().flat_map(|&p| thread_states(p)).collect();
        // SAFETY: kill(2) on the process group of the shell started above.
        unsafe { libc::kill(-(root as i32), libc::SIGKILL) };
        let _ = outer.wait();
        assert_eq!(names, ["sleep\n"], "the count was over");
        assert_eq!(states, ['S']);
    }
}
