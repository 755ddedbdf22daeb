//! Grading a step: build the step's program if needed, run each part's scenario (in a
//! sandbox of its own, by default), collect the verdicts into a report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use super::catalogue::{Exercise, Part};
use super::child::Program;
use super::limits::{Jail, PrivateDir};
use super::report::{PartReport, Report};
use super::sandbox;
use super::scenario;
use super::traced;
use super::verdict::{Checklist, Reason};
use crate::lang::Lang;

/// How a graded program is kept from the machine and from the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// A sandbox per program: namespaces, resource limits, writes in a private directory.
    Sandbox,
    /// No namespaces on this machine: the resource limits and the private directory alone.
    Limits,
    /// `--no-sandbox`: a plain process, as the grader always ran them before.
    Off,
}

/// How to grade.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The port imposed with `--port`.
    pub port: Option<u16>,
    pub isolation: Isolation,
}

/// What to grade.
pub enum Subject<'a> {
    /// The step's own program (its exercise, or its solution), built with cargo; every part.
    Step { root: &'a Path, solution: bool },
    /// Any command (`{port}`, `{host}` in it); one part.
    Command {
        argv: Vec<String>,
        part: &'a Part,
        label: String,
    },
}

/// Grades `ex` and returns the report.
pub fn grade(ex: &Exercise, subject: Subject, opts: &Options, lang: Lang) -> Report {
    let title = ex.title(lang).to_string();
    match subject {
        Subject::Command { argv, part, label } => Report {
            id: ex.id.clone(),
            title,
            subject: label,
            build: None,
            parts: vec![run_part(part, argv, None, opts)],
        },
        Subject::Step { root, solution } => {
            let name = ex.example(solution);
            let file = if solution {
                ex.solution_path()
            } else {
                ex.exercise_path()
            };
            let subject = file.display().to_string();
            match build_example(root, &name) {
                Ok(binary) => {
                    let parts = ex
                        .parts
                        .iter()
                        .map(|part| {
                            let mut argv = vec![binary.display().to_string()];
                            argv.extend(part.args.iter().cloned());
                            run_part(part, argv, Some(root.to_path_buf()), opts)
                        })
                        .collect();
                    Report {
                        id: ex.id.clone(),
                        title,
                        subject,
                        build: Some(Ok(())),
                        parts,
                    }
                }
                Err(e) => Report {
                    id: ex.id.clone(),
                    title,
                    subject,
                    build: Some(Err(e)),
                    parts: ex
                        .parts
                        .iter()
                        .map(|part| not_run(part, &part.args))
                        .collect(),
                },
            }
        }
    }
}

fn run_part(part: &Part, argv: Vec<String>, dir: Option<PathBuf>, opts: &Options) -> PartReport {
    let command = argv.clone();
    let criteria = traced::part_criteria(
        scenario::criteria(&part.scenario).unwrap_or(&[]),
        &part.trace,
    );
    let all_failed = |reason: Reason| {
        let mut list = Checklist::new(&criteria);
        list.fail_all(&reason);
        (list.finish(), Vec::new())
    };
    let private = || {
        PrivateDir::new().map_err(|e| {
            Reason::new(
                format!("non vérifié : pas de dossier temporaire privé ({e})"),
                format!("not checked: no private temporary directory ({e})"),
            )
        })
    };
    let (verdicts, limits) = match opts.isolation {
        Isolation::Sandbox => sandbox::grade_part(part, &argv, dir.as_deref(), opts.port),
        Isolation::Limits => match private() {
            Ok(private) => {
                let mut program = Program::new(argv, dir);
                program.jail = Some(Arc::new(Jail::new(private.path(), false)));
                let (verdicts, program) = traced::grade(
                    &part.scenario,
                    &part.trace,
                    program,
                    opts.port,
                    private.path(),
                );
                (verdicts, program.watch.take())
            }
            Err(reason) => all_failed(reason),
        },
        // Without a sandbox, a private directory still holds the traces.
        Isolation::Off => match private() {
            Ok(private) => {
                let program = Program::new(argv, dir);
                let (verdicts, program) = traced::grade(
                    &part.scenario,
                    &part.trace,
                    program,
                    opts.port,
                    private.path(),
                );
                (verdicts, program.watch.take())
            }
            Err(reason) => all_failed(reason),
        },
    };
    PartReport {
        role: part.role.clone(),
        scenario: part.scenario.clone(),
        command,
        verdicts,
        limits,
    }
}

/// Every criterion failed: the program could not be built.
fn not_run(part: &Part, args: &[String]) -> PartReport {
    let mut list = Checklist::new(&traced::part_criteria(
        scenario::criteria(&part.scenario).unwrap_or(&[]),
        &part.trace,
    ));
    list.fail_all(&Reason::new(
        "non vérifié : le programme ne compile pas",
        "not checked: the program does not build",
    ));
    PartReport {
        role: part.role.clone(),
        scenario: part.scenario.clone(),
        command: args.to_vec(),
        verdicts: list.finish(),
        limits: Vec::new(),
    }
}

/// `cargo build --example NAME` in `root`; returns the executable. The compiler's messages go
/// to stderr, where the student sees them.
pub fn build_example(root: &Path, name: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "--example",
            name,
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", Path::new(&cargo).display()))?;
    let executable = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == name)
        .find_map(|v| v["executable"].as_str().map(PathBuf::from));
    match (out.status.success(), executable) {
        (true, Some(exe)) => Ok(exe),
        (true, None) => Err(format!("cargo built {name} but named no executable")),
        (false, _) => Err(format!("cargo build --example {name}: {}", out.status)),
    }
}
