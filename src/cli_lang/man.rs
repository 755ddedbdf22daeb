//! `socklab man`: the manual page, in roff, from the command's definitions.
//!
//! One page for the whole program: clap_mangen writes its title, synopses and descriptions;
//! the options, each command's section and the examples are written here, so that every word
//! of the page is in its language (clap_mangen writes `[default: …]` and `Possible values:` in
//! English) and the examples keep their columns.

use clap::builder::{Command, PossibleValue};
use clap::{Arg, ArgAction};
use clap_mangen::Man;
use roff::{Roff, bold, italic, roman};

use super::texts::{Texts, fill};
use crate::lang::Lang;

/// The words of the page that are not the command's.
struct Words<'a> {
    default: &'a str,
    possible: &'a str,
    values: &'a str,
    value_item: &'a str,
}

/// The page. `english` is the built English command, `local` the same in the page's language
/// (the same command in English); `texts` holds the French.
pub fn page(english: &Command, local: &Command, lang: Lang, texts: Option<&Texts>) -> String {
    let french = texts.filter(|_| lang == Lang::Fr);
    let words = match french {
        Some(t) => Words {
            default: &t.help.default,
            possible: &t.help.possible,
            values: &t.help.values,
            value_item: "{name} : {help}",
        },
        None => Words {
            default: "[default: {value}]",
            possible: "[possible values: {values}]",
            values: "Possible values:",
            value_item: "{name}: {help}",
        },
    };
    let title = |english: &str| -> String {
        french
            .and_then(|t| t.man.get(english))
            .map_or(english.to_string(), Clone::clone)
    };
    let program = english.get_name().to_string();
    let man = Man::new(local.clone()).title(program.to_uppercase());

    let mut out = String::new();
    out.push_str(&section_of(|w| man.render_title(w), false));

    let mut roff = Roff::new();
    roff.control("SH", [title("NAME").as_str()]);
    let about = local.get_about().map(|a| a.to_string()).unwrap_or_default();
    roff.text([roman(format!(
        "{program} - {}",
        without_name(&about, &program)
    ))]);
    roff.control("SH", [title("SYNOPSIS").as_str()]);
    out.push_str(&body(&roff));
    out.push_str(&section_of(|w| man.render_synopsis_section(w), true));
    let mut roff = Roff::new();
    roff.control("SH", [title("DESCRIPTION").as_str()]);
    out.push_str(&body(&roff));
    out.push_str(&section_of(|w| man.render_description_section(w), true));

    let mut roff = Roff::new();
    roff.control("SH", [title("OPTIONS").as_str()]);
    options(&mut roff, english, local, &[], &words, french, &program);

    roff.control("SH", [title("COMMANDS").as_str()]);
    out.push_str(&body(&roff));
    for sub in english.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let Some(local_sub) = local.find_subcommand(name) else {
            continue;
        };
        // clap's own `help` command: the options say `-h`.
        if name == "help" {
            continue;
        }
        let mut roff = Roff::new();
        let bin = local_sub.get_bin_name().unwrap_or(name).to_string();
        roff.control("SS", [bin.as_str()]);
        out.push_str(&body(&roff));
        // Its own arguments only: the global ones are the program's options above.
        let own = local_sub.clone().mut_args(|a| {
            if a.is_global_set() || is_help_or_version(&a) {
                a.hide(true)
            } else {
                a
            }
        });
        let man_sub = Man::new(own);
        out.push_str(&section_of(|w| man_sub.render_synopsis_section(w), true));
        let mut roff = Roff::new();
        roff.control("PP", []);
        out.push_str(&body(&roff));
        out.push_str(&section_of(|w| man_sub.render_description_section(w), true));
        let mut roff = Roff::new();
        options(&mut roff, sub, local_sub, &[name], &words, french, &program);
        if let Some(after) = local_sub.get_after_help() {
            roff.control("PP", []);
            verbatim(&mut roff, &after.to_string());
        }
        out.push_str(&body(&roff));
    }

    let mut roff = Roff::new();
    if let Some(after) = local.get_after_help() {
        roff.control("SH", [title("EXTRA").as_str()]);
        verbatim(&mut roff, &after.to_string());
    }
    if let Some(version) = local.get_version() {
        roff.control("SH", [title("VERSION").as_str()]);
        roff.text([roman(format!("v{version}"))]);
    }
    out.push_str(&body(&roff));
    out
}

/// What a renderer of clap_mangen writes, without roff's preamble (written once, with the
/// title) and, when `skip_heading`, without its `.SH` line (the page writes its own).
fn section_of(
    render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    skip_heading: bool,
) -> String {
    let mut buf = Vec::new();
    if render(&mut buf).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    if !skip_heading {
        return text;
    }
    let preamble = Roff::new().render();
    let text = text.strip_prefix(&preamble).unwrap_or(&text);
    text.lines()
        .filter(|l| !l.starts_with(".SH "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A `Roff` without its preamble.
fn body(roff: &Roff) -> String {
    let preamble = Roff::new().render();
    let text = roff.render();
    text.strip_prefix(&preamble).unwrap_or(&text).to_string()
}

/// `socklab: socket programming` → `socket programming`, for the NAME line.
fn without_name<'a>(about: &'a str, program: &str) -> &'a str {
    about
        .strip_prefix(program)
        .and_then(|rest| {
            [": ", " : ", "\u{a0}: "]
                .iter()
                .find_map(|sep| rest.strip_prefix(sep))
        })
        .unwrap_or(about)
}

fn is_help_or_version(arg: &Arg) -> bool {
    matches!(
        arg.get_action(),
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
    )
}

/// Text kept line for line (the examples' columns).
fn verbatim(roff: &mut Roff, text: &str) {
    roff.control("nf", []);
    for line in text.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
}

/// The arguments of a command, in the order clap lists them; the program's global ones only
/// for the program itself.
fn options(
    roff: &mut Roff,
    english: &Command,
    local: &Command,
    path: &[&str],
    words: &Words,
    french: Option<&Texts>,
    root: &str,
) {
    let program = path.is_empty();
    let mut args: Vec<&Arg> = english
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter(|a| program || !(a.is_global_set() || is_help_or_version(a)))
        .collect();
    args.sort_by_key(|a| (!a.is_positional(), a.get_display_order()));
    for arg in args {
        let id = arg.get_id().as_str();
        let local_arg = local
            .get_arguments()
            .find(|a| a.get_id() == id)
            .unwrap_or(arg);
        roff.control("TP", []);
        roff.text(header(local_arg));

        let text = french.and_then(|t| t.arg(root, path, id));
        let help = match (french, text) {
            (Some(_), Some(text)) => text.long_help.clone().unwrap_or(text.help.clone()),
            // In French without a text of its own: the flags clap adds, translated in `local`.
            (Some(_), None) => local_arg
                .get_long_help()
                .or(local_arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default(),
            (None, _) => arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default(),
        };
        let mut body = vec![roman(help)];

        let takes_values = arg.get_action().takes_values();
        if takes_values && !arg.is_hide_default_value_set() && !arg.get_default_values().is_empty()
        {
            let values: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            body.push(roman(" "));
            body.push(roman(fill(words.default, &[("value", &values.join(" "))])));
        }
        let values: Vec<PossibleValue> = if takes_values && !arg.is_hide_possible_values_set() {
            arg.get_possible_values()
                .into_iter()
                .filter(|v| !v.is_hide_set())
                .collect()
        } else {
            Vec::new()
        };
        let described = values.iter().any(|v| v.get_help().is_some());
        if !values.is_empty() && !described {
            let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
            body.push(roman(" "));
            body.push(roman(fill(
                words.possible,
                &[("values", &names.join(", "))],
            )));
        }
        roff.text(body);
        if described {
            roff.text([roff::line_break(), italic(words.values)]);
            roff.control("RS", ["14"]);
            for value in &values {
                let value_help = french
                    .zip(text)
                    .and_then(|(t, text)| t.value(text, value.get_name()).map(str::to_string))
                    .or_else(|| value.get_help().map(|h| h.to_string()));
                roff.control("IP", ["\\(bu", "2"]);
                let line = match value_help {
                    Some(h) => fill(
                        words.value_item,
                        &[("name", value.get_name()), ("help", &h)],
                    ),
                    None => value.get_name().to_string(),
                };
                roff.text([roman(line)]);
            }
            roff.control("RE", []);
        }
    }
}

/// `-h, --help`, `--trace <TRACE>`, `<SERVICE>`, `[PORT]`.
fn header(arg: &Arg) -> Vec<roff::Inline> {
    let value_names: Vec<String> = arg
        .get_value_names()
        .map(|names| names.iter().map(|n| n.to_string()).collect())
        .unwrap_or_else(|| vec![arg.get_id().as_str().to_uppercase()]);
    if arg.is_positional() {
        let (open, close) = if arg.is_required_set() {
            ("<", ">")
        } else {
            ("[", "]")
        };
        let mut text = format!("{open}{}{close}", value_names.join(" "));
        if arg.get_num_args().is_some_and(|r| r.max_values() > 1) {
            text.push_str("...");
        }
        return vec![italic(text)];
    }
    let mut out = Vec::new();
    match (arg.get_short(), arg.get_long()) {
        (Some(s), Some(l)) => {
            out.push(bold(format!("-{s}")));
            out.push(roman(", "));
            out.push(bold(format!("--{l}")));
        }
        (Some(s), None) => out.push(bold(format!("-{s}"))),
        (None, Some(l)) => out.push(bold(format!("--{l}"))),
        (None, None) => {}
    }
    if arg.get_action().takes_values() {
        out.push(roman(" "));
        out.push(italic(
            value_names
                .iter()
                .map(|n| format!("<{n}>"))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    out
}
