//! The class report as one HTML page (`socklab check --each ... --html FILE`): one row per
//! program, one column per criterion, the pass rate of each criterion, and the failure
//! reasons the class met most often: the mistakes to go over next session.
//!
//! One file, readable offline: the style is inline, no script, no font or image to fetch.
//! Every text from a program or a reason is escaped. The pass rates are also written as
//! numbers (`data-passed`, `data-counted`), so a script can read them back.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report::Report;
use super::verdict::{Status, Verdict};
use crate::lang::Lang;

/// How many of the most frequent reasons the page lists.
const TOP_REASONS: usize = 10;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2rem;
       color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
p.summary { color: #57606a; margin-top: 0; }
table.class { border-collapse: collapse; font-size: .9rem; }
table.class th, table.class td { border: 1px solid #d0d7de; padding: .35rem .6rem; }
table.class thead th { background: #f6f8fa; font-weight: 600; writing-mode: horizontal-tb; }
table.class tbody th { text-align: left; font-weight: 500; white-space: nowrap; }
td.pass { background: #dafbe1; color: #116329; text-align: center; }
td.fail { background: #ffebe9; color: #a40e26; text-align: center; font-weight: 700; }
td.skip { background: #fff8c5; color: #7d4e00; text-align: center; }
td.score { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.limits { color: #7d4e00; font-size: .8rem; }
tfoot th { text-align: left; background: #f6f8fa; }
td.rate { text-align: center; background: #f6f8fa; font-variant-numeric: tabular-nums; }
.bar { height: .3rem; background: #d0d7de; border-radius: .15rem; margin-top: .2rem; }
.bar span { display: block; height: 100%; background: #2da44e; border-radius: .15rem; }
ol.reasons li { margin-bottom: .8rem; }
ol.reasons .count { display: inline-block; min-width: 2rem; font-weight: 700; }
ol.reasons q { color: #24292f; }
ol.reasons .who { color: #57606a; font-size: .85rem; }
dl.criteria dt { font-family: ui-monospace, monospace; font-weight: 600; }
dl.criteria dd { margin: 0 0 .4rem 1.5rem; color: #57606a; }
footer { margin-top: 2rem; color: #57606a; font-size: .8rem; }
";

/// Text made safe for HTML, in an element or an attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A reason with its numbers taken out: two students who failed the same way on different
/// ports or byte counts made the same mistake.
fn shape(reason: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in reason.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// One failure reason met by several programs.
struct Mistake {
    column: usize,
    text: String,
    who: Vec<String>,
}

/// The per-criterion tallies: (passed, counted) for each column.
pub fn pass_rates(reports: &[Report]) -> Vec<(usize, usize)> {
    let columns = reports.first().map_or(0, |r| r.columns().len());
    let mut rates = vec![(0, 0); columns];
    for r in reports {
        for (i, s) in r.cells().into_iter().enumerate().take(columns) {
            match s {
                Status::Pass => {
                    rates[i].0 += 1;
                    rates[i].1 += 1;
                }
                Status::Fail => rates[i].1 += 1,
                Status::Skip => {}
            }
        }
    }
    rates
}

fn percent(passed: usize, counted: usize) -> Option<usize> {
    (counted > 0).then(|| (passed * 100 + counted / 2) / counted)
}

/// The page, in `lang`.
pub fn page(reports: &[Report], lang: Lang) -> String {
    let t = |fr: &'static str, en: &'static str| lang.pick(fr, en);
    let mut h = String::new();
    let first = reports.first();
    let columns = first.map(Report::columns).unwrap_or_default();
    // The label of each column, from the first report's criteria.
    let labels: Vec<&str> = first
        .map(|r| {
            r.parts
                .iter()
                .flat_map(|p| &p.verdicts)
                .map(|v| lang.pick(v.criterion.fr, v.criterion.en))
                .collect()
        })
        .unwrap_or_default();
    let title = match first {
        Some(r) => format!("{} {} — {}", t("Exercice", "Exercise"), r.id, r.title),
        None => t("Aucun programme", "No program").to_string(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>socklab — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        t("fr", "en"),
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<h1>{} — {}</h1>",
        t("Bilan de la classe", "Class report"),
        escape(&title)
    );
    let all_ok = reports.iter().filter(|r| r.ok()).count();
    let stopped = reports.iter().filter(|r| !r.limits().is_empty()).count();
    let _ = writeln!(
        h,
        "<p class=\"summary\">{} {} · {} {} · {} {}</p>",
        reports.len(),
        t("programmes notés", "programs graded"),
        all_ok,
        t("réussissent tous les critères", "pass every criterion"),
        stopped,
        t("arrêtés par une limite", "stopped by a limit"),
    );

    // The table.
    h.push_str("<table class=\"class\">\n<thead><tr>");
    let _ = write!(h, "<th scope=\"col\">{}</th>", t("programme", "program"));
    for (i, c) in columns.iter().enumerate() {
        let _ = write!(
            h,
            "<th scope=\"col\" title=\"{}\">{}</th>",
            escape(labels.get(i).copied().unwrap_or("")),
            escape(c)
        );
    }
    let _ = writeln!(
        h,
        "<th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
        t("score", "score"),
        t("limites", "limits")
    );
    for r in reports {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", escape(&r.subject));
        let verdicts: Vec<_> = r.parts.iter().flat_map(|p| &p.verdicts).collect();
        for i in 0..columns.len() {
            let (class, mark, why) = match verdicts.get(i) {
                Some(v) => {
                    let why = v.reason.as_ref().map_or("", |r| r.text(lang));
                    match v.status {
                        Status::Pass => ("pass", "✔", why),
                        Status::Fail => ("fail", "✘", why),
                        Status::Skip => ("skip", "–", why),
                    }
                }
                None => ("fail", "✘", ""),
            };
            let _ = write!(
                h,
                "<td class=\"{class}\" title=\"{}\">{mark}</td>",
                escape(why)
            );
        }
        let limits: Vec<String> = r
            .limits()
            .iter()
            .map(|l| {
                format!(
                    "<span title=\"{}\">{}</span>",
                    escape(l.reason().text(lang)),
                    escape(l.id())
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<td class=\"score\">{}/{}</td><td class=\"limits\">{}</td></tr>",
            r.count(Status::Pass),
            r.counted(),
            limits.join(", ")
        );
    }
    h.push_str("</tbody>\n<tfoot><tr>");
    let _ = write!(
        h,
        "<th scope=\"row\">{}</th>",
        t("taux de réussite", "pass rate")
    );
    let rates = pass_rates(reports);
    for (i, &(passed, counted)) in rates.iter().enumerate() {
        let shown = match percent(passed, counted) {
            Some(p) => format!("{p} %<div class=\"bar\"><span style=\"width:{p}%\"></span></div>"),
            None => "–".to_string(),
        };
        let _ = write!(
            h,
            "<td class=\"rate\" data-criterion=\"{}\" data-passed=\"{passed}\" \
             data-counted=\"{counted}\">{shown}</td>",
            escape(&columns[i])
        );
    }
    h.push_str("<td></td><td></td></tr></tfoot>\n</table>\n");

    // The mistakes the class made most often.
    let mut mistakes: BTreeMap<(usize, String), Mistake> = BTreeMap::new();
    let not_checked = |v: &&Verdict| {
        v.reason
            .as_ref()
            .is_some_and(|r| r.en.starts_with("not checked"))
    };
    for r in reports {
        let verdicts: Vec<&Verdict> = r.parts.iter().flat_map(|p| &p.verdicts).collect();
        // A criterion not checked because another one failed is that one's consequence, not
        // a mistake of its own; unless nothing else failed (a program that does not build).
        let has_cause = verdicts
            .iter()
            .any(|v| v.status == Status::Fail && !not_checked(v));
        for (i, v) in verdicts.iter().enumerate() {
            if v.status != Status::Fail || (has_cause && not_checked(v)) {
                continue;
            }
            let text = v.reason.as_ref().map_or("", |r| r.text(lang)).to_string();
            let m = mistakes.entry((i, shape(&text))).or_insert(Mistake {
                column: i,
                text,
                who: Vec::new(),
            });
            m.who.push(r.subject.clone());
        }
    }
    let mut mistakes: Vec<Mistake> = mistakes.into_values().collect();
    mistakes.sort_by(|a, b| b.who.len().cmp(&a.who.len()).then(a.column.cmp(&b.column)));
    let _ = writeln!(
        h,
        "<h2>{}</h2>",
        t(
            "Les erreurs les plus fréquentes — à reprendre à la prochaine séance",
            "The most frequent failure reasons — to go over next session"
        )
    );
    if mistakes.is_empty() {
        let _ = writeln!(
            h,
            "<p>{}</p>",
            t("Aucun critère en échec.", "No criterion failed.")
        );
    } else {
        h.push_str("<ol class=\"reasons\">\n");
        for m in mistakes.iter().take(TOP_REASONS) {
            let column = columns.get(m.column).map_or("", String::as_str);
            let label = labels.get(m.column).copied().unwrap_or("");
            let _ = writeln!(
                h,
                "<li><span class=\"count\">×{}</span> <b>{}</b> — {}<br><q>{}</q><br>\
                 <span class=\"who\">{}</span></li>",
                m.who.len(),
                escape(column),
                escape(label),
                escape(&m.text),
                escape(&m.who.join(", "))
            );
        }
        h.push_str("</ol>\n");
    }

    // Programs stopped by a limit.
    if stopped > 0 {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<ul>",
            t(
                "Programmes arrêtés par une limite",
                "Programs stopped by a limit"
            )
        );
        for r in reports.iter().filter(|r| !r.limits().is_empty()) {
            let why: Vec<String> = r
                .limits()
                .iter()
                .map(|l| escape(l.reason().text(lang)))
                .collect();
            let _ = writeln!(
                h,
                "<li><b>{}</b> : {}</li>",
                escape(&r.subject),
                why.join(" ; ")
            );
        }
        h.push_str("</ul>\n");
    }

    // What each column checks.
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<dl class=\"criteria\">",
        t("Les critères", "The criteria")
    );
    for (c, l) in columns.iter().zip(&labels) {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(c), escape(l));
    }
    h.push_str("</dl>\n");
    let _ = writeln!(
        h,
        "<footer>socklab check — ✔ {} · ✘ {} · – {}. {}</footer>\n</body>\n</html>",
        t("réussi", "passed"),
        t("échoué", "failed"),
        t("non vérifié", "not checked"),
        t(
            "Le taux de réussite compte les programmes vérifiés sur ce critère ; survoler une \
             case en échec montre la raison.",
            "A pass rate counts the programs checked on that criterion; hover over a failed \
             cell for its reason."
        )
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_do_not_split_a_mistake() {
        assert_eq!(
            escape("<b>\"l'écho\" & co</b>"),
            "&lt;b&gt;&quot;l&#39;écho&quot; &amp; co&lt;/b&gt;"
        );
        assert_eq!(
            shape("sent 102400 bytes, 1024 came back on port 40123"),
            shape("sent 102400 bytes, 2048 came back on port 38211")
        );
        assert_ne!(shape("nothing listens"), shape("the echo differs"));
    }

    #[test]
    fn a_rate_is_rounded_and_an_unchecked_criterion_has_none() {
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
    }
}
