//! Ctrl+C passed on to a traced program as the terminal would give it.
//!
//! A terminal sends SIGINT to a process group, and for each process the kernel hands the
//! signal to its main thread when that thread can take it (not blocked, not stopped). Under
//! ptrace the main thread is often stopped, at the entry or the exit of a traced call, and the
//! kernel then gives the signal to another thread. Python sees the difference: its handler only
//! runs in the main thread, which, left blocked in `accept`, never learns of the Ctrl+C. So
//! socklab sends SIGINT to each process's main thread itself (`tgkill`) when that thread does
//! not block it, and to the process (`kill`) otherwise, as for socklab's own programs, whose
//! main thread blocks SIGINT and leaves it to a thread that waits for it.

use std::fs;

/// SIGINT to every process of group `pgid`, each to the thread the kernel would choose were
/// the program not traced.
pub fn interrupt_group(pgid: i32) {
    let members = members(pgid);
    if members.is_empty() {
        // The group is gone, or /proc is not readable: the kernel's choice, then.
        // SAFETY: kill(2) on a process group socklab created.
        unsafe { libc::kill(-pgid, libc::SIGINT) };
        return;
    }
    for pid in members {
        if main_thread_blocks_sigint(pid) == Some(false) {
            // SAFETY: tgkill(2) on a process socklab traces; its main thread's id is its pid.
            unsafe { libc::syscall(libc::SYS_tgkill, pid, pid, libc::SIGINT) };
        } else {
            // SAFETY: kill(2) on a process socklab traces.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
    }
}

/// The processes whose process group is `pgid`.
fn members(pgid: i32) -> Vec<i32> {
    processes_where(|stat| group_of(stat) == Some(pgid))
}

/// The processes whose parent is `ppid`: for socklab trace, the programs it started and the
/// orphans handed to it as their subreaper.
pub fn children_of(ppid: i32) -> Vec<i32> {
    processes_where(|stat| stat_field(stat, 1) == Some(ppid))
}

/// The processes whose `/proc/PID/stat` line satisfies `keep`.
fn processes_where(keep: impl Fn(&str) -> bool) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| keep(&s)))
        .collect()
}

/// The process group in a `/proc/PID/stat` line (its fifth field).
fn group_of(stat: &str) -> Option<i32> {
    stat_field(stat, 2)
}

/// The `n`th field after the command name in a `/proc/PID/stat` line (0: the state, 1: the
/// parent, 2: the process group), read as a number. The name is in parentheses and may hold
/// spaces or parentheses itself: the fields start after the last `)`.
fn stat_field(stat: &str, n: usize) -> Option<i32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(n)?.parse().ok()
}

/// Whether the main thread of `pid` blocks SIGINT (`SigBlk` of `/proc/PID/task/PID/status`,
/// a hexadecimal mask, bit `SIGINT - 1`); `None` when it cannot be read.
fn main_thread_blocks_sigint(pid: i32) -> Option<bool> {
    let status = fs::read_to_string(format!("/proc/{pid}/task/{pid}/status")).ok()?;
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())?;
    Some(mask & (1 << (libc::SIGINT - 1)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_the_fifth_field_whatever_the_name() {
        assert_eq!(group_of("42 (python3) S 1 42 42 0 -1"), Some(42));
        assert_eq!(group_of("43 (a (b) c) S 1 40 40 0 -1"), Some(40));
        assert_eq!(group_of("garbage"), None);
        assert_eq!(stat_field("43 (a (b) c) S 17 40 40 0 -1", 1), Some(17));
    }

    #[test]
    fn own_group_and_own_mask_are_read_from_proc() {
        let me = std::process::id() as i32;
        // SAFETY: getpgrp(2) has no arguments.
        let group = unsafe { libc::getpgrp() };
        assert!(members(group).contains(&me));
        // SAFETY: getppid(2) has no arguments.
        assert!(children_of(unsafe { libc::getppid() }).contains(&me));
        assert!(main_thread_blocks_sigint(me).is_some());
    }
}
