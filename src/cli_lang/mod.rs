//! The command line in the user's language: help pages, usage errors, shell completions and
//! the manual page, in French or English.
//!
//! clap writes its help and its errors in English only. The language is known before parsing,
//! from `--lang` on the command line or from the locale (`lang_from_args`); in French the
//! command is rebuilt from `Cli::command()` with the texts of `texts.toml` (`french.rs`), and
//! usage errors are rendered by their kind in either language (`errors.rs`). In English the
//! command is `Cli::command()` as it is, so the help is clap's own.

mod errors;
mod french;
mod man;
mod texts;
mod values;

use std::ffi::OsString;

use clap::builder::Command;
use clap::{CommandFactory, FromArgMatches, ValueEnum};

use crate::cli::Cli;
use crate::lang::Lang;

pub use errors::{English, French};

/// The language named on the command line, `--lang fr` or `--lang=fr`, anywhere before a
/// `--` (after it the words are another program's); `None` without one, or with a value that
/// is no language (the parser then says so).
pub fn lang_from_args<I, T>(args: I) -> Option<Lang>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args = args.into_iter().map(Into::into).skip(1);
    while let Some(arg) = args.next() {
        let Some(arg) = arg.to_str() else {
            continue;
        };
        if arg == "--" {
            break;
        }
        let value = if arg == "--lang" {
            match args.next() {
                Some(v) => v.to_string_lossy().into_owned(),
                None => break,
            }
        } else if let Some(v) = arg.strip_prefix("--lang=") {
            v.to_string()
        } else {
            continue;
        };
        if let Ok(lang) = Lang::from_str(&value, false) {
            return Some(lang);
        }
    }
    None
}

/// The command line in `lang`: clap's command as it is in English, the French one in French.
pub fn command(lang: Lang) -> Command {
    command_named(lang, None)
}

fn command_named(lang: Lang, bin_name: Option<&str>) -> Command {
    match (lang, texts::get()) {
        (Lang::Fr, Some(t)) => french::command(t, bin_name),
        _ => {
            let cmd = Cli::command();
            match bin_name {
                Some(name) => cmd.bin_name(name),
                None => cmd,
            }
        }
    }
}

/// Parses the command line in `lang`. A help page, the version or a usage error comes back
/// as the error; [`exit_with`] prints it in `lang`.
pub fn try_parse<I, T>(args: I, lang: Lang) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    diff_trace_flag(&mut args);
    let bin_name = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .map(str::to_string);
    let mut cmd = command_named(lang, bin_name.as_deref());
    cmd.try_get_matches_from_mut(args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches))
        .map_err(|e| e.format(&mut cmd))
}

/// `socklab diff --trace A B` compares two traces, but `--trace` is also the global option
/// that takes a format (`--trace json`): after `diff`, a `--trace` that is not followed by a
/// format's name is the comparison's flag, `--traces`.
fn diff_trace_flag(args: &mut [OsString]) {
    let Some(diff) = args.iter().skip(1).position(|a| a == "diff") else {
        return;
    };
    let formats = ["pretty", "strace", "json", "off"];
    for k in diff + 2..args.len() {
        let next_is_format = args
            .get(k + 1)
            .and_then(|a| a.to_str())
            .is_some_and(|a| formats.contains(&a));
        if args[k] == "--trace" && !next_is_format {
            args[k] = OsString::from("--traces");
        }
    }
}

/// Parses the program's command line, in the language of `--lang` or of the locale; on a help
/// page, the version or a usage error, prints it and exits (0, or 2 for an error), as clap
/// does.
pub fn parse_or_exit() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let lang = lang_from_args(args.iter().cloned()).unwrap_or_else(Lang::from_env);
    match try_parse(args, lang) {
        Ok(cli) => cli,
        Err(e) => exit_with(e, lang),
    }
}

/// Prints a help page, the version (stdout, exit 0) or a usage error (stderr, exit 2), a usage
/// error in `lang`.
pub fn exit_with(e: clap::Error, lang: Lang) -> ! {
    match lang {
        Lang::Fr => e.apply::<French>().exit(),
        Lang::En => e.apply::<English>().exit(),
    }
}

/// A usage error as [`exit_with`] prints it, with its styles (ANSI).
pub fn render_error(e: clap::Error, lang: Lang) -> String {
    match lang {
        Lang::Fr => e.apply::<French>().render().ansi().to_string(),
        Lang::En => e.apply::<English>().render().ansi().to_string(),
    }
}

/// `socklab completions SHELL`: the completion script, from the command in `lang` (zsh and
/// fish show the help of each option).
pub fn completions(shell: clap_complete::Shell, lang: Lang) -> String {
    use clap_complete::Generator;
    let mut cmd = command(lang);
    let name = cmd.get_name().to_string();
    cmd.set_bin_name(name);
    cmd.build();
    let mut script = Vec::new();
    match shell.try_generate(&cmd, &mut script) {
        Ok(()) => String::from_utf8_lossy(&script).into_owned(),
        Err(_) => String::new(),
    }
}

/// `socklab man`: the manual page in `lang`, in roff.
pub fn man_page(lang: Lang) -> String {
    let mut english = Cli::command();
    english.build();
    let mut local = command(lang);
    local.build();
    man::page(&english, &local, lang, texts::get())
}

/// The French texts of the command line, for the tests that check every command and argument
/// has one.
pub mod french_texts {
    use super::texts;

    /// Whether `texts.toml` reads; the reason when it does not.
    pub fn check() -> Result<(), String> {
        texts::load().map(|_| ()).map_err(str::to_string)
    }

    /// A command's French description (`path`: the names below the program, empty for the
    /// program itself).
    pub fn about(program: &str, path: &[&str]) -> Option<&'static str> {
        Some(texts::get()?.command(program, path)?.about.as_str())
    }

    /// Whether a command's French text has a long description and examples.
    pub fn has_long_about(program: &str, path: &[&str]) -> bool {
        texts::get()
            .and_then(|t| t.command(program, path))
            .is_some_and(|c| c.long_about.is_some())
    }

    pub fn has_after_help(program: &str, path: &[&str]) -> bool {
        texts::get()
            .and_then(|t| t.command(program, path))
            .is_some_and(|c| c.after_help.is_some())
    }

    /// An argument's French help.
    pub fn arg(program: &str, path: &[&str], id: &str) -> Option<&'static str> {
        Some(texts::get()?.arg(program, path, id)?.help.as_str())
    }

    /// The French help of a possible value of an argument.
    pub fn value(program: &str, path: &[&str], id: &str, value: &str) -> Option<&'static str> {
        let t = texts::get()?;
        t.value(t.arg(program, path, id)?, value)
    }

    /// The French of a custom help heading.
    pub fn heading(english: &str) -> Option<&'static str> {
        Some(texts::get()?.headings.get(english)?.as_str())
    }

    /// Every command and argument `texts.toml` has a text for: (command key, argument id).
    pub fn entries() -> Vec<(String, Option<String>)> {
        let Some(t) = texts::get() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, command) in &t.commands {
            out.push((key.clone(), None));
            for id in command.args.keys() {
                out.push((key.clone(), Some(id.clone())));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        std::iter::once("socklab")
            .chain(line.split_whitespace())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_language_is_read_from_the_command_line() {
        assert_eq!(lang_from_args(args("--lang fr serve echo")), Some(Lang::Fr));
        assert_eq!(lang_from_args(args("serve echo --lang=fr")), Some(Lang::Fr));
        assert_eq!(lang_from_args(args("--lang=en --help")), Some(Lang::En));
        assert_eq!(lang_from_args(args("--lang de serve")), None);
        assert_eq!(lang_from_args(args("--lang")), None);
        assert_eq!(lang_from_args(args("serve echo")), None);
        // After `--`, the words are the graded program's.
        assert_eq!(lang_from_args(args("check 03 -- prog --lang fr")), None);
        // The program's own name is no argument.
        assert_eq!(lang_from_args(["--lang=fr"]), None);
    }

    #[test]
    fn diff_trace_is_the_comparison_of_traces_not_a_format() {
        let diff = |line: &str| match try_parse(args(line), Lang::En).unwrap() {
            Cli {
                command: crate::cli::Command::Diff(d),
                global,
            } => (d.traces, d.a, global.trace),
            _ => panic!("not diff: {line}"),
        };
        let (traces, a, format) = diff("diff --trace a.jsonl b.jsonl");
        assert!(traces);
        assert_eq!(
            (a.as_str(), format),
            ("a.jsonl", crate::trace::Format::Pretty)
        );
        let (traces, _, format) = diff("diff a.jsonl b.jsonl --trace --role veilleur");
        assert!(traces);
        assert_eq!(format, crate::trace::Format::Pretty);
        // Before the command, or followed by a format, it is the trace's format.
        let (traces, a, format) = diff("--trace json diff 03 10");
        assert!(!traces);
        assert_eq!((a.as_str(), format), ("03", crate::trace::Format::Json));
        let (traces, _, format) = diff("diff --trace off 03 10");
        assert!(!traces);
        assert_eq!(format, crate::trace::Format::Off);
        assert!(try_parse(args("diff 03 10 --role veilleur"), Lang::En).is_err());
    }

    /// In English the errors are rendered here as clap renders them, styles included.
    #[test]
    fn english_errors_are_clap_s_own() {
        for line in [
            "--nope",
            "serve nosuchservice",
            "serve echo --prot tcp",
            "serve",
            "sevre",
            "serve echo --port 70000",
            "serve echo --port abc",
            "serve echo --port",
            "serve echo --port 1 --port 2",
            "connect echo --timeout -1",
            "connect echo --timeout zz",
            "check 03 --solution --each x",
            "check 03 --csv",
            "diff a b c",
            "bench --clients 1,x",
            "--lang de serve echo",
            "",
        ] {
            let clap_own = Cli::command()
                .try_get_matches_from(args(line))
                .expect_err(line);
            let ours = try_parse(args(line), Lang::En).expect_err(line);
            assert_eq!(ours.kind(), clap_own.kind(), "{line}");
            assert_eq!(
                render_error(ours, Lang::En),
                clap_own.render().ansi().to_string(),
                "`socklab {line}`"
            );
        }
    }

    #[test]
    fn french_errors_say_what_is_wrong() {
        let cases = [
            ("--nope", "argument inattendu : « --nope »"),
            (
                "serve nosuchservice",
                "valeur « nosuchservice » invalide pour « <SERVICE> »",
            ),
            (
                "serve echo --prot tcp",
                "un argument semblable existe : « --proto »",
            ),
            ("sevre", "une commande semblable existe : « serve »"),
            ("serve", "les arguments obligatoires suivants manquent :"),
            (
                "serve echo --port 70000",
                "70000 n'est pas compris entre 0 et 65535",
            ),
            ("serve echo --port abc", "ce n'est pas un nombre entier"),
            (
                "connect echo --timeout zz",
                "« zz » n'est pas un nombre de secondes",
            ),
            (
                "connect echo --timeout -1",
                "pour passer « -1 » comme valeur, écrivez « -- -1 »",
            ),
            (
                "check 03 --solution --each x",
                "l'argument « --solution » ne peut pas être utilisé avec « --each <MOTIF> »",
            ),
            (
                "serve echo --port 1 --port 2",
                "ne peut être donné qu'une fois",
            ),
        ];
        for (line, expected) in cases {
            let e = try_parse(args(line), Lang::Fr).expect_err(line);
            let text = e.apply::<French>().render().to_string();
            assert!(text.starts_with("erreur : "), "{line}: {text}");
            assert!(text.contains(expected), "{line}: {text}");
            assert!(
                text.contains("Pour en savoir plus, essayez « --help »."),
                "{line}: {text}"
            );
            assert!(
                !text.contains("error:") && !text.contains("Usage:"),
                "{line}: {text}"
            );
        }
    }

    /// The French command passes clap's own checks (debug builds assert them when the command is
    /// built), and every page of it renders.
    #[test]
    fn the_french_command_builds_and_renders() {
        let mut cmd = command(Lang::Fr);
        cmd.build();
        fn walk(cmd: &mut Command) {
            let _ = cmd.render_help();
            let _ = cmd.render_long_help();
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            for name in names {
                if let Some(sub) = cmd.find_subcommand_mut(&name) {
                    walk(sub);
                }
            }
        }
        walk(&mut cmd);
    }

    /// Every value described in English is described in French, in the command itself (what the
    /// help and the zsh and fish completions show): an enum of the command line missing from
    /// `values.rs` fails here.
    #[test]
    fn every_value_is_described_in_french() {
        let mut english = Cli::command();
        english.build();
        let mut french = command(Lang::Fr);
        french.build();
        let mut missing = Vec::new();
        fn walk(en: &Command, fr: &Command, path: &str, missing: &mut Vec<String>) {
            for arg in en.get_arguments() {
                let Some(fr_arg) = fr.get_arguments().find(|a| a.get_id() == arg.get_id()) else {
                    continue;
                };
                let fr_values = fr_arg.get_possible_values();
                for value in arg.get_possible_values() {
                    let Some(help) = value.get_help() else {
                        continue;
                    };
                    let translated = fr_values
                        .iter()
                        .find(|v| v.get_name() == value.get_name())
                        .and_then(|v| v.get_help());
                    if translated.is_none_or(|t| t.to_string() == help.to_string()) {
                        missing.push(format!("{path} {} = {}", arg.get_id(), value.get_name()));
                    }
                }
            }
            for sub in en.get_subcommands() {
                if let Some(fr_sub) = fr.find_subcommand(sub.get_name()) {
                    walk(sub, fr_sub, &format!("{path} {}", sub.get_name()), missing);
                }
            }
        }
        walk(&english, &french, "socklab", &mut missing);
        assert!(missing.is_empty(), "values without French: {missing:#?}");
    }
}
