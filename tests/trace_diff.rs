//! `socklab diff --trace`: two programs compared by their calls. The labs' Python step 03
//! server and socklab's Rust solution, each traced under the same scripted client, make the
//! same calls once descriptors are renumbered; the Python server without its
//! `setsockopt(SO_REUSEADDR)` parts from the solution at that call, explained.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// socklab's step 03 solution, built as the grader builds it.
fn rust_step03() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-q", "--example", "sol03_echo_server_tcp"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Path::new(socklab())
        .parent()
        .unwrap()
        .join("examples/sol03_echo_server_tcp")
}

/// `socklab --trace json --trace-file JSON trace --server SERVER --client CLIENT` in a
/// network namespace of its own, where the lab's port 7777 is free.
fn trace_pair(json: &Path, server: &str, client: &str) {
    let mut c = in_new_netns();
    c.arg(socklab())
        .args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(json)
        .args(["trace", "--server", server, "--client", client]);
    let (status, stdout, stderr) = run_with_input(c, b"");
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(
        String::from_utf8_lossy(&stdout).contains("hello\ntwo words\n"),
        "the client's echoes"
    );
}

/// The three traces: the lab's Python server, the same without SO_REUSEADDR, the Rust
/// solution, each under the same client. `None` where Python or namespaces are missing.
struct Traces {
    python: PathBuf,
    no_reuseaddr: PathBuf,
    rust: PathBuf,
}

fn traces() -> Option<&'static Traces> {
    static T: OnceLock<Option<Traces>> = OnceLock::new();
    T.get_or_init(|| {
        let py = python_executable()?;
        if !have_netns(&["ip"], &["ip", "link", "set", "lo", "up"]) {
            return None;
        }
        let dir = temp_dir("trace-diff");
        let lab = root().join("solutions/python/03_echo_server_tcp.py");
        let without = step03_without_reuseaddr(&dir);
        let client = format!(
            "{py} {} 127.0.0.1 7777 hello 'two words'",
            root().join("tests/python/trace/echo_client.py").display()
        );
        let t = Traces {
            python: dir.join("python.jsonl"),
            no_reuseaddr: dir.join("no_reuseaddr.jsonl"),
            rust: dir.join("rust.jsonl"),
        };
        trace_pair(&t.python, &format!("{py} {} 7777", lab.display()), &client);
        trace_pair(
            &t.no_reuseaddr,
            &format!("{py} {} 7777", without.display()),
            &client,
        );
        trace_pair(
            &t.rust,
            &format!("{} 7777", rust_step03().display()),
            &client,
        );
        Some(t)
    })
    .as_ref()
}

fn diff(lang: &str, a: &Path, b: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new(socklab());
    c.args(["--lang", lang, "diff", "--trace"])
        .arg(a)
        .arg(b)
        .args(extra)
        .env("NO_COLOR", "1");
    output_with_input(c, b"")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn python_and_rust_step_03_make_the_same_calls() {
    let Some(t) = traces() else { return };
    let out = diff("en", &t.python, &t.rust, &["--role", "veilleur"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", err(&out));
    assert!(text.contains("── veilleur ──"), "{text}");
    assert!(
        !text.contains("client-1"),
        "--role keeps the veilleur only:\n{text}"
    );
    assert!(
        text.contains("✔ no divergence: the same 12 calls in the same order"),
        "{text}"
    );
    // fd numbers renumbered: the listening socket is #1 in both, the connection #2.
    for call in [
        "setsockopt(#1, SO_REUSEADDR, 1) = 0",
        "recvfrom(#2) = 0",
        "close(#2) = 0",
    ] {
        assert_eq!(
            text.matches(call).count(),
            2,
            "{call} on both sides:\n{text}"
        );
    }
    // The client is the same program on both sides.
    let out = diff("fr", &t.python, &t.rust, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.matches("✔ aucune divergence").count(), 2, "{text}");
    // Python's accept asks getsockname on its own: with --all, that is where they part.
    let out = diff("en", &t.python, &t.rust, &["--all", "--role", "veilleur"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("A makes `getsockname(#2) = 0` here; B does not"),
        "{text}"
    );
}

#[test]
fn without_reuseaddr_the_divergence_is_at_that_setsockopt() {
    let Some(t) = traces() else { return };
    let dir = temp_dir("trace-diff-html");
    let page = dir.join("diff.html");
    let out = diff(
        "en",
        &t.no_reuseaddr,
        &t.rust,
        &["--role", "veilleur", "--html", page.to_str().unwrap()],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", err(&out));
    let marked: Vec<&str> = text.lines().filter(|l| l.contains(" + ")).collect();
    assert_eq!(marked.len(), 1, "one call only in B:\n{text}");
    assert!(
        marked[0].trim_start().starts_with("2 ")
            && marked[0].ends_with("+ setsockopt(#1, SO_REUSEADDR, 1) = 0"),
        "{text}"
    );
    assert!(
        text.contains("✘ First divergence, line 2: B sets SO_REUSEADDR before its bind"),
        "{text}"
    );
    assert!(
        text.contains("EADDRINUSE") && text.contains("TIME_WAIT"),
        "{text}"
    );
    let html = read_to_string(&page);
    assert!(
        html.contains("<tr class=\"only-b first\"><td class=\"n\">2</td>"),
        "{html}"
    );
    assert!(
        html.contains("B sets SO_REUSEADDR before its bind"),
        "{html}"
    );

    let out = diff("fr", &t.rust, &t.no_reuseaddr, &["--role", "veilleur"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("✘ Première divergence, ligne 2 : A règle SO_REUSEADDR avant son bind"),
        "{text}"
    );
    assert!(text.contains("B ne le fait pas"), "{text}");
}

#[test]
fn an_unreadable_trace_is_a_usage_error() {
    let dir = temp_dir("trace-diff-errors");
    let missing = dir.join("absent.jsonl");
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"seq\": 1}\nnot json\n").unwrap();
    let out = diff("en", &missing, &bad, &[]);
    assert_clean_failure(&out, 2);
    assert!(
        err(&out).contains("absent.jsonl: no such file"),
        "{}",
        err(&out)
    );
    let out = diff("fr", &bad, &bad, &[]);
    assert_clean_failure(&out, 2);
    assert!(err(&out).contains("bad.jsonl:1:"), "{}", err(&out));
    assert!(
        err(&out).contains("pas une trace JSON de socklab"),
        "{}",
        err(&out)
    );
    // A trace with no socket call says so.
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = diff("en", &empty, &empty, &[]);
    assert_clean_failure(&out, 2);
    assert!(err(&out).contains("no call on a socket"), "{}", err(&out));
    // The options of a comparison of traces need --trace.
    let out = Command::new(socklab())
        .args(["diff", "03", "10", "--role", "veilleur"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
