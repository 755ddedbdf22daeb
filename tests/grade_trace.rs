//! The grader reads the trace: `socklab check` runs the program under `socklab trace`, and
//! criteria judge its calls, quoting them as strace prints them. The labs' Python step 03
//! server passes them; the same server without its `setsockopt(SO_REUSEADDR)` fails that one,
//! with the `bind` quoted. Where ptrace is refused (the grader itself under strace), the trace
//! criteria are skipped and say why, and the network criteria still decide. An unprivileged
//! user gets the same.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The labs' step 03 server, as shipped in solutions/python.
fn step03() -> PathBuf {
    root().join("solutions/python/03_echo_server_tcp.py")
}

/// `socklab --lang LANG check 03 --json -- python3 PROGRAM {port}`, with `prefix` in front
/// (`strace -f`, `setpriv`): the report.
fn grade(prefix: &[&str], exe: &str, lang: &str, python: &str, program: &Path) -> Output {
    let mut argv: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
    argv.extend(
        [exe, "--lang", lang, "check", "03", "--json", "--", python]
            .iter()
            .map(|s| s.to_string()),
    );
    argv.push(program.display().to_string());
    argv.push("{port}".into());
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..])
        .current_dir(program.parent().unwrap())
        .env("NO_COLOR", "1");
    output_with_input(c, b"")
}

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            err(out)
        )
    })
}

fn criterion<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["parts"][0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no criterion {id} in {report}"))
}

/// The network criteria (those that do not read the trace) all passed.
fn network_criteria_pass(report: &serde_json::Value) {
    for c in report["parts"][0]["criteria"].as_array().unwrap() {
        if !c["id"].as_str().unwrap().starts_with("trace_") {
            assert_eq!(c["status"], "pass", "{c}");
        }
    }
}

#[test]
fn the_trace_criteria_judge_the_calls_and_quote_them() {
    if !have_tool("python3") {
        return;
    }
    let dir = temp_dir("grade-trace");
    let good = report(&grade(&[], socklab(), "en", "python3", &step03()));
    assert_eq!(
        criterion(&good, "trace_reuseaddr")["status"],
        "pass",
        "{good}"
    );
    assert_eq!(
        criterion(&good, "trace_iterative")["status"],
        "pass",
        "{good}"
    );
    network_criteria_pass(&good);

    let without = step03_without_reuseaddr(&dir);
    for (lang, words) in [
        ("en", "no setsockopt(SO_REUSEADDR) before `[pid "),
        ("fr", "aucun setsockopt(SO_REUSEADDR) avant « [pid "),
    ] {
        let out = grade(&[], socklab(), lang, "python3", &without);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a failed criterion: {}",
            err(&out)
        );
        let r = report(&out);
        let c = criterion(&r, "trace_reuseaddr");
        assert_eq!(c["status"], "fail", "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{reason}");
        // The quoted line is the bind strace prints: on fd 3, for the AF_INET6 socket, and
        // it succeeded (the first start of the server binds; only a restart fails).
        assert!(
            reason.contains("] bind(3, {sa_family=AF_INET6, sin6_port=htons("),
            "{reason}"
        );
        assert!(reason.contains(") = 0"), "{reason}");
        // The network criterion that restarts the server fails too: the trace says why.
        assert_eq!(criterion(&r, "restart")["status"], "fail", "{r}");
        // The rest of the iterative server is right, and the trace says so.
        assert_eq!(criterion(&r, "trace_iterative")["status"], "pass", "{r}");
    }
}

/// A grader run under `strace -f` cannot trace (a process has one tracer): the trace criteria
/// are skipped with the reason, the network ones judged as ever.
#[test]
fn without_ptrace_the_network_criteria_decide_alone() {
    if !have_tool("python3") || !have_tool("strace") {
        return;
    }
    for (lang, words) in [
        ("en", "not judged: ptrace is refused here (EPERM"),
        ("fr", "non jugé : ptrace est refusé ici (EPERM"),
    ] {
        let out = grade(
            &["strace", "-f", "-qq", "-o", "/dev/null"],
            socklab(),
            lang,
            "python3",
            &step03(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", err(&out));
        let r = report(&out);
        for id in ["trace_reuseaddr", "trace_iterative"] {
            let c = criterion(&r, id);
            assert_eq!(c["status"], "skip", "{c}");
            assert!(c["reason"].as_str().unwrap().starts_with(words), "{c}");
        }
        network_criteria_pass(&r);
        assert_eq!(r["skipped"], 2, "{r}");
    }
}

/// The same grading by an unprivileged user (CI runs as root, which hides what ptrace and the
/// sandbox's namespaces do for anyone else): socklab and the program copied where `nobody`
/// can read them, a python3 it can run.
#[test]
fn an_unprivileged_grader_traces_too() {
    // SAFETY: geteuid cannot fail.
    let root_user = unsafe { libc::geteuid() } == 0;
    if !root_user || !have_tool("setpriv") {
        return;
    }
    let Some(python) = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("a python3 outside /root is required (SOCKLAB_REQUIRE_TOOLS=1)");
        }
        eprintln!("skipped: no python3 outside /root");
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("socklab-grade-trace-nobody-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("socklab");
    std::fs::copy(socklab(), &exe).unwrap();
    let good = dir.join("03.py");
    std::fs::copy(step03(), &good).unwrap();
    let bad = step03_without_reuseaddr(&dir);
    for p in [&dir, &exe, &good, &bad] {
        let mode = if p.is_dir() || *p == exe {
            0o755
        } else {
            0o644
        };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let exe_s = exe.display().to_string();
    let r = report(&grade(&nobody, &exe_s, "en", python, &good));
    assert_eq!(criterion(&r, "trace_reuseaddr")["status"], "pass", "{r}");
    network_criteria_pass(&r);
    let r = report(&grade(&nobody, &exe_s, "en", python, &bad));
    assert_eq!(criterion(&r, "trace_reuseaddr")["status"], "fail", "{r}");
    std::fs::remove_dir_all(&dir).unwrap();
}
