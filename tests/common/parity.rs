//! Compares socklab's JSON trace with a real `strace -f -o FILE` log: for every fd that is one
//! of the program's own sockets, the per-thread sequence of (syscall, fd, return value).
//!
//! "Own sockets" are the fds returned by `socket(AF_INET…)` / `socket(AF_INET6…)` and by
//! `accept4` on such a socket, from their creation to their `close`. Anything else (the trace
//! file, the Ctrl+C handler's pipe, the start-up `poll` on fds 0-2) is not a socket of the
//! program's and is left out, on both sides alike.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};

/// strace's set for a socket trace: `%net` alone misses `close` and `poll`.
pub const STRACE_SET: &str = "trace=%net,close,poll,ppoll,select,pselect6";

/// `strace -f` of socklab, its log in `s_log`, with socklab's own JSON trace in `t_log`; then
/// socklab's `args`. `set` is what strace traces (`STRACE_SET`, or fewer calls).
pub fn socklab_under_strace(set: &str, s_log: &Path, t_log: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-e", "signal=none", "-e", set, "-o"])
        .arg(s_log)
        .arg(env!("CARGO_BIN_EXE_socklab"))
        .args(["--trace", "json", "--trace-file"])
        .arg(t_log)
        .args(args)
        .stderr(Stdio::piped());
    c
}

/// One system call: its name, the fd it worked on (`None` for `socket` and `poll`), and what
/// it returned (`"?"` when strace could not tell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub fd: Option<i64>,
    pub ret: String,
    /// For `socket`: whether it created an IP socket.
    pub inet: bool,
}

pub type PerThread = BTreeMap<u32, Vec<(String, Option<i64>, String)>>;

/// Parses `strace -f -o FILE` output (each line starts with the thread id), joining the
/// `<unfinished ...>` and `<... resumed>` halves of calls that blocked.
pub fn parse_strace(text: &str) -> Vec<(u32, Call)> {
    let mut out = Vec::new();
    let mut pending: HashMap<u32, String> = HashMap::new();
    for line in text.lines() {
        let Some((tid, rest)) = line.trim_start().split_once(char::is_whitespace) else {
            continue;
        };
        let Ok(tid) = tid.parse::<u32>() else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with("---") || rest.starts_with("+++") {
            continue;
        }
        let full = if let Some(head) = rest.strip_suffix("<unfinished ...>") {
            pending.insert(tid, head.to_string());
            continue;
        } else if let Some(after) = rest.strip_prefix("<... ") {
            // `<... accept4 resumed>{...}, [128 => 16], SOCK_CLOEXEC) = 4`
            let (_, tail) = after.split_once(" resumed>").expect("resumed line");
            let head = pending.remove(&tid).expect("resumed without unfinished");
            format!("{head}{tail}")
        } else {
            rest.to_string()
        };
        if let Some(call) = parse_call(&full) {
            out.push((tid, call));
        }
    }
    out
}

fn parse_call(line: &str) -> Option<Call> {
    let open = line.find('(')?;
    let name = line[..open].trim().to_string();
    let args = &line[open + 1..];
    let first = args
        .split([',', ')'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let eq = line.rfind(" = ")?;
    let ret = line[eq + 3..]
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string();
    let inet = name == "socket" && (first == "AF_INET" || first == "AF_INET6");
    let fd = if name == "socket" || name == "poll" {
        None
    } else {
        first.parse::<i64>().ok()
    };
    Some(Call {
        name,
        fd,
        ret,
        inet,
    })
}

/// Parses socklab's JSON Lines trace: the system calls, at their return.
pub fn parse_json(text: &str) -> Vec<(u32, Call)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line}: {e}"));
        // socklab's own looks at the kernel (probes) are system calls strace shows too.
        if !(v["kind"] == "syscall" || v["kind"] == "probe") || v["phase"] == "enter" {
            continue;
        }
        let name = v["call"].as_str().unwrap().to_string();
        let args = v["args"].as_str().unwrap_or("");
        let inet =
            name == "socket" && (args.starts_with("AF_INET,") || args.starts_with("AF_INET6,"));
        let fd = if name == "socket" || name == "poll" {
            None
        } else {
            v["fd"].as_i64()
        };
        let ret = v["ret"].as_i64().map_or("?".to_string(), |r| r.to_string());
        out.push((
            v["tid"].as_u64().unwrap() as u32,
            Call {
                name,
                fd,
                ret,
                inet,
            },
        ));
    }
    out
}

/// Keeps the calls on the program's own sockets, grouped by thread, in order.
pub fn own_socket_calls(calls: &[(u32, Call)]) -> PerThread {
    let mut own: HashSet<i64> = HashSet::new();
    let mut per: PerThread = BTreeMap::new();
    for (tid, c) in calls {
        let keep = match c.name.as_str() {
            "socket" => {
                if c.inet
                    && let Ok(fd) = c.ret.parse::<i64>()
                    && fd >= 0
                {
                    own.insert(fd);
                }
                c.inet
            }
            _ => c.fd.is_some_and(|fd| own.contains(&fd)),
        };
        if !keep {
            continue;
        }
        if c.name == "accept4"
            && let Ok(fd) = c.ret.parse::<i64>()
            && fd >= 0
        {
            own.insert(fd);
        }
        if c.name == "close" {
            own.remove(&c.fd.unwrap());
        }
        per.entry(*tid)
            .or_default()
            .push((c.name.clone(), c.fd, c.ret.clone()));
    }
    per
}

/// Panics with both sequences, thread by thread, where they differ.
pub fn assert_same(strace: &PerThread, trace: &PerThread) {
    if strace == trace {
        return;
    }
    let mut msg = String::from("socklab's trace and strace disagree\n");
    let tids: HashSet<&u32> = strace.keys().chain(trace.keys()).collect();
    for tid in tids {
        let s = strace.get(tid).cloned().unwrap_or_default();
        let t = trace.get(tid).cloned().unwrap_or_default();
        if s != t {
            msg.push_str(&format!(
                "thread {tid}:\n  strace: {s:?}\n  trace:  {t:?}\n"
            ));
        }
    }
    panic!("{msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_joins_unfinished_calls() {
        let log = "\
10 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
10 accept4(3,  <unfinished ...>
11 shutdown(3, SHUT_RDWR <unfinished ...>
10 <... accept4 resumed>0x7ffd, [128], SOCK_CLOEXEC) = -1 EINVAL (Invalid argument)
11 <... shutdown resumed>)           = 0
10 close(3)                          = 0
12 close(3) = 0
";
        let per = own_socket_calls(&parse_strace(log));
        assert_eq!(
            per[&10],
            vec![
                ("socket".into(), None, "3".into()),
                ("accept4".into(), Some(3), "-1".into()),
                ("close".into(), Some(3), "0".into()),
            ]
        );
        assert_eq!(per[&11], vec![("shutdown".into(), Some(3), "0".into())]);
        // After its close, fd 3 is no socket of the program's any more.
        assert!(!per.contains_key(&12));
    }
}
