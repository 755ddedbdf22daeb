//! The Python track: the fifteen steps as the labs' Python programs, in `exercises/python/` and
//! `solutions/python/`. Every solution passes `socklab check ID --python --solution`, every
//! exercise as shipped fails `socklab check ID --python`, every exercise is its solution with
//! the calls left out, and the hint, the board and the errors speak of the Python files.

mod common;
mod curriculum_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use curriculum_support::{catalogue, failures, root, socklab_in_root};

/// How many steps are graded at once: the grader mostly waits on the network, but the
/// machine may be shared.
const AT_ONCE: usize = 5;

/// A project root that holds only what the Python track needs: the catalogue and the Python
/// files, copied. No cargo, no Rust file: `--python` needs neither. Its progress file is its
/// own, so the tests leave the real one alone.
fn python_root(name: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    for sub in ["exercises/python", "solutions/python"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(root().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "py") {
                std::fs::copy(&path, dir.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    std::fs::copy(
        root().join("exercises/exercises.toml"),
        dir.join("exercises/exercises.toml"),
    )
    .unwrap();
    dir
}

/// `socklab --lang en check ID --python --json [args]` in `dir`: the exit status and the report.
fn check_python(dir: &Path, id: &str, args: &[&str]) -> (Output, serde_json::Value) {
    let mut all = vec!["--lang", "en", "check", id, "--python", "--json"];
    all.extend_from_slice(args);
    let out = common::socklab_in(dir, &all);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "socklab check {id} --python {args:?} printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            common::err(&out)
        )
    });
    assert_eq!(
        out.status.success(),
        json["ok"] == true,
        "the exit status says what the report says: {json}"
    );
    (out, json)
}

/// Every step's check, `AT_ONCE` steps at a time: (step, exit status success, report).
fn grade_all(dir: &Path, solution: bool) -> Vec<(String, bool, serde_json::Value)> {
    let ids: Vec<String> = catalogue().exercises.iter().map(|e| e.id.clone()).collect();
    let args: &[&str] = if solution { &["--solution"] } else { &[] };
    let mut results = Vec::new();
    for chunk in ids.chunks(AT_ONCE) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|id| {
                    s.spawn(move || {
                        let (out, json) = check_python(dir, id, args);
                        (id.clone(), out.status.success(), json)
                    })
                })
                .collect();
            results.extend(handles.into_iter().map(|h| h.join().unwrap()));
        });
    }
    results
}

#[test]
fn every_python_solution_passes_its_check_in_every_part() {
    if !common::have_tool("python3") {
        return;
    }
    let dir = python_root("py-solutions");
    let cat = catalogue();
    let results = grade_all(&dir, true);
    assert_eq!(results.len(), 15);
    for (id, success, json) in &results {
        let ex = cat.find(id).unwrap();
        assert!(
            *success && json["ok"] == true && json["failed"] == 0,
            "Python solution {id} fails: {:?}",
            failures(json)
        );
        assert_eq!(
            json["subject"],
            ex.python_solution_path().display().to_string()
        );
        let parts = json["parts"].as_array().unwrap();
        assert_eq!(parts.len(), ex.parts.len(), "{id}: every part is graded");
        for (part, expected) in parts.iter().zip(&ex.parts) {
            assert_eq!(part["role"], expected.role.as_str(), "{id}");
            let passed = part["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] == "pass")
                .count();
            assert!(passed >= 3, "{id} {}: {part}", expected.role);
        }
    }
    // A solution's check records nothing: the board is the student's.
    assert!(!dir.join(".socklab").exists());
}

#[test]
fn every_python_exercise_as_shipped_fails_its_check_in_every_part_and_the_board_says_so() {
    if !common::have_tool("python3") {
        return;
    }
    let dir = python_root("py-exercises");
    let cat = catalogue();
    for (id, success, json) in grade_all(&dir, false) {
        assert!(
            !success && json["ok"] == false,
            "Python exercise {id} passes as shipped: {json}"
        );
        let ex = cat.find(&id).unwrap();
        assert_eq!(
            json["subject"],
            ex.python_exercise_path().display().to_string()
        );
        for part in json["parts"].as_array().unwrap() {
            let failed: Vec<_> = part["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] == "fail")
                .collect();
            assert!(
                !failed.is_empty(),
                "Python exercise {id} ({}) passes as shipped: {part}",
                part["role"]
            );
            for c in failed {
                assert!(c["reason"].as_str().is_some_and(|r| !r.is_empty()), "{c}");
            }
        }
    }
    // Each check was recorded for the Python board, not the Rust one: every step is shown as
    // graded (none "not started"), none passes.
    let out = common::socklab_in(
        &dir,
        &["--lang", "en", "--color", "never", "exercises", "--python"],
    );
    assert!(out.status.success(), "{}", common::err(&out));
    let board = String::from_utf8_lossy(&out.stdout);
    assert!(
        board.starts_with("socklab curriculum, in Python") && board.contains("] 0/15 passed"),
        "{board}"
    );
    for ex in &cat.exercises {
        let line = board
            .lines()
            .find(|l| l.contains(&format!(" {}  {}", ex.id, ex.title_en)))
            .unwrap_or_else(|| panic!("{} missing:\n{board}", ex.id));
        assert!(line.contains("partly ("), "{line}");
    }
    // Kept apart from the Rust track's results: one key per step, under python/.
    let progress: serde_json::Value =
        serde_json::from_str(&common::read_to_string(&dir.join(".socklab/progress.json"))).unwrap();
    let keys: Vec<&String> = progress.as_object().unwrap().keys().collect();
    let expected: Vec<String> = cat
        .exercises
        .iter()
        .map(|e| format!("python/{}", e.id))
        .collect();
    assert_eq!(keys, expected.iter().collect::<Vec<_>>());
}

/// A student's work: one exercise completed (here, its solution copied over it) passes its
/// check, and the board shows it passed, with the next step to do.
#[test]
fn a_completed_python_exercise_passes_and_the_board_moves_on() {
    if !common::have_tool("python3") {
        return;
    }
    let dir = python_root("py-board");
    let ex = catalogue().find("01").unwrap().stem();
    std::fs::copy(
        dir.join(format!("solutions/python/{ex}.py")),
        dir.join(format!("exercises/python/{ex}.py")),
    )
    .unwrap();
    let (out, json) = check_python(&dir, "01", &[]);
    assert!(out.status.success(), "{:?}", failures(&json));
    let out = common::socklab_in(
        &dir,
        &["--lang", "fr", "--color", "never", "exercises", "--python"],
    );
    let board = String::from_utf8_lossy(&out.stdout);
    assert!(board.contains("] 1/15 réussis"), "{board}");
    assert!(
        board
            .lines()
            .any(|l| l.contains("✔ 01") && l.ends_with("réussi")),
        "{board}"
    );
    assert!(
        board.lines().any(|l| l.starts_with("Suivant :")
            && l.contains("exercises/python/02_http_get.py")
            && l.contains("socklab hint 02 --python")
            && l.contains("socklab check 02 --python")),
        "{board}"
    );
    // A failed check points to the Python hint.
    let out = common::socklab_in(
        &dir,
        &["--lang", "en", "--color", "never", "check", "2", "--python"],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("program: exercises/python/02_http_get.py")
            && text
                .trim_end()
                .ends_with("A hint: socklab hint 02 --python"),
        "{text}"
    );
}

#[test]
fn the_python_files_the_catalogue_and_the_hints_agree() {
    let cat = catalogue();
    for ex in &cat.exercises {
        let read = |p: PathBuf| {
            std::fs::read_to_string(root().join(&p))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        let exercise = read(ex.python_exercise_path());
        let solution = read(ex.python_solution_path());
        assert!(
            exercise.contains("raise NotImplementedError("),
            "{}: nothing left to write",
            ex.id
        );
        assert!(exercise.contains("# TODO: "), "{}: no # TODO: mark", ex.id);
        assert!(
            exercise.contains(ex.title_fr.as_str()) && exercise.contains(ex.title_en.as_str()),
            "{}: the statement at the top names the step",
            ex.id
        );
        assert!(
            exercise.contains(&format!("socklab check {} --python", ex.id)),
            "{}: the exercise says how to check it",
            ex.id
        );
        assert!(
            !solution.contains("NotImplementedError") && !solution.contains("TODO"),
            "{}: the solution is complete",
            ex.id
        );
        // The labs' way: the socket module, the port (and host) from sys.argv.
        for file in [&exercise, &solution] {
            assert!(
                file.contains("import socket\n") && file.contains("sys.argv"),
                "{}",
                ex.id
            );
        }
    }
    for dir in ["exercises/python", "solutions/python"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name == "__pycache__" {
                continue;
            }
            let stem = name.strip_suffix(".py").unwrap_or(&name);
            assert!(
                cat.exercises.iter().any(|e| e.stem() == stem),
                "{dir}/{name} is not in the catalogue"
            );
        }
    }
}

/// As in the Rust track: an exercise is its solution with the statement on top and, at each
/// `# TODO: français / English` (or the French, then the English on the next comment line),
/// the solution's line replaced by `raise NotImplementedError("that line")`, at the same
/// indentation. Nothing else differs.
#[test]
fn every_python_exercise_is_its_solution_with_the_calls_left_out() {
    for ex in &catalogue().exercises {
        let read = |p: PathBuf| std::fs::read_to_string(root().join(p)).unwrap();
        let (exercise, solution) = (
            read(ex.python_exercise_path()),
            read(ex.python_solution_path()),
        );
        // The code under the header comments (the shebang, the statement).
        let mut lines = exercise.lines().skip_while(|l| l.starts_with('#'));
        let mut model = solution.lines().skip_while(|l| l.starts_with('#'));
        let mut sites = 0;
        while let Some(line) = lines.next() {
            let mut line = line;
            let site = line.trim_start().starts_with("# TODO: ");
            if site {
                let indent = &line[..line.len() - line.trim_start().len()];
                if !line.contains(" / ") {
                    let english = lines.next().unwrap_or_default();
                    assert!(
                        english.starts_with(&format!("{indent}#       ")),
                        "{}: after the French of `{line}`, the English on the next line",
                        ex.id
                    );
                }
                line = lines.next().unwrap_or_default();
                sites += 1;
            }
            let expected = model.next().unwrap_or_else(|| {
                panic!(
                    "{}: the exercise goes on past its solution: `{line}`",
                    ex.id
                )
            });
            match left_out(line) {
                Some(_) if !site => panic!("{}: `{line}` has no `# TODO:` above it", ex.id),
                Some(filled) => assert!(
                    same_but_ellipsis(&filled, expected),
                    "{}: `{line}` is not the solution's `{expected}` left out",
                    ex.id
                ),
                None if site => panic!(
                    "{}: a `# TODO:` is followed by its raise NotImplementedError, not `{line}`",
                    ex.id
                ),
                None => assert_eq!(line, expected, "{}: only the TODO sites differ", ex.id),
            }
        }
        assert_eq!(model.next(), None, "{}: the exercise stops short", ex.id);
        assert!(sites > 0, "{}: no TODO site", ex.id);
    }
}

/// The solution's line a site stands for: `    raise NotImplementedError("s.listen(1)")`
/// gives `    s.listen(1)`, the Python string unescaped (`"…"` or `'…'`).
fn left_out(line: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let rest = line
        .trim_start()
        .strip_prefix("raise NotImplementedError(")?;
    let literal = rest.strip_suffix(')')?;
    let quote = literal.chars().next()?;
    if !['"', '\''].contains(&quote) || !literal.ends_with(quote) || literal.len() < 2 {
        return None;
    }
    let inner = &literal[1..literal.len() - 1];
    let mut code = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            code.push(chars.next()?);
        } else {
            code.push(c);
        }
    }
    Some(format!("{indent}{code}"))
}

/// `line` and `model` are the same, where `…` in `line` stands for any text.
fn same_but_ellipsis(line: &str, model: &str) -> bool {
    let mut parts = line.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = model.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Every Python file is valid Python: an exercise fails its check because its calls are
/// left out, not because it does not start.
#[test]
fn every_python_file_compiles() {
    if !common::have_tool("python3") {
        return;
    }
    let cat = catalogue();
    let files: Vec<String> = cat
        .exercises
        .iter()
        .flat_map(|ex| [ex.python_exercise_path(), ex.python_solution_path()])
        .map(|p| root().join(p).display().to_string())
        .collect();
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys\nfor f in sys.argv[1:]:\n    compile(open(f, encoding='utf-8').read(), f, 'exec')",
        ])
        .args(&files)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(files.len(), 30);
    assert!(out.status.success(), "{}", common::err(&out));
}

#[test]
fn hint_python_shows_the_python_hint_and_file() {
    let run = |lang: &str, extra: &[&str]| {
        let mut args = vec!["--lang", lang, "hint", "10"];
        args.extend_from_slice(extra);
        let out = socklab_in_root(&args);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fr = run("fr", &["--python"]);
    assert!(fr.contains("select.select(l + [s], [], [])"), "{fr}");
    assert!(!fr.contains("PollFd"), "{fr}");
    assert!(
        fr.contains("fichier : exercises/python/10_echo_server_select.py")
            && fr.contains("vérifier : socklab check 10 --python"),
        "{fr}"
    );
    let en = run("en", &["--python"]);
    assert!(en.contains("For each ready\nsocket"), "{en}");
    // Without --python, the Rust track's, as before.
    let rust = run("en", &[]);
    assert!(
        rust.contains("PollFd::readable(&listener)")
            && rust.contains("file: exercises/10_echo_server_select.rs")
            && !rust.contains("--python"),
        "{rust}"
    );
}

/// Without python3 nothing is graded, and the message says what to install, in both languages.
#[test]
fn check_python_without_python3_says_so() {
    let empty = common::temp_dir("no-python");
    for (lang, text) in [
        ("fr", "python3 introuvable dans le PATH"),
        ("en", "python3 not found in PATH"),
    ] {
        let out = Command::new(common::socklab())
            .args(["--lang", lang, "check", "03", "--python"])
            .current_dir(root())
            .env("PATH", &empty)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        common::assert_clean_failure(&out, 1);
        let err = common::err(&out);
        assert!(err.contains(text) && err.contains("install"), "{err}");
        assert!(out.stdout.is_empty(), "nothing was graded");
    }
}

/// `--python` grades the step's own Python file: it cannot be given a command as well, and a
/// missing file is named.
#[test]
fn check_python_refuses_a_command_and_names_a_missing_file() {
    let out = socklab_in_root(&["check", "03", "--python", "--", "python3", "x.py"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::err(&out));
    let dir = common::temp_dir("py-missing");
    std::fs::create_dir_all(dir.join("exercises")).unwrap();
    std::fs::copy(
        root().join("exercises/exercises.toml"),
        dir.join("exercises/exercises.toml"),
    )
    .unwrap();
    let out = common::socklab_in(&dir, &["--lang", "en", "check", "03", "--python"]);
    common::assert_clean_failure(&out, 1);
    assert!(
        common::err(&out).contains("exercises/python/03_echo_server_tcp.py: no such file"),
        "{}",
        common::err(&out)
    );
}
