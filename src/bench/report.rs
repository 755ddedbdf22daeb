//! The results as a table (in the user's language) at the end of a run.

use std::fmt::Write;

use super::Run;
use super::workloads::{Outcome, Workload};
use crate::lang::Lang;

/// The short name of a run of `w` with `clients`: `rr, 32 clients`.
pub fn heading(w: Workload, clients: usize, lang: Lang) -> String {
    let what = match (w, lang) {
        (Workload::Rr, Lang::Fr) => "allers-retours",
        (Workload::Rr, Lang::En) => "round trips",
        (Workload::Bulk, Lang::Fr) => "flux continu",
        (Workload::Bulk, Lang::En) => "bulk stream",
        (Workload::Churn, Lang::Fr) => "connexions brèves",
        (Workload::Churn, Lang::En) => "connection churn",
        (Workload::Hold, Lang::Fr) => "connexions tenues",
        (Workload::Hold, Lang::En) => "connections held",
        (Workload::Udp, Lang::Fr) => "allers-retours UDP",
        (Workload::Udp, Lang::En) => "UDP round trips",
        (Workload::Accept, Lang::Fr) => "rafale d'accept",
        (Workload::Accept, Lang::En) => "accept burst",
    };
    match (w, lang) {
        (Workload::Hold | Workload::Accept, _) => format!("{what} ({clients})"),
        // In French, 0 and 1 take the singular.
        (_, Lang::Fr) => format!("{what}, {clients} client{}", plural(clients.max(1))),
        (_, Lang::En) => format!("{what}, {clients} client{}", plural(clients)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The main figure of an outcome: its rate, or for hold how many were served.
pub fn result(o: &Outcome, lang: Lang) -> String {
    match o.workload {
        Some(Workload::Bulk) => format!(
            "{} {}",
            decimal(o.rate, 1, lang),
            lang.pick("Mio/s", "MiB/s")
        ),
        Some(Workload::Churn | Workload::Accept) => format!(
            "{} {}",
            integer(o.rate, lang),
            lang.pick("conn/s", "conn/s")
        ),
        Some(Workload::Hold) => {
            let h = o.hold.as_ref();
            format!(
                "{}/{} {}",
                o.served,
                h.map_or(o.clients, |h| h.requested),
                lang.pick("servies", "served")
            )
        }
        _ => format!(
            "{} {}",
            integer(o.rate, lang),
            lang.pick("allers-retours/s", "rt/s")
        ),
    }
}

/// What was checked, and what the server cost (hold).
pub fn detail(o: &Outcome, lang: Lang) -> String {
    let mut s = String::new();
    match o.workload {
        Some(Workload::Hold) => {
            if let Some(h) = &o.hold {
                if h.opened < h.requested {
                    let _ = write!(
                        s,
                        "{} {}/{}; ",
                        lang.pick("ouvertes", "opened"),
                        h.opened,
                        h.requested
                    );
                }
                if let Some(f) = &h.server {
                    // Several processes share pages: their proportional share tells more.
                    let (kib, what) = if f.processes > 1 {
                        (f.pss_kib, lang.pick("Mio PSS", "MiB PSS"))
                    } else {
                        (f.rss_kib, lang.pick("Mio RSS", "MiB RSS"))
                    };
                    let _ = write!(
                        s,
                        "{} {} {what}, {} threads, {} {}",
                        lang.pick("serveur :", "server:"),
                        decimal(kib as f64 / 1024.0, 1, lang),
                        f.threads,
                        f.processes,
                        lang.pick(
                            "processus",
                            if f.processes == 1 {
                                "process"
                            } else {
                                "processes"
                            }
                        ),
                    );
                }
            }
        }
        Some(Workload::Accept) => {
            if let Some(a) = &o.accept {
                accept_detail(a, &mut s, lang);
            }
        }
        Some(Workload::Bulk) => {
            let _ = write!(
                s,
                "{} {} {}",
                decimal(o.bytes_checked as f64 / (1u64 << 20) as f64, 0, lang),
                lang.pick("Mio", "MiB"),
                lang.pick("vérifiés", "checked")
            );
        }
        _ => {
            let what = if o.workload == Some(Workload::Churn) {
                lang.pick(
                    "connexions, chaque écho vérifié",
                    "connections, each echo checked",
                )
            } else {
                lang.pick("échos vérifiés", "echoes checked")
            };
            let _ = write!(s, "{} {what}", integer(o.count as f64, lang));
            if o.workload != Some(Workload::Udp) && o.served < o.clients {
                let _ = write!(
                    s,
                    "; {} {}/{}",
                    lang.pick("clients servis", "clients served"),
                    o.served,
                    o.clients
                );
            }
            if let Some(lost) = o.lost {
                let _ = write!(
                    s,
                    "; {} {}",
                    integer(lost as f64, lang),
                    lang.pick("perdus", "lost")
                );
            }
        }
    }
    s
}

/// The accept burst: connections opened, SYNs dropped, the accepting thread's cost.
fn accept_detail(a: &super::workloads::accept::AcceptFigures, s: &mut String, lang: Lang) {
    let _ = write!(
        s,
        "{}/{} {}",
        a.opened,
        a.requested,
        lang.pick("ouvertes", "opened")
    );
    if let Some(b) = a.backlog {
        let _ = write!(s, ", backlog {b}");
    }
    if let Some(d) = a.syn_drops {
        let _ = write!(s, ", {d} {}", lang.pick("SYN perdus", "SYNs dropped"));
    }
    if let Some(q) = a.left_in_queue.filter(|&q| q > 0) {
        let _ = write!(s, ", {q} {}", lang.pick("encore en file", "still queued"));
    }
    if let (Some(name), Some(us)) = (&a.acceptor, a.acceptor_us_per_conn) {
        let _ = write!(
            s,
            "; {name}{} {} µs/{}",
            lang.pick(" :", ":"),
            decimal(us, 1, lang),
            lang.pick("connexion", "connection")
        );
    }
}

/// The server's CPU time per operation: `12.3 µs/rt`, `0.41 ms/MiB`.
pub fn cpu(o: &Outcome, lang: Lang) -> String {
    let Some(us) = o.server_cpu_us_per_op else {
        return "-".into();
    };
    match o.workload {
        Some(Workload::Bulk) => format!(
            "{} ms/{}",
            decimal(us / 1000.0, 2, lang),
            lang.pick("Mio", "MiB")
        ),
        Some(Workload::Churn | Workload::Accept) => format!("{} µs/conn", decimal(us, 1, lang)),
        Some(Workload::Hold) => "-".into(),
        _ => format!("{} µs/{}", decimal(us, 1, lang), lang.pick("a-r", "rt")),
    }
}

fn latency(us: Option<f64>, lang: Lang) -> String {
    match us {
        None => "-".into(),
        Some(us) if us < 1000.0 => format!("{} µs", integer(us, lang)),
        Some(us) if us < 1e6 => format!("{} ms", decimal(us / 1000.0, 1, lang)),
        Some(us) => format!("{} s", decimal(us / 1e6, 2, lang)),
    }
}

/// The table of one run.
pub fn table(run: &Run, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", title(run, lang));
    let header = [
        lang.pick("charge", "workload"),
        lang.pick("résultat", "result"),
        "p50",
        "p99",
        lang.pick("CPU du serveur", "server CPU"),
        lang.pick("vérifié", "checked"),
    ];
    let rows: Vec<[String; 6]> = run
        .results
        .iter()
        .map(|o| {
            [
                heading(o.workload.unwrap_or(Workload::Rr), o.clients, lang),
                result(o, lang),
                latency(o.p50_us, lang),
                latency(o.p99_us, lang),
                cpu(o, lang),
                detail(o, lang),
            ]
        })
        .collect();
    out.push_str(&columns(&header.map(String::from), &rows));
    out.push_str(&notes(std::slice::from_ref(run), lang));
    out
}

fn title(run: &Run, lang: Lang) -> String {
    match &run.server {
        Some(s) => match lang {
            Lang::Fr => format!(
                "{} — {}, pid {}, prêt à accepter {} ms après son lancement",
                s.command,
                run.target,
                s.pid,
                decimal(s.ready_ms, 1, lang)
            ),
            Lang::En => format!(
                "{} — {}, pid {}, ready to accept {} ms after start",
                s.command,
                run.target,
                s.pid,
                decimal(s.ready_ms, 1, lang)
            ),
        },
        None => format!("{} — {}", run.label, run.target),
    }
}

/// The modes side by side: one row per workload, one column per run.
pub fn compare_table(runs: &[Run], lang: Lang) -> String {
    let mut out = String::new();
    let mut header = vec![lang.pick("charge", "workload").to_string()];
    header.extend(runs.iter().map(|r| {
        r.server
            .as_ref()
            .and_then(|s| s.mode)
            .unwrap_or("?")
            .to_string()
    }));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let first = runs.first().map_or(&[][..], |r| &r.results[..]);
    for (i, o) in first.iter().enumerate() {
        let w = o.workload.unwrap_or(Workload::Rr);
        let mut row = vec![heading(w, o.clients, lang)];
        let mut extra = vec![format!("  {}", lang.pick("détail", "detail"))];
        for r in runs {
            match r.results.get(i) {
                Some(o) => {
                    let mut cell = result(o, lang);
                    if let Some(p99) = o.p99_us {
                        cell.push_str(&format!(", p99 {}", latency(Some(p99), lang)));
                    }
                    row.push(cell);
                    let mut more = detail(o, lang);
                    if o.server_cpu_us_per_op.is_some() && o.workload != Some(Workload::Hold) {
                        more = format!("{}: {more}", cpu(o, lang));
                    }
                    extra.push(more);
                }
                None => {
                    row.push("-".into());
                    extra.push(String::new());
                }
            }
        }
        rows.push(row);
        rows.push(extra);
    }
    let mut ready = vec![lang.pick("prêt à accepter", "ready to accept").to_string()];
    ready.extend(runs.iter().map(|r| {
        r.server.as_ref().map_or("-".into(), |s| {
            format!("{} ms", decimal(s.ready_ms, 1, lang))
        })
    }));
    rows.push(ready);
    out.push_str(&framed(
        lang.pick(
            "Les trois versions du serveur echo des TP, sous la même charge :",
            "The labs' three echo servers under the same load:",
        ),
        &columns(&header, &rows),
        runs,
        lang,
    ));
    out.push_str(lang.pick(
        "\nitératif : un client à la fois, les autres attendent dans la file de listen.\n\
         select : un seul thread sert tout le monde, une socket prête après l'autre.\n\
         threads : un exécutant par client ; autant de threads que de clients tenus.\n",
        "\niterative: one client at a time, the others wait in the listen queue.\n\
         select: one thread serves everyone, one ready socket after another.\n\
         threads: one exécutant per client; as many threads as clients held.\n",
    ));
    out
}

/// `--compare-buffers`: the same server with each receive buffer, one row per run and
/// workload, with the system calls it counted.
pub fn buffers_table(runs: &[Run], lang: Lang) -> String {
    let mut out = String::new();
    let header = [
        lang.pick("recv de", "recv of"),
        lang.pick("charge", "workload"),
        lang.pick("résultat", "result"),
        lang.pick("CPU du serveur", "server CPU"),
        lang.pick("appels système", "system calls"),
        lang.pick("appels par Mio", "calls per MiB"),
    ]
    .map(String::from);
    let mut rows: Vec<[String; 6]> = Vec::new();
    for r in runs {
        let server = r.server.as_ref();
        let size = server.and_then(|s| s.recv_size).map_or("-".into(), |n| {
            format!("{} {}", integer(n as f64, lang), lang.pick("o", "B"))
        });
        let calls = server.and_then(|s| s.calls);
        for o in &r.results {
            rows.push([
                size.clone(),
                heading(o.workload.unwrap_or(Workload::Rr), o.clients, lang),
                result(o, lang),
                cpu(o, lang),
                calls.map_or("-".into(), |c| integer(c.calls as f64, lang)),
                calls_per_mib(r).map_or("-".into(), |x| integer(x, lang)),
            ]);
        }
    }
    out.push_str(&framed(
        lang.pick(
            "Le même serveur threads, chaque recv recevant au plus N octets (--recv-size) :",
            "The same threads server, each recv taking at most N bytes (--recv-size):",
        ),
        &columns(&header, &rows),
        runs,
        lang,
    ));
    out.push_str(lang.pick(
        "\nChaque recv est un appel système : un passage dans le noyau et une copie. Avec un\n\
         tampon plus grand, chaque recv prend plus d'octets d'un coup : il en faut moins pour le\n\
         même flux (et chaque send renvoie autant).\n",
        "\nEach recv is a system call: a trip into the kernel and a copy. With a bigger buffer,\n\
         each recv takes more bytes at once: fewer are needed for the same stream (and each\n\
         send returns as many).\n",
    ));
    out
}

/// A side-by-side table under its title, with the runs' errors under it.
fn framed(title: &str, table: &str, runs: &[Run], lang: Lang) -> String {
    format!("{title}\n{table}{}", notes(runs, lang))
}

/// The system calls a server made per MiB it received, when the run was only the bulk
/// workload (with others, the calls are theirs too).
pub fn calls_per_mib(run: &Run) -> Option<f64> {
    let server = run.server.as_ref()?;
    let only_bulk = run
        .results
        .iter()
        .all(|o| o.workload == Some(Workload::Bulk));
    let mib = server.bytes_in? as f64 / (1024.0 * 1024.0);
    let calls = server.calls?.calls as f64;
    (only_bulk && mib > 0.0).then_some(calls / mib)
}

/// Errors seen, under the table.
fn notes(runs: &[Run], lang: Lang) -> String {
    let mut out = String::new();
    for r in runs {
        for o in &r.results {
            if o.errors == 0 && o.mismatches == 0 {
                continue;
            }
            let who = heading(o.workload.unwrap_or(Workload::Rr), o.clients, lang);
            let _ = write!(
                out,
                "{}{who}: ",
                if runs.len() > 1 {
                    format!("{}, ", r.label)
                } else {
                    String::new()
                }
            );
            if o.mismatches > 0 {
                let _ = write!(
                    out,
                    "{} {} ",
                    o.mismatches,
                    lang.pick(
                        "échos différents de ce qui a été envoyé !",
                        "echoes differ from what was sent!"
                    )
                );
            }
            if o.errors > 0 {
                let _ = write!(out, "{} {}", o.errors, lang.pick("erreur(s)", "error(s)"),);
                if let Some(e) = &o.first_error {
                    let _ = write!(out, " ({}{e})", lang.pick("la première : ", "first: "));
                }
            }
            out.push('\n');
        }
    }
    out
}

/// Left-aligned columns separated by two spaces.
fn columns<R: AsRef<[String]>>(header: &[String], rows: &[R]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.as_ref().iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate().take(n) {
            let pad = widths[i] - c.chars().count();
            l.push_str(c);
            if i + 1 < n {
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header);
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for r in rows {
        line(r.as_ref());
    }
    out
}

/// A whole number with thousands grouped: `31,245` in English, `31 245` in French.
pub fn integer(x: f64, lang: Lang) -> String {
    group(&format!("{:.0}", x.max(0.0)), lang)
}

/// A number with `places` decimals: `1,045.2` in English, `1 045,2` in French.
pub fn decimal(x: f64, places: usize, lang: Lang) -> String {
    let text = format!("{:.*}", places, x.max(0.0));
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut s = group(int, lang);
    if !frac.is_empty() {
        s.push(if lang == Lang::Fr { ',' } else { '.' });
        s.push_str(frac);
    }
    s
}

fn group(digits: &str, lang: Lang) -> String {
    let sep = if lang == Lang::Fr { ' ' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_both_languages() {
        assert_eq!(integer(31245.4, Lang::En), "31,245");
        assert_eq!(integer(31245.4, Lang::Fr), "31 245");
        assert_eq!(integer(999.0, Lang::En), "999");
        assert_eq!(decimal(1045.25, 1, Lang::Fr), "1 045,2");
        assert_eq!(decimal(1045.26, 1, Lang::En), "1,045.3");
        assert_eq!(latency(Some(1520.0), Lang::En), "1.5 ms");
        assert_eq!(latency(Some(25.4), Lang::En), "25 µs");
    }

    #[test]
    fn columns_line_up() {
        let rows = vec![
            vec!["a".to_string(), "bbb".to_string()],
            vec!["cc".into(), "d".into()],
        ];
        let t = columns(&["x".to_string(), "y".to_string()], &rows);
        assert_eq!(t, "x   y\n--  ---\na   bbb\ncc  d\n");
    }
}
