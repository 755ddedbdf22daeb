//! Sequence diagrams: the SVG is well-formed XML and renders in a real browser to an image that
//! is not blank; the Mermaid text parses, with Mermaid's own parser, as a sequence diagram.
//! Every demo's diagram tells the truth: each connection is drawn above the bytes it carries,
//! every lifeline is a thread of the lesson (none for the demo's own thread), and the pictures
//! kept in docs/ are exactly what their kept traces draw.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// The demos drawn in docs/, with the arguments scripts/regen-docs.sh gives them: a fresh run
/// with the same arguments must have the same lifelines as the checked-in picture.
const DEMOS: &[(&str, &[&str])] = &[
    ("daytime", &[]),
    ("http-get", &[]),
    ("echo-iterative", &[]),
    ("echo-threads", &["--clients", "2"]),
    ("echo-select", &[]),
    ("echo-udp", &[]),
    ("relay", &[]),
    ("chat", &[]),
];

/// A Mermaid sequence diagram as socklab writes it, read back.
#[derive(Debug, Default)]
struct Mmd {
    participants: Vec<String>,
    steps: Vec<MStep>,
}

#[derive(Debug)]
enum MStep {
    Arrow {
        from: usize,
        to: usize,
        label: String,
    },
    /// Over one lifeline, or across `first..=last`.
    Note { over: Vec<usize>, text: String },
}

impl Mmd {
    fn parse(text: &str) -> Mmd {
        let p = |s: &str| -> usize {
            s.trim()
                .strip_prefix('p')
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("not a participant id: {s:?}"))
        };
        let mut d = Mmd::default();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("sequenceDiagram"));
        for line in lines {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("participant ") {
                let (id, name) = rest.split_once(" as ").expect("participant pN as NAME");
                assert_eq!(p(id), d.participants.len(), "{line}");
                d.participants.push(name.to_string());
            } else if let Some(rest) = line.strip_prefix("Note over ") {
                let (over, text) = rest.split_once(": ").expect("Note over pN: TEXT");
                let over = over.split(',').map(p).collect();
                d.steps.push(MStep::Note {
                    over,
                    text: text.to_string(),
                });
            } else {
                let (arrow, label) = line.split_once(": ").expect("pA->>pB: LABEL");
                let (from, to) = arrow
                    .split_once("-->>")
                    .or_else(|| arrow.split_once("->>"))
                    .unwrap_or_else(|| panic!("not an arrow: {line}"));
                d.steps.push(MStep::Arrow {
                    from: p(from),
                    to: p(to),
                    label: label.to_string(),
                });
            }
        }
        d
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.participants.iter().position(|p| p == name)
    }
}

fn read_events(path: &Path) -> Vec<Value> {
    read_to_string(path)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Plays a demo with its JSON trace kept and its diagram drawn live, as Mermaid.
fn play(name: &str, args: &[&str]) -> (Vec<Value>, Mmd) {
    let dir = temp_dir(&format!("diagram-demo-{name}"));
    let (trace, mmd) = (dir.join("t.jsonl"), dir.join("d.mmd"));
    let mut cmd = Command::new(socklab());
    cmd.args(["--lang", "en", "--trace", "json", "--trace-file"])
        .arg(&trace)
        .arg("--diagram")
        .arg(&mmd)
        .args(["demo", name])
        .args(args);
    let (status, _, err) = run_with_input(cmd, b"");
    assert!(status.success(), "{name}: {status:?} {err}");
    (read_events(&trace), Mmd::parse(&read_to_string(&mmd)))
}

fn is_data(label: &str) -> bool {
    label.starts_with(|c: char| c.is_ascii_digit())
        && (label.ends_with(" bytes") || label.ends_with(" byte"))
}

/// What a diagram of a demo must show, checked against the trace it was drawn from.
fn check_truth(name: &str, events: &[Value], d: &Mmd) {
    let threads = |pick: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        events
            .iter()
            .filter(|e| pick(e))
            .map(|e| e["thread"].as_str().unwrap().to_string())
            .collect()
    };
    let lesson = threads(&|e| e["role"] != "harness");
    let harness = threads(&|e| e["role"] == "harness");
    assert!(
        !d.participants.iter().any(|p| p == "demo"),
        "{name}: the demo's own thread is no lifeline"
    );
    for p in &d.participants {
        assert!(
            lesson.contains(p) && !harness.contains(p),
            "{name}: lifeline {p:?} is no thread of the lesson ({lesson:?})"
        );
    }
    let returned = |call: &str| -> Vec<&Value> {
        events
            .iter()
            .filter(|e| {
                e["kind"] == "syscall"
                    && e["call"] == call
                    && e["phase"] != "enter"
                    && e["errno"].is_null()
                    && e["role"] != "harness"
            })
            .collect()
    };
    let connects: Vec<&Value> = returned("connect")
        .into_iter()
        .filter(|e| e["socket"]["type"] == "SOCK_STREAM")
        .collect();
    let accepts = returned("accept4");
    let acceptors = threads(&|e| e["call"] == "accept4" && e["role"] != "harness");
    let handshakes: Vec<(usize, usize, usize)> = d
        .steps
        .iter()
        .enumerate()
        .filter_map(|(k, s)| match s {
            MStep::Arrow { from, to, label } if label.starts_with("connect (") => {
                Some((k, *from, *to))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        handshakes.len(),
        connects.len(),
        "{name}: one handshake per connection"
    );
    for c in &connects {
        let client = c["thread"].as_str().unwrap();
        // One connection per client in every demo, so "the arrows of this client" are
        // exactly "the arrows of this connection".
        assert_eq!(
            connects.iter().filter(|e| e["thread"] == client).count(),
            1,
            "{name}: {client}"
        );
        let p = d
            .index(client)
            .unwrap_or_else(|| panic!("{name}: no {client}"));
        let &(at, _, to) = handshakes
            .iter()
            .find(|(_, from, _)| *from == p)
            .unwrap_or_else(|| panic!("{name}: no handshake from {client}"));
        assert!(
            acceptors.contains(&d.participants[to]),
            "{name}: {client}'s handshake goes to {}, which accepts nothing",
            d.participants[to]
        );
        for (k, s) in d.steps.iter().enumerate() {
            match s {
                MStep::Arrow { from, to, label } if is_data(label) && (*from == p || *to == p) => {
                    assert!(
                        k > at,
                        "{name}: {label:?} of {client} (step {k}) above its connection (step {at})"
                    );
                }
                MStep::Note { text, .. } if text.ends_with(&format!("← {client}")) => {
                    assert!(k > at, "{name}: {text:?} above {client}'s handshake");
                }
                _ => {}
            }
        }
    }
    let accept_notes = d
        .steps
        .iter()
        .filter(|s| matches!(s, MStep::Note { text, .. } if text.starts_with("accept4 = ")))
        .count();
    assert_eq!(accept_notes, accepts.len(), "{name}: one step per accept");
    let stops = events
        .iter()
        .filter(|e| e["note"]["what"] == "harness_stop")
        .count();
    let drawn: Vec<&Vec<usize>> = d
        .steps
        .iter()
        .filter_map(|s| match s {
            MStep::Note { over, text } if text == "the demo stops the server" => Some(over),
            _ => None,
        })
        .collect();
    assert_eq!(drawn.len(), stops, "{name}: the stop drawn once, as a note");
    for over in drawn {
        for &p in over {
            assert!(
                !d.participants[p].starts_with("client"),
                "{name}: the stop is the server's"
            );
        }
    }
}

/// A fresh run of each demo tells the truth, and has the lifelines of its checked-in picture.
fn fresh_run_matches_its_picture(name: &str) {
    let args = DEMOS.iter().find(|d| d.0 == name).unwrap().1;
    let (events, d) = play(name, args);
    check_truth(name, &events, &d);
    // The demos the harness stops must say so in their trace.
    if name != "http-get" {
        assert!(
            events.iter().any(|e| e["note"]["what"] == "harness_stop"),
            "{name}: no harness_stop note"
        );
    }
    let kept = Mmd::parse(&read_to_string(Path::new(&format!("docs/{name}.mmd"))));
    assert_eq!(
        d.participants, kept.participants,
        "{name}: a fresh run's lifelines differ from docs/{name}.mmd: run scripts/regen-docs.sh"
    );
}

macro_rules! fresh_runs {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                fresh_run_matches_its_picture($name);
            }
        )*
    };
}

fresh_runs! {
    fresh_daytime => "daytime",
    fresh_http_get => "http-get",
    fresh_echo_iterative => "echo-iterative",
    fresh_echo_threads => "echo-threads",
    fresh_echo_select => "echo-select",
    fresh_echo_udp => "echo-udp",
    fresh_relay => "relay",
    fresh_chat => "chat",
}

/// `socklab diagram docs/X.jsonl` gives docs/X.svg and docs/X.mmd byte for byte, and those
/// pictures tell the truth about their traces.
#[test]
fn checked_in_pictures_are_drawn_from_their_traces() {
    let dir = temp_dir("diagram-docs");
    let mut kept: Vec<String> = std::fs::read_dir("docs")
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "jsonl").then_some(stem)
        })
        .collect();
    kept.sort();
    let mut expected: Vec<String> = DEMOS.iter().map(|d| d.0.to_string()).collect();
    expected.sort();
    assert_eq!(kept, expected, "one trace in docs/ per demo");
    for name in &kept {
        let trace = PathBuf::from(format!("docs/{name}.jsonl"));
        for ext in ["svg", "mmd"] {
            let out = dir.join(format!("{name}.{ext}"));
            let run = Command::new(socklab())
                .args(["--lang", "en", "diagram"])
                .arg(&trace)
                .arg("-o")
                .arg(&out)
                .output()
                .unwrap();
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let want = std::fs::read(format!("docs/{name}.{ext}")).unwrap();
            assert!(
                std::fs::read(&out).unwrap() == want,
                "docs/{name}.{ext} is not what docs/{name}.jsonl draws: run scripts/regen-docs.sh"
            );
        }
        let d = Mmd::parse(&read_to_string(Path::new(&format!("docs/{name}.mmd"))));
        check_truth(name, &read_events(&trace), &d);
    }
}

/// The README's capture and its picture show the same threads: the picture's lifelines, and
/// the demo's own thread, which is no lifeline.
#[test]
fn the_readme_capture_and_picture_have_one_cast() {
    let readme = read_to_string(Path::new("README.md"));
    assert!(readme.contains("![sequence diagram of the echo-threads demo](docs/echo-threads.svg)"));
    let begin = readme
        .find("<!-- regen-docs: capture of")
        .expect("the capture's first marker");
    let end = readme
        .find("<!-- regen-docs: end of capture -->")
        .expect("the capture's last marker");
    let mut cast = BTreeSet::new();
    for line in readme[begin..end].lines() {
        let side = match line.split_once('│') {
            Some((left, right)) if left.trim().is_empty() => right,
            Some((left, _)) => left,
            None => continue,
        };
        if let Some(thread) = side.split_whitespace().next() {
            cast.insert(thread.to_string());
        }
    }
    assert!(
        cast.remove("demo"),
        "the demo's own thread stops the server: {cast:?}"
    );
    let picture = Mmd::parse(&read_to_string(Path::new("docs/echo-threads.mmd")));
    let lifelines: BTreeSet<String> = picture.participants.into_iter().collect();
    assert_eq!(cast, lifelines);
}

/// The relay demo, its diagram drawn live (`--diagram`), and its JSON trace kept.
fn relay_diagrams(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (svg, mmd, trace) = (
        dir.join("relay.svg"),
        dir.join("relay.mmd"),
        dir.join("t.jsonl"),
    );
    for (diagram, extra) in [(&svg, true), (&mmd, false)] {
        let mut cmd = Command::new(socklab());
        cmd.args(["--lang", "en", "--diagram"]).arg(diagram);
        if extra {
            cmd.args(["--trace", "json", "--trace-file"]).arg(&trace);
        } else {
            cmd.args(["--trace", "off"]);
        }
        cmd.args(["demo", "relay"]);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (svg, mmd, trace)
}

#[test]
fn svg_is_well_formed_and_has_every_lifeline() {
    if !have_tool("python3") {
        return;
    }
    let dir = temp_dir("diagram-svg");
    let (svg, _, trace) = relay_diagrams(&dir);
    // Python's XML parser: a real parser, not a look at the text.
    let check = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as ET\n\
             root = ET.parse(sys.argv[1]).getroot()\n\
             ns = '{http://www.w3.org/2000/svg}'\n\
             assert root.tag == ns + 'svg', root.tag\n\
             print('\\n'.join(t.text or '' for t in root.iter(ns + 'text')))",
        ])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let texts = String::from_utf8(check.stdout).unwrap();
    for label in [
        "client-1",
        "client-2",
        "main",
        "connect (SYN, SYN-ACK, ACK)",
        "accept4 = ",
        "1 byte",
        "close (FIN)",
        "the demo stops the server",
    ] {
        assert!(texts.contains(label), "{label} not in the SVG: {texts}");
    }
    // The same diagram from the recorded trace.
    let again = dir.join("again.svg");
    let out = Command::new(socklab())
        .args(["--lang", "en", "diagram"])
        .arg(&trace)
        .arg("-o")
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same bytes: nothing in the SVG depends on when or where it was drawn.
    assert_eq!(read_to_string(&again), read_to_string(&svg));
}

#[test]
fn svg_renders_in_chromium() {
    if !have_tool("chromium") || !have_tool("python3") {
        return;
    }
    let dir = temp_dir("diagram-render");
    let (svg, _, _) = relay_diagrams(&dir);
    // A live diagram, and the README's picture.
    let readme = std::env::current_dir()
        .unwrap()
        .join("docs/echo-threads.svg");
    for (k, svg) in [svg, readme].iter().enumerate() {
        let png = dir.join(format!("{k}.png"));
        let out = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1000,1000",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", svg.display()))
            .output()
            .unwrap();
        assert!(
            png.exists(),
            "no screenshot of {}: {}",
            svg.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let ink = Command::new("python3")
            .arg("tests/tools/png_ink.py")
            .arg(&png)
            .output()
            .unwrap();
        assert!(
            ink.status.success(),
            "{}",
            String::from_utf8_lossy(&ink.stderr)
        );
        let share: f64 = String::from_utf8(ink.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            share > 0.01,
            "{} renders blank ({share} of the pixels drawn)",
            svg.display()
        );
    }
}

#[test]
fn mermaid_parses_as_a_sequence_diagram() {
    if !have_tool("node") {
        return;
    }
    let parser = Path::new("tests/mermaid/node_modules/mermaid");
    if !parser.exists() {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("Mermaid is required: run `npm ci` in tests/mermaid");
        }
        eprintln!("skipped: Mermaid is not installed (npm ci in tests/mermaid)");
        return;
    }
    let dir = temp_dir("diagram-mermaid");
    let (_, mmd, _) = relay_diagrams(&dir);
    // A live diagram, and every checked-in one.
    let mut files = vec![mmd];
    files.extend(
        DEMOS
            .iter()
            .map(|d| PathBuf::from(format!("docs/{}.mmd", d.0))),
    );
    for mmd in &files {
        let text = read_to_string(mmd);
        assert!(text.starts_with("sequenceDiagram\n"));
        let out = Command::new("node")
            .arg("tests/mermaid/parse.mjs")
            .arg(mmd)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "Mermaid, {}: {}",
            mmd.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "sequence");
    }
    // And the parser does reject what is not a diagram, so the check means something.
    let bad = dir.join("bad.mmd");
    std::fs::write(&bad, "sequenceDiagram\n    p0->>p1 no colon\n").unwrap();
    let out = Command::new("node")
        .arg("tests/mermaid/parse.mjs")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn wrong_diagram_extension_is_refused() {
    let out = Command::new(socklab())
        .args(["--diagram", "x.png", "demo", "daytime"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must end in .svg or .mmd"));
}

/// `--diagram` on `connect` and on `serve`: each draws its own side, the other program being a
/// remote participant.
#[test]
fn connect_and_serve_draw_their_side() {
    let dir = temp_dir("diagram-sides");
    let served = dir.join("server.mmd");
    let mut cmd = serve_command(&["echo", "--port", "0", "--trace", "off", "--lang", "en"]);
    cmd.arg("--diagram").arg(&served);
    let server = Server::start(cmd);
    let client = dir.join("client.mmd");
    let mut c = Command::new(socklab());
    c.args(["--trace", "off", "--lang", "en", "--diagram"])
        .arg(&client)
        .args([
            "connect",
            "echo",
            "127.0.0.1",
            &server.addr.port().to_string(),
        ]);
    let (status, out, err) = run_with_input(c, b"hello\n");
    assert!(status.success(), "{err}");
    assert_eq!(out, b"hello\n");
    let text = std::fs::read_to_string(&client).unwrap();
    let remote = format!("remote {}", server.addr);
    assert!(text.contains("participant p0 as client"), "{text}");
    assert!(
        text.contains(&format!("participant p1 as {remote}")),
        "{text}"
    );
    assert!(
        text.contains("p0->>p1: connect") && text.contains("p0->>p1: 6 bytes"),
        "{text}"
    );
    assert!(
        text.contains("p1->>p0: 6 bytes") && text.contains("p0-->>p1: close (FIN)"),
        "{text}"
    );
    server.interrupt();
    let (status, _, err) = server.wait();
    assert!(status.success(), "{err}");
    let text = std::fs::read_to_string(&served).unwrap();
    assert!(
        text.contains("as veilleur") && text.contains("as exécutant-1"),
        "{text}"
    );
    assert!(
        text.contains("remote 127.0.0.1:"),
        "the client is remote: {text}"
    );
    assert!(
        text.contains("connect (SYN, SYN-ACK, ACK)") && text.contains("accept4 = "),
        "{text}"
    );
}
