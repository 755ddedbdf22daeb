//! The comparison as one web page, for a projector: the same rows and marks as the terminal,
//! large, with the first divergence of each thread highlighted and explained.

use super::Compared;
use super::align::Row;
use super::render::{Line, cells, left_out, lines, mark, verdict, who};
use crate::grade::html::escape;
use crate::lang::Lang;

const STYLE: &str = "\
body { font-family: system-ui, sans-serif; margin: 2rem; font-size: 1.3rem; color: #24292f; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.4rem; margin-top: 2rem; }
p.who, p.left-out { color: #57606a; font-size: 1rem; }
table { border-collapse: collapse; font-family: ui-monospace, monospace; }
td { padding: .15rem .6rem; vertical-align: top; }
td.n { color: #57606a; text-align: right; }
td.mark { text-align: center; font-weight: 700; }
tr.only-a { background: #ffebe9; }
tr.only-b { background: #dafbe1; }
tr.changed { background: #fff8c5; }
tr.first { outline: 3px solid #cf222e; }
tr.folded td { color: #57606a; font-style: italic; }
p.same { color: #1a7f37; font-weight: 600; }
p.first { color: #cf222e; font-weight: 600; }
";

pub fn page(c: &Compared, lang: Lang) -> String {
    let title = lang.pick(
        "socklab diff --trace : deux programmes, appel par appel",
        "socklab diff --trace: two programs, call by call",
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n\
         <p>A : <code>{}</code><br>B : <code>{}</code></p>\n",
        lang.pick("fr", "en"),
        escape(c.a_name),
        escape(c.b_name)
    );
    if let Some(s) = left_out(c.all, lang) {
        out.push_str(&format!("<p class=\"left-out\">{}</p>\n", escape(s)));
    }
    for (pair, said) in c.pairs.iter().zip(&c.said) {
        out.push_str(&format!("<h2>{}</h2>\n", escape(&pair.label)));
        out.push_str(&format!(
            "<p class=\"who\">A : {} · B : {}</p>\n",
            escape(&who(pair.a)),
            escape(&who(pair.b))
        ));
        out.push_str("<table>\n<tr><th></th><th>A</th><th></th><th>B</th></tr>\n");
        let first = pair.first_divergence();
        for line in lines(&pair.rows) {
            match line {
                Line::Folded(n) => out.push_str(&format!(
                    "<tr class=\"folded\"><td></td><td colspan=\"3\">{}</td></tr>\n",
                    lang.pick(
                        &format!("… {n} appels identiques …"),
                        &format!("… {n} equal calls …")
                    )
                )),
                Line::Row(i) => {
                    let row = pair.rows[i];
                    let class = match row {
                        Row::Same(..) => "same",
                        Row::Changed(..) => "changed",
                        Row::OnlyA(_) => "only-a",
                        Row::OnlyB(_) => "only-b",
                    };
                    let class = if Some(i) == first {
                        format!("{class} first")
                    } else {
                        class.to_string()
                    };
                    let (a, b) = cells(pair, row);
                    out.push_str(&format!(
                        "<tr class=\"{class}\"><td class=\"n\">{}</td><td>{}</td>\
                         <td class=\"mark\">{}</td><td>{}</td></tr>\n",
                        i + 1,
                        escape(a),
                        mark(row),
                        escape(b)
                    ));
                }
            }
        }
        out.push_str("</table>\n");
        match verdict(pair, said.as_ref(), lang) {
            Ok(s) => out.push_str(&format!("<p class=\"same\">✔ {}</p>\n", escape(&s))),
            Err(s) => out.push_str(&format!("<p class=\"first\">✘ {}</p>\n", escape(&s))),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
