//! The curriculum's two tracks: the steps written in Rust (`exercises/`, built with cargo) or
//! written as the labs write them, in Python (`exercises/python/`, run with `python3`). Both
//! tracks share the catalogue, the parts, their arguments and their scenarios; only the file
//! and the way it is started differ.

use std::path::{Path, PathBuf};

use super::catalogue::Exercise;
use super::report::Report;
use super::runner::{self, Subject};
use super::verdict::Reason;
use crate::lang::Lang;

/// The interpreter the Python track runs its programs with, looked up in `PATH`.
pub const PYTHON: &str = "python3";

/// The language a student writes the steps in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    Rust,
    Python,
}

impl Track {
    /// The track a command's `--python` flag asks for.
    pub fn new(python: bool) -> Track {
        if python { Track::Python } else { Track::Rust }
    }

    /// The exercise file, relative to the root.
    pub fn exercise_path(self, ex: &Exercise) -> PathBuf {
        match self {
            Track::Rust => ex.exercise_path(),
            Track::Python => ex.python_exercise_path(),
        }
    }

    /// The solution file, relative to the root.
    pub fn solution_path(self, ex: &Exercise) -> PathBuf {
        match self {
            Track::Rust => ex.solution_path(),
            Track::Python => ex.python_solution_path(),
        }
    }

    /// The step's hint for this track.
    pub fn hint(self, ex: &Exercise, lang: Lang) -> &str {
        match self {
            Track::Rust => ex.hint(lang),
            Track::Python => ex.hint_python(lang),
        }
    }

    /// What an exercise file still holds where a call is to be written: a file that holds
    /// it and was never graded as it is has not been started.
    pub fn unwritten(self) -> &'static str {
        match self {
            Track::Rust => "todo!(",
            Track::Python => "raise NotImplementedError(",
        }
    }

    /// The key of the step's last result in the progress file: the Python track's results
    /// are kept apart from the Rust ones.
    pub fn progress_key(self, ex: &Exercise) -> String {
        match self {
            Track::Rust => ex.id.clone(),
            Track::Python => format!("python/{}", ex.id),
        }
    }

    /// What the commands shown to the student add for this track (`socklab check 03 --python`).
    pub fn flag(self) -> &'static str {
        match self {
            Track::Rust => "",
            Track::Python => " --python",
        }
    }
}

/// `python3` in `PATH`, if there is one.
pub fn find_python() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(PYTHON))
        .find(|p| p.is_file())
}

/// Grades a step's Python program (its exercise, or its solution) in every part of the step,
/// each part's arguments after the file, as the Rust track grades its built program. An error
/// when the file or `python3` is missing: nothing was graded.
pub fn grade_python(
    ex: &Exercise,
    root: &Path,
    solution: bool,
    opts: &runner::Options,
    lang: Lang,
) -> Result<Report, Reason> {
    let track = Track::Python;
    let relative = if solution {
        track.solution_path(ex)
    } else {
        track.exercise_path(ex)
    };
    let file = root.join(&relative);
    if !file.is_file() {
        return Err(Reason::new(
            format!("{} : fichier absent", relative.display()),
            format!("{}: no such file", relative.display()),
        ));
    }
    if find_python().is_none() {
        return Err(Reason::new(
            format!(
                "{PYTHON} introuvable dans le PATH : la piste Python lance chaque programme avec \
                 {PYTHON}, installer Python 3 (apt install python3)"
            ),
            format!(
                "{PYTHON} not found in PATH: the Python track runs each program with {PYTHON}, \
                 install Python 3 (apt install python3)"
            ),
        ));
    }
    let parts = ex
        .parts
        .iter()
        .flat_map(|part| {
            let mut argv = vec![PYTHON.to_string(), file.display().to_string()];
            argv.extend(part.args.iter().cloned());
            let label = relative.display().to_string();
            let one = runner::grade(ex, Subject::Command { argv, part, label }, opts, lang);
            one.parts
        })
        .collect();
    Ok(Report {
        id: ex.id.clone(),
        title: ex.title(lang).to_string(),
        subject: relative.display().to_string(),
        build: None,
        parts,
    })
}
