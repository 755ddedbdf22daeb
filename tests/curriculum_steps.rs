//! The fifteen steps of the curriculum, as rustlings checks its exercises: every solution
//! passes its check, every exercise as shipped fails it, and the catalogue, the files and the
//! cargo examples agree. Also the other curriculum commands: hint, diff, the progress board.

mod common;
mod curriculum_support;

use curriculum_support::{catalogue, check_json, failures, program, root, socklab_in_root};

/// Runs the check of every part of every step against the step's exercise or solution, the
/// steps side by side (the grader mostly waits on the network), and returns
/// (step, role, success, report).
fn grade_all(solution: bool) -> Vec<(String, String, bool, serde_json::Value)> {
    let cat = catalogue();
    let mut jobs = Vec::new();
    for ex in &cat.exercises {
        let bin = program(ex, solution);
        for part in &ex.parts {
            let mut args = vec!["--part".to_string(), part.role.clone(), "--".to_string()];
            args.push(bin.display().to_string());
            args.extend(part.args.iter().cloned());
            jobs.push((ex.id.clone(), part.role.clone(), args));
        }
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(id, role, args)| {
                s.spawn(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let (out, json) = check_json(id, &args);
                    (id.clone(), role.clone(), out.status.success(), json)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn every_solution_passes_its_check() {
    let results = grade_all(true);
    assert_eq!(results.len(), 23, "one check per part of the fifteen steps");
    for (id, role, success, json) in &results {
        assert!(
            *success && json["ok"] == true && json["failed"] == 0,
            "solution {id} ({role}) fails: {:?}",
            failures(json)
        );
        assert!(json["passed"].as_u64().unwrap() >= 3, "{id} {role}: {json}");
    }
}

#[test]
fn every_exercise_as_shipped_fails_its_check() {
    for (id, role, success, json) in grade_all(false) {
        let failed = failures(&json);
        assert!(
            !success && json["ok"] == false && !failed.is_empty(),
            "exercise {id} ({role}) passes as shipped: {json}"
        );
        // Every failure says why.
        for (criterion, reason) in &failed {
            assert!(!reason.is_empty(), "{id} {role} {criterion}: no reason");
        }
    }
}

#[test]
fn the_catalogue_the_files_and_the_cargo_examples_agree() {
    let cat = catalogue();
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    for ex in &cat.exercises {
        let exercise = std::fs::read_to_string(root().join(ex.exercise_path()))
            .unwrap_or_else(|e| panic!("{}: {e}", ex.exercise_path().display()));
        let solution = std::fs::read_to_string(root().join(ex.solution_path()))
            .unwrap_or_else(|e| panic!("{}: {e}", ex.solution_path().display()));
        assert!(exercise.contains("todo!("), "{}: no todo!()", ex.id);
        assert!(exercise.contains("// TODO:"), "{}: no // TODO: mark", ex.id);
        assert!(
            exercise.contains(ex.title_fr.as_str()) && exercise.contains(ex.title_en.as_str()),
            "{}: the statement at the top names the step",
            ex.id
        );
        assert!(
            !solution.contains("todo!("),
            "{}: todo!() in the solution",
            ex.id
        );
        assert!(
            !solution.contains("#![allow"),
            "{}: allow in the solution",
            ex.id
        );
        for (name, path) in [
            (ex.example(false), ex.exercise_path()),
            (ex.example(true), ex.solution_path()),
        ] {
            let entry = format!(
                "[[example]]\nname = \"{name}\"\npath = \"{}\"",
                path.display()
            );
            assert!(manifest.contains(&entry), "Cargo.toml lacks:\n{entry}");
        }
    }
    // No file in exercises/ or solutions/ is missing from the catalogue.
    for dir in ["exercises", "solutions"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".rs") {
                assert!(
                    cat.exercises.iter().any(|e| e.stem() == stem),
                    "{dir}/{name} is not in the catalogue"
                );
            }
        }
    }
}

/// As rustlings keeps its exercises and their solutions in sync: an exercise is its solution
/// with the statement on top and, at each `// TODO: français / English` (or the French, then
/// the English on the next comment line), the one line of the call to write replaced by a
/// `todo!("the call")`. Nothing else differs, so `socklab diff` between the two shows the
/// sites only.
#[test]
fn every_exercise_is_its_solution_with_the_calls_left_out() {
    for ex in &catalogue().exercises {
        let read = |p: std::path::PathBuf| std::fs::read_to_string(root().join(p)).unwrap();
        let (exercise, solution) = (read(ex.exercise_path()), read(ex.solution_path()));
        // The code under the statements: the exercise's ends with its `#![allow(...)]`.
        let mut lines = exercise.lines().skip_while(|l| *l != ")]").skip(1);
        let mut model = solution.lines().skip_while(|l| l.starts_with("//!"));
        let mut sites = 0;
        while let Some(line) = lines.next() {
            let mut line = line;
            let site = line.trim_start().starts_with("// TODO: ");
            if site {
                if !line.contains(" / ") {
                    let english = lines.next().unwrap_or_default();
                    assert!(
                        english.trim_start().starts_with("//       "),
                        "{}: after the French of `{line}`, the English on the next line",
                        ex.id
                    );
                }
                line = lines.next().unwrap_or_default();
                assert!(
                    line.contains("todo!(\""),
                    "{}: a `// TODO:` is followed by its todo!() line, not `{line}`",
                    ex.id
                );
                sites += 1;
            }
            let expected = model.next().unwrap_or_else(|| {
                panic!(
                    "{}: the exercise goes on past its solution: `{line}`",
                    ex.id
                )
            });
            match with_the_call(line) {
                Some(_) if !site => panic!("{}: `{line}` has no `// TODO:` above it", ex.id),
                Some(filled) => assert!(
                    filled.iter().any(|f| same_but_ellipsis(f, expected)),
                    "{}: `{line}` is not the solution's `{expected}` with the call left out",
                    ex.id
                ),
                None => assert_eq!(line, expected, "{}: only the TODO sites differ", ex.id),
            }
        }
        assert_eq!(model.next(), None, "{}: the exercise stops short", ex.id);
        assert!(sites > 0, "{}: no TODO site", ex.id);
    }
}

/// The solution's line a TODO site stands for: `let n: usize = todo!("s.recv(&mut buf)?");`
/// gives `let n = s.recv(&mut buf)?;`, the call unescaped, the type that the todo!() needed
/// dropped (or kept, when the solution has it too).
fn with_the_call(line: &str) -> Option<[String; 2]> {
    let (before, rest) = line.split_once("todo!(\"")?;
    let (call, after) = rest.rsplit_once("\")")?;
    let untyped = match before.split_once(" = ") {
        Some((pattern, "")) if pattern.trim_start().starts_with("let ") => {
            let pattern = pattern.split_once(':').map_or(pattern, |(p, _)| p);
            format!("{pattern} = ")
        }
        _ => before.to_string(),
    };
    let call = call
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .replace("{{", "{")
        .replace("}}", "}");
    Some([before, &untyped].map(|b| format!("{b}{call}{after}")))
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

/// `socklab check ID --solution` builds the step with cargo and grades every part of it.
#[test]
fn check_builds_the_step_and_grades_every_part() {
    let out = socklab_in_root(&[
        "--lang",
        "en",
        "--color",
        "never",
        "check",
        "06",
        "--solution",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("[serveur]") && text.contains("[client]"),
        "{text}"
    );
    assert!(text.contains("✔ answers \"Bonjour client"), "{text}");
    // Five criteria for the server and one read from its trace, four for the client and one.
    assert!(text.trim_end().ends_with("score: 11/11"), "{text}");
}

#[test]
fn an_unknown_step_is_a_usage_error_that_lists_the_steps() {
    let out = socklab_in_root(&["--lang", "en", "check", "16"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no exercise \"16\"") && err.contains("01, 02") && err.contains("14, 15"),
        "{err}"
    );
}

#[test]
fn hint_shows_the_steps_hint_in_the_language_asked() {
    let run = |lang: &str| {
        let out = socklab_in_root(&["--lang", lang, "hint", "3"]);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fr = run("fr");
    assert!(fr.contains("Serveur echo TCP, un client à la fois"), "{fr}");
    assert!(fr.contains("accept renvoie\nune NOUVELLE socket"), "{fr}");
    assert!(fr.contains("exercises/03_echo_server_tcp.rs"), "{fr}");
    // The statement comes first, then the hint.
    let statement = fr
        .find("Un serveur echo : il renvoie exactement")
        .expect(&fr);
    let hint = fr.find("Indice :").expect(&fr);
    assert!(statement < hint, "{fr}");
    let en = run("en");
    assert!(en.contains("accept returns a\nNEW socket"), "{en}");
    assert!(en.contains("Hint:"), "{en}");
}

/// From the iterative server to the poll one: the diff shows poll coming in.
#[test]
fn diff_shows_what_changed_between_two_steps() {
    let out = socklab_in_root(&["--color", "never", "diff", "03", "10"]);
    assert!(out.status.success());
    let d = String::from_utf8_lossy(&out.stdout);
    assert!(
        d.starts_with(
            "--- solutions/03_echo_server_tcp.rs\n+++ solutions/10_echo_server_select.rs\n@@ "
        ),
        "{d}"
    );
    assert!(
        d.lines()
            .any(|l| l.starts_with('+') && l.contains("sock::poll(&mut fds, None)")),
        "{d}"
    );
    assert!(
        d.lines()
            .any(|l| l.starts_with('-') && l.contains("s.listen(1)")),
        "{d}"
    );
    // Coloured when asked: removed lines red, added lines green.
    let out = socklab_in_root(&["--color", "always", "diff", "03", "10"]);
    let d = String::from_utf8_lossy(&out.stdout);
    assert!(
        d.contains("\u{1b}[32m+") && d.contains("\u{1b}[31m-"),
        "{d}"
    );
}

/// The steps after 12 compare like the others, and from step 10 to step 15 the diff shows the
/// same poll taking the keyboard instead of a listening socket.
#[test]
fn diff_reaches_the_last_steps() {
    let cat = catalogue();
    for (a, b) in [("12", "13"), ("13", "14"), ("14", "15")] {
        let out = socklab_in_root(&["--color", "never", "diff", a, b]);
        assert!(out.status.success(), "diff {a} {b}");
        let d = String::from_utf8_lossy(&out.stdout);
        let header = format!(
            "--- {}\n+++ {}\n@@ ",
            cat.find(a).unwrap().solution_path().display(),
            cat.find(b).unwrap().solution_path().display()
        );
        assert!(d.starts_with(&header), "{d}");
    }
    let out = socklab_in_root(&["--color", "never", "diff", "10", "15"]);
    let d = String::from_utf8_lossy(&out.stdout);
    assert!(
        d.lines()
            .any(|l| l.starts_with('+') && l.contains("[PollFd::stdin(), PollFd::readable(&s)]")),
        "{d}"
    );
    assert!(
        d.lines()
            .any(|l| l.starts_with('-') && l.contains("vec![PollFd::readable(&listener)]")),
        "{d}"
    );
}

#[test]
fn the_board_lists_the_fifteen_steps_with_a_progress_bar() {
    let out = socklab_in_root(&["--lang", "en", "--color", "never", "exercises"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let cat = catalogue();
    for ex in &cat.exercises {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!(" {}  {}", ex.id, ex.title_en))),
            "{} missing:\n{text}",
            ex.id
        );
    }
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with('[') && l.contains("/15 passed")),
        "{text}"
    );
}
