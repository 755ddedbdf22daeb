//! Grading a step: build the step's program if needed, run each part's scenario, collect the
//! verdicts into a report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::catalogue::{Exercise, Part};
use super::child::Program;
use super::report::{PartReport, Report};
use super::scenario::{self, Ctx};
use crate::lang::Lang;

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
pub fn grade(ex: &Exercise, subject: Subject, port: Option<u16>, lang: Lang) -> Report {
    let title = ex.title(lang).to_string();
    match subject {
        Subject::Command { argv, part, label } => {
            let program = Program { argv, dir: None };
            Report {
                id: ex.id.clone(),
                title,
                subject: label,
                build: None,
                parts: vec![run_part(part, &program, port)],
            }
        }
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
                            let program = Program {
                                argv,
                                dir: Some(root.to_path_buf()),
                            };
                            run_part(part, &program, port)
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

fn run_part(part: &Part, program: &Program, port: Option<u16>) -> PartReport {
    let ctx = Ctx { program, port };
    PartReport {
        role: part.role.clone(),
        scenario: part.scenario.clone(),
        command: program.argv.clone(),
        verdicts: scenario::run(&part.scenario, &ctx),
    }
}

/// Every criterion failed: the program could not be built.
fn not_run(part: &Part, args: &[String]) -> PartReport {
    use super::verdict::{Checklist, Reason};
    let mut list = Checklist::new(scenario::criteria(&part.scenario).unwrap_or(&[]));
    list.fail_all(&Reason::new(
        "non vérifié : le programme ne compile pas",
        "not checked: the program does not build",
    ));
    PartReport {
        role: part.role.clone(),
        scenario: part.scenario.clone(),
        command: args.to_vec(),
        verdicts: list.finish(),
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
