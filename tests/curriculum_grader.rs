//! The grader itself, on a tiny fixture curriculum of its own (as rustlings tests its checker):
//! one exercise that does not compile, one that compiles but fails, one that passes; then the
//! progress board shows each one's state.

mod common;

use std::path::Path;
use std::process::Output;

use common::socklab_in;

const CATALOGUE: &str = r#"
format_version = 1
"#;

fn step(id: &str, name: &str) -> String {
    format!(
        r#"
[[exercises]]
id = "{id}"
name = "{name}"
title_fr = "Client daytime {id}"
title_en = "Daytime client {id}"
statement_fr = "Afficher la date."
statement_en = "Print the date."
source = "fixture"
hint_fr = "recv"
hint_en = "recv"
default_port = 1313

[[exercises.parts]]
role = "client"
scenario = "daytime-client"
args = ["{{host}}", "{{port}}"]
"#
    )
}

/// A daytime client with the standard library only, so the fixture builds in a second.
const GOOD: &str = r#"
use std::io::Read;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut s = std::net::TcpStream::connect((args[1].as_str(), args[2].parse::<u16>().unwrap())).unwrap();
    let mut date = String::new();
    s.read_to_string(&mut date).unwrap();
    print!("{date}");
}
"#;

/// Connects, but prints nothing.
const SILENT: &str = r#"
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let _s = std::net::TcpStream::connect((args[1].as_str(), args[2].parse::<u16>().unwrap())).unwrap();
}
"#;

const BROKEN: &str = "fn main() { let x: u32 = \"not a number\"; }\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn fixture() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("socklab-fixture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut manifest = String::from(
        "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    );
    let mut catalogue = CATALOGUE.to_string();
    for (id, name, source) in [
        ("01", "broken", BROKEN),
        ("02", "silent", SILENT),
        ("03", "good", GOOD),
    ] {
        catalogue.push_str(&step(id, name));
        for (prefix, folder) in [("ex", "exercises"), ("sol", "solutions")] {
            manifest.push_str(&format!(
                "\n[[example]]\nname = \"{prefix}{id}_{name}\"\npath = \"{folder}/{id}_{name}.rs\"\n"
            ));
            write(&dir, &format!("{folder}/{id}_{name}.rs"), source);
        }
    }
    write(&dir, "Cargo.toml", &manifest);
    write(&dir, "src/lib.rs", "");
    write(&dir, "exercises/exercises.toml", &catalogue);
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--lang", "en", "--color", "never"];
    all.extend_from_slice(args);
    socklab_in(dir, &all)
}

#[test]
fn the_grader_tells_broken_failing_and_passing_exercises_apart() {
    let dir = fixture();

    let broken = run(&dir, &["check", "01"]);
    let text = String::from_utf8_lossy(&broken.stdout);
    assert_eq!(broken.status.code(), Some(1), "{text}");
    assert!(text.contains("✘ does not build"), "{text}");
    assert!(
        text.contains("not checked: the program does not build"),
        "{text}"
    );
    // The compiler's own message reaches the student.
    assert!(String::from_utf8_lossy(&broken.stderr).contains("mismatched types"));

    let silent = run(&dir, &["check", "02"]);
    let text = String::from_utf8_lossy(&silent.stdout);
    assert_eq!(silent.status.code(), Some(1), "{text}");
    assert!(text.contains("✔ connects to the server"), "{text}");
    assert!(text.contains("✘ prints the date the server sent"), "{text}");
    assert!(text.contains("score: 2/3"), "{text}");

    let good = run(&dir, &["check", "03"]);
    let text = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{text}");
    assert!(text.contains("score: 3/3"), "{text}");

    let board = run(&dir, &["exercises"]);
    let text = String::from_utf8_lossy(&board.stdout);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {id}  Daytime client {id}")))
            .unwrap_or_else(|| panic!("{id} missing:\n{text}"))
            .to_string()
    };
    assert!(line("01").ends_with("does not build"), "{text}");
    assert!(line("02").ends_with("compiles (2/3)"), "{text}");
    assert!(line("03").ends_with("passes"), "{text}");
    assert!(text.contains("] 1/3 passed"), "{text}");

    // Editing a file makes its result stale.
    write(
        &dir,
        "exercises/03_good.rs",
        &format!("{GOOD}\n// edited\n"),
    );
    let board = run(&dir, &["exercises"]);
    let text = String::from_utf8_lossy(&board.stdout);
    assert!(text.contains("edited, not checked"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
