//! `socklab diff --trace A.jsonl B.jsonl`: two programs compared by what they do. Each thread
//! of A is paired with the thread of B that has its role, their socket calls are aligned
//! with the descriptors renumbered by order of appearance, and the first place where they
//! part is marked and explained: two students, a student and the solution, the Python and
//! the Rust version of one step.

pub mod align;
pub mod explain;
pub mod html;
pub mod render;
pub mod steps;

use std::path::Path;

use crate::cli::{ColorChoice, DiffArgs};
use crate::error::exit;
use crate::grade::traced::run::Run;
use crate::lang::Lang;

use align::Pair;
use steps::Thread;

/// Runs the command; its exit status: 0 the same calls, 1 a divergence, 2 a trace unread.
pub fn run(args: &DiffArgs, lang: Lang, color: ColorChoice) -> i32 {
    crate::grade::cmd::use_color(color);
    let (a, b) = match (load(&args.a, lang), load(&args.b, lang)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("socklab: {e}");
            return exit::USAGE;
        }
    };
    let (ta, tb) = (steps::threads(&a, args.all), steps::threads(&b, args.all));
    for (name, threads) in [(&args.a, &ta), (&args.b, &tb)] {
        if threads.is_empty() {
            eprintln!(
                "socklab: {}",
                lang.pick(
                    &format!("{name} : aucun appel sur une socket dans cette trace"),
                    &format!("{name}: no call on a socket in this trace"),
                )
            );
            return exit::USAGE;
        }
    }
    let mut pairs = align::pair(&ta, &tb);
    if let Some(role) = &args.role {
        pairs.retain(|p| wanted(p, role));
        if pairs.is_empty() {
            let names = |ts: &[Thread]| {
                ts.iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            eprintln!(
                "socklab: {}",
                lang.pick(
                    &format!(
                        "--role {role} : aucun thread de ce nom (A : {} ; B : {})",
                        names(&ta),
                        names(&tb)
                    ),
                    &format!(
                        "--role {role}: no thread of that name (A: {}; B: {})",
                        names(&ta),
                        names(&tb)
                    ),
                )
            );
            return exit::USAGE;
        }
    }
    let said = pairs.iter().map(explain::first).collect();
    let compared = Compared {
        a_name: &args.a,
        b_name: &args.b,
        all: args.all,
        pairs,
        said,
    };
    print!("{}", render::text(&compared, lang));
    if let Some(path) = &args.html
        && let Err(e) = std::fs::write(path, html::page(&compared, lang))
    {
        eprintln!("socklab: --html {}: {e}", path.display());
        return exit::FAILURE;
    }
    if compared.said.iter().any(Option::is_some) {
        exit::FAILURE
    } else {
        exit::OK
    }
}

/// What both renderers show.
pub struct Compared<'t, 'a> {
    pub a_name: &'t str,
    pub b_name: &'t str,
    /// The queries are compared too.
    pub all: bool,
    pub pairs: Vec<Pair<'t, 'a>>,
    /// Each pair's first divergence explained, `None` for a pair that does not part.
    pub said: Vec<Option<explain::Said>>,
}

/// The pair is the thread `role` names, or one of the role's threads (`exécutant`).
fn wanted(pair: &Pair, role: &str) -> bool {
    [pair.a, pair.b]
        .into_iter()
        .flatten()
        .any(|t| t.name == role || steps::role_of(&t.name) == role)
}

fn load(path: &str, lang: Lang) -> Result<Run, String> {
    if !Path::new(path).is_file() {
        return Err(lang
            .pick(
                &format!(
                    "{path} : pas de tel fichier (une trace JSON : socklab --trace json \
                     --trace-file {path} ...)"
                ),
                &format!(
                    "{path}: no such file (a JSON trace: socklab --trace json --trace-file \
                     {path} ...)"
                ),
            )
            .to_string());
    }
    Run::load(Path::new(path)).map_err(|e| {
        lang.pick(
            &format!("{e} (pas une trace JSON de socklab : --trace json)"),
            &format!("{e} (not a socklab JSON trace: --trace json)"),
        )
        .to_string()
    })
}
