//! Sequence diagrams: the SVG is well-formed XML and renders in a real browser to an image that
//! is not blank; the Mermaid text parses, with Mermaid's own parser, as a sequence diagram.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

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
        "connect → accept4",
        "1 byte",
        "close (FIN)",
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
    let a = std::fs::read_to_string(&again).unwrap();
    assert!(a.starts_with("<svg") && a.contains("client-2"));
}

#[test]
fn svg_renders_in_chromium() {
    if !have_tool("chromium") || !have_tool("python3") {
        return;
    }
    let dir = temp_dir("diagram-render");
    let (svg, _, _) = relay_diagrams(&dir);
    let png = dir.join("relay.png");
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
        "no screenshot: {}",
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
        "the rendered diagram is blank ({share} of the pixels drawn)"
    );
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
    let text = std::fs::read_to_string(&mmd).unwrap();
    assert!(text.starts_with("sequenceDiagram\n"));
    let out = Command::new("node")
        .arg("tests/mermaid/parse.mjs")
        .arg(&mmd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Mermaid: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "sequence");
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
    assert!(text.contains("connect → accept4"), "{text}");
}
