//! What a server costs, read from `/proc`: resident memory, threads, processes, CPU time.
//!
//! A server that forks per connection (socat) spreads its cost over child processes, so the
//! figures are summed over the server's process and all its descendants.

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use serde::Serialize;

use crate::procfs::{self, stat_fields};

/// The cost of a server (its process and its descendants) at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Footprint {
    /// Resident memory (`VmRSS`), in KiB. Summed over processes, pages they share (the
    /// program, the libraries) count once per process.
    pub rss_kib: u64,
    /// Proportional set size (`Pss` in `smaps_rollup`), in KiB: each shared page divided among
    /// the processes sharing it, so the sum is the memory the server really takes.
    pub pss_kib: u64,
    /// Threads, over all the processes.
    pub threads: u64,
    /// The server's process plus its descendants.
    pub processes: u64,
}

/// The footprint of `pid` and its descendants, or `None` when `pid` is gone.
pub fn footprint(pid: u32) -> Option<Footprint> {
    let mut total = Footprint::default();
    for p in family(pid) {
        // A child may end between the listing and the read: it then costs nothing.
        if let Some((rss, threads)) = status(p) {
            total.rss_kib += rss;
            total.pss_kib += pss(p).unwrap_or(rss);
            total.threads += threads;
            total.processes += 1;
        }
    }
    (total.processes > 0).then_some(total)
}

/// CPU time used so far by `pid`, its living descendants, and the children it has already
/// waited for (a server that forks per connection, such as socat, reaps them as they end).
pub fn family_cpu_time(pid: u32) -> Option<Duration> {
    let reaped = reaped_children_time(pid)?;
    let times: Vec<Duration> = family(pid).into_iter().filter_map(cpu_time).collect();
    Some(reaped + times.into_iter().sum::<Duration>())
}

/// `cutime` + `cstime`: the CPU time of the children `pid` has waited for.
fn reaped_children_time(pid: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields = stat_fields(&stat)?;
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(ticks(cutime + cstime))
}

fn ticks(n: u64) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_secs_f64(n as f64 / hz as f64)
}

/// CPU time (user + system) used so far by `pid` (all its threads), from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields = stat_fields(&stat)?;
    // Fields 14 and 15 of stat(5) (utime, stime), counted from 1 with the pid: the 12th and
    // 13th after the command name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(ticks(utime + stime))
}

/// Each thread of `pid`: its name and the nanoseconds it ran so far.
pub fn thread_times(pid: u32) -> HashMap<u32, (String, u64)> {
    let mut times = HashMap::new();
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return times;
    };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let dir = task.path();
        // A thread may end between the listing and the reads.
        let (Ok(comm), Ok(sched)) = (
            fs::read_to_string(dir.join("comm")),
            fs::read_to_string(dir.join("schedstat")),
        ) else {
            continue;
        };
        if let Some(ns) = sched.split_whitespace().next().and_then(|n| n.parse().ok()) {
            times.insert(tid, (comm.trim_end().to_string(), ns));
        }
    }
    times
}

/// `Pss` (KiB) from `/proc/PID/smaps_rollup`.
fn pss(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// `VmRSS` (KiB) and `Threads` from `/proc/PID/status`.
fn status(pid: u32) -> Option<(u64, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> { procfs::status_field(&text, name)?.parse().ok() };
    // A zombie has no VmRSS line any more: count it as 0.
    Some((field("VmRSS:").unwrap_or(0), field("Threads:")?))
}

/// `pid` and every process below it.
fn family(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = procfs::pids()
        .into_iter()
        .filter_map(|p| Some((p, procfs::stat_number(p, 1)?.try_into().ok()?)))
        .collect();
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            parents
                .iter()
                .filter(|&&(_, pp)| pp == parent)
                .map(|&(p, _)| p),
        );
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_and_a_child() {
        let me = std::process::id();
        let alone = footprint(me).unwrap();
        assert!(alone.rss_kib > 0 && alone.threads >= 1);
        assert!(
            alone.pss_kib > 0 && alone.pss_kib <= alone.rss_kib,
            "{alone:?}"
        );
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let with_child = footprint(me).unwrap();
        let listed = family(me).contains(&child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(listed, "a child is part of the family");
        assert!(with_child.processes >= 2, "{with_child:?}");
        // Read in that order: CPU time only grows, and the test's other threads keep using it.
        let own = cpu_time(me);
        assert!(own.is_some());
        assert!(family_cpu_time(me) >= own);
        assert_eq!(footprint(u32::MAX), None);
    }

    #[test]
    fn stat_with_a_strange_command_name() {
        let f = stat_fields("42 (a) b (c)) S 7 42 42 0 -1 0 0 0 0 0 15 3 4 5").unwrap();
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "7");
        assert_eq!(f[11], "15");
        assert_eq!(f[14], "5");
    }

    #[test]
    fn the_threads_of_this_process_are_read() {
        let pid = std::process::id();
        let times = thread_times(pid);
        // SAFETY: gettid has no preconditions.
        let me = unsafe { libc::gettid() } as u32;
        assert!(times.contains_key(&me), "{times:?}");
        // The main thread started the tests: it has run. (A thread just started may not show
        // its time yet: the kernel adds it up when the thread is switched out.)
        assert!(times.get(&pid).is_some_and(|(_, ns)| *ns > 0), "{times:?}");
    }
}
