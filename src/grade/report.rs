//! What the grader found, shown: a checklist for one program, a table (or CSV) for a class,
//! JSON for instructors who aggregate (and, in [`html`](super::html), a page for the class).

use colored::Colorize;
use serde_json::{Value, json};

use super::limits::Limit;
use super::verdict::{Status, Verdict};
use crate::lang::Lang;

/// The verdicts on one part of a step (one program role).
#[derive(Debug)]
pub struct PartReport {
    pub role: String,
    pub scenario: String,
    /// The command line, `{port}` and `{host}` still in it.
    pub command: Vec<String>,
    pub verdicts: Vec<Verdict>,
    /// The limits its runs ran into (out of memory, too many processes...).
    pub limits: Vec<Limit>,
}

/// The grading of one program (or of a step's program, all its parts).
#[derive(Debug)]
pub struct Report {
    pub id: String,
    pub title: String,
    /// What was graded: a file given to `--each`, or the step's program.
    pub subject: String,
    /// `Some(Err(..))` when the step's program did not build.
    pub build: Option<Result<(), String>>,
    pub parts: Vec<PartReport>,
}

impl Report {
    fn all(&self) -> impl Iterator<Item = &Verdict> {
        self.parts.iter().flat_map(|p| &p.verdicts)
    }

    /// Every limit the program ran into, in any part.
    pub fn limits(&self) -> Vec<&Limit> {
        let mut all: Vec<&Limit> = Vec::new();
        for l in self.parts.iter().flat_map(|p| &p.limits) {
            if !all.iter().any(|a| a.id() == l.id()) {
                all.push(l);
            }
        }
        all
    }

    pub fn count(&self, status: Status) -> usize {
        self.all().filter(|v| v.status == status).count()
    }

    /// Criteria that count: passed or failed (skipped ones do not).
    pub fn counted(&self) -> usize {
        self.count(Status::Pass) + self.count(Status::Fail)
    }

    /// Every criterion passed (and the program built).
    pub fn ok(&self) -> bool {
        !matches!(self.build, Some(Err(_))) && self.count(Status::Fail) == 0
    }

    /// Column names for a class table: the criterion ids, `role.id` when there are several
    /// parts.
    pub fn columns(&self) -> Vec<String> {
        let several = self.parts.len() > 1;
        self.parts
            .iter()
            .flat_map(|p| {
                p.verdicts.iter().map(move |v| {
                    if several {
                        format!("{}.{}", p.role, v.criterion.id)
                    } else {
                        v.criterion.id.to_string()
                    }
                })
            })
            .collect()
    }

    /// The checklist, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let mut out = format!(
            "{} {} — {}\n",
            lang.pick("exercice", "exercise").bold(),
            self.id.bold(),
            self.title
        );
        out.push_str(&format!(
            "{} {}\n",
            lang.pick("programme :", "program:").dimmed(),
            self.subject
        ));
        if let Some(Err(e)) = &self.build {
            out.push_str(&format!(
                "{} {}\n",
                "✘".red().bold(),
                lang.pick(
                    "ne compile pas (les erreurs du compilateur sont au-dessus)",
                    "does not build (the compiler's errors are above)"
                )
            ));
            out.push_str(&format!("    {}\n", e.dimmed()));
        }
        let several = self.parts.len() > 1;
        for p in &self.parts {
            if several {
                out.push_str(&format!(
                    "  [{}] {}\n",
                    p.role.bold(),
                    p.command.join(" ").dimmed()
                ));
            }
            for v in &p.verdicts {
                let label = lang.pick(v.criterion.fr, v.criterion.en);
                let (mark, line) = match v.status {
                    Status::Pass => ("✔".green().bold(), label.normal()),
                    Status::Fail => ("✘".red().bold(), label.normal()),
                    Status::Skip => ("–".yellow().bold(), label.dimmed()),
                };
                out.push_str(&format!("  {mark} {line}\n"));
                if let Some(r) = &v.reason {
                    out.push_str(&format!("      → {}\n", r.text(lang)));
                }
            }
            for l in &p.limits {
                out.push_str(&format!(
                    "  {} {}\n",
                    "⚠".yellow().bold(),
                    l.reason().text(lang)
                ));
            }
        }
        let passed = self.count(Status::Pass);
        let counted = self.counted();
        let score = format!("{passed}/{counted}");
        let score = if self.ok() {
            score.green().bold()
        } else {
            score.red().bold()
        };
        out.push_str(&format!("{} {score}", lang.pick("score :", "score:")));
        let skipped = self.count(Status::Skip);
        if skipped > 0 {
            out.push_str(&format!(
                " ({skipped} {})",
                lang.pick("non vérifié(s)", "not checked")
            ));
        }
        out.push('\n');
        out
    }

    pub fn json(&self, lang: Lang) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| {
                json!({
                    "role": p.role,
                    "scenario": p.scenario,
                    "command": p.command,
                    "criteria": p.verdicts.iter().map(|v| json!({
                        "id": v.criterion.id,
                        "label": lang.pick(v.criterion.fr, v.criterion.en),
                        "status": v.status,
                        "reason": v.reason.as_ref().map(|r| r.text(lang)),
                    })).collect::<Vec<_>>(),
                    "limits": limits_json(&p.limits, lang),
                })
            })
            .collect();
        json!({
            "id": self.id,
            "title": self.title,
            "subject": self.subject,
            "builds": self.build.as_ref().map(|b| b.is_ok()),
            "parts": parts,
            "passed": self.count(Status::Pass),
            "failed": self.count(Status::Fail),
            "skipped": self.count(Status::Skip),
            "total": self.counted(),
            "ok": self.ok(),
            "limits": limits_json(&self.limits().into_iter().cloned().collect::<Vec<_>>(), lang),
        })
    }

    pub fn cells(&self) -> Vec<Status> {
        self.all().map(|v| v.status).collect()
    }
}

fn limits_json(limits: &[Limit], lang: Lang) -> Vec<Value> {
    limits
        .iter()
        .map(|l| {
            let mut v = l.to_json();
            v["reason"] = Value::from(l.reason().text(lang));
            v
        })
        .collect()
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✔",
        Status::Fail => "✘",
        Status::Skip => "–",
    }
}

/// A class: one row per file, one column per criterion, then the score.
pub fn table(reports: &[Report], lang: Lang) -> String {
    let Some(first) = reports.first() else {
        return lang.pick("aucun fichier\n", "no file\n").to_string();
    };
    let columns = first.columns();
    let name_w = reports
        .iter()
        .map(|r| r.subject.chars().count())
        .max()
        .unwrap_or(4)
        .max(lang.pick("fichier", "file").len());
    let mut out = format!("{:<name_w$}", lang.pick("fichier", "file"));
    for c in &columns {
        out.push_str(&format!("  {c}"));
    }
    out.push_str(&format!("  {}\n", lang.pick("score", "score")));
    for r in reports {
        out.push_str(&format!("{:<name_w$}", r.subject));
        let cells = r.cells();
        for (i, c) in columns.iter().enumerate() {
            let m = cells.get(i).map_or("✘", |s| mark(*s));
            let w = c.chars().count();
            let colored = match cells.get(i) {
                Some(Status::Pass) => m.green(),
                Some(Status::Skip) => m.yellow(),
                _ => m.red(),
            };
            // Centre the mark under its column name.
            let left = (w.saturating_sub(1)) / 2;
            let right = w.saturating_sub(1) - left;
            out.push_str(&format!(
                "  {}{colored}{}",
                " ".repeat(left),
                " ".repeat(right)
            ));
        }
        out.push_str(&format!("  {}/{}", r.count(Status::Pass), r.counted()));
        let limits: Vec<&str> = r.limits().iter().map(|l| l.id()).collect();
        if !limits.is_empty() {
            out.push_str(&format!("  {} {}", "⚠".yellow(), limits.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// The same table as CSV: `file,<criterion>...,passed,total`, cells `pass`, `fail` or `skip`.
pub fn csv(reports: &[Report]) -> String {
    let Some(first) = reports.first() else {
        return "file,passed,total\n".into();
    };
    let mut out = String::from("file");
    for c in first.columns() {
        out.push(',');
        out.push_str(&c);
    }
    out.push_str(",passed,total\n");
    for r in reports {
        out.push_str(&csv_field(&r.subject));
        for s in r.cells() {
            out.push(',');
            out.push_str(match s {
                Status::Pass => "pass",
                Status::Fail => "fail",
                Status::Skip => "skip",
            });
        }
        out.push_str(&format!(",{},{}\n", r.count(Status::Pass), r.counted()));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
