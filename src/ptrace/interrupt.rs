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

use crate::procfs;

/// SIGINT to every process of group `pgid`, each to the thread the kernel would choose were
/// the program not traced.
pub fn interrupt_group(pgid: i32) {
    let members = with_stat(2, pgid);
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

/// The processes whose parent is `ppid`: for socklab trace, the programs it started and the
/// orphans handed to it as their subreaper.
pub fn children_of(ppid: i32) -> Vec<i32> {
    with_stat(1, ppid)
}

/// The processes whose field `n` of `/proc/PID/stat` is `value` (1: the parent, 2: the
/// process group).
fn with_stat(n: usize, value: i32) -> Vec<i32> {
    procfs::pids()
        .into_iter()
        .filter(|&pid| procfs::stat_number(pid, n) == Some(value.into()))
        .map(|pid| pid as i32)
        .collect()
}

/// Whether the main thread of `pid` blocks SIGINT (`SigBlk` of `/proc/PID/task/PID/status`,
/// a hexadecimal mask, bit `SIGINT - 1`); `None` when it cannot be read.
fn main_thread_blocks_sigint(pid: i32) -> Option<bool> {
    let status = fs::read_to_string(format!("/proc/{pid}/task/{pid}/status")).ok()?;
    let mask = u64::from_str_radix(procfs::status_field(&status, "SigBlk:")?, 16).ok()?;
    Some(mask & (1 << (libc::SIGINT - 1)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_group_parent_and_mask_are_read_from_proc() {
        let me = std::process::id() as i32;
        // SAFETY: getpgrp(2) and getppid(2) have no arguments.
        let (group, parent) = unsafe { (libc::getpgrp(), libc::getppid()) };
        assert!(with_stat(2, group).contains(&me));
        assert!(children_of(parent).contains(&me));
        assert!(main_thread_blocks_sigint(me).is_some());
    }
}
