//! The comparison as text for a terminal: per pair of threads, the two call sequences side
//! by side (A left, B right), a mark between them, the first divergence explained.

use colored::Colorize;

use super::Compared;
use super::align::{Pair, Row};
use super::explain::Said;
use super::steps::Thread;
use crate::lang::Lang;

/// How many equal calls are kept around a difference when a long run of them is folded.
const CONTEXT: usize = 3;
/// The widest a call is shown in the left column.
const WIDTH: usize = 46;

/// A line of the display: a row of the alignment, or equal calls folded into one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Row(usize),
    Folded(usize),
}

/// The rows shown: every row within [`CONTEXT`] of a difference (and of both ends), the
/// runs of equal calls beyond that folded, so that a long exchange fits on a projector. A
/// fold of a single row would take as much room as the row: that one is shown.
pub fn lines(rows: &[Row]) -> Vec<Line> {
    let near = |i: usize| {
        i < CONTEXT
            || i + CONTEXT >= rows.len()
            || rows[i.saturating_sub(CONTEXT)..(i + CONTEXT + 1).min(rows.len())]
                .iter()
                .any(|r| r.differs())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let far = (i..rows.len()).take_while(|&k| !near(k)).count();
        if far > 1 {
            out.push(Line::Folded(far));
            i += far;
        } else {
            out.push(Line::Row(i));
            i += 1;
        }
    }
    out
}

/// The mark between the two columns.
pub fn mark(row: Row) -> char {
    match row {
        Row::Same(..) => ' ',
        Row::Changed(..) => '≠',
        Row::OnlyA(_) => '-',
        Row::OnlyB(_) => '+',
    }
}

/// The two cells of a row.
pub fn cells<'s>(pair: &'s Pair, row: Row) -> (&'s str, &'s str) {
    let a = |i: usize| pair.a.map_or("", |t| t.steps[i].shown.as_str());
    let b = |j: usize| pair.b.map_or("", |t| t.steps[j].shown.as_str());
    match row {
        Row::Same(i, j) | Row::Changed(i, j) => (a(i), b(j)),
        Row::OnlyA(i) => (a(i), ""),
        Row::OnlyB(j) => ("", b(j)),
    }
}

/// `pid 8309 (python3)`, or `absent` for a thread the program does not have.
pub fn who(t: Option<&Thread>) -> String {
    match t {
        Some(t) if t.comm.is_empty() => format!("pid {}, thread {}", t.pid, t.tid),
        Some(t) => format!("pid {}, thread {} ({})", t.pid, t.tid, t.comm),
        None => "absent".to_string(),
    }
}

/// The sentence on what is left out of the comparison.
pub fn left_out(all: bool, lang: Lang) -> Option<&'static str> {
    (!all).then(|| {
        lang.pick(
            "getsockname, getpeername, getsockopt, fcntl et ioctl sont laissés de côté : ils ne \
             changent rien (--all pour les comparer aussi)",
            "getsockname, getpeername, getsockopt, fcntl and ioctl are left out: they change \
             nothing (--all to compare them too)",
        )
    })
}

/// What a pair comes to, in a line, from its first divergence explained (`said`).
pub fn verdict(pair: &Pair, said: Option<&Said>, lang: Lang) -> Result<String, String> {
    let n = pair.rows.len();
    match said {
        None => Ok(lang
            .pick(
                &format!("aucune divergence : les mêmes {n} appels dans le même ordre"),
                &format!("no divergence: the same {n} calls in the same order"),
            )
            .to_string()),
        Some(said) => Err(lang.pick(&said.fr, &said.en).to_string()),
    }
}

fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s}{}", " ".repeat(width - n))
    } else {
        let cut: String = s.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

pub fn text(c: &Compared, lang: Lang) -> String {
    let (a, b) = (c.a_name, c.b_name);
    let mut out = match lang {
        Lang::Fr => format!("A : {a}\nB : {b}\n"),
        Lang::En => format!("A: {a}\nB: {b}\n"),
    };
    if let Some(s) = left_out(c.all, lang) {
        out.push_str(&format!("{}\n", s.dimmed()));
    }
    for (pair, said) in c.pairs.iter().zip(&c.said) {
        out.push('\n');
        let title = format!("── {} ──", pair.label).bold();
        let (a, b) = (who(pair.a), who(pair.b));
        out.push_str(&match lang {
            Lang::Fr => format!("{title} A : {a} · B : {b}\n"),
            Lang::En => format!("{title} A: {a} · B: {b}\n"),
        });
        let first = pair.first_divergence();
        let width = pair
            .rows
            .iter()
            .map(|&r| cells(pair, r).0.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(1, WIDTH);
        let digits = pair.rows.len().to_string().len();
        for line in lines(&pair.rows) {
            match line {
                Line::Folded(n) => {
                    let text = match lang {
                        Lang::Fr => format!("… {n} appels identiques …"),
                        Lang::En => format!("… {n} equal calls …"),
                    };
                    out.push_str(&format!("{} {}\n", " ".repeat(digits), text.dimmed()));
                }
                Line::Row(i) => {
                    let row = pair.rows[i];
                    let (a, b) = cells(pair, row);
                    let body = format!("{} {} {}", fit(a, width), mark(row), b);
                    let body = body.trim_end();
                    let body = match row {
                        Row::Same(..) => body.normal(),
                        Row::Changed(..) => body.yellow(),
                        Row::OnlyA(_) => body.red(),
                        Row::OnlyB(_) => body.green(),
                    };
                    let body = if Some(i) == first { body.bold() } else { body };
                    out.push_str(&format!("{:>digits$} {}\n", i + 1, body));
                }
            }
        }
        match verdict(pair, said.as_ref(), lang) {
            Ok(s) => out.push_str(&format!("{} {s}\n", "✔".green())),
            Err(s) => out.push_str(&format!("{} {s}\n", "✘".red())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_of_equal_calls_are_folded_around_the_difference() {
        let mut rows: Vec<Row> = (0..20).map(|i| Row::Same(i, i)).collect();
        rows[10] = Row::OnlyA(10);
        let shown = lines(&rows);
        assert_eq!(shown[0], Line::Row(0));
        assert_eq!(shown[3], Line::Folded(4));
        assert!(shown.contains(&Line::Row(10)));
        assert_eq!(*shown.last().unwrap(), Line::Row(19));
        let folded: usize = shown
            .iter()
            .map(|l| match l {
                Line::Folded(n) => *n,
                Line::Row(_) => 1,
            })
            .sum();
        assert_eq!(folded, 20, "every row shown or counted in a fold");
    }

    #[test]
    fn a_short_sequence_is_shown_whole() {
        let rows: Vec<Row> = (0..6).map(|i| Row::Same(i, i)).collect();
        assert_eq!(lines(&rows), (0..6).map(Line::Row).collect::<Vec<_>>());
    }
}
