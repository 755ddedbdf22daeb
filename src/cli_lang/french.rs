//! The command line in French: `Cli::command()` with every text replaced from `texts.toml`.
//!
//! In two passes. Before the command is built, the texts of its own commands and arguments:
//! the global arguments, set on the program, then reach every command with their French. After
//! the build, what clap added itself: the `-h` and `-V` flags, the `help` command, and, on
//! every command, the French headings and the help template.
//!
//! clap writes `[default: …]`, `[possible values: …]` and `Possible values:` itself, in
//! English: they are hidden, and written into the French help instead, laid out as clap lays
//! them out (inline in the summary of `-h`, on lines of their own in the `--help` page).

use clap::builder::{Command, PossibleValue, StyledStr};
use clap::{Arg, ArgAction, CommandFactory};

use super::texts::{ArgText, Texts, fill};
use super::values;
use crate::cli::Cli;

/// The French command; `bin_name` is the program's name as it was run.
pub fn command(t: &Texts, bin_name: Option<&str>) -> Command {
    let mut english = Cli::command();
    if let Some(name) = bin_name {
        english = english.bin_name(name);
    }
    let program = english.get_name().to_string();
    // Which commands have a page of their own for `--help`, as clap decides it from the
    // English texts (global arguments included): the French pages are the same.
    let mut built = english.clone();
    built.build();
    let width = term_width();
    let mut path = Vec::new();
    let mut cmd = translate(english, &built, t, &program, &mut path, width);
    cmd.build();
    finish(cmd, t, width)
}

/// French puts a space before `:`, `;`, `?`, `!` and `»`, and after `«`: a space that never
/// ends a line. clap wraps help at ASCII spaces only, so these become non-breaking.
pub fn non_breaking(text: &str) -> String {
    const NBSP: &str = "\u{a0}";
    text.replace(" :", &format!("{NBSP}:"))
        .replace(" ;", &format!("{NBSP};"))
        .replace(" ?", &format!("{NBSP}?"))
        .replace(" !", &format!("{NBSP}!"))
        .replace(" »", &format!("{NBSP}»"))
        .replace("« ", &format!("«{NBSP}"))
}

/// Every space of `text` non-breaking.
fn non_breaking_all(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// The width clap wraps help at: the terminal's (stdout, stderr or stdin), else `COLUMNS`,
/// else 100.
fn term_width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(100)
}

/// The first pass, on a command not yet built and its subcommands.
fn translate(
    mut cmd: Command,
    built: &Command,
    t: &Texts,
    program: &str,
    path: &mut Vec<String>,
    width: usize,
) -> Command {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(text) = t.command(program, &names) {
        cmd = cmd.about(non_breaking(&text.about));
        if cmd.get_long_about().is_some() {
            let long = text.long_about.as_ref().unwrap_or(&text.about);
            cmd = cmd.long_about(non_breaking(long));
        }
        if let (Some(_), Some(after)) = (cmd.get_after_help(), &text.after_help) {
            cmd = cmd.after_help(after.clone());
        }
    }
    let long = long_help_exists(built);

    // clap lists the arguments in sections by heading, each section where its first argument
    // comes: the positional arguments first, as in English.
    let first_positional = cmd.get_arguments().position(Arg::is_positional);
    let options_before = first_positional.is_some_and(|at| {
        cmd.get_arguments()
            .take(at)
            .any(|a| !a.is_positional() && a.get_help_heading().is_none())
    });
    if options_before {
        let ids: Vec<String> = cmd
            .get_arguments()
            .filter(|a| !a.is_positional())
            .map(|a| a.get_id().to_string())
            .collect();
        for id in ids {
            cmd = cmd.mut_arg(id, |a| a);
        }
    }

    cmd = cmd.mut_args(|arg| {
        let text = t.arg(program, &names, arg.get_id().as_str());
        translate_arg(arg, text, t, long, width)
    });

    if cmd.has_subcommands() {
        cmd = cmd.subcommand_value_name(t.help.command_value_name.clone());
    }
    cmd.mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        let Some(built_sub) = built.find_subcommand(&name) else {
            return sub;
        };
        path.push(name);
        let sub = translate(sub, built_sub, t, program, path, width);
        path.pop();
        sub
    })
}

/// An argument's French help, with its default value and possible values written in.
fn translate_arg(mut arg: Arg, text: Option<&ArgText>, t: &Texts, long: bool, width: usize) -> Arg {
    let heading = heading(&arg, t);
    arg = arg.help_heading(heading);
    arg = translate_value_names(arg, t);
    let Some(text) = text else {
        return arg;
    };
    arg = values::translate(arg, text, t);
    let takes_values = arg.get_action().takes_values();
    let default = (takes_values && !arg.is_hide_default_value_set())
        .then(|| arg.get_default_values())
        .filter(|d| !d.is_empty())
        .map(|d| {
            let values: Vec<String> = d.iter().map(|v| quoted(&v.to_string_lossy())).collect();
            // Short: it stays on one line.
            let value = values.join(" ");
            non_breaking_all(&fill(&t.help.default, &[("value", &value)]))
        });
    let values: Vec<PossibleValue> = if takes_values && !arg.is_hide_possible_values_set() {
        arg.get_possible_values()
            .into_iter()
            .filter(|v| !v.is_hide_set())
            .collect()
    } else {
        Vec::new()
    };
    let names: Vec<String> = values.iter().map(|v| quoted(v.get_name())).collect();
    let possible = (!values.is_empty()).then(|| {
        fill(
            &non_breaking_all(&t.help.possible),
            &[("values", &names.join(", "))],
        )
    });
    let values_help = values.iter().any(|v| v.get_help().is_some());

    // `-h`: the summary, its annotations on the same line.
    let mut short = non_breaking(&text.help);
    for spec in default.iter().chain(possible.iter()) {
        short.push(' ');
        short.push_str(&non_breaking(spec));
    }
    let mut new = arg.help(short);
    if default.is_some() {
        new = new.hide_default_value(true);
    }
    if !values.is_empty() {
        new = new.hide_possible_values(true);
    }
    if !long {
        return new;
    }

    // `--help`: the whole text, the values described one a line, then the annotations, each on
    // a line of its own.
    let mut page = non_breaking(text.long_help.as_ref().unwrap_or(&text.help));
    if values_help {
        page.push_str("\n\n");
        page.push_str(&t.help.values);
        page.push_str(&values_list(&values, width));
    }
    let mut specs: Vec<&str> = default.iter().map(String::as_str).collect();
    if !values_help {
        specs.extend(possible.as_deref());
    }
    if !specs.is_empty() {
        page.push_str("\n\n");
        page.push_str(&non_breaking(&specs.join("\n")));
    }
    new.long_help(page)
}

/// The heading of an argument's section. clap writes a heading and a colon; in French a space
/// comes before the colon, so the heading ends with one.
fn heading(arg: &Arg, t: &Texts) -> String {
    let word = match arg.get_help_heading() {
        Some(english) => t.headings.get(english).map_or(english, String::as_str),
        None if arg.is_positional() => &t.help.arguments,
        None => &t.help.options,
    };
    format!("{word} ")
}

fn translate_value_names(arg: Arg, t: &Texts) -> Arg {
    let Some(names) = arg.get_value_names() else {
        return arg;
    };
    let french: Vec<String> = names
        .iter()
        .map(|n| {
            t.value_names
                .get(n.as_str())
                .map_or(n.to_string(), Clone::clone)
        })
        .collect();
    arg.value_names(french)
}

/// A value as clap shows it in `[default: …]`: quoted when it holds a space.
fn quoted(value: &str) -> String {
    if value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}

/// `- name : help` for each value, wrapped as clap wraps its own list: within the width left
/// by the indentation of the list (12 columns), the following lines under the help.
fn values_list(values: &[PossibleValue], width: usize) -> String {
    let literal = clap::builder::Styles::styled().get_literal().to_owned();
    let longest = values
        .iter()
        .map(|v| v.get_name().chars().count())
        .max()
        .unwrap_or(0);
    let avail = width.saturating_sub(12).max(20);
    let mut out = String::new();
    for value in values {
        let name = value.get_name();
        let help = value.get_help().map(StyledStr::to_string);
        let plain = match &help {
            Some(help) => format!(
                "{name} : {:pad$}{}",
                "",
                non_breaking(help),
                pad = longest - name.chars().count()
            ),
            None => name.to_string(),
        };
        for (i, line) in wrap(&plain, avail).iter().enumerate() {
            if i == 0 {
                // The name in clap's style for a literal, as in the English list.
                let rest = &line[name.len()..];
                out.push_str(&format!("\n- {literal}{name}{literal:#}{rest}"));
            } else {
                out.push_str(&format!("\n  {line}"));
            }
        }
    }
    out
}

/// Greedy wrapping at spaces, as clap does: a word longer than the width has a line to itself.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
    }
    lines.push(line);
    lines
}

/// Whether clap gives this command a `--help` page longer than its `-h` summary (clap's own
/// test, on the built command).
fn long_help_exists(cmd: &Command) -> bool {
    cmd.get_long_about().is_some()
        || cmd.get_before_long_help().is_some()
        || cmd.get_after_long_help().is_some()
        || cmd.get_arguments().any(|a| {
            !a.is_hide_set()
                && (a.get_long_help().is_some()
                    || a.is_hide_long_help_set()
                    || a.is_hide_short_help_set()
                    || (!a.is_hide_possible_values_set()
                        && a.get_possible_values()
                            .iter()
                            .any(|v| !v.is_hide_set() && v.get_help().is_some())))
        })
}

/// The second pass, on the built command: what clap added, the headings and the template.
fn finish(mut cmd: Command, t: &Texts, width: usize) -> Command {
    let usage = clap::builder::Styles::styled().get_usage().to_owned();
    cmd = cmd
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{usage}{}{usage:#} {{usage}}\n\n{{all-args}}{{after-help}}",
            t.help.usage
        ))
        .term_width(width);
    if cmd.has_subcommands() {
        cmd = cmd
            .subcommand_help_heading(format!("{} ", t.help.commands))
            .subcommand_value_name(t.help.command_value_name.clone());
    }
    cmd = cmd.mut_args(|arg| match arg.get_action() {
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong => {
            let summary = if arg.get_long_help().is_some() {
                &t.help.help_flag_more
            } else {
                &t.help.help_flag
            };
            let page = arg.get_long_help().is_some();
            let heading = heading(&arg, t);
            let arg = arg.help(summary.clone()).help_heading(heading);
            if page {
                arg.long_help(t.help.help_flag_summary.clone())
            } else {
                arg
            }
        }
        ArgAction::Version => {
            let heading = heading(&arg, t);
            arg.help(t.help.version_flag.clone()).help_heading(heading)
        }
        // The argument of the `help` command, when clap gives it one.
        _ if arg.get_id() == "subcommand"
            && arg
                .get_help()
                .is_some_and(|h| h.to_string().starts_with("Print help")) =>
        {
            let heading = heading(&arg, t);
            arg.help(t.help.help_command_arg.clone())
                .help_heading(heading)
                .value_name(t.help.command_value_name.clone())
        }
        _ => arg,
    });
    cmd.mut_subcommands(|sub| {
        let generated_help = sub.get_name() == "help"
            && sub
                .get_about()
                .is_some_and(|a| a.to_string().starts_with("Print this message"));
        let sub = if generated_help {
            sub.about(t.help.help_command.clone())
        } else {
            sub
        };
        finish(sub, t, width)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_is_greedy_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b", 3), vec!["aaaaaaa", "b"]);
        assert_eq!(wrap("", 3), vec![""]);
    }
}
