//! The curriculum's subcommands: `exercises`, `hint`, `check` and `diff`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use colored::Colorize;

use super::catalogue::{self, Catalogue, Exercise};
use super::progress::{self, State};
use super::report::{self, Report};
use super::runner::{self, Isolation, Options, Subject};
use super::sandbox;
use super::track::{self, Track};
use crate::cli::{CheckArgs, ColorChoice, DiffArgs, ExercisesArgs, HintArgs};
use crate::error::exit;
use crate::lang::Lang;

/// Colour on stdout: asked for, or a terminal without NO_COLOR.
pub fn use_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    colored::control::set_override(on);
}

fn root() -> Option<PathBuf> {
    std::env::current_dir()
        .ok()
        .and_then(|d| catalogue::find_root(&d))
}

fn load(root: Option<&Path>) -> Result<Catalogue, i32> {
    Catalogue::load(root).map_err(|e| {
        eprintln!("socklab: {e}");
        exit::FAILURE
    })
}

fn find<'a>(cat: &'a Catalogue, id: &str, lang: Lang) -> Result<&'a Exercise, i32> {
    cat.find(id).ok_or_else(|| {
        eprintln!(
            "socklab: {} {id:?} ({} {})",
            lang.pick("pas d'exercice", "no exercise"),
            lang.pick("il y a :", "there are:"),
            cat.ids()
        );
        exit::USAGE
    })
}

fn no_root(lang: Lang) -> i32 {
    eprintln!(
        "socklab: {}",
        lang.pick(
            "dossier du projet introuvable (exercises/exercises.toml) : lancer la commande \
             dans le dossier de socklab",
            "project folder not found (exercises/exercises.toml): run the command inside \
             socklab's folder"
        )
    );
    exit::FAILURE
}

// ---------------------------------------------------------------- exercises

/// `socklab exercises`: the progress board (`--python`: the Python track's).
pub fn exercises(args: &ExercisesArgs, lang: Lang, color: ColorChoice) -> i32 {
    use_color(color);
    let track = Track::new(args.python);
    let root = root();
    let cat = match load(root.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let records = root.as_deref().map(progress::load).unwrap_or_default();
    let mut done = 0;
    let mut lines = Vec::new();
    let title_w = cat
        .exercises
        .iter()
        .map(|e| e.title(lang).chars().count())
        .max()
        .unwrap_or(0);
    for ex in &cat.exercises {
        let source = root
            .as_deref()
            .and_then(|r| std::fs::read_to_string(r.join(track.exercise_path(ex))).ok());
        let state = source.as_deref().map(|s| {
            progress::state_with(s, records.get(&track.progress_key(ex)), track.unwritten())
        });
        if state == Some(State::Passes) {
            done += 1;
        }
        let shown = match state {
            None => lang.pick("fichier absent", "file missing").red(),
            Some(State::NotStarted) => lang.pick("pas commencé", "not started").dimmed(),
            Some(State::NotChecked) => lang
                .pick("modifié, à vérifier", "edited, not checked")
                .yellow(),
            Some(State::Broken) => lang.pick("ne compile pas", "does not build").red(),
            // A Python program is not built: it passes some of the criteria.
            Some(State::Compiles { passed, total }) if track == Track::Python => {
                format!("{} ({passed}/{total})", lang.pick("en partie", "partly")).yellow()
            }
            Some(State::Compiles { passed, total }) => {
                format!("{} ({passed}/{total})", lang.pick("compile", "compiles")).yellow()
            }
            Some(State::Passes) => lang.pick("réussi", "passes").green().bold(),
        };
        let mark = match state {
            Some(State::Passes) => "✔".green().bold(),
            Some(State::Compiles { .. }) | Some(State::NotChecked) => "◐".yellow(),
            Some(State::Broken) | None => "✘".red(),
            Some(State::NotStarted) => "·".dimmed(),
        };
        lines.push(format!(
            "  {mark} {}  {:<title_w$}  {shown}",
            ex.id.bold(),
            ex.title(lang)
        ));
    }
    let total = cat.exercises.len();
    let width: usize = 24;
    let filled = (done * width).checked_div(total).unwrap_or(0);
    let heading = match track {
        Track::Rust => lang.pick("Parcours socklab", "socklab curriculum"),
        Track::Python => lang.pick(
            "Parcours socklab, en Python",
            "socklab curriculum, in Python",
        ),
    };
    println!(
        "{} {}",
        heading.bold(),
        lang.pick("— des sockets, étape par étape", "— sockets, step by step")
            .dimmed()
    );
    println!(
        "[{}{}] {done}/{total} {}",
        "█".repeat(filled).green(),
        "░".repeat(width - filled).dimmed(),
        lang.pick("réussis", "passed")
    );
    for l in lines {
        println!("{l}");
    }
    let next = cat.exercises.iter().find(|ex| {
        root.as_deref()
            .and_then(|r| std::fs::read_to_string(r.join(track.exercise_path(ex))).ok())
            .is_some_and(|s| {
                let record = records.get(&track.progress_key(ex));
                progress::state_with(&s, record, track.unwritten()) != State::Passes
            })
    });
    if let Some(ex) = next {
        let flag = track.flag();
        println!(
            "\n{} {}   {} socklab hint {}{flag}   {} socklab check {}{flag}",
            lang.pick("Suivant :", "Next:").bold(),
            track.exercise_path(ex).display(),
            lang.pick("indice :", "hint:").dimmed(),
            ex.id,
            lang.pick("vérifier :", "check:").dimmed(),
            ex.id
        );
    }
    exit::OK
}

/// `socklab hint ID`.
pub fn hint(args: &HintArgs, lang: Lang) -> i32 {
    let cat = match load(root().as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let ex = match find(&cat, &args.id, lang) {
        Ok(e) => e,
        Err(code) => return code,
    };
    println!("{} {} — {}", ex.id, ex.stem(), ex.title(lang));
    println!("{} {}", lang.pick("d'après :", "from:"), ex.source);
    println!();
    // What to do first, then how: the statement, then the hint.
    println!("{}", ex.statement(lang).trim());
    println!();
    let track = Track::new(args.python);
    println!(
        "{} {}",
        lang.pick("Indice :", "Hint:"),
        track.hint(ex, lang).trim()
    );
    println!();
    println!(
        "{} {}   {} socklab check {}{}",
        lang.pick("fichier :", "file:"),
        track.exercise_path(ex).display(),
        lang.pick("vérifier :", "check:"),
        ex.id,
        track.flag()
    );
    exit::OK
}

// ---------------------------------------------------------------- check

/// `socklab check ...`.
pub fn check(args: &CheckArgs, lang: Lang, color: ColorChoice) -> i32 {
    use_color(color);
    let root = root();
    let cat = match load(root.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let ex = match find(&cat, &args.id, lang) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let part = ex.part(args.part.as_deref());
    let Some(part) = part else {
        eprintln!(
            "socklab: {} {:?} ({} {})",
            lang.pick("pas de partie", "no part"),
            args.part.as_deref().unwrap_or(""),
            lang.pick("l'exercice a :", "the exercise has:"),
            ex.roles()
        );
        return exit::USAGE;
    };

    let isolation = isolation(args.no_sandbox, lang);
    let opts = Options {
        port: args.port,
        isolation,
    };

    if let Some(pattern) = &args.each {
        let files = match expand_glob(pattern) {
            Ok(f) if !f.is_empty() => f,
            Ok(_) => {
                eprintln!(
                    "socklab: {} {pattern}",
                    lang.pick("aucun fichier ne correspond à", "no file matches")
                );
                return exit::USAGE;
            }
            Err(e) => {
                eprintln!("socklab: {e}");
                return exit::USAGE;
            }
        };
        let jobs = jobs(args.jobs, isolation, lang);
        let reports = grade_all(&files, jobs, lang, |f| {
            let file = f.display().to_string();
            let argv = args
                .command
                .iter()
                .map(|a| a.replace("{file}", &file))
                .collect();
            let label = f
                .file_name()
                .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
            runner::grade(ex, Subject::Command { argv, part, label }, &opts, lang)
        });
        if let Some(path) = &args.html
            && let Err(e) = std::fs::write(path, super::html::page(&reports, lang))
        {
            eprintln!("socklab: --html {}: {e}", path.display());
            return exit::FAILURE;
        }
        if args.json {
            let all: Vec<_> = reports.iter().map(|r| r.json(lang)).collect();
            println!("{}", serde_json::Value::Array(all));
        } else if args.csv {
            print!("{}", report::csv(&reports));
        } else {
            print!("{}", report::table(&reports, lang));
        }
        return if reports.iter().all(Report::ok) {
            exit::OK
        } else {
            exit::FAILURE
        };
    }

    let report = if !args.command.is_empty() {
        let label = args.command.join(" ");
        runner::grade(
            ex,
            Subject::Command {
                argv: args.command.clone(),
                part,
                label,
            },
            &opts,
            lang,
        )
    } else if args.python {
        // The Python track: the step's Python file, run with python3 in every part.
        let Some(root) = root.as_deref() else {
            return no_root(lang);
        };
        let report = match track::grade_python(ex, root, args.solution, &opts, lang) {
            Ok(report) => report,
            Err(why) => {
                eprintln!("socklab: {}", why.text(lang));
                return exit::FAILURE;
            }
        };
        if !args.solution {
            record(root, ex, Track::Python, &report);
        }
        report
    } else {
        let Some(root) = root.as_deref() else {
            return no_root(lang);
        };
        let report = runner::grade(
            ex,
            Subject::Step {
                root,
                solution: args.solution,
            },
            &opts,
            lang,
        );
        if !args.solution {
            record(root, ex, Track::Rust, &report);
        }
        report
    };
    if args.json {
        println!("{}", report.json(lang));
    } else {
        print!("{}", report.text(lang));
        if !report.ok() && args.command.is_empty() && !args.solution {
            println!(
                "{} socklab hint {}{}",
                lang.pick("Un indice :", "A hint:").dimmed(),
                ex.id,
                Track::new(args.python).flag()
            );
        }
    }
    if report.ok() { exit::OK } else { exit::FAILURE }
}

/// How programs are isolated here: a sandbox each, unless asked otherwise or unless this
/// machine cannot make namespaces (said once; then the limits alone). Landlock missing is
/// said once too.
fn isolation(no_sandbox: bool, lang: Lang) -> Isolation {
    if no_sandbox {
        return Isolation::Off;
    }
    let support = sandbox::probe();
    let isolation = match &support.namespaces {
        Ok(()) => Isolation::Sandbox,
        Err(why) => {
            eprintln!(
                "socklab: {} ({}){}",
                lang.pick("pas de bac à sable ici", "no sandbox here"),
                why.text(lang),
                lang.pick(
                    " : les programmes sont notés avec les seules limites de ressources, un à \
                     la fois",
                    ": programs are graded with the resource limits alone, one at a time"
                )
            );
            Isolation::Limits
        }
    };
    if !support.landlock {
        eprintln!(
            "socklab: {}",
            lang.pick(
                "Landlock est indisponible sur ce noyau : les écritures des programmes ne sont \
                 pas limitées à leur dossier temporaire",
                "Landlock is not available on this kernel: the programs' writes are not \
                 confined to their temporary directory"
            )
        );
    }
    isolation
}

/// How many programs to grade at once: `--jobs`, or the number of cores; one without the
/// sandbox, where programs on fixed ports would collide.
fn jobs(asked: Option<u16>, isolation: Isolation, lang: Lang) -> usize {
    if isolation != Isolation::Sandbox {
        if asked.is_some_and(|n| n > 1) {
            eprintln!(
                "socklab: --jobs 1 {}",
                lang.pick(
                    "sans bac à sable : deux programmes sur le même port fixe se gêneraient",
                    "without the sandbox: two programs on the same fixed port would collide"
                )
            );
        }
        return 1;
    }
    asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// Grades every file with `jobs` at a time, in the files' order; a progress bar on stderr
/// when it is a terminal.
fn grade_all(
    files: &[PathBuf],
    jobs: usize,
    lang: Lang,
    grade: impl Fn(&Path) -> Report + Sync,
) -> Vec<Report> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Report>>> = Mutex::new(files.iter().map(|_| None).collect());
    let bar = Bar::new(files.len(), lang);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(file) = files.get(i) else { break };
                    let report = grade(file);
                    bar.done(&report.subject);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(report);
                }
            });
        }
    });
    bar.clear();
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// The progress of a class's grading, on stderr, only when it is a terminal.
struct Bar {
    total: usize,
    done: AtomicUsize,
    on: bool,
    lang: Lang,
}

impl Bar {
    fn new(total: usize, lang: Lang) -> Bar {
        let bar = Bar {
            total,
            done: AtomicUsize::new(0),
            on: std::io::stderr().is_terminal(),
            lang,
        };
        bar.draw(0, "");
        bar
    }

    fn done(&self, what: &str) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.draw(n, what);
    }

    fn draw(&self, n: usize, what: &str) {
        if !self.on {
            return;
        }
        let width = 24;
        let filled = (n * width).checked_div(self.total).unwrap_or(0);
        let mut err = std::io::stderr().lock();
        // \r and "erase the line": the bar is redrawn in place.
        let _ = write!(
            err,
            "\r\x1b[2K[{}{}] {n}/{} {} {}",
            "█".repeat(filled),
            "░".repeat(width - filled),
            self.total,
            self.lang.pick("notés", "graded"),
            super::child::shorten(what, 40)
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// Remembers the result for `socklab exercises` (`--python` for the Python track's).
fn record(root: &Path, ex: &Exercise, track: Track, report: &Report) {
    let Ok(source) = std::fs::read(root.join(track.exercise_path(ex))) else {
        return;
    };
    progress::save(
        root,
        &track.progress_key(ex),
        progress::Record {
            fingerprint: progress::fingerprint(&source),
            builds: !matches!(report.build, Some(Err(_))),
            passed: report.count(super::verdict::Status::Pass),
            total: report.counted(),
        },
    );
}

/// The files matching `pattern`: `*` and `?` in the last component only (`tp/*.py`), sorted.
pub fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let (dir, name) = match pattern.rsplit_once('/') {
        Some((d, n)) => (if d.is_empty() { "/" } else { d }, n),
        None => (".", pattern),
    };
    if dir.contains(['*', '?']) {
        return Err(format!(
            "{pattern}: wildcards are only supported in the file name (dir/*.py)"
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{dir}: {e}"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter(|e| wildcard(name.as_bytes(), e.file_name().to_string_lossy().as_bytes()))
        .map(|e| {
            if pattern.contains('/') {
                e.path()
            } else {
                PathBuf::from(e.file_name())
            }
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Shell-style matching of `*` (any run) and `?` (one character).
fn wildcard(pat: &[u8], s: &[u8]) -> bool {
    match (pat.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wildcard(&pat[1..], s) || (!s.is_empty() && wildcard(pat, &s[1..])),
        (Some(b'?'), Some(_)) => wildcard(&pat[1..], &s[1..]),
        (Some(p), Some(c)) if p == c => wildcard(&pat[1..], &s[1..]),
        _ => false,
    }
}

// ---------------------------------------------------------------- diff

/// `socklab diff A B`: a unified diff, coloured, of two steps' solutions or two files.
pub fn diff(args: &DiffArgs, color: ColorChoice) -> i32 {
    use_color(color);
    let root = root();
    let cat = match load(root.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let resolve = |arg: &str| -> Result<PathBuf, String> {
        if Path::new(arg).is_file() {
            return Ok(PathBuf::from(arg));
        }
        match (cat.find(arg), root.as_deref()) {
            (Some(ex), Some(root)) => Ok(root.join(ex.solution_path())),
            (Some(_), None) => Err("project folder not found (exercises/exercises.toml)".into()),
            (None, _) => Err(format!("{arg}: neither a file nor a step ({})", cat.ids())),
        }
    };
    let (a, b) = match (resolve(&args.a), resolve(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("socklab: {e}");
            return exit::USAGE;
        }
    };
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let (ta, tb) = match (read(&a), read(&b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("socklab: {e}");
            return exit::FAILURE;
        }
    };
    let shown = |p: &Path| {
        root.as_deref()
            .and_then(|r| p.strip_prefix(r).ok())
            .unwrap_or(p)
            .display()
            .to_string()
    };
    print!("{}", unified(&ta, &tb, &shown(&a), &shown(&b)));
    exit::OK
}

/// The unified diff of two texts, coloured as git colours it.
pub fn unified(a: &str, b: &str, name_a: &str, name_b: &str) -> String {
    let diff = similar::TextDiff::from_lines(a, b);
    let mut out = String::new();
    out.push_str(&format!("{}\n", format!("--- {name_a}").bold()));
    out.push_str(&format!("{}\n", format!("+++ {name_b}").bold()));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&format!("{}\n", hunk.header().to_string().cyan()));
        for change in hunk.iter_changes() {
            let line = change.to_string_lossy();
            let line = line.trim_end_matches('\n');
            let text = match change.tag() {
                similar::ChangeTag::Delete => format!("-{line}").red().to_string(),
                similar::ChangeTag::Insert => format!("+{line}").green().to_string(),
                similar::ChangeTag::Equal => format!(" {line}"),
            };
            out.push_str(&text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_the_shell() {
        assert!(wildcard(b"*.py", b"serveur.py"));
        assert!(wildcard(b"echo_?.py", b"echo_1.py"));
        assert!(!wildcard(b"*.py", b"serveur.rs"));
        assert!(!wildcard(b"echo_?.py", b"echo_12.py"));
    }

    #[test]
    fn the_diff_marks_removed_and_added_lines() {
        colored::control::set_override(false);
        let d = unified("a\nb\nc\n", "a\nB\nc\n", "x", "y");
        assert!(d.starts_with("--- x\n+++ y\n@@ -1,3 +1,3 @@\n"), "{d}");
        assert!(d.contains("\n-b\n+B\n"), "{d}");
    }
}
