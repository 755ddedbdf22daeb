//! The teacher's guides, docs/guide-enseignant.md (French) and docs/teacher-guide.md (English):
//! their excerpts are what the commands print today, their commands parse, and the two guides
//! have the same labs, the same questions and the same excerpts.
//!
//! An excerpt sits between two marker comments, the first naming the command that printed it:
//!
//! ```text
//! <!-- socklab: demo daytime --lang fr --explain never | threads client-1 -->
//! ```text
//! …the output…
//! ```
//! <!-- /socklab -->
//! ```
//!
//! Before the first ` | `: the arguments of `socklab` (words split as a shell does; `--color
//! never` and a fixed `COLUMNS` are added). After it, options, each after its own ` | `:
//!
//! - `netns`: run in a fresh network namespace (`unshare -rn`, loopback up), where fixed ports
//!   and ports below 1024 are free to use and no name resolves;
//! - `unprivileged`: in that namespace, without `CAP_NET_BIND_SERVICE` (as a normal user);
//! - `beside ARGS`: another socklab command (a server, `--port` given) runs in the namespace
//!   while the command runs; its output is not shown;
//! - `client ARGS`: when the command is a server, a socklab client run against it (in turn,
//!   output not shown); the server is stopped with SIGINT afterwards, as Ctrl+C does;
//! - `stdin TEXT`: what the command reads on stdin (`\n` for a newline; else nothing);
//!   `beside` and `client` take theirs after ` <<< `;
//! - `threads T1,T2`: only the lines of these threads, and with `text` the lines that are no
//!   trace (what the program prints); the demo's two columns are always laid out as one list,
//!   one call per line, in the order they were printed;
//! - `trace-only`: the command's stdout is left out (the trace and the messages on stderr);
//! - `grep A \| B`: only the lines containing A or B;
//! - `head N`: the first N lines;
//! - `columns N`: the terminal's width (243 for a demo: columns of 120; else 100);
//! - `exit N`: the exit status the command must have (checked, not shown).
//!
//! Fenced blocks after `<!-- socklab-file: NAME -->` are written to NAME in the folder the
//! commands run in (the labs' Python programs, graded by `socklab check`).
//!
//! Run-specific parts are normalised before comparing (the one normaliser, [`normalise`],
//! serves this test and `scripts/regen-docs.sh`): ports the command line does not name, dates
//! and times, pids, descriptors, the run's elapsed times, spaces; and the order in which
//! threads' lines interleave (each thread's own lines keep their order; a call shown split
//! in two lines, `call … waiting…` and later `… call = result`, is one call). A multi-threaded
//! run can still differ from the excerpt in earnest (which of two clients the kernel queued
//! first): each command is tried up to three times.
//!
//! `SOCKLAB_REGEN_GUIDES=1 cargo test --test guide -- --exact regenerate` rewrites the
//! excerpts whose normalised form changed (scripts/regen-docs.sh does it).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GUIDES: [(&str, &str); 2] = [
    ("docs/guide-enseignant.md", "fr"),
    ("docs/teacher-guide.md", "en"),
];

/// Upper bound for one command of a guide: they all end by themselves within seconds.
const DEADLINE: Duration = Duration::from_secs(40);
const ATTEMPTS: usize = 3;
/// Commands run at once (the demos mostly sleep; the machine may have two cores).
const WORKERS: usize = 3;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn socklab() -> &'static str {
    env!("CARGO_BIN_EXE_socklab")
}

// ---------------------------------------------------------------------------------------------
// Reading the guides

/// One excerpt of a guide: its spec and the text between the fences.
#[derive(Clone, Debug)]
struct Excerpt {
    guide: &'static str,
    line: usize,
    spec: String,
    text: String,
}

const OPEN: &str = "<!-- socklab: ";
const CLOSE: &str = "<!-- /socklab -->";
const FILE: &str = "<!-- socklab-file: ";

/// A call's line, the lines under it, and for a reception its descriptor and byte count.
type Reception = (String, Vec<String>, Option<(String, u64)>);

fn read_guide(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The excerpts of a guide, in order; panics on a marker left open or a body that is not one
/// fenced block.
fn excerpts(guide: &'static str, text: &str) -> Vec<Excerpt> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(rest) = l.strip_prefix(OPEN) {
            let spec = rest
                .strip_suffix(" -->")
                .unwrap_or_else(|| panic!("{guide}:{}: marker not closed by -->", i + 1))
                .to_string();
            let start = i;
            let end = (i + 1..lines.len())
                .find(|&j| lines[j] == CLOSE)
                .unwrap_or_else(|| panic!("{guide}:{}: no {CLOSE} after it", i + 1));
            let body = &lines[i + 1..end];
            assert!(
                body.len() >= 2 && body[0].starts_with("```") && body[body.len() - 1] == "```",
                "{guide}:{}: the excerpt must be one fenced block",
                start + 1
            );
            let mut t = body[1..body.len() - 1].join("\n");
            if !t.is_empty() {
                t.push('\n');
            }
            out.push(Excerpt {
                guide,
                line: start + 1,
                spec,
                text: t,
            });
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The files a guide gives to its commands: NAME and the content of the fenced block after
/// `<!-- socklab-file: NAME -->`.
fn files(guide: &str, text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(rest) = l.strip_prefix(FILE) {
            let name = rest
                .strip_suffix(" -->")
                .expect("socklab-file marker closed by -->");
            assert!(
                i + 1 < lines.len() && lines[i + 1].starts_with("```"),
                "{guide}:{}: a fenced block must follow",
                i + 1
            );
            let end = (i + 2..lines.len())
                .find(|&j| lines[j] == "```")
                .unwrap_or_else(|| panic!("{guide}:{}: block not closed", i + 1));
            let mut body = lines[i + 2..end].join("\n");
            body.push('\n');
            out.push((name.to_string(), body));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The spec of an excerpt

/// Words as a shell splits them: blanks separate, '…' and "…" quote, \ escapes.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// `\n` in a spec's text: a newline.
fn unescape(s: &str) -> String {
    s.replace("\\n", "\n")
}

#[derive(Clone, Debug, Default)]
struct Cmd {
    args: Vec<String>,
    stdin: Option<String>,
}

impl Cmd {
    fn parse(s: &str) -> Cmd {
        match s.split_once(" <<< ") {
            Some((a, input)) => Cmd {
                args: shell_words(a),
                stdin: Some(unescape(input)),
            },
            None => Cmd {
                args: shell_words(s),
                stdin: None,
            },
        }
    }

    fn is_demo(&self) -> bool {
        self.subcommand() == Some("demo")
    }

    fn is_server(&self) -> bool {
        self.subcommand() == Some("serve")
    }

    /// The first word that is not an option nor an option's value.
    fn subcommand(&self) -> Option<&str> {
        let mut skip = false;
        for a in &self.args {
            if skip {
                skip = false;
                continue;
            }
            if a.starts_with("--") {
                skip = !a.contains('=') && takes_value(a);
                continue;
            }
            return Some(a);
        }
        None
    }

    /// The `--port` of a server, which it must name (the namespace waits for it).
    fn port(&self) -> u16 {
        let i = self
            .args
            .iter()
            .position(|a| a == "--port")
            .unwrap_or_else(|| panic!("a server beside a command names its --port: {self:?}"));
        self.args[i + 1].parse().expect("a port number")
    }
}

/// The global options of socklab that take a value.
fn takes_value(opt: &str) -> bool {
    matches!(
        opt,
        "--trace"
            | "--trace-file"
            | "--lang"
            | "--explain"
            | "--color"
            | "--step-delay"
            | "--diagram"
    )
}

#[derive(Clone, Debug, Default)]
struct Spec {
    main: Cmd,
    netns: bool,
    unprivileged: bool,
    beside: Vec<Cmd>,
    clients: Vec<Cmd>,
    threads: Option<Vec<String>>,
    grep: Vec<Vec<String>>,
    head: Option<usize>,
    columns: Option<usize>,
    exit: Option<i32>,
    trace_only: bool,
}

impl Spec {
    fn parse(s: &str) -> Spec {
        let mut parts = s.split(" | ");
        let mut spec = Spec {
            main: Cmd::parse(parts.next().unwrap_or_default()),
            ..Spec::default()
        };
        for p in parts {
            let (key, rest) = p.split_once(' ').unwrap_or((p, ""));
            match key {
                "netns" => spec.netns = true,
                "unprivileged" => {
                    spec.netns = true;
                    spec.unprivileged = true;
                }
                "beside" => {
                    spec.netns = true;
                    spec.beside.push(Cmd::parse(rest));
                }
                "client" => {
                    spec.netns = true;
                    spec.clients.push(Cmd::parse(rest));
                }
                "stdin" => spec.main.stdin = Some(unescape(rest)),
                "trace-only" => spec.trace_only = true,
                "threads" => {
                    spec.threads = Some(rest.split(',').map(|t| t.trim().to_string()).collect())
                }
                "grep" => spec
                    .grep
                    .push(rest.split(" \\| ").map(|a| a.to_string()).collect()),
                "head" => spec.head = Some(rest.trim().parse().expect("head N")),
                "columns" => spec.columns = Some(rest.trim().parse().expect("columns N")),
                "exit" => spec.exit = Some(rest.trim().parse().expect("exit N")),
                _ => panic!("unknown option {key:?} in spec {s:?}"),
            }
        }
        assert!(
            spec.clients.is_empty() || spec.main.is_server(),
            "`client` needs a server as the command: {s}"
        );
        spec
    }

    fn columns(&self) -> usize {
        self.columns
            .unwrap_or(if self.main.is_demo() { 243 } else { 100 })
    }

    /// The ports the command lines name: kept by the normaliser.
    fn named_ports(&self) -> BTreeSet<u16> {
        let mut ports = BTreeSet::new();
        let all = std::iter::once(&self.main)
            .chain(&self.beside)
            .chain(&self.clients);
        for c in all {
            for a in &c.args {
                for piece in a.split([':', '/', ' ']) {
                    if let Ok(p) = piece.parse::<u16>() {
                        ports.insert(p);
                    }
                }
            }
        }
        ports
    }
}

// ---------------------------------------------------------------------------------------------
// Running a spec

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn command_line(cmd: &Cmd, dir: &Path, n: &str, unprivileged: bool) -> String {
    let mut line = String::new();
    if unprivileged {
        line.push_str("setpriv --bounding-set=-net_bind_service --inh-caps=-net_bind_service ");
    }
    line.push_str(&quote(socklab()));
    line.push_str(" --color never");
    for a in &cmd.args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    match &cmd.stdin {
        Some(text) => {
            let f = dir.join(format!("stdin-{n}"));
            std::fs::write(&f, text).unwrap();
            line.push_str(&format!(" < {}", quote(&f.to_string_lossy())));
        }
        None => line.push_str(" < /dev/null"),
    }
    line
}

/// What a namespace must offer: `unshare -rn` and `ip` (and `setpriv` when unprivileged).
fn netns_usable(unprivileged: bool) -> bool {
    static OK: Mutex<Option<bool>> = Mutex::new(None);
    let mut ok = OK.lock().unwrap();
    let usable = *ok.get_or_insert_with(|| {
        Command::new("unshare")
            .args(["-rn", "sh", "-c", "ip link set lo up && ss -V >/dev/null"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    usable
        && (!unprivileged
            || Command::new("setpriv")
                .arg("--help")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()))
}

fn require_tools() -> bool {
    std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1")
}

/// The output of a run (stdout and stderr in one stream, as a terminal shows them) and its exit
/// status; `Err` when it cannot run here (a namespace, python3) or did not end in time.
enum Run {
    Done { output: String, status: i32 },
    Skipped(String),
}

fn needs_python(spec: &Spec) -> bool {
    std::iter::once(&spec.main)
        .chain(&spec.beside)
        .chain(&spec.clients)
        .any(|c| c.args.iter().any(|a| a == "python3"))
}

fn run(spec: &Spec, dir: &Path) -> Result<Run, String> {
    if spec.netns && !netns_usable(spec.unprivileged) {
        let why = "a network namespace (unshare -rn, ip, ss, setpriv) is not usable here";
        if require_tools() {
            return Err(why.into());
        }
        return Ok(Run::Skipped(why.into()));
    }
    if needs_python(spec)
        && !Command::new("python3")
            .arg("-V")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    {
        if require_tools() {
            return Err("python3 is required".into());
        }
        return Ok(Run::Skipped("python3 is not installed".into()));
    }
    let mut script = String::from("exec 2>&1\n");
    let mut main = command_line(&spec.main, dir, "main", spec.unprivileged);
    if spec.trace_only {
        main.push_str(" >/dev/null");
    }
    if spec.netns {
        script.push_str("ip link set lo up || exit 97\nbesides=\n");
        let wait = |port: u16| {
            format!(
                "n=0; until ss -Hltun 'sport = :{port}' | grep -q .; do \
                 n=$((n+1)); [ $n -gt 200 ] && exit 98; sleep 0.05; done\n"
            )
        };
        for (i, b) in spec.beside.iter().enumerate() {
            script.push_str(&format!(
                "{} >/dev/null 2>&1 &\nbesides=\"$besides $!\"\n",
                command_line(b, dir, &format!("beside{i}"), false)
            ));
            script.push_str(&wait(b.port()));
        }
        if spec.main.is_server() && !spec.clients.is_empty() {
            script.push_str(&format!("{main} &\nsrv=$!\n"));
            script.push_str(&wait(spec.main.port()));
            for (i, c) in spec.clients.iter().enumerate() {
                script.push_str(&format!(
                    "{} >/dev/null 2>&1\n",
                    command_line(c, dir, &format!("client{i}"), false)
                ));
            }
            script.push_str("sleep 0.2\nkill -INT $srv\nwait $srv\nrc=$?\n");
        } else {
            script.push_str(&format!("{main}\nrc=$?\n"));
        }
        script.push_str("for p in $besides; do kill -INT $p; done\nwait\nexit $rc\n");
    } else {
        script.push_str(&format!("exec {main}\n"));
    }
    let mut command = if spec.netns {
        let mut c = Command::new("unshare");
        c.args(["-rn", "sh", "-c", &script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    command
        .current_dir(dir)
        .env("COLUMNS", spec.columns().to_string())
        .env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LANGUAGE")
        .env("LANG", "C.UTF-8")
        .env_remove("SOCKLAB_TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // A session of its own: no controlling terminal (step mode reads its keys from stdin), and
    // one process group to end if it overstays.
    // SAFETY: setsid() is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| format!("spawn: {e}"))?;
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if started.elapsed() > DEADLINE {
            // SAFETY: kill(2) on the process group this test started.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            return Err(format!("did not end within {DEADLINE:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let status = status.code().unwrap_or(-1);
    if spec.netns && (status == 97 || status == 98) {
        return Err(format!(
            "the namespace could not be set up (status {status}):\n{output}"
        ));
    }
    Ok(Run::Done { output, status })
}

// ---------------------------------------------------------------------------------------------
// From the output to the excerpt

/// The demo's two columns laid out as one list: each line's content, in printed order.
fn decolumn(raw: &str, columns: usize) -> String {
    let w = columns.saturating_sub(3) / 2;
    let mut out = String::new();
    for line in raw.lines() {
        let chars: Vec<char> = line.chars().collect();
        let sep = chars.len() > w + 1 && chars[w] == ' ' && chars[w + 1] == '│';
        let text: String = if sep && chars[..w].iter().all(|&c| c == ' ') {
            // The right column: after "│ ".
            chars[(w + 3).min(chars.len())..].iter().collect::<String>()
        } else if sep {
            chars[..w].iter().collect()
        } else {
            line.to_string()
        };
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// Where a line stands in a trace: the head of a call (its thread named), a line under the
/// previous head (explanation, table), or anything else (what the program prints).
#[derive(PartialEq, Debug)]
enum Kind {
    Head(String, String),
    Under(String),
    Other(String),
}

/// `+12.345 ` at the start of a serve/connect trace line.
fn strip_elapsed(line: &str) -> &str {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix('+') {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if end > 0 && rest[..end].contains('.') && rest[end..].starts_with(' ') {
            return &rest[end + 1..];
        }
    }
    line
}

fn kind(line: &str) -> Kind {
    let l = strip_elapsed(line);
    let lead = l.chars().take_while(|&c| c == ' ').count();
    if lead >= 14 {
        return Kind::Under(l.trim().to_string());
    }
    let chars: Vec<char> = l.chars().collect();
    if chars.len() > 14 && chars[13] == ' ' && chars[14] != ' ' && chars[0] != ' ' {
        let name: String = chars[..14]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string();
        if !name.contains(' ') {
            let rest: String = chars[14..].iter().collect();
            return Kind::Head(name, rest);
        }
    }
    Kind::Other(line.to_string())
}

/// The excerpt a run gives: the columns laid out, the spec's filters applied, the repository's
/// path written `.`.
fn present(raw: &str, spec: &Spec) -> String {
    let repo = root().to_string_lossy().into_owned();
    let raw = raw.replace(&repo, ".");
    let text = if spec.main.is_demo() {
        decolumn(&raw, spec.columns())
    } else {
        raw.lines().map(|l| format!("{}\n", l.trim_end())).collect()
    };
    let mut lines: Vec<String> = Vec::new();
    let mut keep_under = false;
    for line in text.lines() {
        let keep = match (&spec.threads, kind(line)) {
            (None, _) => true,
            (Some(ts), Kind::Head(t, _)) => {
                keep_under = ts.contains(&t);
                keep_under
            }
            (Some(_), Kind::Under(_)) => keep_under,
            (Some(ts), Kind::Other(_)) => {
                keep_under = false;
                ts.iter().any(|t| t == "text")
            }
        };
        if keep {
            lines.push(line.to_string());
        }
    }
    for alternatives in &spec.grep {
        lines.retain(|l| alternatives.iter().any(|a| l.contains(a.as_str())));
    }
    if let Some(n) = spec.head {
        lines.truncate(n);
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The normaliser

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Replaces every maximal run of ASCII digits for which `keep` says no by `with`; `keep`
/// sees the text before the run, the run, and the text after it.
fn digits(s: &str, with: &str, keep: impl Fn(&str, &str, &str) -> bool) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if !keep(&s[..start], &s[start..i], &s[i..]) {
                out.push_str(&s[last..start]);
                out.push_str(with);
                last = i;
            }
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Calls whose first argument is a descriptor, and those that return one.
const FD_CALLS: [&str; 22] = [
    "setsockopt",
    "getsockopt",
    "bind",
    "listen",
    "accept4",
    "accept",
    "connect",
    "recvfrom",
    "recv",
    "recvmsg",
    "sendto",
    "send",
    "sendmsg",
    "shutdown",
    "close",
    "getsockname",
    "getpeername",
    "read",
    "write",
    "fcntl",
    "ioctl",
    "sendfile",
];

fn word_before(before: &str) -> &str {
    let t = before.trim_end_matches(['(', '[', ' ', ',']);
    let start = t
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    &t[start..]
}

/// `12:34:56` made `HH:MM:SS`.
fn times(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let d = |k: usize| c.get(k).is_some_and(|ch| ch.is_ascii_digit());
    while i < c.len() {
        let boundary = i == 0 || !c[i - 1].is_ascii_digit();
        if boundary
            && d(i)
            && d(i + 1)
            && c.get(i + 2) == Some(&':')
            && d(i + 3)
            && d(i + 4)
            && c.get(i + 5) == Some(&':')
            && d(i + 6)
            && d(i + 7)
            && !d(i + 8)
        {
            out.push_str("HH:MM:SS");
            i += 8;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// `59.9 s`, `0.52 s`, `3 ms`-like durations with a decimal point made `N.N`.
fn durations(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        let boundary = i == 0 || !(c[i - 1].is_ascii_digit() || c[i - 1] == '.');
        if boundary && c[i].is_ascii_digit() {
            let mut j = i;
            while j < c.len() && (c[j].is_ascii_digit() || c[j] == '.') {
                j += 1;
            }
            let run: String = c[i..j].iter().collect();
            let rest: String = c[j..c.len().min(j + 3)].iter().collect();
            let one_dot = run.matches('.').count() == 1 && !run.ends_with('.');
            if one_dot
                && (rest.starts_with(" s") || rest.starts_with(" ms") || rest.starts_with("s)"))
            {
                out.push_str("N.N");
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Whether the digits that follow `before` are a descriptor: a call's first argument, what
/// socket() and accept() return, `fd N`, the members of poll's list.
fn is_fd(before: &str) -> bool {
    // Not inside the preview of the data, between its quotes.
    let quotes = before
        .match_indices('"')
        .filter(|(i, _)| !before[..*i].ends_with('\\'))
        .count();
    if quotes % 2 == 1 {
        return false;
    }
    if before.ends_with('(') && FD_CALLS.contains(&word_before(before)) {
        return true;
    }
    if let Some(call) = before.strip_suffix(") = ")
        && let Some(open) = call.rfind('(')
        && matches!(word_before(&call[..=open]), "socket" | "accept4" | "accept")
    {
        return true;
    }
    if before.ends_with("fd ") || before.ends_with("fd=") {
        return true;
    }
    match before.rfind("poll([") {
        Some(i) => !before[i..].contains(']'),
        None => false,
    }
}

/// One line with its run-specific parts replaced.
fn normalise_line(line: &str, ports: &BTreeSet<u16>) -> String {
    let mut s = times(line);
    for d in DAYS {
        s = s
            .replace(&format!("{d} "), "DAY ")
            .replace(&format!("{d}, "), "DAY, ");
    }
    for m in MONTHS {
        s = s.replace(&format!(" {m} "), " MON ");
    }
    // The day of the month and the year, in a date.
    s = digits(&s, "N", |before, _run, _after| {
        !(before.ends_with("MON ")
            || before.ends_with("MON  ")
            || before.ends_with("DAY, ")
            || before.ends_with("HH:MM:SS "))
    });
    s = durations(&s);
    // Ports: the digits after an address's colon, unless the command names them.
    s = digits(&s, "P", |before, run, _after| {
        let b = before.as_bytes();
        let after_addr = b.len() >= 2
            && b[b.len() - 1] == b':'
            && (b[b.len() - 2].is_ascii_digit() || b[b.len() - 2] == b']');
        !after_addr || run.parse::<u16>().is_ok_and(|p| ports.contains(&p))
    });
    // Process ids.
    s = digits(&s, "N", |before, _run, _after| {
        !(before.ends_with("pid ") || before.ends_with("pid="))
    });
    s = digits(&s, "FD", |before, _run, _after| !is_fd(before));
    // Spaces: columns of tables move with the width of what they hold.
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical form of an excerpt: the lines of each thread in their order (a call split
/// in two lines made one), thread after thread, and the other lines in their order.
fn normalise(text: &str, ports: &BTreeSet<u16>) -> String {
    // (thread, head, lines under it)
    let mut blocks: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        match kind(line) {
            Kind::Head(t, rest) => {
                blocks.push((t, rest, Vec::new()));
                current = Some(blocks.len() - 1);
            }
            Kind::Under(u) => match current {
                Some(i) => blocks[i].2.push(u),
                None => others.push(u),
            },
            Kind::Other(o) => {
                current = None;
                if !o.trim().is_empty() {
                    others.push(o);
                }
            }
        }
    }
    let mut threads: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    for (t, head, under) in blocks {
        let list = threads.entry(t).or_default();
        let head = head.trim().to_string();
        if let Some(rest) = head.strip_prefix("… ")
            && let Some((prev, prev_under)) = list.last_mut()
            && let Some((call, _)) = prev.split_once(" … ")
            && prev.ends_with('…')
            && rest.starts_with(call)
        {
            *prev = rest.to_string();
            prev_under.extend(under);
            continue;
        }
        // The end of a call whose start was filtered out, or was not split at all.
        let head = head.strip_prefix("… ").map(str::to_string).unwrap_or(head);
        list.push((head, under));
    }
    // How a stream is cut into recv() calls belongs to the run: consecutive receptions on one
    // descriptor, each with some bytes, count as one, of their total.
    let mut merged: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    for (t, list) in threads {
        let mut out: Vec<Reception> = Vec::new();
        for (head, under) in list {
            let norm = normalise_line(&head, ports);
            let got = received(&norm);
            if let (Some((call, n)), Some((_, _, Some((pcall, total))))) = (&got, out.last_mut())
                && call == pcall
            {
                *total += n;
                continue;
            }
            out.push((norm, under, got));
        }
        merged.insert(
            t,
            out.into_iter()
                .map(|(h, u, got)| match got {
                    Some((call, total)) => (format!("{call} = {total} (bytes in all)"), u),
                    None => (h, u),
                })
                .collect(),
        );
    }
    let mut out = String::new();
    for o in others {
        out.push_str(&normalise_line(&o, ports));
        out.push('\n');
    }
    for (t, list) in merged {
        out.push_str(&format!("[{t}]\n"));
        for (head, under) in list {
            out.push_str(&head);
            out.push('\n');
            for u in under {
                out.push_str("  ");
                out.push_str(&normalise_line(&u, ports));
                out.push('\n');
            }
        }
    }
    out
}

/// A normalised `recv…(FD, N) = M "…"` with M > 0: the call and M.
fn received(norm: &str) -> Option<(String, u64)> {
    let norm = norm.strip_prefix("… ").unwrap_or(norm);
    if !(norm.starts_with("recvfrom(") || norm.starts_with("recv(") || norm.starts_with("read(")) {
        return None;
    }
    let (call, rest) = norm.split_once(") = ")?;
    let n: u64 = rest.split(' ').next()?.parse().ok()?;
    (n > 0).then(|| (format!("{call})"), n))
}

// ---------------------------------------------------------------------------------------------
// Checking and regenerating

/// A folder holding the guide's files, where its commands run.
fn work_dir(guide: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "socklab-guide-{}-{}",
        std::process::id(),
        Path::new(guide).file_stem().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in files(guide, text) {
        std::fs::write(dir.join(&name), body).unwrap();
    }
    dir
}

enum Verdict {
    Same,
    /// The new excerpt (from the last attempt) and what differs, normalised.
    Differs(String, String),
    Skipped(String),
    Failed(String),
}

/// Runs an excerpt's spec up to `attempts` times, until its normalised output equals the
/// excerpt's.
fn verify(ex: &Excerpt, dir: &Path, attempts: usize) -> Verdict {
    let spec = Spec::parse(&ex.spec);
    let ports = spec.named_ports();
    let want = normalise(&ex.text, &ports);
    let mut last = None;
    for _ in 0..attempts {
        match run(&spec, dir) {
            Err(e) => return Verdict::Failed(e),
            Ok(Run::Skipped(why)) => return Verdict::Skipped(why),
            Ok(Run::Done { output, status }) => {
                if let Some(code) = spec.exit
                    && code != status
                {
                    return Verdict::Failed(format!(
                        "exit status {status}, not {code}; output:\n{output}"
                    ));
                }
                let got = present(&output, &spec);
                if got.trim().is_empty() {
                    return Verdict::Failed(format!("empty excerpt; output:\n{output}"));
                }
                if normalise(&got, &ports) == want {
                    return Verdict::Same;
                }
                last = Some(got);
            }
        }
    }
    let got = last.unwrap();
    let diff = similar::TextDiff::from_lines(&want, &normalise(&got, &ports))
        .unified_diff()
        .header("the guide (normalised)", "the command (normalised)")
        .to_string();
    Verdict::Differs(got, diff)
}

/// Runs `f` on every item with a few workers; results in the items' order.
fn parallel<T: Send + Sync + 'static, R: Send + 'static>(
    items: Vec<T>,
    f: impl Fn(&T) -> R + Send + Sync + 'static,
) -> Vec<R> {
    let n = items.len();
    let items = Arc::new(items);
    let f = Arc::new(f);
    let next = Arc::new(Mutex::new(0usize));
    let results: Arc<Mutex<Vec<Option<R>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let workers: Vec<_> = (0..WORKERS.min(n.max(1)))
        .map(|_| {
            let (items, f, next, results) =
                (items.clone(), f.clone(), next.clone(), results.clone());
            std::thread::spawn(move || {
                loop {
                    let i = {
                        let mut k = next.lock().unwrap();
                        let i = *k;
                        *k += 1;
                        i
                    };
                    if i >= n {
                        break;
                    }
                    let r = f(&items[i]);
                    results.lock().unwrap()[i] = Some(r);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    Arc::try_unwrap(results)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

/// Every excerpt of both guides, with the folder its commands run in.
fn all_excerpts() -> Vec<(Excerpt, PathBuf)> {
    let mut all = Vec::new();
    for (guide, _) in GUIDES {
        let text = read_guide(guide);
        let dir = work_dir(guide, &text);
        for ex in excerpts(guide, &text) {
            all.push((ex, dir.clone()));
        }
    }
    all
}

#[test]
fn every_excerpt_is_what_its_command_prints() {
    let all = all_excerpts();
    assert!(all.len() > 20, "too few excerpts: {}", all.len());
    let verdicts = parallel(all.clone(), |(ex, dir)| verify(ex, dir, ATTEMPTS));
    let mut failures = Vec::new();
    for ((ex, _), v) in all.iter().zip(verdicts) {
        match v {
            Verdict::Same => {}
            Verdict::Skipped(why) => eprintln!("skipped {}:{}: {why}", ex.guide, ex.line),
            Verdict::Failed(why) => {
                failures.push(format!("{}:{} `{}`: {why}", ex.guide, ex.line, ex.spec))
            }
            Verdict::Differs(got, diff) => failures.push(format!(
                "{}:{} `{}`: the excerpt drifted from the command's output \
                 (scripts/regen-docs.sh rewrites it)\n{diff}\nthe command printed:\n{got}",
                ex.guide, ex.line, ex.spec
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The output most runs of an excerpt's spec agree on (normalised): what a new excerpt is made
/// of. No agreement between most of the runs: the spec must be narrowed.
fn most_common_output(ex: &Excerpt, dir: &Path) -> Result<String, String> {
    let spec = Spec::parse(&ex.spec);
    let ports = spec.named_ports();
    let runs = 2 * ATTEMPTS - 1;
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for _ in 0..runs {
        match run(&spec, dir)? {
            Run::Skipped(why) => return Err(format!("cannot run here: {why}")),
            Run::Done { output, .. } => {
                let got = present(&output, &spec);
                let norm = normalise(&got, &ports);
                match seen.iter_mut().find(|(n, _, _)| *n == norm) {
                    Some(entry) => entry.2 += 1,
                    None => seen.push((norm, got, 1)),
                }
            }
        }
    }
    seen.sort_by_key(|b| std::cmp::Reverse(b.2));
    match seen.first() {
        Some((_, got, n)) if *n > runs / 2 => Ok(got.clone()),
        _ => Err(format!(
            "its output changes from one run to the next ({} different in {runs} runs); narrow \
             it (threads, grep)",
            seen.len()
        )),
    }
}

/// Rewrites the excerpts whose normalised form changed (in three runs, none gave the excerpt),
/// each with the output most of five runs agree on: an excerpt that changes from run to run is
/// an error.
///
/// Not a check: the entry point scripts/regen-docs.sh calls (with SOCKLAB_REGEN_GUIDES=1),
/// hosted here to share the runner and the normaliser with the checks above. Without the
/// variable it does nothing.
#[test]
fn regenerate() {
    if std::env::var("SOCKLAB_REGEN_GUIDES").as_deref() != Ok("1") {
        return;
    }
    let all = all_excerpts();
    let news = parallel(all.clone(), |(ex, dir)| match verify(ex, dir, ATTEMPTS) {
        Verdict::Same => Ok(None),
        Verdict::Skipped(why) => Err(format!("cannot run here: {why}")),
        Verdict::Failed(why) => Err(why),
        Verdict::Differs(..) => most_common_output(ex, dir).map(Some),
    });
    let mut errors = Vec::new();
    let mut changed: BTreeMap<&str, Vec<(usize, String)>> = BTreeMap::new();
    for ((ex, _), r) in all.iter().zip(news) {
        match r {
            Ok(Some(text)) => changed.entry(ex.guide).or_default().push((ex.line, text)),
            Ok(None) => {}
            Err(e) => errors.push(format!("{}:{} `{}`: {e}", ex.guide, ex.line, ex.spec)),
        }
    }
    for (guide, list) in changed {
        let old = read_guide(guide);
        let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
        // From the bottom up, so the line numbers above stay right.
        for (line, text) in list.into_iter().rev() {
            let start = line - 1;
            let end = (start..lines.len()).find(|&j| lines[j] == CLOSE).unwrap();
            let mut body = vec!["```text".to_string()];
            body.extend(text.lines().map(str::to_string));
            body.push("```".to_string());
            lines.splice(start + 1..end, body);
            println!("{guide}:{line}: rewritten");
        }
        let mut new = lines.join("\n");
        new.push('\n');
        std::fs::write(root().join(guide), new).unwrap();
    }
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// The commands quoted in the guides

/// Every `socklab …` command line of a guide: in code spans (which may run over two lines of a
/// paragraph) and in code blocks other than excerpts, up to what the shell would take as the end
/// of the command (a pipe, a redirection, a comment, `&`).
fn quoted_commands(text: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut in_block = false;
    let mut block_is_output = false;
    let mut span: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("```") {
            if in_block {
                in_block = false;
            } else {
                in_block = true;
                span = None;
                // Output blocks (```text) are excerpts, not commands.
                block_is_output = t == "```text";
            }
            continue;
        }
        if in_block {
            let c = t.strip_prefix("$ ").unwrap_or(t);
            if !block_is_output && c.starts_with("socklab ") {
                found.push((n + 1, c.to_string()));
            }
            continue;
        }
        if t.is_empty() {
            span = None;
            continue;
        }
        for (i, piece) in line.split('`').enumerate() {
            if i > 0 {
                span = match span.take() {
                    None => Some((n + 1, String::new())),
                    Some((at, s)) => {
                        found.push((at, s));
                        None
                    }
                };
            }
            if let Some((_, s)) = span.as_mut() {
                if !s.is_empty() && i == 0 {
                    s.push(' ');
                }
                s.push_str(piece);
            }
        }
    }
    found
        .into_iter()
        .filter(|(_, c)| c.starts_with("socklab "))
        .map(|(n, c)| {
            let end = c.find(['|', '<', '>', '#', '&', ';']).unwrap_or(c.len());
            (n, c[..end].trim().to_string())
        })
        .collect()
}

#[test]
fn every_quoted_command_parses() {
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let demos = Command::new(socklab())
        .args(["demo", "--lang", "en"])
        .output()
        .unwrap();
    let demos = String::from_utf8_lossy(&demos.stdout).into_owned();
    for (guide, _) in GUIDES {
        let text = read_guide(guide);
        let commands = quoted_commands(&text);
        assert!(commands.len() > 30, "{guide}: too few commands quoted");
        for (line, c) in commands {
            let words = shell_words(&c);
            // `…` stands for the rest of the command in prose, NN and MM for any step.
            if words
                .iter()
                .any(|w| w.contains('…') || w.contains("...") || w == "NN" || w == "MM")
            {
                continue;
            }
            if !seen.insert(c.clone()) {
                continue;
            }
            let mut args: Vec<String> = words[1..].to_vec();
            let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
            args.insert(split, "--help".into());
            let out = Command::new(socklab())
                .args(&args)
                .env("LANG", "C.UTF-8")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            if !out.status.success() {
                failures.push(format!(
                    "{guide}:{line}: `{c}` does not parse:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            let cmd = Cmd {
                args: words[1..].to_vec(),
                stdin: None,
            };
            // Names the parser takes as free text: a demo, a step.
            let sub = cmd.subcommand().unwrap_or_default().to_string();
            let after: Vec<&String> = {
                let i = cmd.args.iter().position(|a| *a == sub).unwrap();
                cmd.args[i + 1..]
                    .iter()
                    .take_while(|a| !a.starts_with('-'))
                    .collect()
            };
            match sub.as_str() {
                "demo" => {
                    if let Some(name) = after.first()
                        && !demos
                            .lines()
                            .any(|l| l.split_whitespace().next() == Some(name))
                    {
                        failures.push(format!("{guide}:{line}: no demo {name} in `socklab demo`"));
                    }
                }
                "check" | "hint" | "diff" => {
                    for id in after {
                        let ok = Command::new(socklab())
                            .args(["hint", id])
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status()
                            .is_ok_and(|s| s.success());
                        if !ok {
                            failures.push(format!("{guide}:{line}: no step {id}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The two guides side by side

/// The outline of a guide: its labs (`## ` headings with a `{#id}`-like anchor comment) and,
/// under each, its questions (`### ` headings starting with `Q`), by their numbers.
fn outline(text: &str) -> Vec<(String, Vec<String>)> {
    let mut labs: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            labs.push((lab_id(h), Vec::new()));
        } else if let Some(q) = line.strip_prefix("### ").and_then(|h| h.strip_prefix('Q')) {
            let number: String = q.chars().take_while(|c| !c.is_whitespace()).collect();
            let lab = labs.last_mut().expect("a question under a lab");
            lab.1.push(number);
        }
    }
    labs
}

/// A lab heading's number: `## 3. TP3 — …` gives `3`; a heading without one gives its text.
fn lab_id(h: &str) -> String {
    match h.split_once(". ") {
        Some((n, _)) if n.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => String::from("-"),
    }
}

#[test]
fn both_guides_have_the_same_labs_questions_and_excerpts() {
    let fr = read_guide(GUIDES[0].0);
    let en = read_guide(GUIDES[1].0);
    let (ofr, oen) = (outline(&fr), outline(&en));
    let labs = |o: &[(String, Vec<String>)]| {
        o.iter()
            .filter(|(id, _)| id != "-")
            .map(|(id, qs)| (id.clone(), qs.clone()))
            .collect::<Vec<_>>()
    };
    let (lfr, len) = (labs(&ofr), labs(&oen));
    assert_eq!(lfr.len(), 5, "five labs in the French guide: {lfr:?}");
    assert_eq!(lfr, len, "the two guides' labs and questions differ");
    for (id, qs) in &lfr {
        assert!(!qs.is_empty(), "lab {id} has no question");
        let unique: BTreeSet<_> = qs.iter().collect();
        assert_eq!(unique.len(), qs.len(), "lab {id}: a question number twice");
    }
    // The same excerpts, in the same order, each in its guide's language.
    let specs = |guide: &'static str, text: &str, lang: &str| {
        excerpts(guide, text)
            .into_iter()
            .map(|e| {
                // The lines a `grep` keeps are named in the guide's language.
                let s = e
                    .spec
                    .replace(&format!("--lang {lang}"), "--lang LANG")
                    .split(" | ")
                    .filter(|o| !o.starts_with("grep "))
                    .collect::<Vec<_>>()
                    .join(" | ");
                (e.line, s)
            })
            .collect::<Vec<_>>()
    };
    let sfr = specs(GUIDES[0].0, &fr, "fr");
    let sen = specs(GUIDES[1].0, &en, "en");
    for (l, s) in sfr.iter().chain(&sen) {
        assert!(
            !s.contains("--lang fr") && !s.contains("--lang en"),
            "line {l}: an excerpt in the other guide's language: {s}"
        );
    }
    let only = |v: &[(usize, String)]| v.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>();
    let (a, b) = (only(&sfr), only(&sen));
    if a != b {
        let diff = similar::TextDiff::from_lines(&a.join("\n"), &b.join("\n"))
            .unified_diff()
            .header(GUIDES[0].0, GUIDES[1].0)
            .to_string();
        panic!("the two guides' excerpts differ:\n{diff}");
    }
    assert_eq!(
        files(GUIDES[0].0, &fr),
        files(GUIDES[1].0, &en),
        "the two guides give their commands different files"
    );
}

/// A heading's anchor, as GitHub makes it: lower case, letters, digits, `-` and `_` kept,
/// spaces made `-`, the rest dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_link_inside_a_guide_leads_to_one_of_its_headings() {
    for (guide, _) in GUIDES {
        let text = read_guide(guide);
        let anchors: BTreeSet<String> = text
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| anchor(l.trim_start_matches('#')))
            .collect();
        let mut missing = Vec::new();
        for (n, line) in text.lines().enumerate() {
            for piece in line.split("](#").skip(1) {
                let target = piece.split(')').next().unwrap_or_default();
                if !anchors.contains(target) {
                    missing.push(format!("{guide}:{}: #{target}", n + 1));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "links to no heading:\n{}",
            missing.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The normaliser's own cases

#[test]
fn the_normaliser_keeps_what_matters_and_drops_what_a_run_changes() {
    let ports: BTreeSet<u16> = [13].into_iter().collect();
    let a = "client-1      connect(5, 127.0.0.1:38791) … handshake in progress…\n\
             veilleur      accept4(3) = 4  ← client 127.0.0.1:54126\n\
             client-1      … connect(5, 127.0.0.1:38791) = 0  local 127.0.0.1:41000\n\
             client-1      recvfrom(5, 1024) = 26  \"Wed Dec  2 16:20:18 2026\\r\\n\"\n\
             Wed Dec  2 16:20:18 2026\n";
    let b = "veilleur      accept4(3) = 7  ← client 127.0.0.1:33333\n\
             client-1      connect(6, 127.0.0.1:40000) = 0  local 127.0.0.1:41234\n\
             Thu Dec 10 09:01:02 2026\n\
             client-1      recvfrom(6, 1024) = 26  \"Thu Dec 10 09:01:02 2026\\r\\n\"\n";
    assert_eq!(normalise(a, &ports), normalise(b, &ports));
    // What a call returned, the bytes, a named port, the order within a thread: kept.
    let c = b.replace("= 26", "= 25");
    assert_ne!(normalise(a, &ports), normalise(&c, &ports));
    let d = "  +0.001 client        connect(3, 127.0.0.1:13) = 0\n";
    let e = "  +9.999 client        connect(3, 127.0.0.1:14) = 0\n";
    assert_ne!(normalise(d, &ports), normalise(e, &ports));
    assert_eq!(
        normalise(d, &ports),
        normalise(
            "  +0.500 client        connect(4, 127.0.0.1:13) = 0\n",
            &ports
        )
    );
    let f = "client-1      close(5) = 0\nclient-1      socket(AF_INET, SOCK_STREAM) = 5\n";
    let g = "client-1      socket(AF_INET, SOCK_STREAM) = 5\nclient-1      close(5) = 0\n";
    assert_ne!(normalise(f, &ports), normalise(g, &ports));
    assert_eq!(
        normalise_line(
            "serveur (TCP, threads, pid 12456) en écoute sur 127.0.0.1:5000",
            &[5000].into_iter().collect()
        ),
        "serveur (TCP, threads, pid N) en écoute sur 127.0.0.1:5000"
    );
    assert_eq!(
        normalise_line("close(5) = 0  → TIME_WAIT (encore 59.9 s)", &ports),
        "close(FD) = 0 → TIME_WAIT (encore N.N s)"
    );
    assert_eq!(
        normalise_line(
            "… poll([3, 6, 7], ∞) = 1  ([{fd=6, revents=POLLIN}])",
            &ports
        ),
        "… poll([FD, FD, FD], ∞) = 1 ([{fd=FD, revents=POLLIN}])"
    );
}

#[test]
fn spec_words_and_options() {
    assert_eq!(
        shell_words(r#"check 02 -- python3 -c 'print("a b")' {host}"#),
        [
            "check",
            "02",
            "--",
            "python3",
            "-c",
            "print(\"a b\")",
            "{host}"
        ]
    );
    let s = Spec::parse(
        "connect daytime 127.0.0.1 13 --lang fr | beside serve daytime --port 13 | grep recv \\| close | exit 0",
    );
    assert!(s.netns);
    assert_eq!(s.beside[0].port(), 13);
    assert_eq!(s.grep, [vec!["recv".to_string(), "close".to_string()]]);
    assert_eq!(s.exit, Some(0));
    assert_eq!(s.main.subcommand(), Some("connect"));
    let t = Spec::parse("--lang fr --explain never demo daytime");
    assert!(t.main.is_demo());
    let u = Spec::parse(
        "serve message --port 5000 | client connect message 127.0.0.1 5000 <<< a\\nquit",
    );
    assert_eq!(u.clients[0].stdin.as_deref(), Some("a\nquit"));
}
