//! A student's progress: the result of the last `socklab check` of each exercise, kept with a
//! fingerprint of the file it graded, so that `socklab exercises` knows which results still
//! hold. Kept in `.socklab/progress.json` at the project's root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The last check of one exercise.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    /// Fingerprint of the file that was graded.
    pub fingerprint: String,
    pub builds: bool,
    pub passed: usize,
    pub total: usize,
}

/// Where an exercise stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The file still has its `todo!()`s and was never graded as it is.
    NotStarted,
    /// Edited since the last check (or never checked), no `todo!()` left.
    NotChecked,
    /// Checked as it is now: does not build.
    Broken,
    /// Checked as it is now: builds, `passed` of `total` criteria pass.
    Compiles { passed: usize, total: usize },
    /// Checked as it is now: every criterion passes.
    Passes,
}

pub fn path(root: &Path) -> PathBuf {
    root.join(".socklab").join("progress.json")
}

pub fn load(root: &Path) -> BTreeMap<String, Record> {
    std::fs::read_to_string(path(root))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Saves the result of a check; a failure to write is not the student's problem, and is only
/// reported.
pub fn save(root: &Path, id: &str, record: Record) {
    let mut all = load(root);
    all.insert(id.to_string(), record);
    let p = path(root);
    let written = p
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|_| {
            let text = serde_json::to_string_pretty(&all).unwrap_or_default();
            std::fs::write(&p, text)
        });
    if let Err(e) = written {
        eprintln!("socklab: {}: {e}", p.display());
    }
}

/// FNV-1a over the file's bytes: stable from one run (and one Rust version) to the next.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The state of an exercise whose file holds `source`, given its last record.
pub fn state(source: &str, record: Option<&Record>) -> State {
    state_with(source, record, "todo!(")
}

/// [`state`], for a file in which `unwritten` marks a call still to be written (`todo!(` in
/// Rust, `raise NotImplementedError(` in Python).
pub fn state_with(source: &str, record: Option<&Record>, unwritten: &str) -> State {
    let print = fingerprint(source.as_bytes());
    match record {
        Some(r) if r.fingerprint == print => {
            if !r.builds {
                State::Broken
            } else if r.passed == r.total {
                State::Passes
            } else {
                State::Compiles {
                    passed: r.passed,
                    total: r.total,
                }
            }
        }
        _ if source.contains(unwritten) => State::NotStarted,
        _ => State::NotChecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_holds_only_for_the_file_it_graded() {
        let done = "fn main() {}";
        let rec = Record {
            fingerprint: fingerprint(done.as_bytes()),
            builds: true,
            passed: 6,
            total: 6,
        };
        assert_eq!(state(done, Some(&rec)), State::Passes);
        assert_eq!(state("fn main() { }", Some(&rec)), State::NotChecked);
        assert_eq!(state("todo!(\"x\")", Some(&rec)), State::NotStarted);
        let half = Record {
            passed: 2,
            ..rec.clone()
        };
        assert_eq!(
            state(done, Some(&half)),
            State::Compiles {
                passed: 2,
                total: 6
            }
        );
        let broken = Record {
            builds: false,
            ..rec
        };
        assert_eq!(state(done, Some(&broken)), State::Broken);
        let python = "raise NotImplementedError(\"s.listen(1)\")";
        assert_eq!(state(python, None), State::NotChecked);
        assert_eq!(
            state_with(python, None, "raise NotImplementedError("),
            State::NotStarted
        );
    }
}
