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

/// The system calls `strace -e trace=%net,close,poll,ppoll,select,pselect6` shows, the set the
/// per-thread comparisons of a traced program keep (with `read` and `write` when asked).
const NET_SET: &[&str] = &[
    "socket",
    "socketpair",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
    "send",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "recv",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "shutdown",
    "close",
    "poll",
    "ppoll",
    "select",
    "pselect6",
];

/// Calls that wait on several descriptors: compared by name and return only.
fn multiplexes(name: &str) -> bool {
    matches!(name, "poll" | "ppoll" | "select" | "pselect6")
}

/// One thread's calls on IP sockets, in order: (syscall, fd, return value).
pub type Sequence = Vec<(String, Option<i64>, String)>;

/// `strace -yy` decorates descriptors: `3<TCP:[127.0.0.1:7777]>`. The number alone, and the
/// tag (`TCP`, `TCPv6`, `UDP`, `UNIX`, a path...).
pub fn strip_tag(word: &str) -> (&str, Option<&str>) {
    match word.find('<') {
        Some(i) => {
            let tag = &word[i + 1..];
            let end = tag.find(':').unwrap_or(tag.len());
            (&word[..i], Some(&tag[..end]))
        }
        None => (word, None),
    }
}

/// An IP socket's tag.
fn inet_tag(tag: Option<&str>) -> bool {
    matches!(tag, Some("TCP" | "TCPv6" | "UDP" | "UDPv6"))
}

/// The first argument of a call line (`3<TCP:[...]>` in `close(3<TCP:[...]>) = 0`): the text
/// up to the first comma or closing parenthesis outside the tag's brackets.
fn first_arg(args: &str) -> &str {
    let mut depth = 0i32;
    let mut prev = ' ';
    for (i, c) in args.char_indices() {
        let arrow = prev == '-';
        prev = c;
        match c {
            '<' | '[' | '{' => depth += 1,
            // `->` inside a connection's tag is no closing bracket.
            '>' if arrow => {}
            '>' | ']' | '}' => depth -= 1,
            ',' | ')' if depth <= 0 => return args[..i].trim(),
            _ => {}
        }
    }
    args.trim()
}

/// Per thread (in order of first appearance), the calls of the `strace -f -yy -o FILE` log on
/// the program's IP sockets, known by strace's own tags; `poll`/`select` calls that watch one.
pub fn strace_yy_sequences(text: &str, with_rw: bool) -> Vec<Sequence> {
    let mut order: Vec<u32> = Vec::new();
    let mut per: HashMap<u32, Sequence> = HashMap::new();
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
            let (_, tail) = after.split_once(" resumed>").expect("resumed line");
            let Some(head) = pending.remove(&tid) else {
                continue;
            };
            format!("{head}{tail}")
        } else {
            rest.to_string()
        };
        let Some(open) = full.find('(') else { continue };
        let name = full[..open].trim().to_string();
        if !(NET_SET.contains(&name.as_str())
            || with_rw && matches!(name.as_str(), "read" | "write"))
        {
            continue;
        }
        // strace pads short lines before ` = `: the last ` = ` is the return value's.
        let Some(eq) = full.rfind(" = ") else {
            continue;
        };
        let args = &full[open + 1..];
        let (ret, ret_tag) = strip_tag(full[eq + 3..].split_whitespace().next().unwrap_or("?"));
        let (fd, fd_tag) = strip_tag(first_arg(args));
        let keep = if multiplexes(&name) {
            args.contains("<TCP") || args.contains("<UDP")
        } else if name == "socket" {
            inet_tag(ret_tag)
        } else {
            inet_tag(fd_tag)
        };
        if !keep {
            continue;
        }
        let fd = if name == "socket" || multiplexes(&name) {
            None
        } else {
            fd.parse::<i64>().ok()
        };
        if !order.contains(&tid) {
            order.push(tid);
        }
        per.entry(tid)
            .or_default()
            .push((name, fd, ret.to_string()));
    }
    order.into_iter().map(|t| per.remove(&t).unwrap()).collect()
}

/// The same from socklab's JSON trace of a traced program: per thread (in order of first
/// appearance), the calls whose socket is an IP one, and the `poll`/`select` calls it showed.
pub fn json_sequences(text: &str, with_rw: bool) -> Vec<Sequence> {
    let mut order: Vec<u64> = Vec::new();
    let mut per: HashMap<u64, Sequence> = HashMap::new();
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line}: {e}"));
        if v["kind"] != "syscall" || v["phase"] == "enter" {
            continue;
        }
        let name = v["call"].as_str().unwrap().to_string();
        if !(NET_SET.contains(&name.as_str())
            || with_rw && matches!(name.as_str(), "read" | "write"))
        {
            continue;
        }
        let inet = matches!(v["socket"]["family"].as_str(), Some("AF_INET" | "AF_INET6"));
        let ret = v["ret"].as_i64();
        let keep = if multiplexes(&name) {
            true
        } else if name == "socket" {
            inet && ret.is_some_and(|r| r >= 0)
        } else {
            inet
        };
        if !keep {
            continue;
        }
        let fd = if name == "socket" || multiplexes(&name) {
            None
        } else {
            v["fd"].as_i64()
        };
        let tid = v["tid"].as_u64().unwrap();
        if !order.contains(&tid) {
            order.push(tid);
        }
        per.entry(tid).or_default().push((
            name,
            fd,
            ret.map_or("?".to_string(), |r| r.to_string()),
        ));
    }
    order.into_iter().map(|t| per.remove(&t).unwrap()).collect()
}

/// Two runs' threads have different ids: the same multiset of per-thread sequences, or a
/// panic showing both.
pub fn assert_same_sequences(strace: &[Sequence], trace: &[Sequence]) {
    let mut a = strace.to_vec();
    let mut b = trace.to_vec();
    a.sort();
    b.sort();
    if a != b {
        let show = |s: &[Sequence]| {
            s.iter()
                .map(|t| format!("  {t:?}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "socklab trace and strace disagree\nstrace ({} threads):\n{}\ntrace ({} threads):\n{}",
            a.len(),
            show(&a),
            b.len(),
            show(&b)
        );
    }
}

#[cfg(test)]
mod yy_tests {
    use super::*;

    #[test]
    fn tags_are_read_and_stripped() {
        let log = "\
20 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3<TCP:[1]>
20 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 4<UNIX:[2]>
20 accept4(3<TCP:[127.0.0.1:7777]>,  <unfinished ...>
21 close(5</etc/passwd>) = 0
20 <... accept4 resumed>{sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = 5<TCP:[127.0.0.1:7777->127.0.0.1:1]>
21 pselect6(6, [3<TCP:[127.0.0.1:7777]> 5<TCP:[x]>], NULL, NULL, NULL, NULL) = 1 (in [5])
21 read(5<TCP:[127.0.0.1:7777->127.0.0.1:1]>, \"a, b\", 1024) = 4
";
        let seqs = strace_yy_sequences(log, true);
        assert_eq!(
            seqs[0],
            vec![
                ("socket".to_string(), None, "3".to_string()),
                ("accept4".to_string(), Some(3), "5".to_string()),
            ]
        );
        assert_eq!(
            seqs[1],
            vec![
                ("pselect6".to_string(), None, "1".to_string()),
                ("read".to_string(), Some(5), "4".to_string()),
            ]
        );
        assert_eq!(strace_yy_sequences(log, false)[1].len(), 1);
    }
}
